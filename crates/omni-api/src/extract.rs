//! Request decoding that names the offending field: JSON bodies (with the path
//! of a wrong value), list queries, and the body size limit.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// Largest request body accepted (413 above).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body; `application/json`, `application/merge-patch+json` or
/// any `+json` type.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json(content_type) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "Unsupported media type",
                "Content-Type must be application/json or application/merge-patch+json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::bad_request("the request body could not be read")
            }
        })?;
        decode(&bytes).map(JsonBody)
    }
}

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        "Payload too large",
        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Decodes JSON and names the path of the first value that does not fit,
/// or of a string or key holding a NUL (which no database can store; see
/// `crate::input`).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // JSON can only carry a NUL as the escape `\u0000` (a raw one is not
    // valid JSON, refused below); a body without it is not parsed twice.
    if bytes.windows(6).any(|w| w == b"\\u0000")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = omni_core::formats::nul_path(&value)
    {
        return Err(ApiError::field(field, omni_core::formats::NUL_RULE));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::field("body", format!("is not valid JSON ({inner})"));
        }
        omni_app::request::field_error(e.path(), inner).into()
    })?;
    de.end()
        .map_err(|e| ApiError::field("body", format!("is not valid JSON ({e})")))?;
    Ok(value)
}

/// The decoded query pairs, in order.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        Ok(QueryPairs(
            form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl QueryPairs {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        qty: u32,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Cart {
        items: Vec<Item>,
    }

    fn field_of(json: &str) -> String {
        decode::<Cart>(json.as_bytes())
            .expect_err("invalid")
            .details[0]
            .field
            .clone()
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            field_of(r#"{"items":[{"name":"a","qty":"x"}]}"#),
            "items[0].qty"
        );
        assert_eq!(field_of(r#"{"items":[{"qty":1}]}"#), "items[0].name");
        assert_eq!(field_of(r#"{}"#), "items");
        assert_eq!(field_of(r#"{"items":"#), "body");
        assert_eq!(field_of(r#"{"items":[]} x"#), "body");
        assert_eq!(
            field_of(r#"{"items":[{"name":"a\u0000","qty":1}]}"#),
            "items[0].name"
        );
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json(""));
    }
}
