//! Omni Console: the web application of the people who run an operator's
//! sales and care, served by `omni serve` itself at `/console` (issue 15).
//!
//! ```text
//! browser ── GET/POST /console/… (cookie session, CSRF field on every form)
//!   └─ omni-console handler   session → Principal (the same token checks as
//!        │                     every API), screen's roles, form → typed input
//!        ├─ omni-app use case  the same function the API family calls: one
//!        │                     implementation of every rule and refusal
//!        └─ page               server-rendered HTML (maud), errors shown next
//!                              to the field they name
//! ```
//!
//! Nothing is built at run time or fetched from elsewhere: the stylesheet
//! and the one small script (live updates) are compiled into the binary.
//!
//! Who sees what is one table, [`screen::SCREENS`]: each screen names the
//! roles that open it; the navigation and the refusals are made from it.

#![allow(clippy::result_large_err)]

pub mod assets;
pub mod oidc;
pub mod page;
pub mod screen;
pub mod session;

use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
pub use oidc::ConsoleConfig;
use omni_api::state::AppState;
use std::sync::Arc;

/// Where the console is mounted.
pub const BASE: &str = "/console";

/// The console's routes, to be given to [`omni_api::app_with`].
pub fn router(config: ConsoleConfig) -> Router<AppState> {
    let inner = Router::new()
        .route("/", get(screen::home))
        .route(
            "/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/oidc/start", get(oidc::start))
        .route("/oidc/callback", get(oidc::callback))
        .route("/assets/console.css", get(assets::stylesheet))
        .route("/assets/console.js", get(assets::script))
        .merge(screen::routes())
        .fallback(page::not_found)
        .layer(Extension(Arc::new(config)))
        .layer(middleware::from_fn(console_headers));
    Router::new().nest(BASE, inner)
}

/// The whole application: every API and the console, without single
/// sign-on.
pub fn app(state: AppState) -> axum::Router {
    app_with(state, ConsoleConfig::default())
}

/// The whole application: every API and the console configured by `config`.
pub fn app_with(state: AppState, config: ConsoleConfig) -> axum::Router {
    omni_api::app_with(state, router(config))
}

/// Content Security Policy of every console page: only the console's own
/// stylesheet and script, forms posted only to the console, never framed.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Pages hold a customer's data: never cached, never framed, no referrer
/// leaking an account number in a URL to another site.
async fn console_headers(request: axum::extract::Request, next: Next) -> Response {
    let asset = request.uri().path().contains("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
