//! The delivery worker. It leases subscriptions' jobs; each leased
//! subscription is served by its own task, so a slow or failing subscriber
//! holds up only itself. A task delivers the subscription's matching events
//! one at a time in outbox order, moving its cursor after each success,
//! until it has held the lease for [`HOLD`] (then it hands the job back so
//! that any node may take it) or a delivery fails (then the job sleeps
//! until the next attempt is due).

use super::admin::{self, DeadLetter};
use super::subscription::{Subscription, parse_query};
use super::{DELIVERY_JOB, REDRIVE_JOB, SUBSCRIPTION_KIND, sign};
use crate::state::AppState;
use chrono::Utc;
use omni_core::time::rfc3339;
use omni_store::{DocumentWrite, Effects, Job, JobClaim, JobOutcome, StoreError, StoredEvent};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// A task hands its subscription back after this long, so leases rotate
/// and a crashed node's subscriptions wait at most a lease to move on.
const HOLD: Duration = Duration::from_secs(5);
/// Added to [`HOLD`] and a delivery's timeout to make the lease.
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// Subscriptions served at once by one node.
const MAX_TASKS: usize = 64;
/// Events read from the outbox per round.
const PAGE: i64 = 200;
/// Longest error text kept.
const MAX_ERROR: usize = 300;

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let worker = format!("webhook-{}", uuid::Uuid::new_v4());
    let config = state.ctx.config.webhooks.clone();
    let client = match reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook HTTP client could not be built; no deliveries");
            return;
        }
    };
    let mut tasks = JoinSet::new();
    loop {
        if *shutdown.borrow() {
            tasks.abort_all();
            return;
        }
        while tasks.try_join_next().is_some() {}
        let room = MAX_TASKS.saturating_sub(tasks.len());
        let mut claimed = 0;
        for kind in [DELIVERY_JOB, REDRIVE_JOB] {
            if room <= claimed {
                break;
            }
            match claim(&state, &worker, kind, room - claimed).await {
                Ok(jobs) => {
                    claimed += jobs.len();
                    for job in jobs {
                        let (state, client, worker) =
                            (state.clone(), client.clone(), worker.clone());
                        let shutdown = shutdown.clone();
                        tasks.spawn(async move {
                            let id = job.id.clone();
                            let result = if job.kind == REDRIVE_JOB {
                                admin::redrive(&state, &client, &worker, job).await
                            } else {
                                serve(&state, &client, &worker, job, shutdown).await
                            };
                            if let Err(e) = result {
                                tracing::warn!(job = %id, error = %e, "event delivery job failed; it runs again when its lease ends");
                            }
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming event delivery jobs failed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(config.poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn claim(
    state: &AppState,
    worker: &str,
    kind: &str,
    max: usize,
) -> Result<Vec<Job>, StoreError> {
    let now = Utc::now();
    let lease = HOLD + state.ctx.config.webhooks.timeout + LEASE_MARGIN;
    state
        .ctx
        .store
        .claim_jobs(&JobClaim {
            kind: kind.into(),
            worker: worker.into(),
            now: rfc3339(now),
            lease_until: rfc3339(now + lease),
            max: i64::try_from(max).unwrap_or(i64::MAX),
        })
        .await
}

/// What a round of delivery came to.
enum Round {
    /// Everything due was delivered; look again later.
    CaughtUp,
    /// A delivery failed; try again at this time.
    RetryAt(chrono::DateTime<Utc>),
    /// The subscription is gone (unsubscribed) or was taken over.
    Stop,
}

async fn serve(
    state: &AppState,
    client: &reqwest::Client,
    worker: &str,
    job: Job,
    shutdown: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let started = Instant::now();
    let id = job
        .payload
        .get("subscriptionId")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let config = &state.ctx.config.webhooks;
    let outcome = loop {
        match round(state, client, &job.tenant, &id).await? {
            Round::Stop => {
                break JobOutcome::Done {
                    now: rfc3339(Utc::now()),
                };
            }
            Round::RetryAt(at) => {
                break JobOutcome::Retry {
                    now: rfc3339(Utc::now()),
                    run_at: rfc3339(at),
                    error: "delivery failed; see the subscription's lastError".into(),
                };
            }
            Round::CaughtUp => {
                if started.elapsed() >= HOLD || *shutdown.borrow() {
                    let now = rfc3339(Utc::now());
                    break JobOutcome::Retry {
                        now: now.clone(),
                        run_at: now,
                        error: String::new(),
                    };
                }
                tokio::time::sleep(config.poll).await;
            }
        }
    };
    state
        .ctx
        .store
        .finish_job(&job.id, worker, &outcome)
        .await?;
    Ok(())
}

/// Delivers what is due for one subscription, reading the outbox page by
/// page until it is caught up or a delivery fails.
async fn round(
    state: &AppState,
    client: &reqwest::Client,
    tenant: &str,
    id: &str,
) -> Result<Round, StoreError> {
    let Some(doc) = state
        .ctx
        .store
        .get_document(tenant, SUBSCRIPTION_KIND, id)
        .await?
    else {
        return Ok(Round::Stop);
    };
    let mut version = doc.version;
    let mut sub = Subscription::from_document(&doc).map_err(StoreError::Corrupt)?;
    if let Some(at) = sub
        .next_attempt_at
        .as_deref()
        .and_then(omni_core::time::parse_rfc3339)
        && at > Utc::now()
    {
        return Ok(Round::RetryAt(at));
    }
    let filter = parse_query(sub.query.as_deref()).map_err(StoreError::Corrupt)?;
    let config = &state.ctx.config.webhooks;
    loop {
        let events = state.ctx.store.outbox_stream(sub.cursor, PAGE).await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(Round::CaughtUp);
        };
        for event in &events {
            if !sub.wants(tenant, event, &filter) {
                continue;
            }
            // Events skipped before this one are handled too.
            sub.cursor = event.seq - 1;
            match post(client, &sub, event, sub.attempts + 1).await {
                Ok(()) => {
                    sub.cursor = event.seq;
                    sub.attempts = 0;
                    sub.next_attempt_at = None;
                    sub.last_error = None;
                    sub.delivered += 1;
                    if !save(state, tenant, &mut version, &sub, None).await? {
                        return Ok(Round::Stop);
                    }
                }
                Err(error) => {
                    sub.attempts += 1;
                    sub.last_error = Some(error.clone());
                    if sub.attempts >= config.max_attempts {
                        let letter = DeadLetter::new(&sub, event, &error);
                        sub.cursor = event.seq;
                        sub.attempts = 0;
                        sub.next_attempt_at = None;
                        sub.dead_lettered += 1;
                        if !save(state, tenant, &mut version, &sub, Some(letter)).await? {
                            return Ok(Round::Stop);
                        }
                        continue;
                    }
                    let wait = omni_app::jobs::backoff::delay(
                        sub.attempts,
                        config.backoff_base,
                        config.backoff_max,
                        rand::random::<f64>(),
                    );
                    let at = Utc::now() + wait;
                    sub.next_attempt_at = Some(rfc3339(at));
                    if !save(state, tenant, &mut version, &sub, None).await? {
                        return Ok(Round::Stop);
                    }
                    return Ok(Round::RetryAt(at));
                }
            }
        }
        if sub.cursor < last {
            sub.cursor = last;
            if !save(state, tenant, &mut version, &sub, None).await? {
                return Ok(Round::Stop);
            }
        }
        if events.len() < PAGE as usize {
            return Ok(Round::CaughtUp);
        }
    }
}

/// Writes the subscription's state (and a dead letter) at the version read;
/// `false` when it was removed or someone else wrote it meanwhile.
async fn save(
    state: &AppState,
    tenant: &str,
    version: &mut i64,
    sub: &Subscription,
    letter: Option<DeadLetter>,
) -> Result<bool, StoreError> {
    let now = rfc3339(Utc::now());
    let doc = sub
        .document(tenant, *version + 1, &now)
        .map_err(|_| StoreError::Corrupt(format!("subscription {} does not encode", sub.id)))?;
    let mut writes = vec![DocumentWrite::Update(doc)];
    if let Some(letter) = letter {
        writes.push(DocumentWrite::Insert(letter.document(tenant, &now)?));
    }
    match state
        .ctx
        .store
        .write_documents(&writes, &Effects::default())
        .await
    {
        Ok(()) => {
            *version += 1;
            Ok(true)
        }
        Err(StoreError::VersionConflict { .. } | StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// One signed POST of `event` to the subscription's callback.
pub(super) async fn post(
    client: &reqwest::Client,
    sub: &Subscription,
    event: &StoredEvent,
    attempt: u32,
) -> Result<(), String> {
    let body = serde_json::to_vec(&event.event.payload).map_err(|e| e.to_string())?;
    let timestamp = Utc::now().timestamp();
    let response = client
        .post(&sub.callback)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(sign::EVENT_ID_HEADER, &event.event.event_id)
        .header(sign::EVENT_TYPE_HEADER, &event.event.event_type)
        .header(sign::ATTEMPT_HEADER, attempt.to_string())
        .header(sign::TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            sign::SIGNATURE_HEADER,
            sign::signature(&sub.secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| clip(&format!("request failed: {e}")))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(clip(&format!("callback answered {status}")))
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_ERROR).collect()
}
