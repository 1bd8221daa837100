//! Applying one change request: read the order, the line and its billing
//! account (from the chain's snapshot), apply the change (the pure domain),
//! and write the line, the billing account when changed, the order with
//! the change's result, its status event and the job's end in one
//! version-checked transaction. So a worker that dies mid-way leaves
//! everything or nothing, a resumed (or second) worker sees the result and
//! never applies it again, and a worker whose lease ran out stores nothing.

use super::KIND;
use super::batch::{Snapshot, target};
use super::record::{CareOrderRecord, RecordStatus};
use super::settle;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use omni_core::care::{
    CatalogFacts, ChangeFailure, ChangeResult, ChangeStatus, FailureCode, apply,
};
use omni_core::inventory::{BILLING_ACCOUNT_KIND, BillingAccount, SUBSCRIBER_KIND, Subscriber};
use omni_core::time::rfc3339;
use omni_store::{Document, DocumentKey, DocumentWrite, Effects, Job, JobDone, StoreError};
use serde_json::Value;

/// Immediate retries of a change that lost a version race (to another
/// server, or to a cancellation), each from fresh reads.
const CONFLICT_RETRIES: u32 = 8;

#[derive(Debug, thiserror::Error)]
pub(super) enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored record does not decode: {0}")]
    Corrupt(String),
    /// What the whole batch needed (its documents, the catalog) could not
    /// be read.
    #[error("care batch could not be read: {0}")]
    Unavailable(String),
    /// The line refused the change as the batch read it: a refusal is
    /// stored only when decided on the line as it is now (a refusal writes
    /// the order alone, so no version check would catch a stale line).
    #[error("refused on the batch's reads; deciding again on fresh ones")]
    Recheck,
}

/// What a job's run came to.
pub(super) enum Step {
    /// Applied: the write that stored the result also ended the job.
    Finished,
    /// Nothing to write (already processed, or its order cancelled or
    /// gone): the job is to be ended.
    Done,
    /// An earlier change request of the order, due no later, is still
    /// pending: changes apply in request order.
    Wait,
}

/// Who runs the change, and as of when.
pub(super) struct Run<'a> {
    pub state: &'a AppState,
    pub worker: &'a str,
    pub now: DateTime<Utc>,
    pub catalog: &'a CatalogFacts,
}

fn decode<T: serde::de::DeserializeOwned>(doc: &Document) -> Result<T, StepError> {
    T::deserialize(&doc.body)
        .map_err(|e| StepError::Corrupt(format!("{} {}: {e}", doc.kind, doc.id)))
}

fn body<T: serde::Serialize>(value: &T) -> Result<Value, StepError> {
    serde_json::to_value(value).map_err(|e| StepError::Corrupt(e.to_string()))
}

/// Runs the job's change; a version conflict, or a refusal decided on the
/// batch's reads, is retried at once from fresh reads (a conflict a few
/// times before it is reported).
pub(super) async fn run_retrying(
    run: &Run<'_>,
    job: &Job,
    snapshot: &mut Snapshot,
) -> Result<Step, StepError> {
    let (mut tries, mut fresh) = (0, false);
    loop {
        match run_once(run, job, snapshot, fresh).await {
            Err(StepError::Store(StoreError::VersionConflict { .. }))
                if tries < CONFLICT_RETRIES =>
            {
                tries += 1;
                fresh = true;
            }
            Err(StepError::Recheck) if !fresh => fresh = true,
            other => return other,
        }
    }
}

/// Forgets, on failure, what the change read: a retry reads afresh.
/// `fresh` says the snapshot holds nothing read before this job's run.
async fn run_once(
    run: &Run<'_>,
    job: &Job,
    snapshot: &mut Snapshot,
    fresh: bool,
) -> Result<Step, StepError> {
    let mut read = Vec::new();
    let result = apply_change(run, job, snapshot, &mut read, fresh).await;
    if result.is_err() {
        for (kind, id) in read {
            snapshot.forget(kind, &id);
        }
    }
    result
}

/// Applies the job's change request, unless it was already processed or
/// its order cancelled. `read` collects the documents it relied on.
async fn apply_change(
    run: &Run<'_>,
    job: &Job,
    snapshot: &mut Snapshot,
    read: &mut Vec<(&'static str, String)>,
    fresh: bool,
) -> Result<Step, StepError> {
    let (store, tenant, now) = (run.state.ctx.store.as_ref(), job.tenant.as_str(), run.now);
    let Some((order_id, index)) = target(job) else {
        return Err(StepError::Corrupt(format!(
            "job {} names no change",
            job.id
        )));
    };
    read.push((KIND, order_id.to_string()));
    let Some(order_doc) = snapshot.get(store, tenant, KIND, order_id).await? else {
        return Ok(Step::Done);
    };
    let mut record: CareOrderRecord = decode(&order_doc)?;
    let (Some(change), Some(mine)) = (
        record.order.change_requests.get(index).cloned(),
        record.changes.get(index).cloned(),
    ) else {
        return Err(StepError::Corrupt(format!(
            "job {} names no change",
            job.id
        )));
    };
    // Already applied (or failed) by an earlier run: exactly once.
    if record.status == RecordStatus::Cancelled || mine.result.status != ChangeStatus::Pending {
        return Ok(Step::Done);
    }
    let earlier_pending = record.changes[..index]
        .iter()
        .any(|c| c.result.status == ChangeStatus::Pending && c.due_at <= mine.due_at);
    if earlier_pending {
        return Ok(Step::Wait);
    }
    read.push((SUBSCRIBER_KIND, change.ctn.clone()));
    let line_doc = snapshot
        .get(store, tenant, SUBSCRIBER_KIND, &change.ctn)
        .await?;
    let mut writes = Vec::new();
    let mut moved_from = None;
    let mut settle_job = None;
    let result = match line_doc {
        None => ChangeResult::failed(
            &change.change_request_id,
            ChangeFailure::new(
                FailureCode::WrongLine,
                format!("line '{}' no longer exists", change.ctn),
            ),
        ),
        Some(line_doc) => {
            let line: Subscriber = decode(&line_doc)?;
            read.push((BILLING_ACCOUNT_KIND, line.billing_account_id.clone()));
            let Some(billing_doc) = snapshot
                .get(
                    store,
                    tenant,
                    BILLING_ACCOUNT_KIND,
                    &line.billing_account_id,
                )
                .await?
            else {
                return Err(StepError::Corrupt(format!(
                    "billing account {} of line {} is missing",
                    line.billing_account_id, line.ctn
                )));
            };
            let billing: BillingAccount = decode(&billing_doc)?;
            match apply(&line, &billing, &change, run.catalog, order_id, now) {
                Err(failure) => ChangeResult::failed(&change.change_request_id, failure),
                Ok(applied) => {
                    let id = format!("{}:settle", job.id);
                    settle_job = settle::job_for(tenant, id, &applied.subscriber, now);
                    let mut updated = line_doc.clone();
                    updated.state = Some(applied.subscriber.status.as_str().into());
                    updated.updated_at = rfc3339(now);
                    updated.body = body(&applied.subscriber)?;
                    if applied.previous_ctn.is_some() {
                        // The line is keyed by number: it moves to its new one.
                        updated.id = applied.subscriber.ctn.clone();
                        updated.version = 1;
                        updated.created_at = rfc3339(now);
                        read.push((SUBSCRIBER_KIND, updated.id.clone()));
                        writes.push(DocumentWrite::Insert(updated));
                        moved_from = Some((line_doc.key(), line_doc.version));
                    } else {
                        updated.version += 1;
                        writes.push(DocumentWrite::Update(updated));
                    }
                    if let Some(b) = applied.billing_account {
                        let mut doc = billing_doc.clone();
                        doc.version += 1;
                        doc.updated_at = rfc3339(now);
                        doc.body = body(&b)?;
                        writes.push(DocumentWrite::Update(doc));
                    }
                    ChangeResult::completed(&change.change_request_id)
                }
            }
        }
    };
    if result.status != ChangeStatus::Completed && !fresh {
        return Err(StepError::Recheck);
    }
    if let Some(slot) = record.changes.get_mut(index) {
        slot.result = result;
        slot.processed_at = Some(rfc3339(now));
    }
    record.updated_at = rfc3339(now);
    record.settle_status();
    writes.push(DocumentWrite::Update(
        record.document(tenant, order_doc.version + 1)?,
    ));
    let effects = Effects {
        events: vec![record.status_event(tenant)],
        jobs: settle_job.into_iter().collect(),
        finish_jobs: vec![JobDone::done(&job.id, run.worker, &rfc3339(Utc::now()))],
        ..Effects::default()
    };
    run.state
        .ctx
        .store
        .write_documents(&writes, &effects)
        .await?;
    for write in writes {
        if let DocumentWrite::Insert(doc) | DocumentWrite::Update(doc) = write {
            snapshot.wrote(doc);
        }
    }
    if let Some((key, version)) = moved_from {
        remove_old_number(run.state, &key, version).await;
        snapshot.forget(SUBSCRIBER_KIND, &key.id);
    }
    Ok(Step::Finished)
}

/// After a `changeCTN` the line lives under its new number; the document
/// under the old one is removed. The store has no delete inside
/// `write_documents`, so this is a second step: if it fails, the old number
/// keeps a stale copy of the line (logged, for an operator to remove).
async fn remove_old_number(state: &AppState, key: &DocumentKey, version: i64) {
    if let Err(e) = state
        .ctx
        .store
        .delete_document(key, Some(version), &Effects::none())
        .await
    {
        tracing::error!(ctn = %key.id, error = %e, "old number of a moved line was not removed");
    }
}
