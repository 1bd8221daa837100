//! What the shared request guards (limits, idempotency) need to know about a
//! request before any family's router has seen it: in which shape its API
//! family answers errors, and who is calling, as a key.

use crate::error::{self, ApiError};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omni_core::Principal;

/// An error answered by a guard, in the shape of the family `path` belongs
/// to: the partner shape under `/omni-svcs`, the TMF error object elsewhere.
/// Care orders echo the client id on every answer, so this one does too.
pub async fn error_response(path: &str, request: &HeaderMap, error: ApiError) -> Response {
    let response = error.into_response();
    let partner = path
        .strip_prefix(crate::PARTNER_BASE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let mut response = if partner {
        error::render_partner(response).await
    } else {
        response
    };
    if path.starts_with(crate::care::BASE)
        && let Some(client) = request.get(&crate::care::CLIENT_ID)
    {
        response
            .headers_mut()
            .insert(crate::care::CLIENT_ID, client.clone());
    }
    response
}

/// The same, with `Retry-After` (whole seconds, at least 1).
pub async fn retry_later(
    path: &str,
    request: &HeaderMap,
    error: ApiError,
    after: std::time::Duration,
) -> Response {
    let mut response = error_response(path, request, error).await;
    let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// A principal as it names a key: `kind:subject`, or `anonymous` for a
/// caller without a token (every such caller of a tenant shares it).
pub fn principal_id(principal: &Principal) -> String {
    match &principal.subject {
        Some(subject) => format!("{}:{subject}", principal.kind.as_str()),
        None => "anonymous".to_string(),
    }
}

/// The caller a request's `Authorization` names, or `None` when the header
/// is present but not a valid token (the handler answers 401 for it).
pub async fn caller(auth: &crate::auth::Auth, headers: &HeaderMap) -> Option<Principal> {
    let value = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => Some(v.to_str().ok()?),
    };
    auth.principal(value).await.ok()
}

pub fn unprocessable(code: &'static str, field: &str, rule: String) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        "Unprocessable entity",
        format!("{field} {rule}"),
    );
    e.details = vec![omni_core::document::FieldError::new(field, rule)];
    e
}
