//! A cart's items as the shopping cart page (TMF663) defines them: the
//! defaults an item gets (`id`, `quantity` 1, `action` add), the checks each
//! item must pass before anything else is judged, and the facts the rest of
//! the pipeline ([`super::build`]) reads from an item: its offering, its
//! characteristics, whether the device is the customer's own, when it
//! starts.

use crate::error::{AppError, AppResult};
use omni_core::cart;
use omni_core::document::FieldError;
use serde_json::{Map, Value, json};

const ACTIONS: [&str; 4] = ["add", "modify", "delete", "noChange"];
const MAX_QUANTITY: u64 = 999;
/// What the server computes on an item; a client's values are replaced.
pub const COMPUTED: [&str; 3] = ["itemPrice", "itemTotalPrice", "ItemTotalPrice"];

pub fn offering_id(item: &Value) -> Option<&str> {
    item.pointer("/productOffering/id").and_then(Value::as_str)
}

/// Gives every item its defaults and checks it; every failing field of
/// every item is named at once.
pub fn normalise(items: &mut [Value]) -> AppResult<()> {
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (n, item) in items.iter_mut().enumerate() {
        let Value::Object(map) = item else {
            errors.push(FieldError::new(
                format!("cartItem[{n}]"),
                "must be an object",
            ));
            continue;
        };
        for computed in COMPUTED {
            map.remove(computed);
        }
        let id = match map.get("id") {
            None => (n + 1).to_string(),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 100 => s.clone(),
            Some(_) => {
                errors.push(FieldError::new(
                    format!("cartItem[{n}].id"),
                    "must be a string of 1 to 100 characters",
                ));
                continue;
            }
        };
        if seen.contains(&id) {
            errors.push(FieldError::new(
                format!("cartItem[{n}].id"),
                format!("'{id}' is used by another cart item"),
            ));
        }
        seen.push(id.clone());
        map.insert("id".into(), json!(id));
        check_item(n, map, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::fields(errors))
    }
}

/// Quantity, action, status, offering, characteristics and start date of
/// item `n`, defaults filled in.
fn check_item(n: usize, map: &mut Map<String, Value>, errors: &mut Vec<FieldError>) {
    match map.get("quantity") {
        None => {
            map.insert("quantity".into(), json!(1));
        }
        Some(q) if q.as_u64().is_some_and(|q| (1..=MAX_QUANTITY).contains(&q)) => {}
        Some(_) => errors.push(FieldError::new(
            format!("cartItem[{n}].quantity"),
            format!("must be a whole number from 1 to {MAX_QUANTITY}"),
        )),
    }
    match map.get("action").map(|a| a.as_str()) {
        None => {
            map.insert("action".into(), json!("add"));
        }
        Some(Some(a)) if ACTIONS.contains(&a) => {}
        Some(_) => errors.push(FieldError::new(
            format!("cartItem[{n}].action"),
            format!("must be one of {}", ACTIONS.join(", ")),
        )),
    }
    match map.get("status").map(|s| s.as_str()) {
        None | Some(Some(cart::ACTIVE | cart::SAVED_FOR_LATER)) => {}
        Some(_) => errors.push(FieldError::new(
            format!("cartItem[{n}].status"),
            "must be active or savedForLater",
        )),
    }
    if map
        .get("productOffering")
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        errors.push(FieldError::new(
            format!("cartItem[{n}].productOffering.id"),
            "is required",
        ));
    }
    for (c, ch) in characteristics(map.get("product")).iter().enumerate() {
        let name = ch.get("name").and_then(Value::as_str).unwrap_or_default();
        // A known characteristic's value is text in a known format.
        let value = ch.get("value").and_then(Value::as_str).unwrap_or_default();
        if let Some(rule) = omni_core::formats::characteristic_problem(name, value) {
            let path = format!("cartItem[{n}].product.productCharacteristic[{c}].value");
            errors.push(FieldError::new(path, rule));
        }
    }
    if let Some(d) = map.get("startDate")
        && start_date(d).is_none()
    {
        errors.push(FieldError::new(
            format!("cartItem[{n}].startDate"),
            "must be an RFC 3339 date-time or a YYYY-MM-DD date",
        ));
    }
}

pub fn characteristics(product: Option<&Value>) -> Vec<Value> {
    product
        .and_then(|p| p.get("productCharacteristic"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// How the item's device is paid for (`paymentOption`), the default when
/// it does not say.
pub fn payment(item: &Value) -> omni_core::pricing::Payment {
    let choice = characteristics(item.get("product"))
        .into_iter()
        .find_map(|c| {
            (c.get("name").and_then(Value::as_str)
                == Some(omni_core::pricing::Payment::CHARACTERISTIC))
            .then(|| c.get("value").and_then(Value::as_str).map(str::to_string))
            .flatten()
        });
    omni_core::pricing::Payment::from_choice(choice.as_deref())
}

/// A device the customer already owns (bring your own phone) is not sold.
pub fn is_byod(item: &Value) -> bool {
    characteristics(item.get("product")).iter().any(|c| {
        c.get("name").and_then(Value::as_str) == Some("isBYOD")
            && c.get("value")
                .and_then(Value::as_str)
                .and_then(omni_core::formats::flag)
                == Some(true)
    })
}

/// The coupon codes the items carry (`couponCode` characteristics).
pub fn coupon_codes(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .flat_map(|i| characteristics(i.get("product")))
        .filter(|c| c.get("name").and_then(Value::as_str) == Some("couponCode"))
        .filter_map(|c| c.get("value").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn start_date(v: &Value) -> Option<chrono::NaiveDate> {
    let text = v.as_str()?;
    omni_core::time::parse_rfc3339(text)
        .map(|t| t.date_naive())
        .or_else(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
}

/// When the item starts (its own `startDate`, or its product's).
pub fn start(item: &Value) -> Option<chrono::NaiveDate> {
    item.get("startDate")
        .or_else(|| item.pointer("/product/startDate"))
        .and_then(start_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_get_their_defaults() {
        let mut items = vec![json!({"productOffering": {"id": "plan"}, "itemPrice": []})];
        assert!(normalise(&mut items).is_ok());
        assert_eq!(
            items[0],
            json!({"id": "1", "quantity": 1, "action": "add", "productOffering": {"id": "plan"}})
        );
    }

    #[test]
    fn every_failing_field_is_named() {
        let mut items = vec![
            json!({"id": "a", "quantity": 0, "productOffering": {"id": "plan"}}),
            json!({"id": "a", "action": "sell"}),
        ];
        let fields: Vec<String> = match normalise(&mut items) {
            Err(e) => e.details().iter().map(|d| d.field.clone()).collect(),
            Ok(()) => Vec::new(),
        };
        assert_eq!(
            fields,
            [
                "cartItem[0].quantity",
                "cartItem[1].id",
                "cartItem[1].action",
                "cartItem[1].productOffering.id"
            ]
        );
    }
}
