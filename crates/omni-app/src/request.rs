//! Reading a request document as the typed view a use case works with: a
//! value that does not fit is refused naming its path in the document
//! (`productOfferingQualificationItem[0].action`) and the rule it breaks,
//! the way every `400 INVALID_FIELD` names its field. `omni-api` names the
//! fields of the bodies it decodes itself the same way ([`field_error`]).

use crate::error::{AppError, AppResult};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes `document` as `T`, or names the first value that does not fit.
pub fn decode<T: DeserializeOwned>(document: &Value) -> AppResult<T> {
    serde_path_to_error::deserialize(document).map_err(|e| field_error(e.path(), e.inner()))
}

/// The field a decoding error names, and its rule without the position in
/// the text (which means nothing to a client that sent a document).
pub fn field_error(path: &serde_path_to_error::Path, error: &serde_json::Error) -> AppError {
    let path = path.to_string();
    let message = error.to_string();
    // serde reports a missing field at its parent; name the field itself.
    let field = match message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        Some(name) if path == "." => name.to_string(),
        Some(name) => format!("{path}.{name}"),
        None if path == "." => "body".to_string(),
        None => path,
    };
    let rule = message.split(" at line ").next().unwrap_or(&message);
    AppError::field(field, rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    enum Action {
        Add,
        Delete,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Line {
        id: String,
        action: Action,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Question {
        lines: Vec<Line>,
    }

    fn named(document: Value) -> (String, String) {
        match decode::<Question>(&document) {
            Err(e) => e
                .details()
                .first()
                .map(|d| (d.field.clone(), d.rule.clone()))
                .unwrap_or_default(),
            Ok(question) => panic!("accepted: {question:?}"),
        }
    }

    #[test]
    fn errors_name_the_field_and_the_rule() {
        let line = json!({"id": "1", "action": "add"});
        assert_eq!(
            named(json!({"lines": [line, {"id": "2", "action": 5}]})),
            (
                "lines[1].action".to_string(),
                "invalid type: integer `5`, expected string or map".to_string()
            )
        );
        assert_eq!(
            named(json!({"lines": [{"action": "delete"}]})).0,
            "lines[0].id"
        );
        assert_eq!(named(json!({})).0, "lines");
        assert_eq!(named(json!("lines")).0, "body");
    }
}
