//! Submitting a ready order (`POST /order/{id}/submit`): the partner order
//! becomes `submitted`, a TMF622 product order is created from it
//! (`acknowledged`, with a `ProductOrderCreateEvent`), and the job that
//! completes it is enqueued — all in one transaction. An order that is not
//! ready is refused with its `validation` and what it still needs.

use super::record::{OrderRecord, OrderState, orders};
use super::view::CatalogView;
use super::worker::JOB_KIND;
use super::{PRODUCT_ORDER_PATH, authorize, draft};
use crate::context::Context;
use crate::error::{AppError, AppResult, RefusalKind};
use crate::product_order;
use crate::repo::{RetryPolicy, Stored, Writes};
use chrono::{DateTime, Utc};
use omni_core::Principal;
use omni_core::cart::{self, PricedItem};
use omni_core::order::readiness;
use omni_core::order::{Action, CapturedItem, ErrorListEntry};
use omni_store::{Document, DocumentWrite, Effects, NewJob, StoreError};
use serde_json::{Value, json};

/// TMF622 knows add, modify, delete and noChange; a swap modifies the line.
fn tmf_action(item: &CapturedItem) -> &'static str {
    if item.has(Action::Terminate) {
        "delete"
    } else if item.has(Action::Swap) || item.has(Action::Modify) {
        "modify"
    } else if item.has(Action::NoChange) {
        "noChange"
    } else {
        "add"
    }
}

fn order_item(item: &CapturedItem, priced: &PricedItem) -> Value {
    let mut product = json!({});
    if let Some(id) = &item.product_id {
        product["id"] = json!(id);
    }
    let characteristics: Vec<Value> = item
        .characteristics
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    if !characteristics.is_empty() {
        product["productCharacteristic"] = Value::Array(characteristics);
    }
    if let Some(place) = &item.place_id {
        product["place"] = json!([{"id": place, "role": "PPU"}]);
    }
    let mut out = json!({
        "id": item.id,
        "action": tmf_action(item),
        "quantity": 1,
        "state": "acknowledged",
        "product": product,
        "itemPrice": cart::item_charges(priced),
        "itemTotalPrice": cart::item_totals(priced).to_json(),
        "partnerAction": item.body.get("action").cloned().unwrap_or(json!("add")),
        "@type": "ProductOrderItem",
    });
    if let Some(o) = &item.offering_id {
        out["productOffering"] = json!({"id": o, "@referredType": item.offering_type});
    }
    if let Some(root) = &item.root_item_id {
        out["productOrderItemRelationship"] = json!([{"id": root, "relationshipType": "bundled"}]);
    }
    if let Some(b) = &item.billing_account_id {
        out["billingAccount"] = json!({"id": b});
    }
    if let Some(reason) = &item.reason {
        out["actionReason"] = json!(reason);
    }
    out
}

/// The TMF622 product order a submitted order becomes.
pub fn product_order(
    record: &OrderRecord,
    priced: &[PricedItem],
    href: &str,
    now: DateTime<Utc>,
) -> Value {
    json!({
        "id": record.id,
        "href": href,
        "@type": "ProductOrder",
        "externalId": record.id,
        "state": "acknowledged",
        "orderDate": omni_core::time::rfc3339(now),
        "channel": [{"id": record.channel, "name": record.channel}],
        "relatedParty": record.related_party,
        "productOrderItem": record.items.iter().zip(priced).map(|(i, p)| order_item(i, p)).collect::<Vec<_>>(),
        "orderTotalPrice": super::prices::render_totals(priced, now),
    })
}

/// A submitted order's product order (`acknowledged`) and what goes with it
/// in the write that submits the order: the product order's create event
/// and the job that completes it. Order capture's submit and a TMF622 create
/// ([`crate::product_order::checked`]) both hand orders to the worker this way.
pub fn handover(
    tenant: &str,
    id: &str,
    product_order: Value,
    owner: Option<String>,
    correlation: Option<&str>,
    now: DateTime<Utc>,
) -> (Document, Effects) {
    let stamp = omni_core::time::rfc3339(now);
    let po = Document {
        tenant: tenant.to_string(),
        kind: product_order::KIND.into(),
        id: id.to_string(),
        version: 1,
        owner,
        state: Some("acknowledged".into()),
        created_at: stamp.clone(),
        updated_at: stamp.clone(),
        body: product_order,
    };
    let effects = Effects {
        events: vec![product_order::order_event(
            tenant,
            id,
            "Create",
            &po.body,
            correlation,
            now,
        )],
        jobs: vec![NewJob {
            id: format!("{JOB_KIND}:{tenant}:{id}"),
            tenant: tenant.to_string(),
            kind: JOB_KIND.into(),
            payload: json!({"orderId": id}),
            run_at: stamp.clone(),
            now: stamp,
        }],
        ..Effects::none()
    };
    (po, effects)
}

/// The submitted order over the version read, its new product order, the
/// product order's create event and the completion job: one transaction.
fn writes(
    tenant: &str,
    order: &Stored<OrderRecord>,
    product_order: Value,
    now: DateTime<Utc>,
) -> Result<Writes, StoreError> {
    let (po, effects) = handover(tenant, &order.record.id, product_order, None, None, now);
    let mut writes = Writes::new(effects);
    writes.update(tenant, order, &omni_core::time::rfc3339(now))?;
    writes.document(DocumentWrite::Insert(po));
    Ok(writes)
}

/// Why a not-ready order cannot be submitted, one `SUBMIT-001` entry each.
fn not_ready(reasons: &[String]) -> Vec<ErrorListEntry> {
    reasons
        .iter()
        .map(|r| ErrorListEntry {
            action: "submit".into(),
            error_code: "SUBMIT-001".into(),
            error_description: r.clone(),
            error_details: Vec::new(),
        })
        .collect()
}

/// `POST /order/{id}/submit`. An order changed meanwhile is decided again
/// from a fresh read: it is submitted as it stands then, or refused.
pub async fn submit(ctx: &Context, principal: &Principal, id: &str) -> AppResult<Value> {
    authorize(principal)?;
    let tenant = principal.tenant.as_str();
    let view = CatalogView::new(ctx, tenant, ctx.now());
    let href = format!("{}{PRODUCT_ORDER_PATH}/{id}", ctx.config.public_url);
    let repo = orders(ctx.store(), tenant);
    let mut retry = RetryPolicy::REQUEST.begin(false);
    loop {
        let mut stored = repo.get(id).await?;
        draft(&stored.record, "submit")?;
        let checked = view.validation(&stored.record);
        if let Err(missing) = readiness::check_submit(&checked) {
            return Err(AppError::refused(
                RefusalKind::NotReady,
                json!(checked),
                not_ready(&missing.reasons),
            ));
        }
        let priced = view.price(&stored.record);
        let product_order = product_order(&stored.record, &priced, &href, view.now);
        let record = &mut stored.record;
        record.state = OrderState::Submitted;
        record.product_order_id = Some(record.id.clone());
        record.updated_at = omni_core::time::rfc3339(view.now);
        match writes(tenant, &stored, product_order, view.now)?
            .commit(ctx.store())
            .await
        {
            Ok(()) => {
                ctx.signals.orders.notify_one();
                return Ok(json!({
                    "id": id,
                    "productOrder": {"id": id, "href": href, "state": "acknowledged"},
                    "validation": view.validation(&stored.record),
                }));
            }
            Err(StoreError::VersionConflict { .. }) => retry.conflict("order").await?,
            Err(e) => return Err(e.into()),
        }
    }
}
