//! Features with dates: a care order may add a feature that starts or ends
//! later. When a change leaves such a date on a line, a settle job is
//! scheduled for it; at that time the job brings the line's features up to
//! date (`settle_features`) in a version-checked write, and schedules the
//! line's next date, if any.

use super::change::StepError;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use omni_core::care::settle_features;
use omni_core::inventory::{FeatureStatus, SUBSCRIBER_KIND, Subscriber};
use omni_core::time::{parse_rfc3339, rfc3339};
use omni_store::{Effects, Job, NewJob};
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
pub fn job_for(tenant: &str, id: String, line: &Subscriber, now: DateTime<Utc>) -> Option<NewJob> {
    next_date(line, now).map(|at| NewJob {
        id,
        tenant: tenant.to_string(),
        kind: JOB_KIND.into(),
        payload: json!({"ctn": line.ctn}),
        run_at: rfc3339(at),
        now: rfc3339(Utc::now()),
    })
}

/// Settles the job's line as of `now`.
pub async fn process(state: &AppState, job: &Job, now: DateTime<Utc>) -> Result<(), StepError> {
    let tenant = job.tenant.as_str();
    let Some(ctn) = job.payload.get("ctn").and_then(Value::as_str) else {
        return Err(StepError::Corrupt(format!("job {} names no line", job.id)));
    };
    let Some(mut doc) = state
        .ctx
        .store
        .get_document(tenant, SUBSCRIBER_KIND, ctn)
        .await?
    else {
        // The line moved to another number or is gone: nothing to settle.
        return Ok(());
    };
    let mut line: Subscriber = serde_json::from_value(doc.body.clone())
        .map_err(|e| StepError::Corrupt(format!("subscriber {ctn}: {e}")))?;
    if !settle_features(&mut line, now, SOURCE) {
        return Ok(());
    }
    let next = job_for(
        tenant,
        format!("settle-{}", uuid::Uuid::now_v7()),
        &line,
        now,
    );
    doc.version += 1;
    doc.updated_at = rfc3339(now);
    doc.body = serde_json::to_value(&line).map_err(|e| StepError::Corrupt(e.to_string()))?;
    let effects = Effects {
        jobs: next.into_iter().collect(),
        ..Effects::default()
    };
    state.ctx.store.update_document(&doc, &effects).await?;
    Ok(())
}
