//! Notification subscriptions of the care family: a client registers a
//! callback and receives every status change of its own care orders
//! (`CareOrderStatusChangeEvent`, scoped by `X-ATT-ClientId`), signed with
//! its secret. Delivery, retries and dead letters are the shared webhook
//! mechanism's.

use super::{authorize, client_id};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::webhook::{self, Scope, SubscriptionRequest};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The family's event domain.
pub const DOMAIN: &str = "orderingMobility";
/// Where the client id sits in the event envelope.
const CLIENT_PATH: &str = "event.careOrder.clientId";
const W: &str = "notificationSubscriptionRequest";

fn optional_text(request: &Value, field: &str) -> Result<Option<String>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::field(format!("{W}.{field}"), "must be a text")),
    }
}

pub async fn register(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let client = client_id(&headers)?;
    let request = body
        .get(W)
        .filter(|v| v.is_object())
        .ok_or_else(|| ApiError::field(W, "is required, an object"))?;
    if let Some(unknown) = request.as_object().and_then(|o| {
        o.keys()
            .find(|k| !["callbackUrl", "secret"].contains(&k.as_str()))
    }) {
        return Err(ApiError::field(
            format!("{W}.{unknown}"),
            "is not a field of this request",
        ));
    }
    let (sub, generated) = webhook::subscribe(
        &state,
        SubscriptionRequest {
            tenant: principal.tenant.clone(),
            domain: DOMAIN.into(),
            callback: optional_text(request, "callbackUrl")?,
            query: None,
            secret: optional_text(request, "secret")?,
            scope: Some(Scope {
                path: CLIENT_PATH.into(),
                value: client.clone(),
            }),
            created_by: principal.subject.clone().unwrap_or_default(),
            callback_field: "notificationSubscriptionRequest.callbackUrl",
        },
    )
    .await
    .map_err(|mut e| {
        for d in &mut e.details {
            if d.field == "secret" {
                d.field = format!("{W}.secret");
            }
        }
        e
    })?;
    let mut answer = json!({
        "subscriptionId": sub.id,
        "callbackUrl": sub.callback,
        "clientId": client,
        "eventTypes": ["CareOrderStatusChangeEvent"],
        "createdDate": sub.created_at,
    });
    if let Some(secret) = generated {
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
    authorize(&principal)?;
    let client = client_id(&headers)?;
    webhook::unsubscribe(&state, &principal.tenant, DOMAIN, &id, Some(&client)).await?;
    Ok(StatusCode::NO_CONTENT)
}
