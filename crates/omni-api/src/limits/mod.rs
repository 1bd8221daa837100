//! Abuse limits shared by every API family, checked before a request reaches
//! its handler: the size of its head (431), the caller's rate and, for
//! callers without a token, the rate of their writes (429 with
//! `Retry-After`), how many requests are served at once (503 with
//! `Retry-After`, at once rather than queueing without bound), and how long
//! one may take (503). Errors use the shape of the request's family.
//! Operations endpoints (`/health`, `/ready`, `/metrics`) are exempt, so that
//! probes and scrapes still answer under load.

pub mod rate;

use crate::error::ApiError;
use crate::family;
use crate::state::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
pub use rate::{RateLimit, RateLimiter};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The limits' settings (`ApiConfig::limits`).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Per-caller token bucket; `None` (the default) turns it off.
    pub rate: Option<RateLimit>,
    /// Token bucket per client address for writes (POST, PUT, PATCH,
    /// DELETE) by callers without a valid token, checked besides `rate`.
    /// `None` here turns it off; the binary turns it on by default
    /// (`OMNI_ANONYMOUS_WRITE_RATE`), test servers leave it off unless a
    /// test is about it.
    pub anonymous_writes: Option<RateLimit>,
    /// Requests served at once by this process; the next is answered 503.
    /// `None`: no cap.
    pub max_in_flight: Option<usize>,
    /// Longest a request may run before it is answered 503; `None`: no limit.
    pub request_timeout: Option<Duration>,
    /// Largest request head: the target (path and query) plus every header
    /// name and value, in bytes; 431 above.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            rate: None,
            anonymous_writes: None,
            max_in_flight: Some(1024),
            request_timeout: Some(Duration::from_secs(30)),
            max_header_bytes: 32 * 1024,
        }
    }
}

/// What the guard keeps between requests.
struct Guard {
    state: AppState,
    rate: Option<RateLimiter>,
    anonymous_writes: Option<RateLimiter>,
    in_flight: Option<Arc<Semaphore>>,
}

/// Wraps every route of `router` in the guard.
pub fn wrap(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let limits = &state.config.limits;
    let guard = Arc::new(Guard {
        state: state.clone(),
        rate: limits.rate.map(RateLimiter::new),
        anonymous_writes: limits.anonymous_writes.map(RateLimiter::new),
        in_flight: limits.max_in_flight.map(|n| Arc::new(Semaphore::new(n))),
    });
    router.layer(middleware::from_fn_with_state(guard, check))
}

async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if matches!(path, "/health" | "/ready" | "/metrics") {
        return next.run(request).await;
    }
    let limits = &guard.state.config.limits;
    let head = head_bytes(&request);
    if head > limits.max_header_bytes {
        let error = ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "HEADERS_TOO_LARGE",
            "Request header fields too large",
            format!(
                "the request target and headers are {head} bytes; at most {} are accepted",
                limits.max_header_bytes
            ),
        );
        return family::error_response(path, request.headers(), error).await;
    }
    let checks_anonymous = guard.anonymous_writes.is_some() && is_write(request.method());
    if guard.rate.is_some() || checks_anonymous {
        // Taken out first: a request body is not `Sync`, so the request
        // itself cannot be held across the token check's await.
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_default();
        let headers = request.headers().clone();
        let (key, anonymous) = caller_key(&guard.state, &headers, peer).await;
        if let Some(limiter) = &guard.rate
            && let Err(wait) = limiter.take(&key, Instant::now())
        {
            let error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Too many requests",
                "this caller sent more requests than its rate limit allows; retry after the time in Retry-After",
            );
            return family::retry_later(path, request.headers(), error, wait).await;
        }
        // Anonymous writes (carts, checkouts) are what one client can
        // cheaply flood the database with; reads and authenticated callers
        // are not held to this limit.
        if let Some(limiter) = &guard.anonymous_writes
            && anonymous
            && is_write(request.method())
            && let Err(wait) = limiter.take(&key, Instant::now())
        {
            let error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Too many requests",
                "this client address sent more writes without a token than OMNI_ANONYMOUS_WRITE_RATE allows; retry after the time in Retry-After, or authenticate",
            );
            return family::retry_later(path, request.headers(), error, wait).await;
        }
    }
    // Held until the response is made; dropped with it on timeout.
    let _permit = match &guard.in_flight {
        None => None,
        Some(slots) => match slots.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => {
                let error = ApiError::unavailable(
                    "the server is serving as many requests as it may at once; retry shortly",
                );
                return family::retry_later(path, request.headers(), error, Duration::from_secs(1))
                    .await;
            }
        },
    };
    let Some(timeout) = limits.request_timeout else {
        return next.run(request).await;
    };
    let (path, headers) = (path.to_string(), request.headers().clone());
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = %path, timeout_ms = timeout.as_millis() as u64, "request timed out");
            let error = ApiError::unavailable(format!(
                "the request did not complete within {} ms",
                timeout.as_millis()
            ));
            family::retry_later(&path, &headers, error, Duration::from_secs(1)).await
        }
    }
}

fn head_bytes(request: &Request) -> usize {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    request.headers().iter().fold(target, |n, (name, value)| {
        n + name.as_str().len() + value.len()
    })
}

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Whose bucket a request takes from, and whether it is anonymous: its
/// principal in its tenant; callers without a (valid) token by their
/// address when the server knows it, since they all share one principal.
/// The address is the socket's peer: no forwarding header is trusted, as
/// any client could write one to get a fresh bucket per request.
async fn caller_key(state: &AppState, headers: &HeaderMap, peer: String) -> (String, bool) {
    let principal = family::caller(&state.auth, headers).await;
    let (tenant, who, anonymous) = match &principal {
        Some(p) if p.subject.is_some() => (p.tenant.as_str(), family::principal_id(p), false),
        _ => (
            state.auth.default_tenant.as_str(),
            format!("anonymous@{peer}"),
            true,
        ),
    };
    (format!("{tenant}\n{who}"), anonymous)
}
