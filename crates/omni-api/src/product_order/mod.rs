//! TMF622 Product Ordering: `/tmf-api/productOrderingManagement/v4`, with
//! `productOrder` (create, list, get, merge PATCH along the state machine,
//! DELETE) and `cancelProductOrder` (create, list, get). The handlers extract
//! and render; the use cases are `omni_app::product_order`'s. Reading one
//! resource is the generic TM Forum read (`crate::tmf`).

mod handlers;
pub mod openapi;

use crate::state::AppState;
use crate::tmf;
use axum::Router;
use axum::routing::get;

pub use omni_app::product_order::{
    BASE, CANCEL_KIND, CANCELS, DOMAIN, KIND, ORDERS, READ_ROLE, TAG, WRITE_ROLE,
};

pub fn router() -> Router<AppState> {
    use omni_app::product_order::{CANCEL_RESOURCE as CANCEL, ORDER_RESOURCE as ORDER};
    Router::new()
        .route(
            ORDERS,
            get(|s, c, q| handlers::list(ORDER, s, c, q)).post(handlers::create),
        )
        .route(
            &format!("{ORDERS}/{{id}}"),
            get(|s, c, q, id| tmf::retrieve(ORDER, s, c, q, id))
                .patch(handlers::patch)
                .delete(handlers::remove),
        )
        .route(
            CANCELS,
            get(|s, c, q| handlers::list(CANCEL, s, c, q)).post(handlers::create_cancel),
        )
        .route(
            &format!("{CANCELS}/{{id}}"),
            get(|s, c, q, id| tmf::retrieve(CANCEL, s, c, q, id)),
        )
}
