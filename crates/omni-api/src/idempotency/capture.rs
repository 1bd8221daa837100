//! Recording the answer of the one attempt that holds a key, and replaying
//! a recorded answer.

use super::REPLAYED;
use crate::error::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omni_store::{IdempotencyScope, Store, StoredResponse};

/// Stores an answer below 500 and passes it on; releases the key otherwise.
pub async fn settle(
    store: &dyn Store,
    scope: &IdempotencyScope,
    owner: &str,
    response: Response,
) -> Response {
    let status = response.status();
    let retryable = status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS;
    if retryable {
        if let Err(e) = store.release_idempotency(scope, owner).await {
            tracing::warn!(error = %e, "could not release an idempotency key; it lapses with its lease");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    // Handlers answer buffered JSON, so this copies what is in memory already.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "could not read a response body to record it");
            let _ = store.release_idempotency(scope, owner).await;
            return ApiError::internal().into_response();
        }
    };
    let stored = StoredResponse {
        status: status.as_u16(),
        headers: kept_headers(&parts.headers),
        body: bytes.to_vec(),
    };
    match store.finish_idempotency(scope, owner, &stored).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            key = %scope.key,
            "an idempotency key was taken over before its attempt finished (its lease lapsed)"
        ),
        // The caller still gets its answer; a retry finds the key running
        // until its lease lapses, and then runs again.
        Err(e) => {
            tracing::error!(error = %e, key = %scope.key, "could not record an idempotent answer")
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Headers that belong to one exchange rather than to the answer: framing,
/// and what `ops::observe` sets from each request.
const PER_EXCHANGE: [HeaderName; 6] = [
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::CONNECTION,
    header::DATE,
    crate::ops::REQUEST_ID,
    crate::ops::CONVERSATION_ID,
];

fn kept_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !PER_EXCHANGE.contains(name) && **name != crate::ops::MESSAGE_ID)
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect()
}

/// A recorded answer, as the retry gets it.
pub fn replay(stored: &StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Body::from(stored.body.clone()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
