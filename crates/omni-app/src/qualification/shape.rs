//! The documented request schema, checked: Omni reads only part of a
//! qualification request and stores the rest as sent, so an attribute the
//! `<Name>_Create` schema (`schema.rs`) types (`description`: a string) but
//! the engine never reads would otherwise be stored with any value, and
//! answered back in breach of the answer's schema. Only what the request
//! schemas use is understood: `type`, `enum`, `properties` and `items`.

use super::question::Problems;
use serde_json::Value;

/// Adds a problem for each value under `path` whose type or enum differs
/// from `schema`'s; attributes the schema does not name are not judged.
pub(super) fn check(path: &str, value: &Value, schema: &Value, problems: &mut Problems) {
    // `null` reads as absent (and is not stored); required ones are the
    // typed decoding's concern.
    if value.is_null() {
        return;
    }
    if let Some(types) = types(schema)
        && !types.iter().any(|t| is_type(value, t))
    {
        problems.add(
            field(path),
            format!("must be of type {}", types.join(" or ")),
        );
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        let names: Vec<String> = allowed.iter().map(|v| v.to_string()).collect();
        problems.add(field(path), format!("must be one of {}", names.join(", ")));
        return;
    }
    match value {
        Value::Object(map) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (name, inner) in map {
                if let Some(inner_schema) = properties.get(name) {
                    let inner_path = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    check(&inner_path, inner, inner_schema, problems);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(&format!("{path}[{i}]"), item, item_schema, problems);
                }
            }
        }
        _ => {}
    }
}

fn field(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

fn types(schema: &Value) -> Option<Vec<&str>> {
    match schema.get("type")? {
        Value::String(t) => Some(vec![t.as_str()]),
        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value, schema: Value) -> Vec<String> {
        let mut p = Problems::default();
        check("", &value, &schema, &mut p);
        let mut out: Vec<String> = p.0.iter().map(|e| e.field.clone()).collect();
        out.sort();
        out
    }

    #[test]
    fn types_enums_properties_and_items() {
        let schema = json!({"type": "object", "properties": {
            "description": {"type": "string"},
            "flag": {"type": "boolean"},
            "party": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "action": {"type": "string", "enum": ["add"]}}});
        assert!(
            fields(
                json!({"description": "x", "other": {}, "flag": null}),
                schema.clone()
            )
            .is_empty()
        );
        assert_eq!(
            fields(
                json!({"description": {}, "flag": "yes", "party": [{"name": "a"}, {"name": 1}], "action": "drop"}),
                schema
            ),
            ["action", "description", "flag", "party[1].name"]
        );
    }
}
