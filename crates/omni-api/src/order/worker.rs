//! Completes submitted orders: acknowledged → inProgress (new lines get
//! their numbers) → completed, partial or failed (the inventory changed).
//! Each step is one transaction that checks the versions it read, so a
//! worker that dies mid-way is resumed by another at the step it reached, and
//! no change is applied twice.

use super::record::{OrderRecord, OrderState};
use super::{KIND, document};
use crate::state::AppState;
use omni_app::events::{EventSource, event};
use omni_core::inventory::{self as inv, BillingAccount, Subscriber};
use omni_core::order::CapturedItem;
use omni_core::order::apply::{apply_to_line, new_line};
use omni_store::{Document, DocumentWrite, Effects, Job, JobClaim, JobOutcome, StoreError};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;

pub const JOB_KIND: &str = "productOrder.complete";
pub const PRODUCT_ORDER_KIND: &str = "productOrder";
const LEASE: Duration = Duration::from_secs(30);
const BATCH: i64 = 32;
const IDLE_POLL: Duration = Duration::from_millis(50);

#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored record does not decode: {0}")]
    Corrupt(String),
}

pub async fn run(state: AppState, shutdown: watch::Receiver<bool>) {
    let worker = format!("order-worker-{}", uuid::Uuid::new_v4());
    let (state, worker) = (&state, worker.as_str());
    crate::workers::poll_jobs(
        "order",
        IDLE_POLL,
        &state.ctx.signals.orders,
        shutdown,
        || claim_and_process(state, worker),
    )
    .await;
}

/// Claims due jobs and processes them concurrently; returns how many.
pub async fn claim_and_process(state: &AppState, worker: &str) -> Result<usize, StoreError> {
    let now = chrono::Utc::now();
    let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let jobs = state
        .ctx
        .store
        .claim_jobs(&JobClaim {
            kind: JOB_KIND.into(),
            worker: worker.into(),
            now: omni_core::time::rfc3339(now),
            lease_until: omni_core::time::rfc3339(lease_until),
            max: BATCH,
        })
        .await?;
    let count = jobs.len();
    let mut set = tokio::task::JoinSet::new();
    for job in jobs {
        let (state, worker) = (state.clone(), worker.to_string());
        set.spawn(async move {
            let outcome = match complete(&state, &job).await {
                Ok(()) => JobOutcome::Done { now: stamp() },
                Err(e) => {
                    let wait = 2_i64.pow(job.attempts.clamp(0, 8) as u32) * 100;
                    tracing::warn!(job = %job.id, error = %e, "order step failed; retrying");
                    JobOutcome::Retry {
                        now: stamp(),
                        run_at: omni_core::time::rfc3339(
                            chrono::Utc::now() + chrono::Duration::milliseconds(wait),
                        ),
                        error: e.to_string(),
                    }
                }
            };
            if let Err(e) = state.ctx.store.finish_job(&job.id, &worker, &outcome).await {
                tracing::warn!(job = %job.id, error = %e, "could not finish job; its lease will run out");
            }
        });
    }
    while set.join_next().await.is_some() {}
    Ok(count)
}

fn stamp() -> String {
    omni_core::time::rfc3339(chrono::Utc::now())
}

fn decode<T: serde::de::DeserializeOwned>(doc: &Document) -> Result<T, StepError> {
    serde_json::from_value(doc.body.clone())
        .map_err(|e| StepError::Corrupt(format!("{} {}: {e}", doc.kind, doc.id)))
}

/// Runs the order's remaining steps.
async fn complete(state: &AppState, job: &Job) -> Result<(), StepError> {
    let tenant = job.tenant.as_str();
    let Some(id) = job.payload.get("orderId").and_then(Value::as_str) else {
        return Err(StepError::Corrupt(format!("job {} names no order", job.id)));
    };
    loop {
        let Some(po) = state
            .ctx
            .store
            .get_document(tenant, PRODUCT_ORDER_KIND, id)
            .await?
        else {
            // Deleted through TMF622 before it was processed: nothing to do.
            return Ok(());
        };
        let Some(order_doc) = state.ctx.store.get_document(tenant, KIND, id).await? else {
            return Ok(());
        };
        let order: OrderRecord = decode(&order_doc)?;
        match po.state.as_deref() {
            Some("acknowledged") => start(state, tenant, po, order_doc.version, order).await?,
            Some("inProgress") => return finish(state, tenant, po, order_doc.version, order).await,
            // Held or pending orders wait for someone to release them.
            Some("held" | "pending") => {
                return Err(StepError::Corrupt(format!("order {id} is on hold")));
            }
            // Ended elsewhere (cancelled or rejected through TMF622): the
            // partner order follows.
            Some(other) => return follow(state, tenant, other, order_doc.version, order).await,
            None => return Ok(()),
        }
    }
}

async fn follow(
    state: &AppState,
    tenant: &str,
    po_state: &str,
    order_version: i64,
    mut order: OrderRecord,
) -> Result<(), StepError> {
    let to = match po_state {
        "cancelled" | "rejected" => OrderState::Cancelled,
        "completed" => OrderState::Completed,
        "partial" => OrderState::Partial,
        "failed" => OrderState::Failed,
        _ => return Ok(()),
    };
    if order.state != OrderState::Submitted {
        return Ok(());
    }
    order.state = to;
    order.updated_at = stamp();
    let doc = document(tenant, &order, order_version + 1)?;
    state
        .ctx
        .store
        .update_document(&doc, &Effects::none())
        .await?;
    Ok(())
}

fn state_event(tenant: &str, po: &Value, id: &str) -> omni_store::NewEvent {
    let source = EventSource {
        tenant,
        domain: "productOrderingManagement",
        kind: PRODUCT_ORDER_KIND,
        id,
        correlation_id: None,
    };
    event(
        &source,
        "ProductOrderStateChangeEvent",
        po,
        chrono::Utc::now(),
    )
}

fn set_state(po: &mut Value, to: &str, item_states: &BTreeMap<String, &str>) {
    po["state"] = json!(to);
    if let Some(items) = po.get_mut("productOrderItem").and_then(Value::as_array_mut) {
        for item in items {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let s = item_states.get(&id).copied().unwrap_or(to);
            item["state"] = json!(s);
        }
    }
}

/// acknowledged → inProgress, with a number for each new line.
async fn start(
    state: &AppState,
    tenant: &str,
    mut po: Document,
    order_version: i64,
    mut order: OrderRecord,
) -> Result<(), StepError> {
    for item in order.items.iter().filter(|i| i.starts_line()) {
        if !order.new_line_numbers.iter().any(|(i, _)| *i == item.id) {
            let sequence = state
                .ctx
                .store
                .bump_counter(&format!("numberPool:{tenant}"))
                .await?;
            order
                .new_line_numbers
                .push((item.id.clone(), inv::pool_number(sequence)));
        }
    }
    let now = stamp();
    order.updated_at = now.clone();
    set_state(&mut po.body, "inProgress", &BTreeMap::new());
    po.version += 1;
    po.state = Some("inProgress".into());
    po.updated_at = now;
    let effects = Effects::events(vec![state_event(tenant, &po.body, &po.id)]);
    let order_doc = document(tenant, &order, order_version + 1)?;
    state
        .ctx
        .store
        .write_documents(
            &[DocumentWrite::Update(po), DocumentWrite::Update(order_doc)],
            &effects,
        )
        .await?;
    Ok(())
}

/// inProgress → completed, partial or failed: every line's changes, the
/// product order and the partner order in one transaction.
async fn finish(
    state: &AppState,
    tenant: &str,
    mut po: Document,
    order_version: i64,
    mut order: OrderRecord,
) -> Result<(), StepError> {
    let now = stamp();
    let mut writes = Vec::new();
    let mut item_states: BTreeMap<String, &str> = BTreeMap::new();
    let mut lines: BTreeMap<String, Vec<&CapturedItem>> = BTreeMap::new();
    for item in order
        .items
        .iter()
        .filter(|i| !i.starts_line() && i.subscriber_number.is_some())
    {
        lines
            .entry(item.subscriber_number.clone().unwrap_or_default())
            .or_default()
            .push(item);
    }
    for (ctn, items) in &lines {
        let outcome = match state
            .ctx
            .store
            .get_document(tenant, inv::SUBSCRIBER_KIND, ctn)
            .await?
        {
            None => Err(format!("subscriber '{ctn}' no longer exists")),
            Some(doc) => {
                let line: Subscriber = decode(&doc)?;
                match apply_to_line(&line, items, &order.id, &now) {
                    Ok(next) => {
                        let mut updated = doc.clone();
                        updated.version += 1;
                        updated.state = Some(next.status.as_str().into());
                        updated.updated_at = now.clone();
                        updated.body = serde_json::to_value(&next)
                            .map_err(|e| StepError::Corrupt(e.to_string()))?;
                        writes.push(DocumentWrite::Update(updated));
                        Ok(())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        let s = if outcome.is_ok() {
            "completed"
        } else {
            "failed"
        };
        for item in items {
            item_states.insert(item.id.clone(), s);
        }
    }
    for root in order.items.iter().filter(|i| i.starts_line()) {
        let children: Vec<&CapturedItem> = order
            .items
            .iter()
            .filter(|i| {
                i.root_item_id.as_deref() == Some(root.id.as_str()) && i.subscriber_number.is_none()
            })
            .collect();
        let ctn = order
            .new_line_numbers
            .iter()
            .find(|(i, _)| *i == root.id)
            .map(|(_, n)| n.clone());
        let billing = match &root.billing_account_id {
            Some(b) => {
                state
                    .ctx
                    .store
                    .get_document(tenant, inv::BILLING_ACCOUNT_KIND, b)
                    .await?
            }
            None => None,
        };
        let created = match (ctn, billing) {
            (Some(ctn), Some(b)) => {
                let billing: BillingAccount = decode(&b)?;
                let line = new_line(root, &children, &billing, &ctn, &order.id, &now);
                writes.push(DocumentWrite::Insert(Document {
                    tenant: tenant.into(),
                    kind: inv::SUBSCRIBER_KIND.into(),
                    id: ctn,
                    version: 1,
                    owner: b.owner.clone(),
                    state: Some(line.status.as_str().into()),
                    created_at: now.clone(),
                    updated_at: now.clone(),
                    body: serde_json::to_value(&line)
                        .map_err(|e| StepError::Corrupt(e.to_string()))?,
                }));
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
    set_state(&mut po.body, po_state, &item_states);
    po.body["completionDate"] = json!(now);
    po.version += 1;
    po.state = Some(po_state.into());
    po.updated_at = now.clone();
    order.state = order_state;
    order.updated_at = now;
    let effects = Effects::events(vec![state_event(tenant, &po.body, &po.id)]);
    writes.push(DocumentWrite::Update(po));
    writes.push(DocumentWrite::Update(document(
        tenant,
        &order,
        order_version + 1,
    )?));
    // A conflict (a line changed meanwhile) fails the step; the job retries
    // it from fresh reads.
    state.ctx.store.write_documents(&writes, &effects).await?;
    Ok(())
}
