//! The page's four checks on `cartItemRelationship`.

use crate::document::FieldError;
use serde_json::Value;

pub const RELATIONSHIP_TYPES: [&str; 6] = [
    "swap",
    "swapped by",
    "hasAddOn",
    "depends on",
    "ports-in",
    "ported-in by",
];

/// The relationships of a (checked) cart item as `(target item id, type)`;
/// a relationship without a type has the type `""`. Every reader of a
/// cart's relationships (orders made from carts, swap checks, Product
/// Discovery's cart context) reads them here.
pub fn relationships(item: &Value) -> impl Iterator<Item = (&str, &str)> {
    item.get("cartItemRelationship")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let id = r.get("id").and_then(Value::as_str)?;
            let kind = r.get("relationshipType").and_then(Value::as_str);
            Some((id, kind.unwrap_or_default()))
        })
}

/// Checks every relationship of every item: it names an id, another item has
/// that id, its type is one of [`RELATIONSHIP_TYPES`], and it does not point
/// at its own item. Each failure names the item and the check.
pub fn check_relationships(items: &[Value]) -> Vec<FieldError> {
    let ids: Vec<Option<&str>> = items
        .iter()
        .map(|i| i.get("id").and_then(Value::as_str))
        .collect();
    let mut errors = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let Some(Value::Array(relations)) = item.get("cartItemRelationship") else {
            continue;
        };
        let own = ids[n];
        let item_name = own.map_or_else(
            || format!("cart item {n}"),
            |id| format!("cart item '{id}'"),
        );
        for (r, relation) in relations.iter().enumerate() {
            let path = format!("cartItem[{n}].cartItemRelationship[{r}]");
            match relation
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                None => errors.push(FieldError::new(
                    format!("{path}.id"),
                    format!("{item_name}: the relationship id is required"),
                )),
                Some(target) if Some(target) == own => errors.push(FieldError::new(
                    format!("{path}.id"),
                    format!("{item_name}: a relationship cannot point at its own item"),
                )),
                Some(target)
                    if !ids
                        .iter()
                        .enumerate()
                        .any(|(m, id)| m != n && *id == Some(target)) =>
                {
                    errors.push(FieldError::new(
                        format!("{path}.id"),
                        format!("{item_name}: no other cart item has id '{target}'"),
                    ));
                }
                Some(_) => {}
            }
            let kind = relation.get("relationshipType").and_then(Value::as_str);
            if !kind.is_some_and(|k| RELATIONSHIP_TYPES.contains(&k)) {
                errors.push(FieldError::new(
                    format!("{path}.relationshipType"),
                    format!(
                        "{item_name}: the relationship type must be one of {}",
                        RELATIONSHIP_TYPES.join(", ")
                    ),
                ));
            }
        }
    }
    errors
}
