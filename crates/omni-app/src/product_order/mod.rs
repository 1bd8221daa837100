//! TMF622 Product Ordering (`/tmf-api/productOrderingManagement/v4`):
//! `productOrder` (create, list, get, merge PATCH along the state machine,
//! DELETE) in [`orders`], and `cancelProductOrder` (create, list, get) in
//! [`cancel`]. Callers need `order.ops` to write and `order.ops` or
//! `order.view` to read. Product orders are free-form TMF documents; the
//! decisions about them are `omni_core::product_order`'s.
//!
//! Lists and reads are the generic TM Forum ones ([`crate::tmf::list`],
//! [`crate::tmf::get`] with [`ORDER_RESOURCE`] or [`CANCEL_RESOURCE`]).
//!
//! Every change — a client's PATCH, a worker's [`move_state`] — goes through
//! [`revise`]: read, decide on the order read, write at the version read with
//! its events; a concurrent writer makes it decide again on a fresh read
//! (request retry policy), unless the caller named a version (`If-Match`).

pub mod cancel;
pub mod checked;
pub mod orders;

use crate::context::Context;
use crate::error::{AppError, AppResult, Invalid};
use crate::events::{EventSource, event};
use crate::tmf::TmfResource;
use chrono::{DateTime, Utc};
use omni_core::Principal;
use omni_core::document::{FieldError, ResourceSpec};
use omni_core::product_order::{self as domain, RevisionError, State};
use omni_store::{Document, Effects, NewEvent, StoreError};
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
/// How contention and retries name a product order.
const NAME: &str = "product order";

/// The two resources as TM Forum resources: how they are read (through
/// [`crate::tmf::list`] and [`crate::tmf::get`], writers may read what they
/// write), rendered and described.
pub const ORDER_RESOURCE: TmfResource = resource(&domain::PRODUCT_ORDER);
pub const CANCEL_RESOURCE: TmfResource = resource(&domain::CANCEL_PRODUCT_ORDER);

const fn resource(spec: &'static ResourceSpec) -> TmfResource {
    TmfResource {
        api_base: BASE,
        domain: DOMAIN,
        spec,
        write_role: WRITE_ROLE,
        read_role: Some(READ_ROLE),
        tag: TAG,
        version_counter: None,
    }
}

pub fn href(public_url: &str, id: &str) -> String {
    ORDER_RESOURCE.href(public_url, id)
}

/// A stored product order as clients see it: `id` and `href` first.
pub fn render(public_url: &str, doc: &Document) -> Value {
    ORDER_RESOURCE.render(public_url, doc)
}

/// A `…{what}Event` of the resource (`what` is `Create`, `StateChange`,
/// `AttributeValueChange` or `Delete`) carrying the rendered resource.
fn resource_event(
    tenant: &str,
    res: &TmfResource,
    id: &str,
    what: &str,
    body: &Value,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> NewEvent {
    let source = EventSource {
        tenant,
        domain: DOMAIN,
        kind: res.spec.kind,
        id,
        correlation_id,
    };
    event(
        &source,
        &format!("{}{what}Event", res.spec.type_name),
        body,
        now,
    )
}

/// A `ProductOrder…Event` carrying the rendered order.
pub fn order_event(
    tenant: &str,
    id: &str,
    what: &str,
    order: &Value,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> NewEvent {
    resource_event(
        tenant,
        &ORDER_RESOURCE,
        id,
        what,
        order,
        correlation_id,
        now,
    )
}

/// A `CancelProductOrder…Event` carrying the rendered request.
pub fn cancel_event(
    tenant: &str,
    id: &str,
    what: &str,
    request: &Value,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> NewEvent {
    resource_event(
        tenant,
        &CANCEL_RESOURCE,
        id,
        what,
        request,
        correlation_id,
        now,
    )
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

/// Writers may always read what they write.
pub fn can_read(principal: &Principal) -> AppResult<()> {
    ORDER_RESOURCE.authorize_read(principal)
}

pub fn can_write(principal: &Principal) -> AppResult<()> {
    ORDER_RESOURCE.authorize_write(principal)
}

/// The request is well formed but the order's current state forbids it: a
/// 409 naming the fields.
pub fn state_conflict(details: Vec<FieldError>) -> AppError {
    AppError::Invalid(Box::new(Invalid {
        code: "STATE_CONFLICT",
        details,
        message: None,
        action: None,
        entries: Vec::new(),
    }))
}

fn revision_error(e: RevisionError) -> AppError {
    match e {
        RevisionError::Invalid(details) => AppError::fields(details),
        RevisionError::Conflict(details) => state_conflict(details),
        RevisionError::Corrupt => {
            tracing::error!("a stored product order has no valid state");
            AppError::Internal("a stored product order has no valid state".into())
        }
    }
}

/// A merge patch of one stored order.
pub struct Change<'a> {
    pub tenant: &'a str,
    pub id: &'a str,
    pub patch: &'a Value,
    /// The version `If-Match` demands, if any.
    pub expected: Option<i64>,
    /// A client's change (a PATCH), which may not do what only the order
    /// worker does ([`domain::client_change_problems`]).
    pub by_client: bool,
    pub correlation_id: Option<&'a str>,
}

/// Reads, revises and writes an order, deciding again on a fresh read when
/// another writer got in first (unless the caller named the version). A
/// change that changes nothing writes nothing. Returns the order as stored
/// and as rendered.
pub async fn revise(
    ctx: &Context,
    change: &Change<'_>,
    now: DateTime<Utc>,
) -> AppResult<(Document, Value)> {
    let public_url = &ctx.config.public_url;
    let mut retry = crate::repo::RetryPolicy::REQUEST.begin(change.expected.is_some());
    loop {
        let mut doc = ctx
            .store
            .get_document(change.tenant, KIND, change.id)
            .await?
            .ok_or_else(|| AppError::not_found(KIND, change.id))?;
        if change.expected.is_some_and(|v| v != doc.version) {
            return Err(AppError::PreconditionFailed);
        }
        let revision = domain::revise(&doc.body, change.patch, now).map_err(revision_error)?;
        if change.by_client {
            let problems = domain::client_change_problems(&doc.body, &revision.body);
            if !problems.is_empty() {
                return Err(state_conflict(problems));
            }
        }
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
        match ctx
            .store
            .update_document(&doc, &Effects::events(events))
            .await
        {
            Ok(()) => return Ok((doc, rendered)),
            Err(StoreError::VersionConflict { .. }) => retry.conflict(NAME).await?,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Moves a stored order to `to` along the TMF622 state machine, stamping
/// the date that goes with it and writing a `ProductOrderStateChangeEvent`
/// in the same transaction, exactly as a PATCH of `state` would. Returns
/// the rendered order; an illegal move is a state conflict naming `state`,
/// an unknown order not found.
pub async fn move_state(
    ctx: &Context,
    tenant: &str,
    id: &str,
    to: State,
    correlation_id: Option<&str>,
) -> AppResult<Value> {
    let change = Change {
        tenant,
        id,
        patch: &json!({ "state": to }),
        expected: None,
        by_client: false,
        correlation_id,
    };
    revise(ctx, &change, ctx.now()).await.map(|(_, body)| body)
}
