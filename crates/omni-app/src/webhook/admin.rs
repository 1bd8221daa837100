//! Operators' view of event delivery (role `events.admin`, users and m2m
//! clients): every subscription of their tenant with its delivery state,
//! the dead letters, and re-driving a dead letter: one more round of
//! attempts, outside the subscription's order (the events after it have
//! moved on), run as a `deadLetter.redrive` job ([`super::redrive`]).

use super::dead_letter::{DeadLetter, LetterStatus, dead_letters};
use super::{REDRIVE_JOB, Subscription};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::{Record, RetryPolicy, Stored, decode};
use omni_core::time::rfc3339;
use omni_core::{Principal, PrincipalKind};
use omni_store::{DocumentQuery, Effects, NewJob};
use serde_json::{Value, json};

/// Role of event delivery operators (who may also retry failed jobs).
pub const ROLE: &str = crate::jobs::admin::EVENTS_ROLE;

pub fn authorize(principal: &Principal) -> AppResult<()> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    principal.require_role(ROLE)?;
    Ok(())
}

/// The first `max_limit` records of a kind in the tenant; one that does not
/// decode fails the list (it is logged), it is never left out unseen.
async fn all<T: Record>(ctx: &Context, tenant: &str) -> AppResult<Vec<Stored<T>>> {
    let docs = ctx
        .store
        .list_documents(&DocumentQuery {
            tenant: tenant.to_string(),
            kind: T::KIND.into(),
            owner: None,
            page: Some((0, ctx.config.max_limit as u64)),
        })
        .await?;
    Ok(docs.iter().map(decode).collect::<Result<Vec<_>, _>>()?)
}

/// Every subscription with its delivery state (never its secret).
pub async fn subscriptions(ctx: &Context, principal: &Principal) -> AppResult<Vec<Value>> {
    authorize(principal)?;
    let subs = all::<Subscription>(ctx, &principal.tenant).await?;
    Ok(subs.iter().map(|s| s.record.render_state()).collect())
}

/// A listener as operators follow it: its delivery state and how many of
/// its events wait.
#[derive(Debug, Clone, PartialEq)]
pub struct Listener {
    pub id: String,
    pub callback: String,
    /// The API it listens to (event domain).
    pub domain: String,
    pub delivered: u64,
    pub dead_lettered: u64,
    /// Failed attempts at the event after its cursor.
    pub failed_attempts: u32,
    pub next_attempt_at: Option<String>,
    /// Class of the last failure (never a response body).
    pub last_error: Option<String>,
    /// Events after its cursor that it wants (its tenant's, of its API,
    /// matching its query) and has not yet been sent, counted up to
    /// [`MAX_BEHIND`]; 0 when it is up to date. Other tenants' and APIs'
    /// events are not counted: its delivery never reads them.
    pub behind: i64,
}

/// The most events counted as one listener's lag: a listener that far
/// behind shows this many.
pub const MAX_BEHIND: i64 = 1000;

/// Every listener of the tenant with its lag: one read of its slice of the
/// stream after its cursor each.
pub async fn listeners(ctx: &Context, principal: &Principal) -> AppResult<Vec<Listener>> {
    authorize(principal)?;
    let tenant = &principal.tenant;
    let subs = all::<Subscription>(ctx, tenant).await?;
    let mut listeners = Vec::with_capacity(subs.len());
    for s in subs {
        let s = s.record;
        let pending = ctx
            .store
            .outbox_slice(tenant, &s.slice_kinds(), s.cursor, MAX_BEHIND)
            .await?;
        let filter = s.filter()?;
        let behind = pending
            .iter()
            .filter(|e| s.wants(tenant, e, &filter))
            .count();
        listeners.push(Listener {
            behind: i64::try_from(behind).unwrap_or(MAX_BEHIND),
            id: s.id,
            callback: s.callback,
            domain: s.domain,
            delivered: s.delivered,
            dead_lettered: s.dead_lettered,
            failed_attempts: s.attempts,
            next_attempt_at: s.next_attempt_at,
            last_error: s.last_error,
        });
    }
    Ok(listeners)
}

pub async fn list_dead_letters(ctx: &Context, principal: &Principal) -> AppResult<Vec<DeadLetter>> {
    authorize(principal)?;
    let letters = all::<DeadLetter>(ctx, &principal.tenant).await?;
    Ok(letters.into_iter().map(|s| s.record).collect())
}

/// Most dead letters one page holds.
pub const MAX_PAGE: u64 = 100;

/// One page of dead letters, newest first, of one status or all, with how
/// many match: read through the letters' search keys, so a page costs the
/// same however many letters the tenant holds.
pub async fn dead_letters_page(
    ctx: &Context,
    principal: &Principal,
    status: Option<LetterStatus>,
    offset: u64,
    limit: u64,
) -> AppResult<(u64, Vec<DeadLetter>)> {
    use crate::operations::{filter, planned};
    use omni_core::tmf630::{FilterOp, ListQuery, SortKey};
    authorize(principal)?;
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::field("limit", format!("must be 1 to {MAX_PAGE}")));
    }
    let keys = planned(
        super::DEAD_LETTER_KIND,
        ListQuery {
            filters: status
                .map(|s| filter("status", FilterOp::Eq, s.as_str().to_string()))
                .into_iter()
                .collect(),
            sort: vec![SortKey {
                path: vec!["deadLetteredAt".into()],
                descending: true,
            }],
            ..ListQuery::default()
        },
    )?;
    let mut query = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: super::DEAD_LETTER_KIND.into(),
        owner: None,
        page: None,
    };
    let total = ctx.store.count_keyed(&query, &keys).await?;
    query.page = Some((offset, limit));
    let docs = ctx.store.list_keyed(&query, &keys).await?;
    let letters = docs
        .iter()
        .map(|d| decode::<DeadLetter>(d).map(|s| s.record))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((total, letters))
}

/// One dead letter (a 404 when the tenant has none with that id).
pub async fn dead_letter(ctx: &Context, principal: &Principal, id: &str) -> AppResult<DeadLetter> {
    authorize(principal)?;
    Ok(dead_letters(ctx.store(), &principal.tenant)
        .get(id)
        .await?
        .record)
}

/// Starts a re-drive of a parked (or already re-driven) letter: it becomes
/// `redriving` and its job is enqueued, in one write. A letter being
/// re-driven already is a conflict.
pub async fn redrive(ctx: &Context, principal: &Principal, id: &str) -> AppResult<DeadLetter> {
    authorize(principal)?;
    let now = rfc3339(ctx.now());
    let tenant = &principal.tenant;
    let (stored, ()) = dead_letters(ctx.store(), tenant)
        .change(id, None, &now, &RetryPolicy::REQUEST, |letter| {
            if letter.status == LetterStatus::Redriving {
                return Err(AppError::conflict(format!(
                    "deadLetter '{id}' is already being re-driven"
                )));
            }
            letter.status = LetterStatus::Redriving;
            letter.redrive_attempts = 0;
            let job = NewJob {
                // One job per re-drive: a letter may be re-driven again later.
                id: format!("{REDRIVE_JOB}:{tenant}:{id}:{}", uuid::Uuid::now_v7()),
                tenant: tenant.clone(),
                kind: REDRIVE_JOB.into(),
                payload: json!({"deadLetterId": id}),
                run_at: now.clone(),
                now: now.clone(),
            };
            Ok((
                (),
                Effects {
                    jobs: vec![job],
                    ..Effects::none()
                },
            ))
        })
        .await?;
    tracing::info!(letter = id, by = ?principal.subject, "dead letter re-driven by an operator");
    Ok(stored.record)
}
