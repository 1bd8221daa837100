//! Features with dates: a care order may add a feature that starts or ends
//! later. When a change leaves such a date on a line, a settle job is
//! scheduled for it; at that time the job brings the line's features up to
//! date (`settle_features`) and schedules the line's next date, if any, in
//! a version-checked write that also ends the job.

use super::revise::{Revision, revise};
use super::worker::WorkError;
use crate::context::Context;
use crate::inventory::lines;
use crate::jobs::{Lease, Outcome};
use crate::repo::RetryPolicy;
use chrono::{DateTime, Utc};
use omni_core::care::settle_features;
use omni_core::inventory::{FeatureStatus, Subscriber};
use omni_core::time::{parse_rfc3339, rfc3339};
use omni_store::{Effects, Job, JobDone, NewJob};
use serde_json::{Value, json};

pub const JOB_KIND: &str = "careOrder.settleFeatures";
/// What the line's history names as the source of settled features.
const SOURCE: &str = "care-feature-schedule";

/// The next instant after `now` at which one of the line's features starts
/// or ends.
fn next_date(line: &Subscriber, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    line.features
        .iter()
        .filter_map(|f| match f.status {
            FeatureStatus::Scheduled => parse_rfc3339(&f.effective_date),
            FeatureStatus::Active => f.expiration_date.as_deref().and_then(parse_rfc3339),
            FeatureStatus::Ended => None,
        })
        .filter(|t| *t > now)
        .min()
}

/// The settle job for the line's next feature date, if it has one; `id`
/// must be unique (the caller's own job or change id, suffixed).
pub(super) fn job_for(
    tenant: &str,
    id: String,
    line: &Subscriber,
    now: DateTime<Utc>,
) -> Option<NewJob> {
    next_date(line, now).map(|at| NewJob {
        id,
        tenant: tenant.to_string(),
        kind: JOB_KIND.into(),
        payload: json!({"ctn": line.ctn}),
        run_at: rfc3339(at),
        now: rfc3339(now),
    })
}

/// Settles the job's line as of the lease's `now`.
pub(super) async fn run(ctx: &Context, lease: &Lease, job: &Job) -> Outcome {
    let tenant = job.tenant.as_str();
    let Some(ctn) = job.payload.get("ctn").and_then(Value::as_str) else {
        return Outcome::Fail(format!("job {} names no line", job.id));
    };
    let (now, stamp) = (lease.now, lease.stamp());
    // TMF637: the products' parties, read before the revision (which
    // cannot read) for the events of the features it settles.
    let store = ctx.store();
    let parties = match lines(store, tenant).find(ctn).await {
        Ok(Some(line)) => crate::product_inventory::parties_of(store, tenant, &line.record).await,
        Ok(None) => Ok((None, None)),
        Err(e) => Err(e),
    };
    let (account, billing) = match parties {
        Ok(parties) => parties,
        Err(e) => return Outcome::from_store(e),
    };
    let url = &ctx.config.public_url;
    let settled = revise(
        &lines(ctx.store(), tenant),
        ctn,
        &stamp,
        &RetryPolicy::WORKER,
        |line: &mut Subscriber| -> Result<_, WorkError> {
            let before = line.clone();
            if !settle_features(line, now, SOURCE) {
                return Ok(Revision::Keep(()));
            }
            let parties = (account.as_ref(), billing.as_ref());
            let events = crate::product_inventory::events(
                url,
                tenant,
                parties,
                Some(&before),
                Some(line),
                now,
            );
            let next = job_for(
                tenant,
                format!("settle-{}", uuid::Uuid::now_v7()),
                line,
                now,
            );
            Ok(Revision::Write(
                (),
                Effects {
                    events,
                    jobs: next.into_iter().collect(),
                    finish_jobs: vec![JobDone::done(&job.id, &lease.worker, &stamp)],
                    ..Effects::default()
                },
            ))
        },
    )
    .await;
    match settled {
        Ok(Some((_, (), true))) => Outcome::Finished,
        // Nothing to settle, or the line moved to another number or is gone.
        Ok(_) => Outcome::Done,
        Err(WorkError::Store(e)) => Outcome::from_store(e),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
