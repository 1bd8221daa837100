//! The care worker: applies care order change requests when they fall due
//! (`careOrder.change`, one job per change request) and settles dated
//! features (`careOrder.settleFeatures`), on the shared job runner
//! ([`crate::jobs`]: lease, attempts, backoff, the failed state).
//!
//! Change jobs are claimed in batches; a batch reads what it needs with a few
//! queries and runs as chains ([`super::batch`]): changes of one order, or
//! of one line, one after the other, different ones at once ([`super::change`]
//! applies each and ends its job in the same transaction). That is what
//! keeps a backlog draining fast (the care-drain benchmark). A node that
//! accepts a care order wakes its worker at once (`JobSignals::care`);
//! otherwise the worker looks for due jobs (other nodes', scheduled ones)
//! every [`IDLE`].
//!
//! A change that can never succeed fails for good after the configured
//! attempts, recorded on its change request ([`super::failed`]).

use super::batch::{self, Chain};
use super::{change, failed, settle};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobHandler, Lease, Outcome, WorkerSpec};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use omni_core::care::CatalogFacts;
use omni_store::{Job, NewJob, StoreError};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

pub const JOB_KIND: &str = "careOrder.change";
pub use settle::JOB_KIND as SETTLE_JOB_KIND;

const LEASE: Duration = Duration::from_secs(30);
/// Most change requests claimed at once. A batch costs a claim and three
/// reads however large it is; its jobs must all finish well within the lease.
/// 256 with 16 chains at once gave the best drain and accept latency
/// together in `omni-bench` (128 chains: accepts' p99 doubled).
const BATCH: usize = 256;
/// Chains running at once on this node. Each holds one write in the store's
/// queue at a time; more put more writes ahead of the requests' own in each
/// commit (the SQLite writer runs a batch in arrival order) and lengthen
/// their wait.
const CHAINS_AT_ONCE: usize = 16;
/// Settle jobs are rare; they run one by one beside the changes.
const SETTLE_BATCH: usize = 32;
const IDLE: Duration = Duration::from_millis(100);
const KINDS: &[(&str, usize)] = &[(JOB_KIND, BATCH), (SETTLE_JOB_KIND, SETTLE_BATCH)];

/// The job of change request `index` of the care order `order_id`, due at
/// `due_at` (enqueued with the order).
pub(super) fn change_job(
    tenant: &str,
    order_id: &str,
    index: usize,
    due_at: &str,
    now: &str,
) -> NewJob {
    NewJob {
        id: format!("{order_id}:{index}"),
        tenant: tenant.to_string(),
        kind: JOB_KIND.into(),
        payload: json!({"orderId": order_id, "index": index}),
        run_at: due_at.to_string(),
        now: now.to_string(),
    }
}

/// A worker's error: the store's, kept apart (a lost lease is not a
/// failure), or the retry policy's when writers kept winning.
#[derive(Debug, thiserror::Error)]
pub(super) enum WorkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    App(#[from] AppError),
}

pub struct CareWorker {
    /// Turns of the chains running at once, shared by every batch.
    chains: Arc<Semaphore>,
}

impl Default for CareWorker {
    fn default() -> Self {
        Self {
            chains: Arc::new(Semaphore::new(CHAINS_AT_ONCE)),
        }
    }
}

#[async_trait]
impl JobHandler for CareWorker {
    fn spec(&self) -> WorkerSpec {
        WorkerSpec {
            name: "care",
            kinds: KINDS,
            lease: LEASE,
            // A full batch of each kind, as before the shared runner.
            capacity: BATCH + SETTLE_BATCH,
            idle: IDLE,
            perpetual: false,
        }
    }

    fn signal<'c>(&self, ctx: &'c Context) -> Option<&'c Notify> {
        Some(&ctx.signals.care)
    }

    async fn run(&self, ctx: &Context, lease: &Lease, jobs: Vec<Job>) -> Vec<Outcome> {
        match jobs.first().map(|j| j.kind.as_str()) {
            Some(JOB_KIND) => self.changes(ctx, lease, &jobs).await,
            _ => settles(ctx, lease, jobs).await,
        }
    }

    async fn fail(
        &self,
        ctx: &Context,
        lease: &Lease,
        job: &Job,
        reason: &str,
    ) -> Result<bool, StoreError> {
        if job.kind == JOB_KIND {
            failed::fail(ctx, lease, job, reason).await
        } else {
            Ok(false)
        }
    }

    async fn retried(&self, ctx: &Context, job: &Job) -> AppResult<()> {
        if job.kind == JOB_KIND {
            failed::reopen(ctx, job).await
        } else {
            Ok(())
        }
    }
}

/// Each tenant's catalog facts, read once for a batch.
type Catalogs = BTreeMap<String, Result<Arc<CatalogFacts>, String>>;

impl CareWorker {
    /// Plans the batch into chains and runs them, at most
    /// [`CHAINS_AT_ONCE`] at a time; one outcome per job, in claim order.
    async fn changes(&self, ctx: &Context, lease: &Lease, jobs: &[Job]) -> Vec<Outcome> {
        let chains = match batch::plan(ctx.store(), jobs).await {
            Ok(chains) => chains,
            // Nothing was applied: every job is tried again later.
            Err(e) => return vec![Outcome::from_store(e); jobs.len()],
        };
        let mut catalogs = Catalogs::new();
        for job in jobs {
            if !catalogs.contains_key(&job.tenant) {
                let facts = ctx.caches.care_catalog.get(ctx.store(), &job.tenant).await;
                catalogs.insert(job.tenant.clone(), facts.map_err(|e| e.to_string()));
            }
        }
        let catalogs = Arc::new(catalogs);
        let tasks = chains.into_iter().map(|chain| {
            let (ctx, lease, catalogs) = (ctx.clone(), lease.clone(), catalogs.clone());
            let turns = self.chains.clone();
            async move {
                // The semaphore is never closed, so a turn always comes.
                let _turn = turns.acquire_owned().await;
                run_chain(&ctx, &lease, &catalogs, chain).await
            }
        });
        // A chain that panicked leaves its jobs to be tried again.
        jobs::gather(jobs.len(), tasks, "a care change chain stopped early").await
    }
}

/// Runs a chain's jobs one after the other.
async fn run_chain(
    ctx: &Context,
    lease: &Lease,
    catalogs: &Catalogs,
    chain: Chain,
) -> Vec<(usize, Outcome)> {
    let Chain { jobs, mut snapshot } = chain;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (i, job) in jobs {
        let outcome = match catalogs.get(&job.tenant) {
            Some(Ok(catalog)) => change::run(ctx, lease, catalog, &job, &mut snapshot).await,
            Some(Err(e)) => Outcome::Retry(format!("catalog facts could not be read: {e}")),
            None => Outcome::Retry("catalog facts were not read".into()),
        };
        outcomes.push((i, outcome));
    }
    outcomes
}

/// Settle jobs, each on its own line, all at once.
async fn settles(ctx: &Context, lease: &Lease, jobs: Vec<Job>) -> Vec<Outcome> {
    let count = jobs.len();
    let tasks = jobs.into_iter().enumerate().map(|(i, job)| {
        let (ctx, lease) = (ctx.clone(), lease.clone());
        async move { vec![(i, settle::run(&ctx, &lease, &job).await)] }
    });
    jobs::gather(count, tasks, "a feature settle stopped early").await
}

/// Claims the care jobs due now and runs them, once; returns how many (for
/// tests and tools that play a worker's part).
pub async fn claim_and_process(ctx: &Context, worker: &str) -> Result<usize, StoreError> {
    claim_and_process_at(ctx, worker, ctx.now()).await
}

/// As [`claim_and_process`], with the clock at `now`: changes are claimed
/// when due at `now` and applied as of `now` (tests and replays use it to
/// reach a scheduled change without waiting for it).
pub async fn claim_and_process_at(
    ctx: &Context,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    jobs::run_once(ctx, &CareWorker::default(), worker, now).await
}
