//! TMF637 Product Inventory v4: `/tmf-api/productInventory/v4/product`, list
//! and get, and PATCH and DELETE for `inventory.admin`. The products are
//! views of the inventory's lines; the use cases are
//! `omni_app::product_inventory`'s. The handlers extract and render.

pub mod openapi;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::state::AppState;
use crate::tmf::{if_match, render_page, with_etag};
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_app::product_inventory::{self as use_case, ADMIN_ROLE, PRODUCTS};
use omni_core::tmf630::ListQuery;

pub fn router() -> Router<AppState> {
    Router::new().route(PRODUCTS, get(list)).route(
        &format!("{PRODUCTS}/{{id}}"),
        get(retrieve).patch(patch).delete(remove),
    )
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

async fn patch(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    // The role first: a caller who may not write hears so before any
    // complaint about the body.
    principal.require_role(ADMIN_ROLE)?;
    let JsonBody(patch) = JsonBody::<serde_json::Value>::from_request(request, &state).await?;
    let expected = if_match(&headers)?;
    let answer = use_case::patch(&state.ctx, &principal, &id, &patch, expected).await?;
    Ok(with_etag(
        axum::Json(answer.body).into_response(),
        answer.version,
    ))
}

async fn remove(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    principal.require_role(ADMIN_ROLE)?;
    let expected = if_match(&headers)?;
    use_case::delete(&state.ctx, &principal, &id, expected).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
