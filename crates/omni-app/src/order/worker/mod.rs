//! The order worker: completes submitted partner orders on the shared job
//! runner ([`crate::jobs`]), one `productOrder.complete` job per order.
//!
//! ```text
//! run        one batch, each job concurrently: steps::complete
//!   steps    acknowledged → inProgress (new lines get numbers)
//!            inProgress → completed | partial | failed (the inventory changes)
//!            held | pending → later (someone must release it; not an attempt)
//!            ended through TMF622 → the partner order follows
//! fail       after the last attempt: partner order and product order failed,
//!            with the reason, in the write that ends the job (failure.rs)
//! retried    an operator's retry takes that back (failure.rs)
//! ```
//!
//! Every step is one transaction that checks the versions it read, so a
//! worker that dies mid-way is resumed by another at the step it reached, and
//! no change is applied twice. A step that fails (storage, a stored document
//! that does not decode) is retried by the runner with backoff until
//! `jobs.max_attempts`, then failed for good.

mod failure;
mod steps;

use crate::context::Context;
use crate::error::AppResult;
use crate::jobs::{self, JobHandler, Lease, Outcome, WorkerSpec};
use async_trait::async_trait;
use omni_store::{Job, StoreError};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::Notify;

pub const JOB_KIND: &str = "productOrder.complete";
/// Jobs claimed at once, and in flight on one node.
const BATCH: usize = 32;

/// The [`JobHandler`] of `productOrder.complete` jobs.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderWorker;

/// The order a job completes (`payload.orderId`).
fn order_id(job: &Job) -> Option<&str> {
    job.payload.get("orderId").and_then(Value::as_str)
}

#[async_trait]
impl JobHandler for OrderWorker {
    fn spec(&self) -> WorkerSpec {
        WorkerSpec {
            name: "order",
            kinds: &[(JOB_KIND, BATCH)],
            lease: Duration::from_secs(30),
            capacity: BATCH,
            idle: Duration::from_millis(50),
            perpetual: false,
        }
    }

    fn signal<'c>(&self, ctx: &'c Context) -> Option<&'c Notify> {
        Some(&ctx.signals.orders)
    }

    async fn run(&self, ctx: &Context, lease: &Lease, jobs: Vec<Job>) -> Vec<Outcome> {
        let count = jobs.len();
        // Orders are independent: each runs its steps at the same time.
        let tasks = jobs.into_iter().enumerate().map(|(n, job)| {
            let (ctx, lease) = (ctx.clone(), lease.clone());
            async move { vec![(n, steps::complete(&ctx, &lease, &job).await)] }
        });
        jobs::gather(count, tasks, "the order step stopped before it ended").await
    }

    async fn fail(
        &self,
        ctx: &Context,
        lease: &Lease,
        job: &Job,
        reason: &str,
    ) -> Result<bool, StoreError> {
        failure::record(ctx, lease, job, reason).await
    }

    async fn retried(&self, ctx: &Context, job: &Job) -> AppResult<()> {
        failure::take_back(ctx, job).await
    }
}

/// Claims the order jobs due now and runs them to the end, once: how tests
/// play the worker's part. Returns how many jobs ran.
pub async fn claim_and_process(ctx: &Context, worker: &str) -> Result<usize, StoreError> {
    jobs::run_once(ctx, &OrderWorker, worker, ctx.now()).await
}
