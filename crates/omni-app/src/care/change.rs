//! Applying one change request: read the care order, the line and its
//! billing account (from the chain's snapshot), apply the change (the pure
//! domain), and write the line, the billing account when changed, the order
//! with the change's result, its status event and the job's end in one
//! version-checked transaction. So a worker that dies mid-way leaves
//! everything or nothing, a resumed (or second) worker sees the result and
//! never applies it again, and a worker whose lease ran out stores nothing.
//!
//! A line is keyed by its number: a `changeCTN` inserts the line under its
//! new number and deletes the document under the old one in that same
//! write, so a reader finds the line under exactly one of the two.

use super::batch::{Snapshot, target};
use super::record::{CareOrderRecord, RecordStatus};
use super::settle;
use crate::context::Context;
use crate::jobs::{Lease, Outcome};
use crate::repo::{Record, RetryPolicy, Stored, Writes};
use omni_core::care::{
    CatalogFacts, ChangeFailure, ChangeRequest, ChangeResult, ChangeStatus, FailureCode, apply,
};
use omni_core::inventory::{BillingAccount, Subscriber};
use omni_store::{Effects, Job, JobDone, NewEvent, NewJob, StoreError};
use std::time::Duration;

/// How long a change waits for an earlier change of its order due no later.
const ORDER_WAIT: Duration = Duration::from_millis(100);

/// What one attempt at a change came to.
enum Attempt {
    /// Applied: the write that stored the result also ended the job.
    Finished,
    /// Nothing to write (already processed, or its order cancelled or
    /// gone): the job is to be ended.
    Done,
    /// An earlier change request of the order, due no later, is still
    /// pending: changes apply in request order.
    Wait,
    /// The line refused the change as the batch read it. A refusal is
    /// stored only when decided on the line as it is now (it writes the
    /// order alone, so no version check would catch a stale line).
    Recheck,
}

/// Runs the job's change as of the lease's `now`. A write that lost a
/// version race (to another node, or a cancellation), or a refusal decided
/// on the batch's reads, starts over from fresh reads, as
/// [`RetryPolicy::WORKER`] allows.
pub(super) async fn run(
    ctx: &Context,
    lease: &Lease,
    catalog: &CatalogFacts,
    job: &Job,
    snapshot: &mut Snapshot,
) -> Outcome {
    let mut retry = RetryPolicy::WORKER.begin(false);
    let mut fresh = false;
    loop {
        let attempt = attempt(ctx, lease, catalog, job, snapshot, fresh).await;
        if !matches!(
            attempt,
            Ok(Attempt::Finished | Attempt::Done | Attempt::Wait)
        ) {
            snapshot.clear();
        }
        match attempt {
            Ok(Attempt::Finished) => return Outcome::Finished,
            Ok(Attempt::Done) => return Outcome::Done,
            Ok(Attempt::Wait) => {
                return Outcome::Later {
                    after: ORDER_WAIT,
                    note: "waiting for an earlier change request of the order".into(),
                };
            }
            Ok(Attempt::Recheck) => fresh = true,
            Err(StoreError::VersionConflict { .. }) => {
                if let Err(e) = retry.conflict(CareOrderRecord::NAME).await {
                    return Outcome::Retry(e.to_string());
                }
                fresh = true;
            }
            Err(e) => return Outcome::from_store(e),
        }
    }
}

/// Applies the job's change request, unless it was already processed or
/// its order cancelled. `fresh`: the snapshot holds nothing read before
/// this job's run.
async fn attempt(
    ctx: &Context,
    lease: &Lease,
    catalog: &CatalogFacts,
    job: &Job,
    snapshot: &mut Snapshot,
    fresh: bool,
) -> Result<Attempt, StoreError> {
    let (store, tenant, now) = (ctx.store(), job.tenant.as_str(), lease.now);
    let stamp = lease.stamp();
    let Some((order_id, index)) = target(job) else {
        return Err(StoreError::Corrupt(format!(
            "job {} names no change",
            job.id
        )));
    };
    let Some(mut order) = snapshot.orders.get(store, tenant, order_id).await? else {
        return Ok(Attempt::Done);
    };
    let record = &order.record;
    let (Some(change), Some(mine)) = (
        record.order.change_requests.get(index).cloned(),
        record.changes.get(index),
    ) else {
        return Err(StoreError::Corrupt(format!(
            "job {} names no change",
            job.id
        )));
    };
    // Already applied (or failed) by an earlier run: exactly once.
    if record.status == RecordStatus::Cancelled || mine.result.status != ChangeStatus::Pending {
        return Ok(Attempt::Done);
    }
    let earlier_pending = record.changes[..index]
        .iter()
        .any(|c| c.result.status == ChangeStatus::Pending && c.due_at <= mine.due_at);
    if earlier_pending {
        return Ok(Attempt::Wait);
    }
    let (result, mut changed) = change_line(ctx, lease, catalog, job, snapshot, &change).await?;
    if result.status != ChangeStatus::Completed && !fresh {
        return Ok(Attempt::Recheck);
    }
    order.record.record_result(index, result, &stamp);
    changed.writes.update(tenant, &order, &stamp)?;
    let mut events = vec![order.record.status_event(tenant, now)];
    events.append(&mut changed.product_events);
    changed.writes.effects = Effects {
        events,
        jobs: changed.settle_job.take().into_iter().collect(),
        finish_jobs: vec![JobDone::done(&job.id, &lease.worker, &stamp)],
        ..Effects::default()
    };
    changed.writes.commit(store).await?;
    snapshot.orders.set(order_id, Some(written(order, &stamp)));
    changed.learn(snapshot);
    Ok(Attempt::Finished)
}

/// What a change did to the inventory, written with its result.
#[derive(Default)]
struct Changed {
    writes: Writes,
    /// The line's next feature date, when it has one.
    settle_job: Option<NewJob>,
    /// The line as written, and the number it left (a `changeCTN`).
    line: Option<(Stored<Subscriber>, Option<String>)>,
    billing: Option<Stored<BillingAccount>>,
    /// TMF637: what the change did to the line's products.
    product_events: Vec<NewEvent>,
}

impl Changed {
    /// Tells the chain what the committed write stored.
    fn learn(self, snapshot: &mut Snapshot) {
        if let Some((line, left)) = self.line {
            if let Some(old) = left {
                snapshot.lines.set(&old, None);
            }
            let ctn = line.record.ctn.clone();
            snapshot.lines.set(&ctn, Some(line));
        }
        if let Some(billing) = self.billing {
            let id = billing.record.id.clone();
            snapshot.billing.set(&id, Some(billing));
        }
    }
}

/// Applies `change` to its line and the line's billing account as the
/// chain knows them: the result, and the writes that carry it out.
async fn change_line(
    ctx: &Context,
    lease: &Lease,
    catalog: &CatalogFacts,
    job: &Job,
    snapshot: &mut Snapshot,
    change: &ChangeRequest,
) -> Result<(ChangeResult, Changed), StoreError> {
    let (store, tenant, now) = (ctx.store(), job.tenant.as_str(), lease.now);
    let mut changed = Changed::default();
    let Some(line) = snapshot.lines.get(store, tenant, &change.ctn).await? else {
        let failure = ChangeFailure::new(
            FailureCode::WrongLine,
            format!("line '{}' no longer exists", change.ctn),
        );
        return Ok((
            ChangeResult::failed(&change.change_request_id, failure),
            changed,
        ));
    };
    let id = &line.record.billing_account_id;
    let Some(mut billing) = snapshot.billing.get(store, tenant, id).await? else {
        return Err(StoreError::Corrupt(format!(
            "billing account {id} of line {} is missing",
            line.record.ctn
        )));
    };
    let order_id = target(job).map_or("", |(order, _)| order);
    let applied = match apply(
        &line.record,
        &billing.record,
        change,
        catalog,
        order_id,
        now,
    ) {
        Ok(applied) => applied,
        Err(failure) => {
            return Ok((
                ChangeResult::failed(&change.change_request_id, failure),
                changed,
            ));
        }
    };
    let stamp = lease.stamp();
    let id = format!("{}:settle", job.id);
    changed.settle_job = settle::job_for(tenant, id, &applied.subscriber, now);
    changed.product_events = crate::product_inventory::line_events(
        store,
        &ctx.config.public_url,
        tenant,
        Some(&line.record),
        Some(&applied.subscriber),
        now,
    )
    .await?;
    let written_line = write_line(
        &mut changed.writes,
        tenant,
        line,
        applied.subscriber,
        &stamp,
    )?;
    changed.line = Some(written_line);
    if let Some(account) = applied.billing_account {
        billing.record = account;
        changed.writes.update(tenant, &billing, &stamp)?;
        changed.billing = Some(written(billing, &stamp));
    }
    Ok((ChangeResult::completed(&change.change_request_id), changed))
}

/// Adds the changed line to `writes`: over the version read, or, when its
/// number changed, inserted under the new number with the old number's
/// document deleted (at the version read: a line changed meanwhile fails
/// the whole write). Answers the line as written, and the number it left.
fn write_line(
    writes: &mut Writes,
    tenant: &str,
    read: Stored<Subscriber>,
    changed: Subscriber,
    now: &str,
) -> Result<(Stored<Subscriber>, Option<String>), StoreError> {
    if changed.ctn == read.record.ctn {
        let mut line = read;
        line.record = changed;
        writes.update(tenant, &line, now)?;
        return Ok((written(line, now), None));
    }
    let mut moved = Stored::new(changed, read.owner.clone(), now);
    writes.insert(tenant, &moved)?;
    writes.delete::<Subscriber>(tenant, &read.record.ctn, read.version);
    moved.version = 1;
    Ok((moved, Some(read.record.ctn)))
}

/// A record as stored by a write over the version it was read at.
fn written<T>(mut stored: Stored<T>, now: &str) -> Stored<T> {
    stored.version += 1;
    stored.updated_at = now.to_string();
    stored
}
