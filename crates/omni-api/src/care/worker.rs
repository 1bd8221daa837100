//! Applies care order change requests when they fall due. One job per change
//! request, claimed by lease, runs at the change's due time. Applying a
//! change writes the line, its billing account (when changed) and the order
//! record with the change's result in one version-checked transaction, so a
//! worker that dies mid-way leaves either everything or nothing, and a
//! resumed (or second) worker sees the result and never applies it again.

use super::KIND;
use super::facts::catalog_facts;
use super::record::{CareOrderRecord, RecordStatus};
use super::settle;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use omni_core::care::{ChangeFailure, ChangeResult, ChangeStatus, FailureCode, apply};
use omni_core::inventory::{BILLING_ACCOUNT_KIND, BillingAccount, SUBSCRIBER_KIND, Subscriber};
use omni_core::time::rfc3339;
use omni_store::{
    Document, DocumentKey, DocumentWrite, Effects, Job, JobClaim, JobOutcome, StoreError,
};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::watch;

pub const JOB_KIND: &str = "careOrder.change";
const LEASE: Duration = Duration::from_secs(30);
const BATCH: i64 = 32;
const IDLE_POLL: Duration = Duration::from_millis(100);
/// How long a change waits for an earlier change of its order due no later.
const ORDER_WAIT_MS: i64 = 100;
/// Immediate retries of a step that lost a version race.
const CONFLICT_RETRIES: u32 = 8;

#[derive(Debug, thiserror::Error)]
pub(super) enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored record does not decode: {0}")]
    Corrupt(String),
}

/// What a job's run came to.
enum Step {
    Done,
    /// An earlier change request of the order, due no later, is still
    /// pending: changes apply in request order.
    Wait,
}

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let worker = format!("care-worker-{}", uuid::Uuid::new_v4());
    loop {
        if *shutdown.borrow() {
            return;
        }
        let busy = match claim_and_process(&state, &worker).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "claiming care order jobs failed");
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Claims the jobs due now and processes them; returns how many.
pub async fn claim_and_process(state: &AppState, worker: &str) -> Result<usize, StoreError> {
    claim_and_process_at(state, worker, Utc::now()).await
}

/// As [`claim_and_process`], with the clock at `now`: changes are claimed
/// when due at `now` and applied as of `now` (tests and replays use it to
/// reach a scheduled change without waiting for it).
pub async fn claim_and_process_at(
    state: &AppState,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let mut jobs = Vec::new();
    for kind in [JOB_KIND, settle::JOB_KIND] {
        let claim = JobClaim {
            kind: kind.into(),
            worker: worker.into(),
            now: rfc3339(now),
            lease_until: rfc3339(lease_until),
            max: BATCH,
        };
        jobs.extend(state.store.claim_jobs(&claim).await?);
    }
    let count = jobs.len();
    let mut set = tokio::task::JoinSet::new();
    for job in jobs {
        let (state, worker) = (state.clone(), worker.to_string());
        set.spawn(async move {
            let later = |ms: i64| rfc3339(Utc::now() + chrono::Duration::milliseconds(ms));
            let result = if job.kind == settle::JOB_KIND {
                settle::process(&state, &job, now).await.map(|()| Step::Done)
            } else {
                process_retrying(&state, &job, now).await
            };
            let outcome = match result {
                Ok(Step::Done) => JobOutcome::Done { now: stamp() },
                Ok(Step::Wait) => JobOutcome::Retry {
                    now: stamp(),
                    run_at: later(ORDER_WAIT_MS),
                    error: "waiting for an earlier change request of the order".into(),
                },
                Err(e) => {
                    // Conflicts (a line changed meanwhile) and outages: retry
                    // from fresh reads, backing off.
                    let wait = 2_i64.pow(job.attempts.clamp(0, 8) as u32) * 100;
                    tracing::warn!(job = %job.id, error = %e, "care change failed; retrying");
                    JobOutcome::Retry {
                        now: stamp(),
                        run_at: later(wait),
                        error: e.to_string(),
                    }
                }
            };
            if let Err(e) = state.store.finish_job(&job.id, &worker, &outcome).await {
                tracing::warn!(job = %job.id, error = %e, "could not finish job; its lease will run out");
            }
        });
    }
    while set.join_next().await.is_some() {}
    Ok(count)
}

fn stamp() -> String {
    rfc3339(Utc::now())
}

fn decode<T: serde::de::DeserializeOwned>(doc: &Document) -> Result<T, StepError> {
    serde_json::from_value(doc.body.clone())
        .map_err(|e| StepError::Corrupt(format!("{} {}: {e}", doc.kind, doc.id)))
}

fn body<T: serde::Serialize>(value: &T) -> Result<Value, StepError> {
    serde_json::to_value(value).map_err(|e| StepError::Corrupt(e.to_string()))
}

/// Changes of one order share its record, so changes of different lines
/// processed at once conflict on it: a conflict is retried at once from
/// fresh reads a few times before the job backs off.
async fn process_retrying(
    state: &AppState,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<Step, StepError> {
    let mut tries = 0;
    loop {
        match process(state, job, now).await {
            Err(StepError::Store(StoreError::VersionConflict { .. }))
                if tries < CONFLICT_RETRIES =>
            {
                tries += 1;
            }
            other => return other,
        }
    }
}

/// Applies the job's change request, unless it was already processed or
/// its order cancelled.
async fn process(state: &AppState, job: &Job, now: DateTime<Utc>) -> Result<Step, StepError> {
    let tenant = job.tenant.as_str();
    let order_id = job.payload.get("orderId").and_then(Value::as_str);
    let index = job.payload.get("index").and_then(Value::as_u64);
    let (Some(order_id), Some(index)) = (order_id, index) else {
        return Err(StepError::Corrupt(format!(
            "job {} names no change",
            job.id
        )));
    };
    let Some(order_doc) = state.store.get_document(tenant, KIND, order_id).await? else {
        return Ok(Step::Done);
    };
    let mut record: CareOrderRecord = decode(&order_doc)?;
    let index = usize::try_from(index).unwrap_or(usize::MAX);
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
    let line_doc = state
        .store
        .get_document(tenant, SUBSCRIBER_KIND, &change.ctn)
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
            let Some(billing_doc) = state
                .store
                .get_document(tenant, BILLING_ACCOUNT_KIND, &line.billing_account_id)
                .await?
            else {
                return Err(StepError::Corrupt(format!(
                    "billing account {} of line {} is missing",
                    line.billing_account_id, line.ctn
                )));
            };
            let billing: BillingAccount = decode(&billing_doc)?;
            let catalog = catalog_facts(&state.store, tenant).await?;
            match apply(&line, &billing, &change, catalog.as_ref(), order_id, now) {
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
        ..Effects::default()
    };
    state.store.write_documents(&writes, &effects).await?;
    if let Some((key, version)) = moved_from {
        remove_old_number(state, &key, version).await;
    }
    Ok(Step::Done)
}

/// After a `changeCTN` the line lives under its new number; the document
/// under the old one is removed. The store has no delete inside
/// `write_documents`, so this is a second step: if it fails, the old number
/// keeps a stale copy of the line (logged, for an operator to remove).
async fn remove_old_number(state: &AppState, key: &DocumentKey, version: i64) {
    if let Err(e) = state
        .store
        .delete_document(key, Some(version), &Effects::none())
        .await
    {
        tracing::error!(ctn = %key.id, error = %e, "old number of a moved line was not removed");
    }
}
