//! `cancelProductOrder`: a request to cancel an order, decided at once.
//!
//! Omni cancels synchronously. An order whose fulfilment has not started
//! (acknowledged, pending or held) is cancelled in the same transaction that
//! stores the request, which is stored `done`. Any other order cannot be
//! cancelled here: the request is answered 409 naming the order's state and
//! the reason, and nothing is stored. The specification's asynchronous path
//! (the order waits in `assessingCancellation` while the provider assesses,
//! the task `inProgress`, and later `terminatedWithError` if refused) needs an
//! assessor Omni does not have; parking orders there would leave them stuck.

use super::{
    CANCEL_KIND, CANCEL_RESOURCE, KIND, NAME, can_write, cancel_event, href, render,
    state_change_event, state_conflict,
};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::{RetryPolicy, Writes};
use omni_core::Principal;
use omni_core::document::FieldError;
use omni_core::product_order::{self as domain, CancelError};
use omni_store::{Document, DocumentWrite, Effects, StoreError};
use serde_json::{Value, json};

/// Cancels the order `body` names, or refuses; answers the stored request
/// (always version 1) and where it lives.
pub async fn create(
    ctx: &Context,
    principal: &Principal,
    body: Value,
    correlation: Option<&str>,
) -> AppResult<(Value, String)> {
    can_write(principal)?;
    let now = ctx.now();
    domain::validate_cancel(&body, now).map_err(AppError::fields)?;
    let order_id = body["productOrder"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reason = body
        .get("cancellationReason")
        .and_then(Value::as_str)
        .map(str::to_string);
    let public_url = &ctx.config.public_url;
    let tenant = principal.tenant.as_str();
    let id = uuid::Uuid::new_v4().to_string();
    let time = omni_core::time::rfc3339(now);
    // The order is decided at the version read and written at the next one:
    // if a worker moved it in between, the write fails and we decide again.
    let mut retry = RetryPolicy::REQUEST.begin(false);
    loop {
        let Some(mut order) = ctx.store.get_document(tenant, KIND, &order_id).await? else {
            return Err(AppError::field(
                "productOrder.id",
                format!("names no product order '{order_id}'"),
            ));
        };
        match domain::cancel(&mut order.body, reason.as_deref(), now) {
            Ok(_) => {}
            Err(CancelError::Refused { state: s, reason }) => {
                return Err(state_conflict(vec![FieldError::new(
                    "productOrder.id",
                    format!("product order '{order_id}' cannot be cancelled: it is {s}; {reason}"),
                )]));
            }
            Err(CancelError::Corrupt) => {
                tracing::error!(order = %order_id, "a stored product order has no valid state");
                return Err(AppError::Internal(
                    "a stored product order has no valid state".into(),
                ));
            }
        }
        order.version += 1;
        order.updated_at = time.clone();
        order.state = Some(domain::State::Cancelled.as_str().into());

        let Value::Object(mut task) = body.clone() else {
            return Err(AppError::field("body", "must be a JSON object"));
        };
        domain::stamp_cancel_request(&mut task, &id, now);
        task.insert(
            "productOrder".into(),
            order_ref(&body["productOrder"], &href(public_url, &order_id)),
        );
        let request_doc = Document {
            tenant: tenant.to_string(),
            kind: CANCEL_KIND.into(),
            id: id.clone(),
            version: 1,
            owner: None,
            state: Some(domain::TASK_DONE.into()),
            created_at: time.clone(),
            updated_at: time.clone(),
            body: Value::Object(task),
        };
        let rendered = CANCEL_RESOURCE.render(public_url, &request_doc);
        let rendered_order = render(public_url, &order);
        let mut writes = Writes::new(Effects::events(vec![
            cancel_event(tenant, &id, "Create", &rendered, correlation, now),
            // The task was carried out within the request: listeners learn it
            // is done as they would from an asynchronous one.
            cancel_event(tenant, &id, "StateChange", &rendered, correlation, now),
            state_change_event(tenant, &order_id, &rendered_order, correlation, now),
        ]));
        writes.document(DocumentWrite::Insert(request_doc));
        writes.document(DocumentWrite::Update(order));
        match writes.commit(ctx.store()).await {
            Ok(()) => return Ok((rendered, CANCEL_RESOURCE.href(public_url, &id))),
            Err(StoreError::VersionConflict { .. }) => retry.conflict(NAME).await?,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The reference to the order as stored and answered: its id, link and
/// type, plus the name the request gave (when a string). Other attributes of
/// the request's reference are not kept, so that a stored request never
/// carries a value that the reference's documented schema does not allow.
fn order_ref(given: &Value, order_href: &str) -> Value {
    let mut reference =
        json!({"id": given["id"], "href": order_href, "@referredType": "ProductOrder"});
    if let Some(name) = given.get("name").filter(|n| n.is_string()) {
        reference["name"] = name.clone();
    }
    reference
}
