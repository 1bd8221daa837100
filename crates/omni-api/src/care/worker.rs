//! Applies care order change requests when they fall due. One job per change
//! request, claimed by lease, runs at the change's due time ([`change`]
//! applies it and ends its job in one transaction).
//!
//! Jobs are claimed in batches; a batch reads what it needs with a few
//! queries and runs as chains ([`batch`]): changes of one order, or of one
//! line, one after the other, different ones at once. A server that accepts
//! a care order wakes its worker at once (`JobSignals::care`); otherwise the worker
//! looks for due jobs (other servers', scheduled ones) every [`IDLE_POLL`].
//!
//! [`change`]: super::change
//! [`batch`]: super::batch

use super::batch::{Chain, plan};
use super::change::{Run, Step, StepError, run_retrying};
use super::facts::catalog_facts;
use super::settle;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use omni_core::time::rfc3339;
use omni_store::{Job, JobClaim, JobOutcome, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub const JOB_KIND: &str = "careOrder.change";
const LEASE: Duration = Duration::from_secs(30);
/// Most change requests claimed at once. A batch costs a claim and three
/// reads however large it is; its jobs must all finish well within the lease.
/// 256 with 16 chains at once gave the best drain and accept latency
/// together in `omni-bench` (128 chains: accepts' p99 doubled).
const BATCH: i64 = 256;
/// Chains running at once. Each holds one write in the store's queue at a
/// time; more put more writes ahead of the requests' own in each commit (the
/// SQLite writer runs a batch in arrival order) and lengthen their wait.
const CHAINS_AT_ONCE: usize = 16;
/// Settle jobs are rare; they run one by one beside the changes.
const SETTLE_BATCH: i64 = 32;
const IDLE_POLL: Duration = Duration::from_millis(100);
/// How long a change waits for an earlier change of its order due no later.
const ORDER_WAIT_MS: i64 = 100;

pub async fn run(state: AppState, shutdown: watch::Receiver<bool>) {
    let worker = format!("care-worker-{}", uuid::Uuid::new_v4());
    let (state, worker) = (&state, worker.as_str());
    crate::workers::poll_jobs(
        "care order",
        IDLE_POLL,
        &state.ctx.signals.care,
        shutdown,
        || claim_and_process(state, worker),
    )
    .await;
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
    let claim = |kind: &str, max: i64| JobClaim {
        kind: kind.into(),
        worker: worker.into(),
        now: rfc3339(now),
        lease_until: rfc3339(lease_until),
        max,
    };
    let changes = state.ctx.store.claim_jobs(&claim(JOB_KIND, BATCH)).await?;
    let settles = state
        .ctx
        .store
        .claim_jobs(&claim(settle::JOB_KIND, SETTLE_BATCH))
        .await?;
    let count = changes.len() + settles.len();
    let mut set = tokio::task::JoinSet::new();
    for job in settles {
        let (state, worker) = (state.clone(), worker.to_string());
        set.spawn(async move {
            let result = settle::process(&state, &job, now)
                .await
                .map(|()| Step::Done);
            finish(&state, &job, &worker, result).await;
        });
    }
    if !changes.is_empty() {
        let chains = match plan(state.ctx.store.as_ref(), changes.clone()).await {
            Ok(chains) => chains,
            Err(e) => {
                // Nothing was applied: every job is tried again later.
                for job in &changes {
                    finish(
                        state,
                        job,
                        worker,
                        Err(StepError::Unavailable(e.to_string())),
                    )
                    .await;
                }
                while set.join_next().await.is_some() {}
                return Err(e);
            }
        };
        // Catalog facts once per tenant for the whole batch.
        let mut catalogs = BTreeMap::new();
        for chain in &chains {
            for job in &chain.jobs {
                if !catalogs.contains_key(&job.tenant) {
                    let facts = catalog_facts(&state.ctx.store, &job.tenant).await;
                    catalogs.insert(job.tenant.clone(), facts);
                }
            }
        }
        let catalogs = Arc::new(catalogs);
        let running = Arc::new(tokio::sync::Semaphore::new(CHAINS_AT_ONCE));
        for chain in chains {
            let (state, worker, catalogs) = (state.clone(), worker.to_string(), catalogs.clone());
            let running = running.clone();
            set.spawn(async move {
                // Closed only if dropped, which it is not while chains run.
                let _turn = running.acquire().await;
                run_chain(&state, &worker, now, &catalogs, chain).await
            });
        }
    }
    while set.join_next().await.is_some() {}
    Ok(count)
}

type Catalogs = BTreeMap<String, Result<Arc<omni_core::care::CatalogFacts>, StoreError>>;

/// Runs a chain's jobs one after the other.
async fn run_chain(
    state: &AppState,
    worker: &str,
    now: DateTime<Utc>,
    catalogs: &Catalogs,
    chain: Chain,
) {
    let Chain { jobs, mut snapshot } = chain;
    for job in jobs {
        let result = match catalogs.get(&job.tenant) {
            Some(Ok(catalog)) => {
                let run = Run {
                    state,
                    worker,
                    now,
                    catalog: catalog.as_ref(),
                };
                run_retrying(&run, &job, &mut snapshot).await
            }
            Some(Err(e)) => Err(StepError::Unavailable(e.to_string())),
            None => Err(StepError::Unavailable("no catalog facts".into())),
        };
        finish(state, &job, worker, result).await;
    }
}

/// Ends a job as its run came to, unless the write that applied it did.
async fn finish(state: &AppState, job: &Job, worker: &str, result: Result<Step, StepError>) {
    let later = |ms: i64| rfc3339(Utc::now() + chrono::Duration::milliseconds(ms));
    let outcome = match result {
        Ok(Step::Finished) => return,
        Ok(Step::Done) => JobOutcome::Done { now: stamp() },
        Ok(Step::Wait) => JobOutcome::Retry {
            now: stamp(),
            run_at: later(ORDER_WAIT_MS),
            error: "waiting for an earlier change request of the order".into(),
        },
        Err(StepError::Store(StoreError::LeaseLost { id })) => {
            // Another worker holds the job now and applies it; nothing of
            // this run was stored.
            tracing::warn!(job = %id, "care change lease lost; left to its new worker");
            return;
        }
        Err(e) => {
            // Conflicts (a line changed meanwhile) and outages: retry from
            // fresh reads, backing off.
            let wait = 2_i64.pow(job.attempts.clamp(0, 8) as u32) * 100;
            tracing::warn!(job = %job.id, error = %e, "care change failed; retrying");
            JobOutcome::Retry {
                now: stamp(),
                run_at: later(wait),
                error: e.to_string(),
            }
        }
    };
    if let Err(e) = state.ctx.store.finish_job(&job.id, worker, &outcome).await {
        tracing::warn!(job = %job.id, error = %e, "could not finish job; its lease will run out");
    }
}

fn stamp() -> String {
    rfc3339(Utc::now())
}
