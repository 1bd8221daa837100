//! The steps that complete one submitted order. Each reads what it needs,
//! decides, and writes once; the last one ends the job in the same write,
//! so the inventory change and the job's end are stored together or not at
//! all. A version conflict (a line or the order changed meanwhile) makes
//! the step start over from fresh reads under the worker retry policy.

use super::{JOB_KIND, order_id};
use crate::context::Context;
use crate::inventory;
use crate::jobs::{Lease, Outcome};
use crate::order::record::{OrderRecord, OrderState, orders};
use crate::product_order::{self, state_change_event};
use crate::repo::{RetryPolicy, Stored, Writes};
use omni_core::inventory::{Subscriber, pool_number};
use omni_core::order::CapturedItem;
use omni_core::order::apply::{apply_to_line, new_line};
use omni_store::{Document, DocumentWrite, Effects, Job, JobDone, StoreError};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a held or pending product order waits before the worker looks
/// at it again (it is released through TMF622, which does not wake us).
const HELD_RECHECK: Duration = Duration::from_secs(10);

/// What one step came to: another step follows, or the job's outcome.
enum Step {
    Next,
    Ended(Outcome),
}

/// Runs the order's remaining steps.
pub(super) async fn complete(ctx: &Context, lease: &Lease, job: &Job) -> Outcome {
    let Some(id) = order_id(job) else {
        return Outcome::Fail(format!("a {JOB_KIND} job must name its order (orderId)"));
    };
    let mut retry = RetryPolicy::WORKER.begin(false);
    loop {
        match step(ctx, lease, job, id).await {
            Ok(Step::Next) => {}
            Ok(Step::Ended(outcome)) => return outcome,
            Err(StoreError::VersionConflict { .. }) => {
                if let Err(e) = retry.conflict("order").await {
                    return Outcome::Retry(e.to_string());
                }
            }
            Err(e) => return Outcome::from_store(e),
        }
    }
}

/// The step the product order's state calls for.
async fn step(ctx: &Context, lease: &Lease, job: &Job, id: &str) -> Result<Step, StoreError> {
    let tenant = job.tenant.as_str();
    let Some(po) = ctx
        .store
        .get_document(tenant, product_order::KIND, id)
        .await?
    else {
        // Deleted through TMF622 before it was processed: nothing to do.
        return Ok(Step::Ended(Outcome::Done));
    };
    let Some(order) = orders(ctx.store(), tenant).find(id).await? else {
        return Ok(Step::Ended(Outcome::Done));
    };
    // Nothing is applied before the requested start date, whatever state a
    // client moved the order to meanwhile.
    if matches!(po.state.as_deref(), Some("acknowledged" | "inProgress"))
        && let Some(wait) = not_before(&po.body, lease.now)
    {
        return Ok(Step::Ended(Outcome::Later {
            after: wait,
            note: format!("product order {id} is requested to start later"),
        }));
    }
    match po.state.as_deref() {
        Some("acknowledged") => start(ctx, lease, po, order, true).await,
        // Released through TMF622 (held or pending → inProgress) before the
        // worker started it: its new lines still need their numbers.
        Some("inProgress") if unnumbered(&order.record) => {
            start(ctx, lease, po, order, false).await
        }
        Some("inProgress") => finish(ctx, lease, job, po, order).await,
        // Someone must release a held or pending order; waiting for them is
        // not a failed attempt.
        Some(state @ ("held" | "pending")) => Ok(Step::Ended(Outcome::Later {
            after: HELD_RECHECK,
            note: format!("product order {id} is {state}"),
        })),
        // Ended elsewhere (cancelled or rejected through TMF622): the
        // partner order follows.
        Some(other) => follow(ctx, lease, job, other, order).await,
        None => Ok(Step::Ended(Outcome::Done)),
    }
}

/// The write that ends the job done, with the work it stores.
fn ending(job: &Job, lease: &Lease, stamp: &str) -> Effects {
    Effects {
        finish_jobs: vec![JobDone::done(&job.id, &lease.worker, stamp)],
        ..Effects::none()
    }
}

async fn follow(
    ctx: &Context,
    lease: &Lease,
    job: &Job,
    po_state: &str,
    mut order: Stored<OrderRecord>,
) -> Result<Step, StoreError> {
    let to = match po_state {
        "cancelled" | "rejected" => OrderState::Cancelled,
        "completed" => OrderState::Completed,
        "partial" => OrderState::Partial,
        "failed" => OrderState::Failed,
        _ => return Ok(Step::Ended(Outcome::Done)),
    };
    if order.record.state != OrderState::Submitted {
        return Ok(Step::Ended(Outcome::Done));
    }
    let stamp = lease.stamp();
    order.record.state = to;
    order.record.updated_at = stamp.clone();
    orders(ctx.store(), &job.tenant)
        .update(&order, &stamp, &ending(job, lease, &stamp))
        .await?;
    Ok(Step::Ended(Outcome::Finished))
}

/// The product order's state, and each item's (by item id; items not
/// named take the order's).
fn set_state(po: &mut Value, to: &str, item_states: &BTreeMap<String, &str>) {
    po["state"] = json!(to);
    set_item_states(po, to, item_states);
}

/// Items nested in items (TMF622 allows them) are items of the order too.
fn set_item_states(parent: &mut Value, to: &str, item_states: &BTreeMap<String, &str>) {
    if let Some(items) = parent
        .get_mut("productOrderItem")
        .and_then(Value::as_array_mut)
    {
        for item in items {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let s = item_states.get(&id).copied().unwrap_or(to);
            item["state"] = json!(s);
            set_item_states(item, to, item_states);
        }
    }
}

/// Each completed item of the TMF622 product order names what the
/// inventory now holds: `product.id` (the product created or changed) and
/// the line's number as the `subscriberNumber` characteristic (a new line's
/// number is known only here).
fn show_outcomes(po: &mut Value, record: &OrderRecord, item_states: &BTreeMap<String, &str>) {
    let outcomes =
        omni_core::order::apply::outcomes(&record.items, &record.new_line_numbers, &record.id);
    let Some(items) = po.get_mut("productOrderItem").and_then(Value::as_array_mut) else {
        return;
    };
    for item in items {
        let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
        if item_states.get(id).copied() != Some("completed") {
            continue;
        }
        let Some(outcome) = outcomes.iter().find(|o| o.item_id == id) else {
            continue;
        };
        if !item.get("product").is_some_and(Value::is_object) {
            item["product"] = json!({});
        }
        if let Some(p) = &outcome.product_id {
            item["product"]["id"] = json!(p);
        }
        if let Some(n) = &outcome.subscriber_number {
            let product = &mut item["product"];
            if !product
                .get("productCharacteristic")
                .is_some_and(Value::is_array)
            {
                product["productCharacteristic"] = json!([]);
            }
            if let Some(list) = product
                .get_mut("productCharacteristic")
                .and_then(Value::as_array_mut)
                && !list.iter().any(|c| c["name"] == "subscriberNumber")
            {
                list.push(json!({"name": "subscriberNumber", "value": n}));
            }
        }
    }
}

/// The product order moved to `to` as of `stamp`, its state column too.
pub(super) fn moved(mut po: Document, to: &str, stamp: &str) -> Document {
    po.version += 1;
    po.state = Some(to.into());
    po.updated_at = stamp.to_string();
    po
}

/// How long to wait before an order whose `requestedStartDate` (TMF622:
/// the date the requester wishes fulfilment to start) is still ahead may
/// start; looked at again at least hourly, so a PATCH that brings the date
/// forward takes effect within the hour.
fn not_before(po: &Value, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let wished = po
        .get("requestedStartDate")
        .and_then(Value::as_str)
        .and_then(omni_core::time::parse_rfc3339)?;
    let ahead = (wished - now).to_std().ok()?;
    (!ahead.is_zero()).then(|| ahead.min(REQUESTED_START_RECHECK))
}

const REQUESTED_START_RECHECK: Duration = Duration::from_secs(3600);

/// A new line of the order has no number yet.
fn unnumbered(record: &OrderRecord) -> bool {
    record
        .items
        .iter()
        .filter(|i| i.starts_line())
        .any(|i| !record.new_line_numbers.iter().any(|(id, _)| *id == i.id))
}

/// acknowledged → inProgress (`moving`), with a number for each new line;
/// or, for an order already inProgress, only the numbers.
async fn start(
    ctx: &Context,
    lease: &Lease,
    mut po: Document,
    mut order: Stored<OrderRecord>,
    moving: bool,
) -> Result<Step, StoreError> {
    let tenant = po.tenant.clone();
    let record = &mut order.record;
    for item in record.items.iter().filter(|i| i.starts_line()) {
        if !record.new_line_numbers.iter().any(|(i, _)| *i == item.id) {
            // Numbers are drawn outside the step's transaction: one drawn
            // for a step that then fails is skipped, never handed out twice.
            let sequence = ctx
                .store
                .bump_counter(&format!("numberPool:{tenant}"))
                .await?;
            record
                .new_line_numbers
                .push((item.id.clone(), pool_number(sequence)));
        }
    }
    let stamp = lease.stamp();
    record.updated_at = stamp.clone();
    let mut writes = Writes::new(Effects::none());
    if moving {
        set_state(&mut po.body, "inProgress", &BTreeMap::new());
        let po = moved(po, "inProgress", &stamp);
        writes.effects.events = vec![state_change_event(
            &tenant, &po.id, &po.body, None, lease.now,
        )];
        writes.document(DocumentWrite::Update(po));
    }
    writes.update(&tenant, &order, &stamp)?;
    writes.commit(ctx.store()).await?;
    Ok(Step::Next)
}

/// inProgress → completed, partial or failed: every line's changes, the
/// product order, the partner order and the job's end in one transaction.
async fn line_events(
    ctx: &Context,
    tenant: &str,
    before: Option<&Subscriber>,
    after: Option<&Subscriber>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<omni_store::NewEvent>, StoreError> {
    let url = &ctx.config.public_url;
    crate::product_inventory::line_events(ctx.store(), url, tenant, before, after, now).await
}

async fn finish(
    ctx: &Context,
    lease: &Lease,
    job: &Job,
    po: Document,
    mut order: Stored<OrderRecord>,
) -> Result<Step, StoreError> {
    let tenant = job.tenant.as_str();
    let stamp = lease.stamp();
    let mut writes = Writes::new(ending(job, lease, &stamp));
    let mut item_states: BTreeMap<String, &str> = BTreeMap::new();
    // TMF637: what the order did to each line's products.
    let mut product_events = Vec::new();
    let record = &order.record;

    let mut changes: BTreeMap<String, Vec<&CapturedItem>> = BTreeMap::new();
    for item in record.items.iter().filter(|i| !i.starts_line()) {
        if let Some(ctn) = &item.subscriber_number {
            changes.entry(ctn.clone()).or_default().push(item);
        }
    }
    let lines = inventory::lines(ctx.store(), tenant);
    for (ctn, items) in &changes {
        let applied = match lines.find(ctn).await? {
            Some(mut line) => match apply_to_line(&line.record, items, &record.id, &stamp) {
                Ok(next) => {
                    product_events.extend(
                        line_events(ctx, tenant, Some(&line.record), Some(&next), lease.now)
                            .await?,
                    );
                    line.record = next;
                    writes.update(tenant, &line, &stamp)?;
                    "completed"
                }
                Err(_) => "failed",
            },
            // The line is gone since the order was captured.
            None => "failed",
        };
        for item in items {
            item_states.insert(item.id.clone(), applied);
        }
    }

    let billing_accounts = inventory::billing_accounts(ctx.store(), tenant);
    for root in record.items.iter().filter(|i| i.starts_line()) {
        let children: Vec<&CapturedItem> = record
            .items
            .iter()
            .filter(|i| {
                i.root_item_id.as_deref() == Some(root.id.as_str()) && i.subscriber_number.is_none()
            })
            .collect();
        let ctn = record
            .new_line_numbers
            .iter()
            .find(|(i, _)| *i == root.id)
            .map(|(_, n)| n.clone());
        let billing = match &root.billing_account_id {
            Some(b) => billing_accounts.find(b).await?,
            None => None,
        };
        let created = match (ctn, billing) {
            (Some(ctn), Some(billing)) => {
                let line = new_line(root, &children, &billing.record, &ctn, &record.id, &stamp);
                product_events
                    .extend(line_events(ctx, tenant, None, Some(&line), lease.now).await?);
                writes.insert(tenant, &Stored::new(line, billing.owner.clone(), &stamp))?;
                "completed"
            }
            _ => "failed",
        };
        for item in std::iter::once(root).chain(children) {
            item_states.insert(item.id.clone(), created);
        }
    }

    let failed = item_states.values().filter(|s| **s == "failed").count();
    let (po_state, order_state) = match failed {
        0 => ("completed", OrderState::Completed),
        n if n == item_states.len() => ("failed", OrderState::Failed),
        _ => ("partial", OrderState::Partial),
    };
    let mut po = po;
    set_state(&mut po.body, po_state, &item_states);
    show_outcomes(&mut po.body, record, &item_states);
    po.body["completionDate"] = json!(stamp);
    let po = moved(po, po_state, &stamp);
    writes.effects.events = vec![state_change_event(
        tenant, &po.id, &po.body, None, lease.now,
    )];
    writes.effects.events.extend(product_events);
    writes.document(DocumentWrite::Update(po));
    order.record.item_states = item_states
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    order.record.state = order_state;
    order.record.updated_at = stamp.clone();
    writes.update(tenant, &order, &stamp)?;
    writes.commit(ctx.store()).await?;
    Ok(Step::Ended(Outcome::Finished))
}
