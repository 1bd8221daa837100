//! Idempotent retries of every `POST`: a request that carries an
//! `Idempotency-Key` is done once per key, caller and tenant, and a retry gets
//! the stored answer (status, headers, body) with `Idempotent-Replayed: true`.
//!
//! The flow, shared by every API family:
//! 1. The key is reserved in the database in one atomic statement, with the
//!    request's fingerprint (a keyed hash, HMAC-SHA256 under a key derived
//!    from `OMNI_SECRETS_KEY`, of method, path, query and body: bodies may
//!    carry card numbers and CVVs, and an unkeyed hash of those can be
//!    reversed by trying them all). Of
//!    concurrent requests with one key exactly one wins, on any process
//!    sharing the database.
//! 2. The winner runs the handler, in a task of its own so that its outcome
//!    is recorded even if the client goes away or the request times out.
//!    Answers below 500 are stored (a refusal replays as a refusal); a 5xx,
//!    408 or 429 releases the key, so that a retry runs afresh.
//! 3. A request that finds the key taken by a different request gets 422; one
//!    that finds it answered gets the answer; one that finds it still running
//!    waits (polling, up to `wait`) for the answer, then gets 409 with
//!    `Retry-After` if there is none yet.
//!
//! Keys expire after `ttl` (24 h): an expired key is not honoured even before
//! the sweep (`omni_app::idempotency::sweep`, a periodic task of every node)
//! deletes it.

mod capture;
pub mod openapi;

use crate::error::ApiError;
use crate::extract::MAX_BODY_BYTES;
use crate::family;
use crate::state::AppState;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use omni_store::{IdempotencyRecord, IdempotencyReservation, IdempotencyScope, Reservation};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::time::Instant;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;

/// The settings (`ApiConfig::idempotency`).
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyConfig {
    /// How long a key is remembered.
    pub ttl: Duration,
    /// How long a request waits for a concurrent one with the same key
    /// before it is answered 409.
    pub wait: Duration,
    /// How long a running attempt holds its key. Only an attempt that died
    /// (a process killed mid-request) lets it lapse; a retry of the same
    /// request then runs again. It must exceed the slowest handler.
    pub lease: Duration,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(24 * 3600),
            wait: Duration::from_secs(10),
            lease: Duration::from_secs(60),
        }
    }
}

/// Wraps every route of `router`.
pub fn wrap(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router.layer(middleware::from_fn_with_state(state.clone(), guard))
}

async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(&IDEMPOTENCY_KEY) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let key = match key(request.headers()) {
        Ok(key) => key,
        Err(e) => return family::error_response(&path, request.headers(), e).await,
    };
    // A token that does not verify is the handler's to refuse (401); it
    // names no principal to keep a key for.
    let Some(principal) = family::caller(&state.auth, request.headers()).await else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = match read_body(body).await {
        Ok(bytes) => bytes,
        Err(e) => return family::error_response(&path, &parts.headers, e).await,
    };
    let attempt = Attempt {
        scope: IdempotencyScope {
            tenant: principal.tenant.clone(),
            principal: family::principal_id(&principal),
            key,
        },
        fingerprints: fingerprints(&state, &parts.method, &parts.uri, &bytes),
        headers: parts.headers.clone(),
        path: path.clone(),
    };
    let headers = parts.headers.clone();
    let request = Request::from_parts(parts, Body::from(bytes));
    // The attempt runs in a task of its own: if this request's future is
    // dropped (the client went away, the request timed out), a reservation
    // already made still runs its handler and records the answer for the
    // retry, instead of holding the key with the work in an unknown state.
    match tokio::spawn(async move { attempt.run(&state, request, next).await }).await {
        Ok(response) => response,
        Err(e) => {
            // Handler panics are caught inside (CatchPanicLayer); this is a
            // bug. A reserved key stays so until its lease lapses.
            tracing::error!(error = %e, "idempotent request task failed");
            family::error_response(&path, &headers, ApiError::internal()).await
        }
    }
}

/// One request with a key, on its way through the flow.
struct Attempt {
    scope: IdempotencyScope,
    /// The request's fingerprint under the current key (stored) first, then
    /// under the old keys and as earlier builds wrote it (recognised).
    fingerprints: Vec<String>,
    /// The request's headers and path, for errors in its family's shape.
    headers: HeaderMap,
    path: String,
}

impl Attempt {
    async fn run(self, state: &AppState, request: Request, next: Next) -> Response {
        let config = &state.config.idempotency;
        let store = state.ctx.store.clone();
        let deadline = Instant::now() + config.wait;
        let mut pause = Duration::from_millis(5);
        loop {
            let now = state.ctx.now();
            let owner = uuid::Uuid::new_v4().to_string();
            let reservation = IdempotencyReservation {
                scope: self.scope.clone(),
                fingerprint: self.fingerprints.first().cloned().unwrap_or_default(),
                owner: owner.clone(),
                now: omni_core::time::rfc3339(now),
                lease_until: omni_core::time::rfc3339(now + config.lease),
                expires_at: omni_core::time::rfc3339(now + config.ttl),
            };
            let record = match store.reserve_idempotency(&reservation).await {
                Err(e) => return self.fail(ApiError::from(e)).await,
                Ok(Reservation::Reserved) => {
                    let response = next.run(request).await;
                    return capture::settle(store.as_ref(), &self.scope, &owner, response).await;
                }
                Ok(Reservation::Existing(record)) => record,
            };
            if let Some(done) = self.settled(&record).await {
                return done;
            }
            // Running elsewhere: poll until it is answered, released or
            // lapsed (then reserve again), or until the wait is over.
            loop {
                if Instant::now() >= deadline {
                    return self.still_running().await;
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(100));
                let now = omni_core::time::rfc3339(state.ctx.now());
                match store.get_idempotency(&self.scope).await {
                    Err(e) => return self.fail(ApiError::from(e)).await,
                    Ok(None) => break,
                    Ok(Some(r)) if r.expires_at <= now => break,
                    Ok(Some(r)) => {
                        if let Some(done) = self.settled(&r).await {
                            return done;
                        }
                        if r.lease_until <= now {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// The answer a record gives this request, unless it is still running.
    async fn settled(&self, record: &IdempotencyRecord) -> Option<Response> {
        if !self.fingerprints.contains(&record.fingerprint) {
            return Some(self.fail(reused(&self.scope.key)).await);
        }
        record.response.as_ref().map(capture::replay)
    }

    async fn still_running(&self) -> Response {
        let error = ApiError::conflict(format!(
            "a request with Idempotency-Key '{}' is still being processed; retry later to get its answer",
            self.scope.key
        ));
        family::retry_later(&self.path, &self.headers, error, Duration::from_secs(1)).await
    }

    async fn fail(&self, error: ApiError) -> Response {
        family::error_response(&self.path, &self.headers, error).await
    }
}

fn reused(key: &str) -> ApiError {
    family::unprocessable(
        "IDEMPOTENCY_KEY_REUSED",
        "Idempotency-Key",
        format!(
            "'{key}' was already used for a different request (method, path, query or body differ); use a new key for a new request"
        ),
    )
}

/// The key, checked: once, 1 to 255 visible ASCII characters.
fn key(headers: &HeaderMap) -> Result<String, ApiError> {
    let mut values = headers.get_all(&IDEMPOTENCY_KEY).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(ApiError::field("Idempotency-Key", "must be given once"));
    };
    let text = value.to_str().unwrap_or("");
    let visible = text.bytes().all(|b| b.is_ascii_graphic());
    if text.is_empty() || text.len() > MAX_KEY_LENGTH || !visible {
        return Err(ApiError::field(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (e.g. a UUID)"),
        ));
    }
    Ok(text.to_string())
}

/// The whole request body, within the body limit (413 above).
async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(c) = cause {
                if c.is::<http_body_util::LengthLimitError>() {
                    return crate::extract::too_large();
                }
                cause = c.source();
            }
            ApiError::bad_request("the request body could not be read")
        })
}

/// What the request asks, as keyed hashes: two requests with one key must
/// agree on method, path, query and body bytes. The last one is the
/// unkeyed SHA-256 earlier builds stored, recognised (never stored) so that
/// their records, which expire within a day, still replay.
fn fingerprints(
    state: &AppState,
    method: &Method,
    uri: &axum::http::Uri,
    body: &[u8],
) -> Vec<String> {
    let target = uri.path_and_query().map_or("", |p| p.as_str());
    let parts: [&[u8]; 5] = [
        method.as_str().as_bytes(),
        b"\n",
        target.as_bytes(),
        b"\n",
        body,
    ];
    let mut all = state.ctx.config.secrets.fingerprints(&parts);
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part);
    }
    all.push(hash.finalize().iter().map(|b| format!("{b:02x}")).collect());
    all
}

#[cfg(test)]
mod tests;
