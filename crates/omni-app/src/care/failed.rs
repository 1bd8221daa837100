//! A change request whose job failed for good (its attempts ran out on
//! stored data that no longer reads, or an outage that outlasted them):
//! the change request ends `failed` with `PROCESSING_FAILED` and the reason,
//! the order's status is settled again and its status event written, in the
//! write that ends the job as failed. An operator's retry of the job takes
//! that back: the change request is pending again and the retried job
//! applies it. A change the line refused (a business failure) is final and
//! stays as it is.

use super::batch::target;
use super::record::{CareOrderRecord, orders};
use super::revise::{Revision, revise};
use super::worker::WorkError;
use crate::context::Context;
use crate::error::AppResult;
use crate::jobs::Lease;
use crate::repo::RetryPolicy;
use omni_core::time::rfc3339;
use omni_store::{Effects, Job, JobDone, StoreError};

/// Records the failure on the job's change request, ending the job in the
/// same write. `Ok(false)`: nothing to record (the change was processed
/// meanwhile, its order cancelled or gone); the runner ends the job alone.
pub(super) async fn fail(
    ctx: &Context,
    lease: &Lease,
    job: &Job,
    reason: &str,
) -> Result<bool, StoreError> {
    let Some((order_id, index)) = target(job) else {
        return Ok(false);
    };
    let tenant = job.tenant.as_str();
    let (now, stamp) = (lease.now, lease.stamp());
    let end = JobDone {
        failed: Some(reason.to_string()),
        ..JobDone::done(&job.id, &lease.worker, &stamp)
    };
    let revised = revise(
        &orders(ctx.store(), tenant),
        order_id,
        &stamp,
        &RetryPolicy::WORKER,
        |order: &mut CareOrderRecord| -> Result<_, WorkError> {
            if !order.fail_change(index, reason, &stamp) {
                return Ok(Revision::Keep(()));
            }
            let effects = Effects {
                events: vec![order.status_event(tenant, now)],
                finish_jobs: vec![end.clone()],
                ..Effects::default()
            };
            Ok(Revision::Write((), effects))
        },
    )
    .await;
    match revised {
        Ok(Some((_, (), written))) => Ok(written),
        Ok(None) => Ok(false),
        Err(WorkError::Store(e)) => Err(e),
        Err(WorkError::App(e)) => {
            tracing::warn!(job = %job.id, error = %e, "the failure could not be recorded on the care order");
            Ok(false)
        }
    }
}

/// An operator made the failed job pending again: its change request is
/// pending again too, when the runner (not the line) failed it.
pub(super) async fn reopen(ctx: &Context, job: &Job) -> AppResult<()> {
    let Some((order_id, index)) = target(job) else {
        return Ok(());
    };
    let tenant = job.tenant.as_str();
    let now = ctx.now();
    let stamp = rfc3339(now);
    revise(
        &orders(ctx.store(), tenant),
        order_id,
        &stamp,
        &RetryPolicy::REQUEST,
        |order: &mut CareOrderRecord| -> AppResult<_> {
            if !order.reopen_change(index, &stamp) {
                return Ok(Revision::Keep(()));
            }
            let effects = Effects::events(vec![order.status_event(tenant, now)]);
            Ok(Revision::Write((), effects))
        },
    )
    .await?;
    Ok(())
}
