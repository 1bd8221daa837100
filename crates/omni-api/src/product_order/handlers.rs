//! The TMF622 handlers: extract the caller, path, query, headers and body,
//! call one use case of `omni_app::product_order`, render the status,
//! `Location`, `ETag` and JSON. A caller who may not write is refused before
//! its body is read.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::state::AppState;
use crate::tmf::{correlation, if_match, render_page, with_etag};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omni_app::product_order::{self as use_case, cancel, orders};
use omni_app::tmf::{self, TmfResource, Versioned};
use omni_core::tmf630::ListQuery;
use serde_json::Value;

fn versioned(answer: Versioned) -> Response {
    with_etag(axum::Json(answer.body).into_response(), answer.version)
}

fn created(body: Value, location: &str, version: i64) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    with_etag(response, version)
}

pub(super) async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    use_case::can_write(&principal)?;
    let JsonBody(body) = JsonBody::<Value>::from_request(request, &state).await?;
    let (order, location) =
        orders::create(&state.ctx, &principal, body, correlation(&headers)).await?;
    Ok(created(order.body, &location, order.version))
}

/// A list of either resource; the caller must be able to read before its
/// query is even looked at.
pub(super) async fn list(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    res.authorize_read(&principal)?;
    let query = ListQuery::parse(query.iter(), &[])?;
    Ok(render_page(
        tmf::list(&state.ctx, &res, &principal, &query).await?,
    ))
}

pub(super) async fn patch(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    use_case::can_write(&principal)?;
    let JsonBody(patch) = JsonBody::<Value>::from_request(request, &state).await?;
    let changed = orders::patch(
        &state.ctx,
        &principal,
        &id,
        &patch,
        if_match(&headers)?,
        correlation(&headers),
    )
    .await?;
    Ok(versioned(changed))
}

pub(super) async fn remove(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    use_case::can_write(&principal)?;
    let expected = if_match(&headers)?;
    orders::delete(&state.ctx, &principal, &id, expected, correlation(&headers)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn create_cancel(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    use_case::can_write(&principal)?;
    let JsonBody(body) = JsonBody::<Value>::from_request(request, &state).await?;
    let (task, location) =
        cancel::create(&state.ctx, &principal, body, correlation(&headers)).await?;
    Ok(created(task, &location, 1))
}
