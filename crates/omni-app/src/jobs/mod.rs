//! The one job runner every background worker shares (orders, care changes,
//! event deliveries). A job is a row in the store, enqueued in the same
//! transaction as the change that calls for it; any node may run it.
//!
//! 1. **Claim by lease.** A worker claims due jobs of its kinds, at most
//!    [`WorkerSpec::batch`] at a time and [`WorkerSpec::capacity`] in flight,
//!    leased until `now + lease`. A worker that dies lets its lease run out;
//!    another node claims the job then, and that claim counts as an attempt.
//! 2. **Run.** The [`JobHandler`] runs a claimed batch and answers an
//!    [`Outcome`] per job. A handler that stores its work ends the job in
//!    the same transaction ([`omni_store::JobDone`]): the work and the job's
//!    end are stored together or not at all ([`Outcome::Finished`]).
//! 3. **Retry with backoff.** A failed run ([`Outcome::Retry`]) is due again
//!    after an exponential, jittered wait ([`JobConfig`]).
//!    [`Outcome::Later`] (waiting for something else) does not count.
//! 4. **Fail for good.** After [`JobConfig::max_attempts`] counted attempts,
//!    or at once for [`Outcome::Fail`], the job ends `failed` with its
//!    reason. The handler first records the failure on what the job was
//!    working on ([`JobHandler::fail`]: a partner order and its product order
//!    become `failed`, a care change request fails with its code), in the
//!    write that ends the job. Perpetual jobs ([`WorkerSpec::perpetual`]) never
//!    fail for good.
//! 5. **Operators** list failed jobs with why they failed and retry one
//!    ([`admin`]); the retry resets its attempts and lets the handler take
//!    back what [`JobHandler::fail`] recorded ([`JobHandler::retried`]).

pub mod admin;
pub mod backoff;

use crate::context::Context;
use crate::error::AppResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use omni_core::time::rfc3339;
use omni_store::{Job, JobClaim, JobOutcome, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// How jobs are retried and when they fail for good (every kind alike).
#[derive(Debug, Clone, PartialEq)]
pub struct JobConfig {
    /// Counted attempts before a job fails for good.
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one
    /// (the upper half random), at most `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for JobConfig {
    fn default() -> Self {
        // 1 s doubling to 5 min: ten attempts span about 17 minutes, long
        // enough to ride out a database restart, short enough that an
        // operator sees a job that can never succeed the same day.
        Self {
            max_attempts: 10,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
        }
    }
}

impl JobConfig {
    /// The wait after `attempts` counted attempts.
    pub fn delay(&self, attempts: u32) -> Duration {
        backoff::delay(
            attempts.max(1),
            self.backoff_base,
            self.backoff_max,
            rand::random::<f64>(),
        )
    }
}

/// What a worker claims and how much of it at once.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// For logs and worker ids, e.g. `order`.
    pub name: &'static str,
    /// Job kinds claimed, each with the most claimed at once.
    pub kinds: &'static [(&'static str, usize)],
    pub lease: Duration,
    /// Most jobs in flight on this node at once.
    pub capacity: usize,
    /// How long an idle worker waits before looking again (a signal from
    /// this node wakes it sooner).
    pub idle: Duration,
    /// Jobs that live as long as what they serve (a subscription's
    /// deliveries): never failed for good by the runner.
    pub perpetual: bool,
}

/// Who holds a claimed batch, and as of when it runs.
#[derive(Debug, Clone)]
pub struct Lease {
    pub worker: String,
    pub now: DateTime<Utc>,
}

impl Lease {
    pub fn stamp(&self) -> String {
        rfc3339(self.now)
    }
}

/// What one run of a job came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The write that did the work also ended the job.
    Finished,
    /// Nothing (more) to do.
    Done,
    /// Not yet: due again after `after`, without counting the attempt.
    Later { after: Duration, note: String },
    /// This attempt failed; retried with backoff until attempts run out.
    Retry(String),
    /// Can never succeed: failed for good now.
    Fail(String),
    /// The lease was lost meanwhile; the job's new holder ends it.
    LeaseLost,
}

impl Outcome {
    /// A storage error as an outcome: a lost lease, or a failed attempt.
    pub fn from_store(e: StoreError) -> Self {
        match e {
            StoreError::LeaseLost { .. } => Self::LeaseLost,
            // The same document would be as large on every attempt.
            e @ StoreError::TooLarge { .. } => Self::Fail(e.to_string()),
            other => Self::Retry(other.to_string()),
        }
    }
}

/// Runs `tasks` at the same time and gathers the outcomes they report, each
/// as `(index of the job in the batch, outcome)`, into one outcome per job
/// of a batch of `jobs`. A job no task reported on (its task panicked) gets
/// `Retry(stopped)`: whatever it did was either committed with the job's
/// end or not at all, so running it again is safe.
pub async fn gather<F>(
    jobs: usize,
    tasks: impl IntoIterator<Item = F>,
    stopped: &str,
) -> Vec<Outcome>
where
    F: Future<Output = Vec<(usize, Outcome)>> + Send + 'static,
{
    let mut outcomes = vec![Outcome::Retry(stopped.to_string()); jobs];
    let mut running = JoinSet::new();
    for task in tasks {
        running.spawn(task);
    }
    while let Some(done) = running.join_next().await {
        match done {
            Ok(reported) => {
                for (i, outcome) in reported {
                    if let Some(slot) = outcomes.get_mut(i) {
                        *slot = outcome;
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "{stopped}"),
        }
    }
    outcomes
}

#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    fn spec(&self) -> WorkerSpec;

    /// The wake-up this node's requests send when they enqueue work.
    fn signal<'c>(&self, _ctx: &'c Context) -> Option<&'c Notify> {
        None
    }

    /// Runs a claimed batch (all of one kind): one outcome per job, in order.
    async fn run(&self, ctx: &Context, lease: &Lease, jobs: Vec<Job>) -> Vec<Outcome>;

    /// Records on what `job` was working on that it failed for good, in a
    /// write that ends the job as failed (`JobDone::failed`). `Ok(false)`:
    /// nothing to record, the runner ends the job itself.
    async fn fail(
        &self,
        _ctx: &Context,
        _lease: &Lease,
        _job: &Job,
        _reason: &str,
    ) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// An operator made the failed `job` pending again: take back what
    /// [`Self::fail`] recorded, so that the job can run.
    async fn retried(&self, _ctx: &Context, _job: &Job) -> AppResult<()> {
        Ok(())
    }
}

/// Runs `handler`'s jobs until `shutdown` turns true, then lets the runs
/// in flight finish.
pub async fn run_worker(
    ctx: Context,
    handler: Arc<dyn JobHandler>,
    mut shutdown: watch::Receiver<bool>,
) {
    let spec = handler.spec();
    let worker = format!("{}-{}", spec.name, uuid::Uuid::new_v4());
    let mut running: JoinSet<()> = JoinSet::new();
    // Jobs of the batches running; each batch gives its count back when its
    // task ends, panicked or not.
    let in_flight = Arc::new(AtomicUsize::new(0));
    loop {
        while running.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        let mut claimed_any = false;
        for &(kind, batch) in spec.kinds {
            let busy = in_flight.load(Ordering::Acquire);
            let room = spec.capacity.saturating_sub(busy).min(batch);
            if room == 0 {
                continue;
            }
            let now = ctx.now();
            match claim(&ctx, &spec, &worker, kind, room, now).await {
                Ok(jobs) if jobs.is_empty() => {}
                Ok(jobs) => {
                    claimed_any = true;
                    let held = Held::new(&in_flight, jobs.len());
                    let (ctx, handler, worker) = (ctx.clone(), handler.clone(), worker.clone());
                    running.spawn(async move {
                        let _held = held;
                        let lease = Lease { worker, now };
                        process(&ctx, handler.as_ref(), &lease, jobs).await;
                    });
                }
                Err(e) => {
                    tracing::warn!(worker = spec.name, kind, error = %e, "claiming jobs failed")
                }
            }
        }
        if claimed_any && in_flight.load(Ordering::Acquire) < spec.capacity {
            continue;
        }
        let signal = handler.signal(&ctx);
        let woken = async {
            match signal {
                Some(s) => s.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(spec.idle) => {}
            _ = woken => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = shutdown.changed() => {}
        }
    }
    while running.join_next().await.is_some() {}
    tracing::info!(worker = spec.name, "worker stopped");
}

/// A batch's share of the jobs in flight, given back when dropped.
struct Held(Arc<AtomicUsize>, usize);

impl Held {
    fn new(counter: &Arc<AtomicUsize>, n: usize) -> Self {
        counter.fetch_add(n, Ordering::AcqRel);
        Self(counter.clone(), n)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, Ordering::AcqRel);
    }
}

/// Claims what is due as of `now` and runs it to the end, once: for tests
/// and tools that play a worker's part. Returns how many jobs ran.
pub async fn run_once(
    ctx: &Context,
    handler: &dyn JobHandler,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let spec = handler.spec();
    let mut count = 0;
    for &(kind, batch) in spec.kinds {
        let jobs = claim(ctx, &spec, worker, kind, batch, now).await?;
        count += jobs.len();
        if !jobs.is_empty() {
            let lease = Lease {
                worker: worker.to_string(),
                now,
            };
            process(ctx, handler, &lease, jobs).await;
        }
    }
    Ok(count)
}

async fn claim(
    ctx: &Context,
    spec: &WorkerSpec,
    worker: &str,
    kind: &str,
    max: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Job>, StoreError> {
    let lease_until = now + chrono::Duration::from_std(spec.lease).unwrap_or_default();
    ctx.store
        .claim_jobs(&JobClaim {
            kind: kind.to_string(),
            worker: worker.to_string(),
            now: rfc3339(now),
            lease_until: rfc3339(lease_until),
            max: i64::try_from(max).unwrap_or(i64::MAX),
        })
        .await
}

/// Runs a batch and ends each job as its outcome says.
async fn process(ctx: &Context, handler: &dyn JobHandler, lease: &Lease, jobs: Vec<Job>) {
    let spec = handler.spec();
    let outcomes = handler.run(ctx, lease, jobs.clone()).await;
    for (job, outcome) in jobs.iter().zip(outcomes) {
        settle(ctx, handler, &spec, lease, job, outcome).await;
    }
}

async fn settle(
    ctx: &Context,
    handler: &dyn JobHandler,
    spec: &WorkerSpec,
    lease: &Lease,
    job: &Job,
    outcome: Outcome,
) {
    let config = &ctx.config.jobs;
    // The clock is read again: the batch may have run a while.
    let now = ctx.now();
    let at = |wait: Duration| rfc3339(now + chrono::Duration::from_std(wait).unwrap_or_default());
    let ending = match outcome {
        Outcome::Finished => return,
        Outcome::LeaseLost => {
            tracing::warn!(job = %job.id, "lease lost; the job's new holder ends it");
            return;
        }
        Outcome::Done => JobOutcome::Done { now: rfc3339(now) },
        Outcome::Later { after, note } => JobOutcome::Later {
            now: rfc3339(now),
            run_at: at(after),
            note,
        },
        Outcome::Retry(error)
            if spec.perpetual
                || u32::try_from(job.attempts).unwrap_or(u32::MAX) < config.max_attempts =>
        {
            let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
            tracing::warn!(job = %job.id, kind = %job.kind, attempts, error = %error, "job attempt failed; retrying");
            JobOutcome::Retry {
                now: rfc3339(now),
                run_at: at(config.delay(attempts)),
                error,
            }
        }
        Outcome::Retry(reason) => {
            let reason = format!("gave up after {} attempts: {reason}", job.attempts);
            return fail(ctx, handler, lease, job, reason).await;
        }
        Outcome::Fail(reason) => return fail(ctx, handler, lease, job, reason).await,
    };
    if let Err(e) = ctx.store.finish_job(&job.id, &lease.worker, &ending).await {
        tracing::warn!(job = %job.id, error = %e, "could not end the job; its lease will run out");
    }
}

/// Ends a job as failed for good: the handler records the failure where it
/// belongs, or the runner ends the job alone.
async fn fail(ctx: &Context, handler: &dyn JobHandler, lease: &Lease, job: &Job, reason: String) {
    tracing::error!(job = %job.id, kind = %job.kind, tenant = %job.tenant, reason = %reason, "job failed for good");
    match handler.fail(ctx, lease, job, &reason).await {
        Ok(true) => return,
        Ok(false) => {}
        Err(StoreError::LeaseLost { .. }) => return,
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "could not record the job's failure; ending the job alone")
        }
    }
    let ending = JobOutcome::Failed {
        now: rfc3339(ctx.now()),
        error: reason,
    };
    if let Err(e) = ctx.store.finish_job(&job.id, &lease.worker, &ending).await {
        tracing::warn!(job = %job.id, error = %e, "could not end the job; its lease will run out");
    }
}
