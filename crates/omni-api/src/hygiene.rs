//! Response headers every answer carries for browsers' sake, the CORS
//! policy, and the optional token in front of `/metrics`.
//!
//! - `X-Content-Type-Options: nosniff` and `X-Frame-Options: DENY` on every
//!   answer: a JSON error is never run as a script or framed by another site.
//! - `Cache-Control: no-store` on every answer to a request with an
//!   `Authorization` header, and under `/admin`: a tenant's data must not
//!   stay in a shared or browser cache.
//! - A strict `Content-Security-Policy` on `/docs` (see [`DOCS_CSP`]).
//! - CORS only for the exact origins configured; with none (the default)
//!   no CORS header is ever sent, so browsers refuse other sites' calls.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Settings of this module (`ApiConfig::http`).
#[derive(Clone, Default)]
pub struct HttpConfig {
    /// Origins (`scheme://host[:port]`, exact) whose browser pages may call
    /// the API. Empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
}

// By hand, so that the metrics token never reaches a log.
impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("cors_origins", &self.cors_origins)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Why each source is allowed: the bundled Swagger UI loads its scripts,
/// styles and `swagger-initializer.js` from `/docs/` itself (no inline
/// script in its page), and fetches `/openapi.json` from the same origin.
/// It sets `style` attributes from its scripts (collapsing sections, the
/// model views), which CSP counts as inline styles: `'unsafe-inline'` for
/// styles only, since a style cannot run code. Its icons are `data:` SVGs.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

/// The request headers the families read, as a preflight grants them.
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Idempotency-Key, If-Match, channelId, \
    X-ATT-ClientId, X-ATT-ConversationId, X-ATT-MessageId, X-Request-Id, idpctx-appname";

/// Response headers a page on an allowed origin may read.
const EXPOSE_HEADERS: &str = "ETag, Location, Retry-After, X-Request-Id, X-Total-Count, \
    X-Result-Count, Idempotent-Replayed, X-ATT-ClientId, X-ATT-ConversationId, X-ATT-MessageId";

/// How long a browser may reuse a preflight's answer, in seconds.
const MAX_AGE: &str = "600";

/// The outer middleware: CORS preflights and the headers above.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let config = &state.config.http;
    let path = request.uri().path();
    let docs = path == "/docs" || path.starts_with("/docs/");
    let no_store = request.headers().contains_key(header::AUTHORIZATION)
        || path == "/admin"
        || path.starts_with("/admin/");
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .filter(|o| {
            config
                .cors_origins
                .iter()
                .any(|allowed| allowed.as_bytes() == o.as_bytes())
        })
        .cloned();
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = match (&origin, preflight) {
        (Some(_), true) => preflight_answer(),
        // A preflight from another origin goes on like any request and
        // gets no CORS header, which the browser takes as a refusal.
        _ => next.run(request).await,
    };
    let headers = response.headers_mut();
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if !preflight {
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
    }
    if !config.cors_origins.is_empty() {
        // The answer depends on the caller's origin: caches must key on it.
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if no_store {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
    }
    response
}

fn preflight_answer() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE),
    );
    headers.append(
        header::VARY,
        HeaderValue::from_static("Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    response
}

/// Whether a `/metrics` request may read the metrics: always when no token
/// is configured, else only with `Authorization: Bearer <token>`.
pub fn metrics_allowed(config: &HttpConfig, request: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = &config.metrics_token else {
        return Ok(());
    };
    let given = request
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if same_secret(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "/metrics requires 'Authorization: Bearer <the metrics token>'",
            crate::error::CHALLENGE,
        ))
    }
}

/// Compares two secrets in time that depends on neither: both are hashed
/// (equal lengths, so the length of the secret does not show) and every
/// byte of the digests is compared.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |diff, (x, y)| diff | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"", b"abc"));
    }
}
