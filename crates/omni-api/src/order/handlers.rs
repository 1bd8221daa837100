//! The order pages' handlers: extract the caller, path and body, call one
//! use case of `omni_app::order`, answer its status and JSON.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use omni_app::order::{capture, checkout, submission};
use serde_json::{Value, json};

pub async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let channel = headers.get("channelId").and_then(|v| v.to_str().ok());
    let id = capture::create(&state.ctx, &principal, &body, channel).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

pub async fn add_items(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    capture::add_items(&state.ctx, &principal, &id, &body).await?;
    Ok(Json(json!({"id": id})))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(capture::get(&state.ctx, &principal, &id).await?))
}

pub async fn required_terms(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        checkout::required_terms(&state.ctx, &principal, &body).await?,
    ))
}

pub async fn consent(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        checkout::consent(&state.ctx, &principal, &id, &body).await?,
    ))
}

pub async fn fulfillment_options(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        checkout::fulfillment_options(&state.ctx, &principal, &body).await?,
    ))
}

pub async fn choose_fulfillment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        checkout::choose_fulfillment(&state.ctx, &principal, &id, &body).await?,
    ))
}

pub async fn add_payment_method(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let added = checkout::add_payment_method(&state.ctx, &principal, &body).await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let submitted = submission::submit(&state.ctx, &principal, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(submitted)).into_response())
}
