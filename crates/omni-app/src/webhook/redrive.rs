//! One run of a re-drive (`deadLetter.redrive`): the parked event is
//! delivered once more to its subscription's current callback, signed with
//! its current secret. A refusal is tried again after the subscription's
//! backoff, up to [`super::WebhookConfig::max_attempts`] (counted on the
//! letter, so that waiting is not an attempt of the job); then, or at once
//! when the subscription was removed, the letter is parked again.
//!
//! The letter's end (redriven, parked again) and the job's end are one
//! write. A job that fails for good (a corrupt letter) parks the letter
//! with the reason, so that operators can re-drive it again, and an
//! operator's retry of that job makes it `redriving` again.

use super::WebhookConfig;
use super::callback::post;
use super::dead_letter::{LetterStatus, dead_letters};
use super::deliver::outcome_of;
use super::subscription::subscriptions;
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::jobs::{Lease, Outcome};
use crate::repo::RetryPolicy;
use omni_core::time::rfc3339;
use omni_store::{Effects, Job, JobDone, StoreError};
use serde_json::Value;

fn letter_id(job: &Job) -> Option<&str> {
    job.payload.get("deadLetterId").and_then(Value::as_str)
}

pub(super) async fn run(
    ctx: &Context,
    client: &reqwest::Client,
    config: &WebhookConfig,
    lease: &Lease,
    job: &Job,
) -> Outcome {
    attempt(ctx, client, config, lease, job)
        .await
        .unwrap_or_else(outcome_of)
}

async fn attempt(
    ctx: &Context,
    client: &reqwest::Client,
    config: &WebhookConfig,
    lease: &Lease,
    job: &Job,
) -> Result<Outcome, StoreError> {
    let Some(id) = letter_id(job) else {
        return Ok(Outcome::Fail("the job names no dead letter".into()));
    };
    let letters = dead_letters(ctx.store(), &job.tenant);
    let Some(mut stored) = letters.find(id).await? else {
        return Ok(Outcome::Done);
    };
    if stored.record.status != LetterStatus::Redriving {
        return Ok(Outcome::Done);
    }
    let sub = subscriptions(ctx.store(), &job.tenant)
        .find(&stored.record.subscription_id)
        .await?;
    let attempt = stored.record.redrive_attempts + 1;
    let event = stored.record.stored_event(&job.tenant);
    let result = match &sub {
        Some(sub) => match ctx.config.secrets.open(&sub.record.secret) {
            Ok(secret) => {
                post(
                    client,
                    &config.allow,
                    &sub.record,
                    &secret,
                    &event,
                    attempt,
                    ctx.now(),
                )
                .await
            }
            Err(e) => Err(format!("the signing secret cannot be opened: {e}")),
        },
        None => Err("the subscription was removed".to_string()),
    };
    let now = rfc3339(ctx.now());
    let letter = &mut stored.record;
    let mut effects = Effects::none();
    let outcome = match result {
        Err(error) if sub.is_some() && attempt < config.max_attempts => {
            letter.last_error = error;
            letter.redrive_attempts = attempt;
            Outcome::Later {
                after: config.backoff(attempt),
                note: "re-delivery failed; see the dead letter's lastError".into(),
            }
        }
        ended => {
            match ended {
                Ok(()) => {
                    letter.status = LetterStatus::Redriven;
                    letter.redriven_at = Some(now.clone());
                }
                Err(error) => {
                    letter.status = LetterStatus::Parked;
                    letter.last_error = error;
                    letter.attempts += attempt;
                }
            }
            letter.redrive_attempts = 0;
            effects
                .finish_jobs
                .push(JobDone::done(&job.id, &lease.worker, &now));
            Outcome::Finished
        }
    };
    letters.update(&stored, &now, &effects).await?;
    Ok(outcome)
}

/// Parks the letter again with why its re-drive failed for good, in the
/// write that ends the job as failed.
pub(super) async fn fail(
    ctx: &Context,
    lease: &Lease,
    job: &Job,
    reason: &str,
) -> Result<bool, StoreError> {
    let Some(id) = letter_id(job) else {
        return Ok(false);
    };
    let letters = dead_letters(ctx.store(), &job.tenant);
    let Some(mut stored) = letters.find(id).await? else {
        return Ok(false);
    };
    let now = rfc3339(ctx.now());
    stored.record.status = LetterStatus::Parked;
    stored.record.last_error = reason.to_string();
    stored.record.redrive_attempts = 0;
    let effects = Effects {
        finish_jobs: vec![JobDone {
            failed: Some(reason.to_string()),
            ..JobDone::done(&job.id, &lease.worker, &now)
        }],
        ..Effects::none()
    };
    letters.update(&stored, &now, &effects).await?;
    Ok(true)
}

/// An operator retries a failed re-drive: its letter is being re-driven
/// again. A letter removed meanwhile leaves the job nothing to do.
pub(super) async fn retried(ctx: &Context, job: &Job) -> AppResult<()> {
    let Some(id) = letter_id(job) else {
        return Ok(());
    };
    let now = rfc3339(ctx.now());
    let changed = dead_letters(ctx.store(), &job.tenant)
        .change(id, None, &now, &RetryPolicy::REQUEST, |letter| {
            letter.status = LetterStatus::Redriving;
            letter.redrive_attempts = 0;
            Ok(((), Effects::none()))
        })
        .await;
    match changed {
        Ok(_) | Err(AppError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}
