//! The delivery worker: one [`JobHandler`] on the shared runner for the
//! subscriptions' perpetual jobs (`eventSubscription.deliver`) and the
//! dead letters' re-drives (`deadLetter.redrive`).
//!
//! 1. The runner leases a batch of subscriptions' jobs. Each is served by a
//!    task of its own ([`EventDelivery::run`]), so a slow or failing
//!    subscriber holds up only itself.
//! 2. A task delivers its subscription's matching events one at a time in
//!    outbox order, moving the cursor after each ([`super::round`]). When it
//!    is caught up it looks again every `poll`; when a delivery failed it
//!    waits for the next attempt's time.
//! 3. After [`HOLD`] the batch is handed back (`Outcome::Later`, not an
//!    attempt), so that leases rotate between nodes and a crashed node's
//!    subscriptions wait at most a lease. The runner settles a batch once
//!    all of its tasks are over, so a task that reached the end of the hold
//!    keeps delivering while another is still waiting for a slow
//!    subscriber ([`Turn`]); none starts a delivery that could outlast the
//!    lease.
//!
//! Subscription jobs are perpetual: the runner never fails them. What fails
//! is a delivery, counted on the subscription itself, which parks the event
//! as a dead letter after [`super::WebhookConfig::max_attempts`].

use super::round::{Round, round};
use super::{DELIVERY_JOB, REDRIVE_JOB, WebhookConfig, redrive};
use crate::context::Context;
use crate::error::AppResult;
use crate::jobs::{self, JobHandler, Lease, Outcome, WorkerSpec};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use omni_store::{Job, StoreError};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How long a batch of subscriptions is served before it is handed back.
pub const HOLD: Duration = Duration::from_secs(5);
/// Added to the longest a batch may run to make the lease.
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// Subscriptions (and re-drives) served at once by one node.
const MAX_TASKS: usize = 64;
const KINDS: &[(&str, usize)] = &[(DELIVERY_JOB, MAX_TASKS), (REDRIVE_JOB, MAX_TASKS)];

pub struct EventDelivery {
    config: WebhookConfig,
    hold: Duration,
    /// Built once; a build failure (no TLS backend, …) fails every run.
    client: Result<reqwest::Client, String>,
}

impl EventDelivery {
    pub fn new(config: &WebhookConfig) -> Self {
        Self::holding(config, HOLD)
    }

    /// With a hold of its own (tests).
    pub fn holding(config: &WebhookConfig, hold: Duration) -> Self {
        let client = super::client::build(config).inspect_err(|e| {
            tracing::error!(error = %e, "no webhook deliveries");
        });
        Self {
            config: config.clone(),
            hold,
            client,
        }
    }

    /// The latest a delivery may start, counted from the batch's start.
    fn last_start(&self) -> Duration {
        self.hold + self.config.timeout
    }
}

#[async_trait]
impl JobHandler for EventDelivery {
    fn spec(&self) -> WorkerSpec {
        WorkerSpec {
            name: "webhook",
            kinds: KINDS,
            // The last delivery starts by `last_start` and takes at most a
            // timeout.
            lease: self.last_start() + self.config.timeout + LEASE_MARGIN,
            capacity: MAX_TASKS,
            idle: self.config.poll,
            perpetual: true,
        }
    }

    async fn run(&self, ctx: &Context, lease: &Lease, jobs: Vec<Job>) -> Vec<Outcome> {
        let client = match &self.client {
            Ok(client) => client.clone(),
            Err(e) => return jobs.iter().map(|_| Outcome::Retry(e.clone())).collect(),
        };
        let batch = Arc::new(Batch {
            started: Instant::now(),
            hold: self.hold,
            last_start: self.last_start(),
            serving: AtomicUsize::new(jobs.len()),
            all_in: Notify::new(),
        });
        let count = jobs.len();
        let tasks = jobs.into_iter().enumerate().map(|(i, job)| {
            let turn = Turn {
                batch: batch.clone(),
                handed_in: false,
            };
            let (ctx, client, config, lease) = (
                ctx.clone(),
                client.clone(),
                self.config.clone(),
                lease.clone(),
            );
            async move {
                let outcome = if job.kind == REDRIVE_JOB {
                    redrive::run(&ctx, &client, &config, &lease, &job).await
                } else {
                    serve(&ctx, &client, &config, &job, turn).await
                };
                vec![(i, outcome)]
            }
        });
        jobs::gather(count, tasks, "a delivery task ended abnormally").await
    }

    async fn fail(
        &self,
        ctx: &Context,
        lease: &Lease,
        job: &Job,
        reason: &str,
    ) -> Result<bool, StoreError> {
        if job.kind == REDRIVE_JOB {
            redrive::fail(ctx, lease, job, reason).await
        } else {
            Ok(false)
        }
    }

    async fn retried(&self, ctx: &Context, job: &Job) -> AppResult<()> {
        if job.kind == REDRIVE_JOB {
            redrive::retried(ctx, job).await
        } else {
            Ok(())
        }
    }
}

/// A storage error as the job's outcome: stored data that does not decode
/// will not decode next time either, so the job fails for good (operators
/// see why); anything else is retried.
pub(super) fn outcome_of(e: StoreError) -> Outcome {
    match e {
        StoreError::Corrupt(reason) => Outcome::Fail(format!("stored data is corrupt: {reason}")),
        other => Outcome::from_store(other),
    }
}

/// Serves one subscription until its batch is handed back.
async fn serve(
    ctx: &Context,
    client: &reqwest::Client,
    config: &WebhookConfig,
    job: &Job,
    mut turn: Turn,
) -> Outcome {
    let Some(id) = job.payload.get("subscriptionId").and_then(Value::as_str) else {
        return Outcome::Fail("the job names no subscription".into());
    };
    loop {
        if !turn.may_deliver() {
            return idle();
        }
        let due = match round(ctx, client, config, &job.tenant, id, &mut turn).await {
            Ok(Round::End(outcome)) => return outcome,
            Ok(Round::Paused) => continue,
            Ok(Round::CaughtUp) => None,
            Ok(Round::RetryAt(at)) => Some(at),
            Err(e) => return outcome_of(e),
        };
        let until = |at: DateTime<Utc>| (at - ctx.now()).to_std().unwrap_or_default();
        if !turn.wait(due.map_or(config.poll, until)).await {
            return match due {
                None => idle(),
                Some(at) => Outcome::Later {
                    after: until(at),
                    note: "delivery failed; see the subscription's lastError".into(),
                },
            };
        }
    }
}

/// Caught up: handed back for whichever node claims it next.
fn idle() -> Outcome {
    Outcome::Later {
        after: Duration::ZERO,
        note: "handed back".into(),
    }
}

/// One claimed batch, as its tasks see it.
struct Batch {
    started: Instant,
    hold: Duration,
    /// No delivery starts later than this: it could outlast the lease.
    last_start: Duration,
    /// Tasks that have not reached the end of the hold yet.
    serving: AtomicUsize,
    /// Told when `serving` reaches zero.
    all_in: Notify,
}

/// One task's part in its batch. A task hands in once it is past the hold
/// (or ends); when every task has, the batch is over and the waiting ones
/// return at once. Dropping a turn hands it in.
pub(super) struct Turn {
    batch: Arc<Batch>,
    handed_in: bool,
}

impl Turn {
    /// Whether a delivery may start now: always within the hold; after it,
    /// while another task of the batch is still at work and the lease has
    /// room for a whole delivery.
    pub(super) fn may_deliver(&mut self) -> bool {
        let elapsed = self.batch.started.elapsed();
        if elapsed < self.batch.hold {
            return true;
        }
        self.hand_in();
        elapsed < self.batch.last_start && self.batch.serving.load(Ordering::Acquire) > 0
    }

    fn hand_in(&mut self) {
        if !self.handed_in {
            self.handed_in = true;
            if self.batch.serving.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.batch.all_in.notify_waiters();
            }
        }
    }

    /// Waits `wait`, handing in first when that reaches past the hold.
    /// `false` when the batch is over before the wait is.
    async fn wait(&mut self, wait: Duration) -> bool {
        if self.batch.started.elapsed() + wait >= self.batch.hold {
            self.hand_in();
        }
        // Made before the count is read, so that it sees a hand-in that
        // comes in between.
        let all_in = self.batch.all_in.notified();
        if self.batch.serving.load(Ordering::Acquire) == 0 {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => true,
            _ = all_in => false,
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.hand_in();
    }
}
