//! Rules shared by every stored TM Forum resource: which first-level attributes
//! exist and their types, what the server stamps, and how a create or a patch is
//! checked before anything is written. One table per resource drives both the
//! validation and the OpenAPI schema, so the two cannot drift apart.

use crate::time::parse_rfc3339;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// A string of at most this many characters.
    Text(usize),
    Boolean,
    Number,
    DateTime,
    /// `{startDateTime, endDateTime}`, both optional RFC 3339, start before end.
    Period,
    Object,
    Array,
}

#[derive(Debug, Clone, Copy)]
pub struct AttrRule {
    pub name: &'static str,
    pub ty: AttrType,
    pub required: bool,
    pub description: &'static str,
}

pub const fn attr(name: &'static str, ty: AttrType, description: &'static str) -> AttrRule {
    AttrRule {
        name,
        ty,
        required: false,
        description,
    }
}

pub const fn required(name: &'static str, ty: AttrType, description: &'static str) -> AttrRule {
    AttrRule {
        name,
        ty,
        required: true,
        description,
    }
}

/// Longest identifier a client may choose.
pub const MAX_ID_LEN: usize = 100;
/// Longest string anywhere in a document, whatever the attribute.
pub const MAX_ANY_TEXT: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the offending value in the payload, e.g. `validFor.startDateTime`.
    pub field: String,
    pub rule: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ResourceSpec {
    /// Path segment and stored kind, e.g. `productOffering`.
    pub kind: &'static str,
    /// Default `@type`, e.g. `ProductOffering`.
    pub type_name: &'static str,
    pub attrs: &'static [AttrRule],
    /// `lifecycleStatus` given to a new resource that names none.
    pub default_lifecycle: Option<&'static str>,
    /// Attributes the server owns: refused in a create or patch payload.
    pub server_owned: &'static [&'static str],
    /// Rules beyond attribute types, checked on the whole resource (a new
    /// one, or the result of a merge patch) once its attributes are valid.
    pub check: Option<fn(&Value) -> Vec<FieldError>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Patch,
}

impl ResourceSpec {
    /// Checks a create or patch payload and returns every broken rule.
    pub fn validate(&self, body: &Value, mode: Mode) -> Result<(), Vec<FieldError>> {
        let Value::Object(map) = body else {
            return Err(vec![FieldError::new("body", "must be a JSON object")]);
        };
        let mut errors = Vec::new();
        for owned in self.server_owned {
            if map.contains_key(*owned) {
                errors.push(FieldError::new(
                    *owned,
                    "is set by the server and may not be sent",
                ));
            }
        }
        if let Some(id) = map.get("id") {
            match mode {
                Mode::Create => check_id(id, &mut errors),
                Mode::Patch => errors.push(FieldError::new("id", "may not be changed")),
            }
        }
        for rule in self.attrs {
            match map.get(rule.name) {
                None if rule.required && mode == Mode::Create => {
                    errors.push(FieldError::new(rule.name, "is required"));
                }
                None => {}
                Some(Value::Null) if mode == Mode::Patch && !rule.required => {}
                Some(value) => check_type(rule.name, rule.ty, value, mode, &mut errors),
            }
        }
        check_text_lengths("", body, &mut errors);
        if errors.is_empty()
            && mode == Mode::Create
            && let Some(check) = self.check
        {
            errors = check(body);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Fills in what the server owns on a new resource.
    pub fn stamp_new(&self, body: &mut Map<String, Value>, id: &str, now: DateTime<Utc>) {
        body.insert("id".into(), Value::String(id.to_string()));
        body.entry("@type")
            .or_insert_with(|| Value::String(self.type_name.to_string()));
        if let Some(status) = self.default_lifecycle {
            body.entry("lifecycleStatus")
                .or_insert_with(|| Value::String(status.to_string()));
        }
        self.stamp_update(body, now);
    }

    pub fn stamp_update(&self, body: &mut Map<String, Value>, now: DateTime<Utc>) {
        if self.server_owned.contains(&"lastUpdate") {
            body.insert(
                "lastUpdate".into(),
                Value::String(crate::time::rfc3339(now)),
            );
        }
    }
}

fn check_id(id: &Value, errors: &mut Vec<FieldError>) {
    match id.as_str() {
        Some(s) if !s.is_empty() && s.len() <= MAX_ID_LEN && s.chars().all(is_id_char) => {}
        Some(_) => errors.push(FieldError::new(
            "id",
            format!(
                "must be 1 to {MAX_ID_LEN} characters of letters, digits, '-', '_', '.' or ':'"
            ),
        )),
        None => errors.push(FieldError::new("id", "must be a string")),
    }
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

fn check_type(field: &str, ty: AttrType, value: &Value, mode: Mode, errors: &mut Vec<FieldError>) {
    let rule = match ty {
        AttrType::Text(max) => match value.as_str() {
            Some(s) if s.chars().count() <= max => None,
            Some(_) => Some(format!("must be at most {max} characters")),
            None => Some("must be a string".to_string()),
        },
        AttrType::Boolean => (!value.is_boolean()).then(|| "must be a boolean".to_string()),
        AttrType::Number => (!value.is_number()).then(|| "must be a number".to_string()),
        AttrType::DateTime => {
            (!is_datetime(value)).then(|| "must be an RFC 3339 date-time".to_string())
        }
        AttrType::Object => (!value.is_object()).then(|| "must be an object".to_string()),
        AttrType::Array => (!value.is_array()).then(|| "must be an array".to_string()),
        AttrType::Period => return check_period(field, value, mode, errors),
    };
    if let Some(rule) = rule {
        errors.push(FieldError::new(field, rule));
    }
}

fn is_datetime(value: &Value) -> bool {
    value.as_str().and_then(parse_rfc3339).is_some()
}

/// A period's bounds are optional date-times; `null` removes one in a merge
/// patch, but a new resource may not store it (it is not a date-time).
fn check_period(field: &str, value: &Value, mode: Mode, errors: &mut Vec<FieldError>) {
    let Value::Object(map) = value else {
        errors.push(FieldError::new(field, "must be an object"));
        return;
    };
    let mut bounds = [None, None];
    for (slot, key) in ["startDateTime", "endDateTime"].iter().enumerate() {
        match map.get(*key) {
            None => {}
            Some(Value::Null) if mode == Mode::Patch => {}
            Some(v) => match v.as_str().and_then(parse_rfc3339) {
                Some(t) => bounds[slot] = Some(t),
                None => errors.push(FieldError::new(
                    format!("{field}.{key}"),
                    "must be an RFC 3339 date-time",
                )),
            },
        }
    }
    if matches!(bounds, [Some(start), Some(end)] if start > end) {
        errors.push(FieldError::new(
            format!("{field}.endDateTime"),
            "must not be before startDateTime",
        ));
    }
}

fn check_text_lengths(path: &str, value: &Value, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(s) if s.len() > MAX_ANY_TEXT => errors.push(FieldError::new(
            if path.is_empty() { "body" } else { path },
            format!("must be at most {MAX_ANY_TEXT} characters"),
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_text_lengths(&format!("{path}[{i}]"), item, errors);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                check_text_lengths(&child, item, errors);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPEC: ResourceSpec = ResourceSpec {
        kind: "thing",
        type_name: "Thing",
        attrs: &[
            required("name", AttrType::Text(10), "name"),
            attr("isBundle", AttrType::Boolean, "bundle"),
            attr("validFor", AttrType::Period, "validity"),
        ],
        default_lifecycle: Some("In design"),
        server_owned: &["href", "lastUpdate"],
        check: Some(|body| {
            if body.get("name").and_then(Value::as_str) == Some("forbidden") {
                vec![FieldError::new("name", "may not be 'forbidden'")]
            } else {
                Vec::new()
            }
        }),
    };

    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn create_requires_and_types() {
        assert_eq!(fields(SPEC.validate(&json!({}), Mode::Create)), ["name"]);
        assert_eq!(
            fields(SPEC.validate(&json!({"name": "a", "isBundle": "yes"}), Mode::Create)),
            ["isBundle"]
        );
        assert_eq!(
            fields(SPEC.validate(&json!({"name": "01234567890"}), Mode::Create)),
            ["name"]
        );
        assert!(
            SPEC.validate(&json!({"name": "ok", "extension": 1}), Mode::Create)
                .is_ok()
        );
    }

    #[test]
    fn domain_checks_run_on_whole_resources_only() {
        assert_eq!(
            fields(SPEC.validate(&json!({"name": "forbidden"}), Mode::Create)),
            ["name"]
        );
        assert!(
            SPEC.validate(&json!({"name": "forbidden"}), Mode::Patch)
                .is_ok()
        );
        // Type errors come first; the domain check needs a well-typed resource.
        assert_eq!(
            fields(SPEC.validate(&json!({"name": 5}), Mode::Create)),
            ["name"]
        );
    }

    #[test]
    fn periods_are_checked() {
        let body = json!({"name": "a", "validFor": {"startDateTime": "2024-02-01T00:00:00Z", "endDateTime": "2024-01-01T00:00:00Z"}});
        assert_eq!(
            fields(SPEC.validate(&body, Mode::Create)),
            ["validFor.endDateTime"]
        );
        let body = json!({"name": "a", "validFor": {"startDateTime": "yesterday"}});
        assert_eq!(
            fields(SPEC.validate(&body, Mode::Create)),
            ["validFor.startDateTime"]
        );
    }

    /// Found by fuzzing: a new resource stored `startDateTime: null`, which
    /// its own schema (a date-time string) does not allow.
    #[test]
    fn a_null_bound_removes_in_a_patch_but_is_refused_on_create() {
        let body = json!({"name": "a", "validFor": {"startDateTime": null, "endDateTime": "2024-01-01T00:00:00Z"}});
        assert_eq!(
            fields(SPEC.validate(&body, Mode::Create)),
            ["validFor.startDateTime"]
        );
        let patch = json!({"validFor": {"startDateTime": null}});
        assert!(SPEC.validate(&patch, Mode::Patch).is_ok());
    }

    #[test]
    fn server_owned_and_id_rules() {
        assert_eq!(
            fields(SPEC.validate(&json!({"name": "a", "href": "x"}), Mode::Create)),
            ["href"]
        );
        assert_eq!(
            fields(SPEC.validate(&json!({"name": "a", "id": "a b"}), Mode::Create)),
            ["id"]
        );
        assert_eq!(
            fields(SPEC.validate(&json!({"id": "x"}), Mode::Patch)),
            ["id"]
        );
        assert!(
            SPEC.validate(&json!({"isBundle": null}), Mode::Patch)
                .is_ok()
        );
        assert_eq!(
            fields(SPEC.validate(&json!({"name": null}), Mode::Patch)),
            ["name"]
        );
    }

    #[test]
    fn long_text_anywhere_is_named() {
        let long = "x".repeat(MAX_ANY_TEXT + 1);
        let body = json!({"name": "a", "note": [{"text": long}]});
        assert_eq!(fields(SPEC.validate(&body, Mode::Create)), ["note[0].text"]);
    }

    #[test]
    fn stamping_sets_defaults_without_overriding() {
        let mut body = json!({"name": "a", "lifecycleStatus": "Active"});
        let now = parse_rfc3339("2024-01-01T00:00:00Z").expect("valid");
        if let Value::Object(map) = &mut body {
            SPEC.stamp_new(map, "id1", now);
        }
        assert_eq!(body["id"], "id1");
        assert_eq!(body["@type"], "Thing");
        assert_eq!(body["lifecycleStatus"], "Active");
        assert_eq!(body["lastUpdate"], "2024-01-01T00:00:00.000Z");
    }
}
