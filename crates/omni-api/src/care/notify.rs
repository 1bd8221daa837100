//! The care family's notification subscriptions:
//! `POST …/notificationSubscription` and `DELETE …/notificationSubscription/{id}`.
//! The handlers check the family's headers (`X-ATT-ClientId` must name the
//! token's client, which scopes what a client is notified of and may remove), call
//! `omni_app::webhook::notify`, and render the family's wrapped answer.

use super::check_headers;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use omni_app::webhook::{Registered, notify};
use serde_json::{Value, json};

pub async fn register(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    // The role before the headers: a caller without it learns nothing more.
    notify::authorize(&principal)?;
    check_headers(&headers, &principal)?;
    let request = notify::parse_request(&body)?;
    let Registered {
        subscription,
        secret,
    } = notify::register(&state.ctx, &principal, request).await?;
    let client = subscription
        .scope
        .as_ref()
        .map(|scope| scope.value.clone())
        .unwrap_or_default();
    let mut answer = json!({
        "subscriptionId": subscription.id,
        "callbackUrl": subscription.callback,
        "clientId": client,
        "eventTypes": [notify::EVENT_TYPE],
        "createdDate": subscription.created_at,
    });
    if let Some(secret) = secret {
        answer["secret"] = secret.into();
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"notificationSubscriptionResponse": answer})),
    )
        .into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    notify::authorize(&principal)?;
    check_headers(&headers, &principal)?;
    notify::remove(&state.ctx, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
