//! Partner order capture (`/omni-svcs/v1/...`): the routes of the order
//! pages; each handler extracts, calls one use case of `omni_app::order`
//! and renders. Errors use the partner shape.

mod handlers;
pub mod openapi;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

pub use omni_app::order::{KIND, PRODUCT_ORDER_PATH, ROLE, STORE_KIND};

/// Routes relative to the partner family's mount point (`/omni-svcs`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/order/create", post(handlers::create))
        .route("/v1/order/{id}", get(handlers::retrieve))
        .route("/v1/order/{id}/items", post(handlers::add_items))
        .route("/v1/terms", post(handlers::required_terms))
        .route("/v1/order/{id}/terms", post(handlers::consent))
        .route(
            "/v1/fulfillment-options",
            post(handlers::fulfillment_options),
        )
        .route(
            "/v1/order/{id}/fulfillment",
            post(handlers::choose_fulfillment),
        )
        .route("/v1/payment-methods", post(handlers::add_payment_method))
        .route("/v1/order/{id}/submit", post(handlers::submit))
}
