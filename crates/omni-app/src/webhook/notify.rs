//! Notification subscriptions of the care family: a client registers a
//! callback and receives every status change of its own care orders
//! (`CareOrderStatusChangeEvent`, scoped by the client id the caller's
//! token names; `X-ATT-ClientId` must repeat it), signed with its secret. Delivery,
//! retries and dead letters are the shared mechanism's ([`super`]).
//!
//! The family wraps the body as `notificationSubscriptionRequest`; its
//! errors name the fields with that prefix.

use super::subscription::{
    FieldNames, Registered, Registration, Scope, Target, subscribe, unsubscribe,
};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use omni_core::{Principal, PrincipalKind};
use serde_json::Value;

/// The care family's event domain.
pub const DOMAIN: &str = "orderingMobility";
/// The one event type a care client is notified of.
pub const EVENT_TYPE: &str = "CareOrderStatusChangeEvent";
/// Role of the systems and agents that place care orders.
const CARE_ROLE: &str = "care.ops";
/// Where the client id sits in the event envelope.
const CLIENT_PATH: &str = "event.careOrder.clientId";
/// The body's wrapper.
const W: &str = "notificationSubscriptionRequest";

const NAMES: FieldNames = FieldNames {
    callback: "notificationSubscriptionRequest.callbackUrl",
    secret: "notificationSubscriptionRequest.secret",
};

pub fn authorize(principal: &Principal) -> AppResult<()> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    principal.require_role(CARE_ROLE)?;
    Ok(())
}

/// `notificationSubscriptionRequest`: `callbackUrl` and an optional
/// `secret`, nothing else.
pub fn parse_request(body: &Value) -> AppResult<Registration> {
    let request = body
        .get(W)
        .and_then(Value::as_object)
        .ok_or_else(|| AppError::field(W, "is required, an object"))?;
    if let Some(unknown) = request
        .keys()
        .find(|k| !["callbackUrl", "secret"].contains(&k.as_str()))
    {
        return Err(AppError::field(
            format!("{W}.{unknown}"),
            "is not a field of this request",
        ));
    }
    let text = |field: &str| match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AppError::field(format!("{W}.{field}"), "must be a text")),
    };
    Ok(Registration {
        callback: text("callbackUrl")?,
        query: None,
        secret: text("secret")?,
    })
}

/// Registers the token's client's callback for its own care orders' status
/// changes.
pub async fn register(
    ctx: &Context,
    principal: &Principal,
    request: Registration,
) -> AppResult<Registered> {
    authorize(principal)?;
    let client = crate::care::client(principal)?;
    let target = Target {
        domain: DOMAIN,
        scope: Some(Scope {
            path: CLIENT_PATH.into(),
            value: client.to_string(),
        }),
    };
    let created_by = principal.subject.as_deref().unwrap_or_default();
    subscribe(ctx, &principal.tenant, created_by, target, request, &NAMES).await
}

/// Removes one of the token's client's own subscriptions.
pub async fn remove(ctx: &Context, principal: &Principal, id: &str) -> AppResult<()> {
    authorize(principal)?;
    let client = crate::care::client(principal)?;
    unsubscribe(ctx, &principal.tenant, DOMAIN, id, Some(client)).await
}
