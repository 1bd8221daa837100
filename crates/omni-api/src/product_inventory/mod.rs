//! TMF637 Product Inventory v4: `/tmf-api/productInventory/v4/product`, list
//! and get. The products are views of the inventory's lines; the use cases
//! are `omni_app::product_inventory`'s. The handlers extract and render.

pub mod openapi;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::state::AppState;
use crate::tmf::{render_page, with_etag};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_app::product_inventory::{self as use_case, PRODUCTS};
use omni_core::tmf630::ListQuery;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PRODUCTS, get(list))
        .route(&format!("{PRODUCTS}/{{id}}"), get(retrieve))
}

async fn list(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(query.iter(), &[])?;
    Ok(render_page(
        use_case::list(&state.ctx, &principal, &query).await?,
    ))
}

async fn retrieve(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let query = omni_app::tmf::single_resource_query(query.iter())?;
    let answer = use_case::get(&state.ctx, &principal, &id, &query).await?;
    Ok(with_etag(
        axum::Json(answer.body).into_response(),
        answer.version,
    ))
}
