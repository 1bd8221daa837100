//! Input that no backend can store, refused before any handler runs: a NUL
//! character in a path parameter, a query value, a header or a JSON body.
//! PostgreSQL rejects NUL in text and `\u0000` in jsonb (SQLite takes both),
//! so without this the same request was a 400 on one database and a 503 on
//! the other. The answer is a 400 in the family's error shape naming the
//! field and [`omni_core::formats::NUL_RULE`]. Every family's routes go
//! through [`refuse_nul`] (path, query, headers); every JSON body through
//! [`crate::extract::decode`], so that a body is still read only after the
//! caller is authorized; token claims are checked in `auth`.

use crate::error::ApiError;
use crate::family;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use omni_core::formats::{NUL_RULE, has_nul};

/// Middleware on every route (and the fallbacks): runs after routing, so
/// that a path parameter is named as its route spells it. It does not read
/// the body (see the module's comment).
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let found = path_field(&request)
        .or_else(|| query_field(request.uri().query().unwrap_or("")))
        .or_else(|| {
            request
                .headers()
                .iter()
                .find(|(_, value)| value.as_bytes().contains(&0))
                .map(|(name, _)| name.as_str().to_string())
        });
    if let Some(field) = found {
        let e = ApiError::field(field, NUL_RULE);
        return family::error_response(&path, request.headers(), e).await;
    }
    next.run(request).await
}

/// The path parameter that holds a NUL once percent-decoded, or `path` for
/// a segment no route names (a fixed segment, or no route at all).
fn path_field(request: &Request) -> Option<String> {
    let raw = request.uri().path();
    let index = raw.split('/').position(percent_decoded_has_nul)?;
    let name = request.extensions().get::<MatchedPath>().and_then(|m| {
        let segments: Vec<&str> = m.as_str().split('/').collect();
        let segment = match segments.get(index) {
            Some(s) => *s,
            // Past the end of the template: only a trailing `{*rest}` matches.
            None => segments.last().copied().filter(|s| s.starts_with("{*"))?,
        };
        segment
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .map(|name| name.trim_start_matches('*').to_string())
    });
    Some(name.unwrap_or_else(|| "path".to_string()))
}

fn percent_decoded_has_nul(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.contains(&0)
        || bytes
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// The query parameter whose name or value holds a NUL once decoded.
fn query_field(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| has_nul(name) || has_nul(value))
        .map(|(name, _)| {
            if has_nul(&name) {
                name.replace('\0', "\\0")
            } else {
                name.into_owned()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_names_the_parameter() {
        assert_eq!(query_field("a=1&name=x%00y").as_deref(), Some("name"));
        assert_eq!(query_field("a%00=1").as_deref(), Some("a\\0"));
        assert_eq!(query_field("a=%2500"), None);
    }

    #[test]
    fn percent_encoded_nul_in_a_segment() {
        assert!(percent_decoded_has_nul("a%00b"));
        assert!(!percent_decoded_has_nul("a%2500"));
        assert!(!percent_decoded_has_nul("100"));
    }
}
