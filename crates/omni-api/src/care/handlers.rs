//! The family's four calls. Each checks the caller and the required
//! headers, calls its use case in `omni_app::care`, and wraps the answer as
//! `xxxResponse`: accept a care order (202), its status, a line as it is
//! now, and cancelling an order nothing of which was processed yet.

use super::{authorize, check_headers};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use omni_app::care::{self, AccountQuery, StatusQuery, request};
use serde_json::{Value, json};

pub async fn accept(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    check_headers(&headers, &principal)?;
    let order = care::accept(&state.ctx, &principal, &body).await?;
    let mut answer = json!({"careOrderResponse": order.render()});
    // Fields that have no effect are said so, never dropped silently.
    answer["careOrderResponse"]["warnings"] = json!(order.warnings());
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

pub async fn order_status(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize(&principal)?;
    check_headers(&headers, &principal)?;
    let query = StatusQuery::from_body(&body)?;
    let orders = care::order_status(&state.ctx, &principal, &query).await?;
    let orders: Vec<Value> = orders.iter().map(|o| o.render()).collect();
    Ok(Json(json!({"orderStatusResponse": {"orders": orders}})))
}

pub async fn care_account(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize(&principal)?;
    check_headers(&headers, &principal)?;
    let query = AccountQuery::from_body(&body)?;
    let account = care::care_account(&state.ctx, &principal, &query).await?;
    Ok(Json(json!({"careAccountResponse": account.render()?})))
}

pub async fn cancel(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize(&principal)?;
    check_headers(&headers, &principal)?;
    let order_id = request::cancellation_order_id(&body)?;
    let order = care::cancel(&state.ctx, &principal, &order_id).await?;
    Ok(Json(json!({"orderCancellationResponse": order.render()})))
}
