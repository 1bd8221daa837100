//! TMF622 Product Ordering: `/tmf-api/productOrderingManagement/v4`, with
//! `productOrder` (create, list, get, merge PATCH along the state machine,
//! DELETE) and `cancelProductOrder` (create, list, get). The handlers extract
//! and render; the use cases are `omni_app::product_order`'s.

mod handlers;
pub mod openapi;

use crate::state::AppState;
use axum::Router;
use axum::routing::get;

pub use omni_app::product_order::{
    BASE, CANCEL_KIND, CANCELS, DOMAIN, KIND, ORDERS, READ_ROLE, TAG, WRITE_ROLE,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(ORDERS, get(handlers::list).post(handlers::create))
        .route(
            &format!("{ORDERS}/{{id}}"),
            get(handlers::retrieve)
                .patch(handlers::patch)
                .delete(handlers::remove),
        )
        .route(
            CANCELS,
            get(handlers::list_cancels).post(handlers::create_cancel),
        )
        .route(&format!("{CANCELS}/{{id}}"), get(handlers::retrieve_cancel))
}
