//! Business care orders (`/api/orderingMobility/v1/...`): the routes, the
//! three headers every call must carry (`X-ATT-ClientId`,
//! `X-ATT-ConversationId`, `X-ATT-MessageId`) and the client id echoed on
//! every answer. The client is the token's `client_id`; the header must
//! repeat it. The handlers ([`handlers`]) extract, call a use case of
//! `omni_app::care` (accept, status, account, cancel; its worker applies
//! each change request when due) and render the `xxxResponse` wrapper;
//! errors keep the TMF body, which names each failing field.

mod handlers;
pub mod notify;
pub mod openapi;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{delete, post};
use omni_core::Principal;

/// Mount point of the family.
pub const BASE: &str = "/api/orderingMobility/v1";
pub use crate::ops::CLIENT_ID;
/// The headers every call of the family must carry, as the page spells them.
const REQUIRED_HEADERS: [&str; 3] = ["X-ATT-ClientId", "X-ATT-ConversationId", "X-ATT-MessageId"];
/// Longest header value kept (it is stored with the order).
const MAX_HEADER_LEN: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/careOrder"), post(handlers::accept))
        .route(
            &format!("{BASE}/orderStatus/CareOrder"),
            post(handlers::order_status),
        )
        .route(&format!("{BASE}/careAccount"), post(handlers::care_account))
        .route(&format!("{BASE}/orderCancellation"), post(handlers::cancel))
        .route(
            &format!("{BASE}/notificationSubscription"),
            post(notify::register),
        )
        .route(
            &format!("{BASE}/notificationSubscription/{{id}}"),
            delete(notify::remove),
        )
    // The X-ATT-* trio is echoed for every family by `ops::observe`.
}

/// Checked before the headers, as every use case of the family checks it.
fn authorize(principal: &Principal) -> Result<(), ApiError> {
    Ok(omni_app::care::authorize(principal)?)
}

/// Checks the three required headers, then that `X-ATT-ClientId` names the
/// token's own client (a 403 otherwise). The use cases take the client from
/// the token, never from the header.
fn check_headers(headers: &HeaderMap, principal: &Principal) -> Result<(), ApiError> {
    let mut client = "";
    for name in REQUIRED_HEADERS {
        let value = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or_default();
        if value.is_empty() || value.len() > MAX_HEADER_LEN {
            return Err(ApiError::field(
                name,
                format!("header is required, 1 to {MAX_HEADER_LEN} characters"),
            ));
        }
        if name == REQUIRED_HEADERS[0] {
            client = value;
        }
    }
    Ok(omni_app::care::check_client_header(principal, client)?)
}
