//! Reading a question: the request document as sent (kept, to be stored
//! with the results written in) and the typed view of what Omni reads of
//! it, checked against the documented `<Name>_Create` schema; and
//! [`Problems`], which gathers every failing field of the hand-written rules
//! of `poq/body.rs` and `sq/body.rs` so that one answer names them all.

use super::{Kind, MAX_ITEMS, schema, shape};
use crate::error::{AppError, AppResult};
use omni_core::document::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Longest text accepted in an id or a context value.
const MAX_TEXT: usize = 100;

/// The request document as an object and as `T`.
pub(super) fn read<T: DeserializeOwned>(
    kind: Kind,
    document: Value,
) -> AppResult<(Map<String, Value>, T)> {
    let typed = crate::request::decode::<T>(&document)?;
    let mut problems = Problems::default();
    shape::check("", &document, schema::create(kind), &mut problems);
    problems.finish()?;
    match document {
        Value::Object(mut map) => {
            drop_nulls(&mut map);
            Ok((map, typed))
        }
        _ => Err(AppError::field("body", "must be a JSON object")),
    }
}

/// The request is stored as part of the answer: an attribute sent as `null`
/// was read as absent, so it is stored absent rather than as a `null` that
/// the attribute's type (a boolean, a string) does not allow.
fn drop_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, v| !v.is_null());
    for value in map.values_mut() {
        match value {
            Value::Object(inner) => drop_nulls(inner),
            Value::Array(items) => items.iter_mut().for_each(|item| {
                if let Value::Object(inner) = item {
                    drop_nulls(inner);
                }
            }),
            _ => {}
        }
    }
}

/// Collects field errors of hand-written rules.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<FieldError>);

impl Problems {
    pub(super) fn add(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.0.push(FieldError::new(field, rule));
    }

    /// A text that must be present, non-blank and at most [`MAX_TEXT`] long.
    pub(super) fn text(&mut self, field: impl Into<String>, value: &str) {
        if value.trim().is_empty() {
            self.add(field, "must not be empty");
        } else if value.chars().count() > MAX_TEXT {
            self.add(field, format!("must be at most {MAX_TEXT} characters"));
        }
    }

    pub(super) fn optional_text(&mut self, field: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.text(field, v);
        }
    }

    /// Items of a request: at least one, at most [`MAX_ITEMS`].
    pub(super) fn count(&mut self, field: &str, n: usize) {
        if n == 0 {
            self.add(field, "must list at least one item");
        } else if n > MAX_ITEMS {
            self.add(field, format!("must list at most {MAX_ITEMS} items"));
        }
    }

    /// Item ids are unique within a request.
    pub(super) fn unique_ids<'a>(
        &mut self,
        list: &str,
        ids: impl Iterator<Item = (usize, &'a str)>,
    ) {
        let mut seen: Vec<&str> = Vec::new();
        for (i, id) in ids {
            if seen.contains(&id) {
                self.add(
                    format!("{list}[{i}].id"),
                    format!("duplicates item id '{id}'"),
                );
            }
            seen.push(id);
        }
    }

    /// How many problems were found so far.
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::fields(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        channel: Value,
    }

    #[test]
    fn nulls_are_dropped_at_every_depth() {
        let (map, _) = read::<Body>(
            super::super::POQ,
            json!({"channel": {"id": "ECOMM", "name": null}, "description": null,
                   "productOfferingQualificationItem": [{"id": "1", "state": null}]}),
        )
        .expect("read");
        assert_eq!(
            Value::Object(map),
            json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [{"id": "1"}]})
        );
    }

    #[test]
    fn the_typed_view_and_the_schema_name_the_field() {
        let field = |document: Value| match read::<Body>(super::super::POQ, document) {
            Err(e) => e.details().first().map(|d| d.field.clone()),
            Ok(_) => None,
        };
        assert_eq!(field(json!({})).as_deref(), Some("channel"));
        assert_eq!(
            field(json!({"channel": {}, "description": 5})).as_deref(),
            Some("description")
        );
    }
}
