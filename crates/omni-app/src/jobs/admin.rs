//! What operators do with background jobs: list them by status and kind
//! (the failed ones, with why they failed), read one, and retry a failed
//! one. Operators hold `jobs.admin`, or `events.admin` (who already
//! re-drives dead letters). Each sees their own tenant's jobs only.

use super::JobHandler;
use crate::context::Context;
use crate::error::{AppError, AppResult};
use omni_core::time::rfc3339;
use omni_core::{AccessError, Principal, PrincipalKind};
use omni_store::{Job, JobCount, JobQuery, JobStatus};
use serde_json::{Value, json};
use std::sync::Arc;

/// Role of operators who see and retry jobs.
pub const ROLE: &str = "jobs.admin";
/// Event delivery operators may do the same.
pub const EVENTS_ROLE: &str = "events.admin";
/// Most jobs one list answers.
pub const MAX_LIMIT: u64 = 1000;

pub fn authorize(principal: &Principal) -> AppResult<()> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    if principal.has_role(ROLE) || principal.has_role(EVENTS_ROLE) {
        Ok(())
    } else {
        Err(AccessError::MissingRole(format!("{ROLE}' or '{EVENTS_ROLE}")).into())
    }
}

/// A job as operators read it.
pub fn render(job: &Job) -> Value {
    json!({
        "id": job.id,
        "kind": job.kind,
        "status": job.status.as_str(),
        "attempts": job.attempts,
        "runAt": job.run_at,
        "lastError": job.last_error,
        "createdAt": job.created_at,
        "updatedAt": job.updated_at,
        "payload": job.payload,
    })
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub offset: u64,
    pub limit: Option<u64>,
}

pub async fn list(
    ctx: &Context,
    principal: &Principal,
    filter: &JobFilter,
) -> AppResult<Vec<Value>> {
    authorize(principal)?;
    let status = match filter.status.as_deref() {
        None => None,
        Some(s) => Some(
            JobStatus::parse(s)
                .ok_or_else(|| AppError::field("status", "must be one of pending, done, failed"))?,
        ),
    };
    if filter
        .kind
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > 100)
    {
        return Err(AppError::field("kind", "must be 1 to 100 characters"));
    }
    let jobs = ctx
        .store
        .list_jobs(&JobQuery {
            tenant: Some(principal.tenant.clone()),
            kind: filter.kind.clone(),
            status,
            offset: filter.offset,
            limit: filter.limit.unwrap_or(100).min(MAX_LIMIT),
        })
        .await?;
    Ok(jobs.iter().map(render).collect())
}

async fn own_job(ctx: &Context, principal: &Principal, id: &str) -> AppResult<Job> {
    match ctx.store.get_job(id).await? {
        Some(job) if job.tenant == principal.tenant => Ok(job),
        _ => Err(AppError::not_found("job", id)),
    }
}

pub async fn get(ctx: &Context, principal: &Principal, id: &str) -> AppResult<Value> {
    authorize(principal)?;
    Ok(render(&own_job(ctx, principal, id).await?))
}

/// Makes a failed job due now with its attempts reset, after its handler
/// took back what the failure recorded (a failed order is in progress
/// again). A job that is not failed is a 409.
pub async fn retry(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    handlers: &[Arc<dyn JobHandler>],
) -> AppResult<Value> {
    authorize(principal)?;
    let job = own_job(ctx, principal, id).await?;
    if job.status != JobStatus::Failed {
        return Err(AppError::conflict(format!(
            "job '{id}' is {}; only a failed job can be retried",
            job.status.as_str()
        )));
    }
    let handler = handlers
        .iter()
        .find(|h| h.spec().kinds.iter().any(|(kind, _)| *kind == job.kind));
    // The failure is taken back before the job is due again: the other way
    // round, a worker could claim the job and find its order still failed.
    // Taking back is idempotent, so a retry that then loses the race below
    // to another operator's leaves things as that one left them.
    if let Some(handler) = handler {
        handler.retried(ctx, &job).await?;
    }
    let now = ctx.now();
    if !ctx
        .store
        .retry_job(Some(&principal.tenant), id, &rfc3339(now))
        .await?
    {
        return Err(AppError::conflict(format!(
            "job '{id}' changed meanwhile; read it again"
        )));
    }
    if let Some(signal) = handler.and_then(|h| h.signal(ctx)) {
        signal.notify_one();
    }
    tracing::info!(job = id, kind = %job.kind, by = ?principal.subject, "failed job retried by an operator");
    get(ctx, principal, id).await
}

/// Jobs by kind and status, for `/metrics`.
pub async fn counts(ctx: &Context) -> AppResult<Vec<JobCount>> {
    Ok(ctx.store.count_jobs().await?)
}
