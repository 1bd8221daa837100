//! The five cart endpoints: extract (caller, `channelId`, body, `If-Match`,
//! `X-ATT-ConversationId`), call the use case of `omni_app::cart`, render
//! (status, `Location`, `ETag`, the TMF630 list headers).

use super::PATH;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::state::AppState;
use crate::tmf::{correlation, if_match, render_page, with_etag};
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_app::cart::{self, CartPatch, Versioned};
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(list).post(create)).route(
        &format!("{PATH}/{{id}}"),
        get(retrieve).patch(patch).delete(remove),
    )
}

/// The channel the `channelId` header names, spelled as the pages spell it.
fn channel(headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let value = headers.get("channelId").and_then(|v| v.to_str().ok());
    match value {
        None => Err(ApiError::field("channelId", "header is required")),
        Some(v) => omni_core::channel::parse(v).ok_or_else(|| {
            ApiError::field(
                "channelId",
                format!("header {}", omni_core::channel::rule()),
            )
        }),
    }
}

fn versioned(answer: Versioned) -> Response {
    with_etag(axum::Json(answer.body).into_response(), answer.version)
}

async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    // The caller's rights first, then the channel, then the body.
    cart::authorize_write(&principal)?;
    let channel = channel(&headers)?;
    let JsonBody(input) = JsonBody::<Value>::from_request(request, &state).await?;
    let created = cart::create(
        &state.ctx,
        &principal,
        channel,
        input,
        correlation(&headers),
    )
    .await?;
    let id = created
        .body
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let location = cart::href(&state.ctx.config.public_url, id);
    let mut response = (StatusCode::CREATED, axum::Json(&created.body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(with_etag(response, created.version))
}

async fn list(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    Ok(render_page(
        cart::list(&state.ctx, &principal, &query.0).await?,
    ))
}

async fn retrieve(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(versioned(
        cart::get(&state.ctx, &principal, &id, &query.0).await?,
    ))
}

async fn patch(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    cart::authorize_write(&principal)?;
    let channel = channel(&headers)?;
    let JsonBody(body) = JsonBody::<Value>::from_request(request, &state).await?;
    let patch = CartPatch::new(body)?;
    let expected = if_match(&headers)?;
    let changed = cart::patch(
        &state.ctx,
        &principal,
        channel,
        &id,
        &patch,
        expected,
        correlation(&headers),
    )
    .await?;
    Ok(versioned(changed))
}

async fn remove(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    cart::authorize_write(&principal)?;
    let expected = if_match(&headers)?;
    cart::delete(&state.ctx, &principal, &id, expected, correlation(&headers)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
