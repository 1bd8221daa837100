//! When an order's job fails for good, and when an operator retries it.
//!
//! [`record`] stores, in the one write that ends the job as failed, that the
//! partner order failed (`failed`, with the reason its answers show as
//! `failureReason`) and that its TMF622 product order failed (`failed`, its
//! `completionDate`, and the reason as a `note`, TMF622 v4's place for free
//! text about an order), with a `ProductOrderStateChangeEvent`. The product
//! order's state before is kept on the partner order, so that [`take_back`]
//! (an operator's `POST /admin/v1/job/{id}/retry`) can put both back as they
//! were and the job can run again. A product order already in a final state
//! (cancelled through TMF622) is left alone.

use super::order_id;
use super::steps::moved;
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::jobs::Lease;
use crate::order::record::{JobFailure, OrderRecord, OrderState, orders};
use crate::product_order::{self, state_change_event};
use crate::repo::{RetryPolicy, Stored, Writes};
use chrono::{DateTime, Utc};
use omni_core::product_order::{State, state_of};
use omni_store::{Document, DocumentWrite, Effects, Job, JobDone, NewEvent, StoreError};
use serde_json::{Value, json};

/// The id of the note that carries why the order failed.
const FAILURE_NOTE: &str = "orderFailure";

/// The two documents a failure is recorded on, as read.
struct Pair {
    order: Stored<OrderRecord>,
    product_order: Option<Document>,
}

/// Both documents, or `None` when there is nothing the failure can be
/// recorded on (no order, or one that does not decode).
async fn read(ctx: &Context, tenant: &str, id: &str) -> Result<Option<Pair>, StoreError> {
    let order = match orders(ctx.store(), tenant).find(id).await {
        Ok(Some(order)) => order,
        Ok(None) => return Ok(None),
        Err(StoreError::Corrupt(reason)) => {
            tracing::error!(order = id, error = %reason, "the failed order's partner order does not decode");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let product_order = ctx
        .store
        .get_document(tenant, product_order::KIND, id)
        .await?;
    Ok(Some(Pair {
        order,
        product_order,
    }))
}

fn failure_note(reason: &str, stamp: &str) -> Value {
    json!({"id": FAILURE_NOTE, "author": "Omni order worker", "date": stamp, "text": reason, "@type": "Note"})
}

/// The product order with `body` in state `to`, changed `now`, and the
/// event that announces it.
fn rewritten(po: &Document, body: Value, to: State, now: DateTime<Utc>) -> (Document, NewEvent) {
    let changed = moved(
        Document { body, ..po.clone() },
        to.as_str(),
        &omni_core::time::rfc3339(now),
    );
    let event = state_change_event(&po.tenant, &po.id, &changed.body, None, now);
    (changed, event)
}

/// The product order failed `now` for `reason`, with its event; `None` when
/// it is already final (or has no state we know) and stays as it is.
fn fail_product_order(
    po: &Document,
    reason: &str,
    now: DateTime<Utc>,
) -> Option<(State, Document, NewEvent)> {
    let from = state_of(&po.body).filter(|s| !s.is_final())?;
    let stamp = omni_core::time::rfc3339(now);
    let mut body = po.body.clone();
    body["state"] = json!(State::Failed);
    body["completionDate"] = json!(stamp);
    match body.get_mut("note").and_then(Value::as_array_mut) {
        Some(notes) => notes.push(failure_note(reason, &stamp)),
        None => body["note"] = json!([failure_note(reason, &stamp)]),
    }
    let (failed, event) = rewritten(po, body, State::Failed, now);
    Some((from, failed, event))
}

/// Records that `job`'s order failed for good, ending the job as failed in
/// the same write. `Ok(false)`: nothing to record it on (the order is gone,
/// does not decode, or is no longer waiting for this job); the runner ends
/// the job alone.
pub(super) async fn record(
    ctx: &Context,
    lease: &Lease,
    job: &Job,
    reason: &str,
) -> Result<bool, StoreError> {
    let Some(id) = order_id(job) else {
        return Ok(false);
    };
    let tenant = job.tenant.as_str();
    let mut retry = RetryPolicy::WORKER.begin(false);
    loop {
        let Some(Pair {
            mut order,
            product_order,
        }) = read(ctx, tenant, id).await?
        else {
            return Ok(false);
        };
        if order.record.state != OrderState::Submitted {
            return Ok(false);
        }
        let now = ctx.now();
        let stamp = omni_core::time::rfc3339(now);
        let mut writes = Writes::new(Effects {
            finish_jobs: vec![JobDone {
                failed: Some(reason.to_string()),
                ..JobDone::done(&job.id, &lease.worker, &stamp)
            }],
            ..Effects::none()
        });
        let mut from = None;
        if let Some((state, failed, event)) = product_order
            .as_ref()
            .and_then(|po| fail_product_order(po, reason, now))
        {
            from = Some(state.as_str().to_string());
            writes.document(DocumentWrite::Update(failed));
            writes.effects.events.push(event);
        }
        order.record.state = OrderState::Failed;
        order.record.updated_at = stamp.clone();
        order.record.failure = Some(JobFailure {
            reason: reason.to_string(),
            product_order_state: from,
        });
        writes.update(tenant, &order, &stamp)?;
        match writes.commit(ctx.store()).await {
            Ok(()) => return Ok(true),
            Err(e @ StoreError::VersionConflict { .. }) => {
                if retry.conflict("order").await.is_err() {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The product order as it was before [`record`] failed it: its state (and
/// so `from`), without the failure's date and note, with its event.
fn restore_product_order(
    po: &Document,
    from: State,
    now: DateTime<Utc>,
) -> Option<(Document, NewEvent)> {
    if state_of(&po.body) != Some(State::Failed) {
        return None;
    }
    let mut body = po.body.clone();
    body["state"] = json!(from);
    if let Some(fields) = body.as_object_mut() {
        fields.remove("completionDate");
    }
    if let Some(notes) = body.get_mut("note").and_then(Value::as_array_mut) {
        notes.retain(|n| n.get("id").and_then(Value::as_str) != Some(FAILURE_NOTE));
        if notes.is_empty()
            && let Some(fields) = body.as_object_mut()
        {
            fields.remove("note");
        }
    }
    Some(rewritten(po, body, from, now))
}

/// An operator retries the failed job: the partner order is `submitted`
/// again and the product order back in the state it failed from, so the
/// job's next run picks up where it stopped. An order whose failure was not
/// recorded (it did not decode) has nothing to take back.
pub(super) async fn take_back(ctx: &Context, job: &Job) -> AppResult<()> {
    let Some(id) = order_id(job) else {
        return Ok(());
    };
    let tenant = job.tenant.as_str();
    let mut retry = RetryPolicy::REQUEST.begin(false);
    loop {
        let Some(Pair {
            mut order,
            product_order,
        }) = read(ctx, tenant, id).await?
        else {
            return Ok(());
        };
        let Some(failure) = order.record.failure.take() else {
            return Ok(());
        };
        let now = ctx.now();
        let stamp = omni_core::time::rfc3339(now);
        let mut writes = Writes::default();
        let from = failure
            .product_order_state
            .as_deref()
            .and_then(State::parse);
        if let Some((restored, event)) = product_order
            .as_ref()
            .zip(from)
            .and_then(|(po, from)| restore_product_order(po, from, now))
        {
            writes.document(DocumentWrite::Update(restored));
            writes.effects.events.push(event);
        }
        order.record.state = OrderState::Submitted;
        order.record.updated_at = stamp.clone();
        writes.update(tenant, &order, &stamp)?;
        match writes.commit(ctx.store()).await {
            Ok(()) => return Ok(()),
            Err(StoreError::VersionConflict { .. }) => retry.conflict("order").await?,
            Err(e) => return Err(AppError::from(e)),
        }
    }
}
