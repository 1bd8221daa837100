//! TMF622 Product Ordering: `/tmf-api/productOrderingManagement/v4`, with
//! `productOrder` (create, list, get, merge PATCH along the state machine,
//! DELETE) and `cancelProductOrder` (create, list, get). Callers need
//! `order.ops` to write and `order.ops` or `order.view` to read.
//!
//! Order capture and fulfilment workers move orders with [`move_state`]; it
//! shares the PATCH path, so every move follows the same machine, retries on
//! concurrent writers and writes its event with the change.

mod cancel;
pub mod openapi;
mod orders;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::ops::CONVERSATION_ID;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use chrono::{DateTime, Utc};
use omni_app::events::{EventSource, event};
use omni_core::Principal;
use omni_core::document::FieldError;
use omni_core::product_order::{self as domain, RevisionError, State};
use omni_store::{Document, Effects, NewEvent, Store, StoreError};
use serde_json::{Value, json};

pub use domain::{CANCEL_KIND, KIND};

pub const BASE: &str = "/tmf-api/productOrderingManagement/v4";
pub const ORDERS: &str = "/tmf-api/productOrderingManagement/v4/productOrder";
pub const CANCELS: &str = "/tmf-api/productOrderingManagement/v4/cancelProductOrder";
/// Event domain.
pub const DOMAIN: &str = "productOrderingManagement";
pub const WRITE_ROLE: &str = "order.ops";
pub const READ_ROLE: &str = "order.view";
pub const TAG: &str = "TMF622 Product Ordering";

/// Attempts at a change without `If-Match` before giving up under contention.
const ATTEMPTS: usize = 16;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(ORDERS, get(orders::list).post(orders::create))
        .route(
            &format!("{ORDERS}/{{id}}"),
            get(orders::retrieve)
                .patch(orders::patch)
                .delete(orders::remove),
        )
        .route(CANCELS, get(cancel::list).post(cancel::create))
        .route(&format!("{CANCELS}/{{id}}"), get(cancel::retrieve))
}

pub fn href(public_url: &str, id: &str) -> String {
    format!("{public_url}{ORDERS}/{id}")
}

/// A stored product order as clients see it: `id` and `href` first.
pub fn render(public_url: &str, doc: &Document) -> Value {
    crate::tmf::with_id_and_href(doc, href(public_url, &doc.id))
}

pub(crate) fn render_cancel(public_url: &str, doc: &Document) -> Value {
    crate::tmf::with_id_and_href(doc, format!("{public_url}{CANCELS}/{}", doc.id))
}

/// A `ProductOrder…Event` (`what` is `Create`, `StateChange`,
/// `AttributeValueChange` or `Delete`) carrying the rendered order.
pub fn order_event(
    tenant: &str,
    id: &str,
    what: &str,
    order: &Value,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> NewEvent {
    let source = EventSource {
        tenant,
        domain: DOMAIN,
        kind: KIND,
        id,
        correlation_id,
    };
    event(&source, &format!("ProductOrder{what}Event"), order, now)
}

/// The event of an order that moved to another state.
pub fn state_change_event(
    tenant: &str,
    id: &str,
    order: &Value,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> NewEvent {
    order_event(tenant, id, "StateChange", order, correlation_id, now)
}

/// Moves a stored order to `to` along the TMF622 state machine, stamping
/// the date that goes with it and writing a `ProductOrderStateChangeEvent`
/// in the same transaction. A concurrent writer is never overwritten: the
/// move is re-decided on the fresh order. Returns the rendered order; an
/// illegal move is a 409 naming `state`, an unknown order a 404.
pub async fn move_state(
    store: &dyn Store,
    public_url: &str,
    tenant: &str,
    id: &str,
    to: State,
    correlation_id: Option<&str>,
) -> Result<Value, ApiError> {
    let change = Change {
        tenant,
        id,
        patch: &json!({ "state": to }),
        expected: None,
        correlation_id,
    };
    apply(store, public_url, &change)
        .await
        .map(|(_, body)| body)
}

/// A merge patch of one stored order.
pub(crate) struct Change<'a> {
    pub tenant: &'a str,
    pub id: &'a str,
    pub patch: &'a Value,
    /// The version `If-Match` demands, if any.
    pub expected: Option<i64>,
    pub correlation_id: Option<&'a str>,
}

/// Reads, revises and writes an order, retrying on a concurrent write when
/// the caller named no version. A change that changes nothing writes nothing.
pub(crate) async fn apply(
    store: &dyn Store,
    public_url: &str,
    change: &Change<'_>,
) -> Result<(Document, Value), ApiError> {
    for _ in 0..ATTEMPTS {
        let mut doc = store
            .get_document(change.tenant, KIND, change.id)
            .await?
            .ok_or_else(|| ApiError::not_found(KIND, change.id))?;
        if change.expected.is_some_and(|v| v != doc.version) {
            return Err(crate::tmf::precondition_failed());
        }
        let now = Utc::now();
        let revision = domain::revise(&doc.body, change.patch, now).map_err(revision_error)?;
        if !revision.changed() {
            let rendered = render(public_url, &doc);
            return Ok((doc, rendered));
        }
        doc.body = revision.body.clone();
        doc.version += 1;
        doc.updated_at = omni_core::time::rfc3339(now);
        doc.state = Some(revision.to.as_str().to_string());
        let rendered = render(public_url, &doc);
        let mut events = Vec::new();
        if revision.attributes_changed {
            events.push(order_event(
                change.tenant,
                change.id,
                "AttributeValueChange",
                &rendered,
                change.correlation_id,
                now,
            ));
        }
        if revision.state_changed() {
            events.push(state_change_event(
                change.tenant,
                change.id,
                &rendered,
                change.correlation_id,
                now,
            ));
        }
        match store.update_document(&doc, &Effects::events(events)).await {
            Ok(()) => return Ok((doc, rendered)),
            Err(StoreError::VersionConflict { .. }) if change.expected.is_none() => continue,
            Err(StoreError::VersionConflict { .. }) => {
                return Err(crate::tmf::precondition_failed());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(contention())
}

fn revision_error(e: RevisionError) -> ApiError {
    match e {
        RevisionError::Invalid(details) => ApiError::fields(details),
        RevisionError::Conflict(details) => state_conflict(details),
        RevisionError::Corrupt => {
            tracing::error!("a stored product order has no valid state");
            ApiError::internal()
        }
    }
}

/// 409: the request is well formed but the order's current state forbids it.
pub(crate) fn state_conflict(details: Vec<FieldError>) -> ApiError {
    let mut e = ApiError::fields(details);
    e.status = StatusCode::CONFLICT;
    e.code = "STATE_CONFLICT";
    e.reason = "Conflict".into();
    e
}

pub(crate) fn contention() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "CONTENTION",
        "Conflict",
        "the product order is being changed by many clients at once; retry",
    )
}

/// Writers may always read what they write.
pub(crate) fn can_read(principal: &Principal) -> Result<(), ApiError> {
    if principal.has_role(WRITE_ROLE) {
        Ok(())
    } else {
        Ok(principal.require_role(READ_ROLE)?)
    }
}

pub(crate) fn can_write(principal: &Principal) -> Result<(), ApiError> {
    Ok(principal.require_role(WRITE_ROLE)?)
}

pub(crate) fn correlation_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONVERSATION_ID).and_then(|v| v.to_str().ok())
}

/// The caller, already known to hold the write role.
pub(crate) fn writer(Caller(principal): Caller) -> Result<Principal, ApiError> {
    can_write(&principal)?;
    Ok(principal)
}
