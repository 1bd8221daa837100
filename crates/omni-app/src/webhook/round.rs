//! One round of delivery for one subscription: read its slice of the event
//! stream (its tenant's events of the kinds its API writes, through an
//! index: `Store::outbox_slice`) after its cursor page by page, POST each
//! event it wants (one at a time, in stream order), and write its delivery
//! state after each attempt:
//!
//! - delivered: the cursor moves past the event, the failures are cleared;
//! - refused, attempts left: the next attempt's time is stored and the
//!   round ends there (the events after it wait: order is kept);
//! - refused for the last time: the event is parked as a dead letter, in
//!   the same write that moves the cursor past it, and the round goes on.
//!
//! Events of its slice it does not want move the cursor too, in the next
//! write; other tenants' and APIs' events are never read, and a round that
//! finds nothing new writes nothing. Every
//! write is at the version read: the subscription is written by the job's
//! holder alone, so a conflict means it was removed meanwhile (the job is
//! done) or another worker holds the job now (this one stops).

use super::WebhookConfig;
use super::callback::post;
use super::dead_letter::DeadLetter;
use super::deliver::Turn;
use super::subscription::{Subscription, subscriptions};
use crate::context::Context;
use crate::jobs::Outcome;
use crate::repo::{Stored, Writes};
use chrono::{DateTime, Utc};
use omni_core::time::rfc3339;
use omni_store::{Effects, StoreError};

/// Events of the slice read at a time.
const PAGE: i64 = 200;

/// What a round came to.
pub(super) enum Round {
    /// Everything due was delivered.
    CaughtUp,
    /// The batch's time ran out before everything was delivered.
    Paused,
    /// A delivery failed; the next attempt is due then.
    RetryAt(DateTime<Utc>),
    /// The job's run ends so: its subscription was removed (`Done`), or
    /// another worker holds the job now (`LeaseLost`).
    End(Outcome),
}

pub(super) async fn round(
    ctx: &Context,
    client: &reqwest::Client,
    config: &WebhookConfig,
    tenant: &str,
    id: &str,
    turn: &mut Turn,
) -> Result<Round, StoreError> {
    let Some(mut stored) = subscriptions(ctx.store(), tenant).find(id).await? else {
        return Ok(Round::End(Outcome::Done));
    };
    if let Some(at) = stored.record.next_attempt()?
        && at > ctx.now()
    {
        return Ok(Round::RetryAt(at));
    }
    let filter = stored.record.filter()?;
    let kinds = stored.record.slice_kinds();
    loop {
        let events = ctx
            .store
            .outbox_slice(tenant, &kinds, stored.record.cursor, PAGE)
            .await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(Round::CaughtUp);
        };
        // Looked up again after the page is read: an event committed after
        // the hub was removed can only be in this page if the removal is
        // visible by now, so a removed hub is sent nothing new (before, a
        // round that began before the removal delivered one more event).
        if subscriptions(ctx.store(), tenant).find(id).await?.is_none() {
            return Ok(Round::End(Outcome::Done));
        }
        for event in &events {
            if !stored.record.wants(tenant, event, &filter) {
                continue;
            }
            if !turn.may_deliver() {
                // The events skipped before this one are handled.
                if stored.record.cursor < event.seq - 1 {
                    stored.record.cursor = event.seq - 1;
                    if let Some(end) = save(ctx, tenant, &mut stored, None).await? {
                        return Ok(Round::End(end));
                    }
                }
                return Ok(Round::Paused);
            }
            let sub = &mut stored.record;
            sub.cursor = event.seq - 1;
            // Opened only here, for signing; a key that is missing shows
            // as the delivery's error, visible to operators.
            let result = match ctx.config.secrets.open(&sub.secret) {
                Ok(secret) => {
                    post(
                        client,
                        &config.allow,
                        sub,
                        &secret,
                        event,
                        sub.attempts + 1,
                        ctx.now(),
                    )
                    .await
                }
                Err(e) => Err(format!("the signing secret cannot be opened: {e}")),
            };
            let now = ctx.now();
            let mut letter = None;
            let mut retry_at = None;
            match result {
                Ok(()) => {
                    sub.cursor = event.seq;
                    sub.attempts = 0;
                    sub.next_attempt_at = None;
                    sub.last_error = None;
                    sub.delivered += 1;
                }
                Err(error) => {
                    sub.attempts += 1;
                    sub.last_error = Some(error.clone());
                    if sub.attempts >= config.max_attempts {
                        letter = Some(DeadLetter::new(sub, event, &error, now));
                        sub.cursor = event.seq;
                        sub.attempts = 0;
                        sub.next_attempt_at = None;
                        sub.dead_lettered += 1;
                    } else {
                        let at = now + config.backoff(sub.attempts);
                        sub.next_attempt_at = Some(rfc3339(at));
                        retry_at = Some(at);
                    }
                }
            }
            if let Some(end) = save(ctx, tenant, &mut stored, letter).await? {
                return Ok(Round::End(end));
            }
            if let Some(at) = retry_at {
                return Ok(Round::RetryAt(at));
            }
        }
        if stored.record.cursor < last {
            stored.record.cursor = last;
            if let Some(end) = save(ctx, tenant, &mut stored, None).await? {
                return Ok(Round::End(end));
            }
        }
        if events.len() < PAGE as usize {
            return Ok(Round::CaughtUp);
        }
    }
}

/// Writes the subscription's state (and a new dead letter) over the version
/// read. `Some(outcome)` when the write lost: the subscription is gone, or
/// another worker wrote it.
async fn save(
    ctx: &Context,
    tenant: &str,
    stored: &mut Stored<Subscription>,
    letter: Option<DeadLetter>,
) -> Result<Option<Outcome>, StoreError> {
    let now = rfc3339(ctx.now());
    reseal(ctx, &mut stored.record);
    let mut writes = Writes::new(Effects::none());
    writes.update(tenant, stored, &now)?;
    if let Some(letter) = letter {
        let owner = Some(letter.subscription_id.clone());
        writes.insert(tenant, &Stored::new(letter, owner, &now))?;
    }
    match writes.commit(ctx.store()).await {
        Ok(()) => {
            stored.version += 1;
            stored.updated_at = now;
            Ok(None)
        }
        Err(StoreError::VersionConflict { .. }) => {
            let gone = subscriptions(ctx.store(), tenant)
                .find(&stored.record.id)
                .await?
                .is_none();
            Ok(Some(if gone {
                Outcome::Done
            } else {
                Outcome::LeaseLost
            }))
        }
        Err(e) => Err(e),
    }
}

/// Seals a secret stored in clear by an earlier build, or with an old key,
/// with the current key, as the subscription is written anyway. One that
/// cannot be opened is left as it is: its deliveries say why.
fn reseal(ctx: &Context, sub: &mut Subscription) {
    let keys = &ctx.config.secrets;
    if keys.is_stale(&sub.secret)
        && let Ok(plain) = keys.open(&sub.secret)
    {
        sub.secret = keys.seal(&plain);
    }
}
