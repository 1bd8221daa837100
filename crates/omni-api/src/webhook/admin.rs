//! Operators' view of event delivery (role `events.admin`):
//! `GET /admin/v1/eventSubscription` (every listener with its delivery
//! state), `GET /admin/v1/deadLetter`, and
//! `POST /admin/v1/deadLetter/{id}/redrive` (202: the re-drive runs as a
//! job). See `omni_app::webhook::admin`.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_app::webhook::admin;
use serde_json::Value;

pub const BASE: &str = "/admin/v1";
pub use omni_app::webhook::admin::ROLE;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{BASE}/eventSubscription"),
            get(list_subscriptions),
        )
        .route(&format!("{BASE}/deadLetter"), get(list_dead_letters))
        .route(&format!("{BASE}/deadLetter/{{id}}/redrive"), post(redrive))
}

async fn list_subscriptions(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Result<Json<Value>, ApiError> {
    let subscriptions = admin::subscriptions(&state.ctx, &p).await?;
    Ok(Json(Value::Array(subscriptions)))
}

async fn list_dead_letters(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Result<Json<Value>, ApiError> {
    let letters = admin::list_dead_letters(&state.ctx, &p).await?;
    Ok(Json(to_json(&letters)?))
}

async fn redrive(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let letter = admin::redrive(&state.ctx, &p, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(to_json(&letter)?)).into_response())
}

fn to_json(value: &impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(error = %e, "a dead letter does not encode");
        ApiError::internal()
    })
}
