//! The publisher: one [`JobHandler`] on the shared runner for the perpetual
//! job `eventStream.publish` of the configured stream.
//!
//! 1. The runner leases the job to one node (the lease keeps several nodes
//!    from interleaving). That node connects (once; the connection is kept
//!    between runs) and makes sure the stream exists.
//! 2. It reads the outbox stream after the record's position, a page at a
//!    time: the whole stream, every tenant's events of every kind, since
//!    it publishes them all in stream order (webhook listeners read their
//!    own slice instead, `Store::outbox_slice`). Events are numbered for
//!    it by the node's shared sequencer run, not by each read (see
//!    `omni-store`'s sequencer). It sends the page's events in order
//!    without waiting, awaits their acks in the same order, then writes
//!    the position of the last event of the unbroken run of acks over the
//!    version read. A write that loses (another node holds the job now)
//!    ends the run.
//! 3. After [`HOLD`] the job is handed back (`Outcome::Later`, not an
//!    attempt), so a crashed node's work waits at most one lease.
//! 4. A failure (NATS away, stream refused) is written on the record, the
//!    connection is dropped, and the job comes back after a backoff that
//!    grows with the failures in a row (at most `backoff_max`); the
//!    position stays where the last ack put it.

use super::{EventStreamConfig, PUBLISH_JOB, Publisher, SYSTEM_TENANT, publishers, subject};
use crate::context::Context;
use crate::jobs::{JobHandler, Lease, Outcome, WorkerSpec, backoff};
use crate::repo::{Stored, Writes};
use async_nats::jetstream::{self, message::PublishMessage, stream};
use async_trait::async_trait;
use omni_core::time::rfc3339;
use omni_store::{Effects, Job, NewJob, StoreError, StoredEvent};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// How long one run publishes before the job is handed back.
pub const HOLD: Duration = Duration::from_secs(5);
/// Longest wait for a connection, a stream request or one publish's ack.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Events read from the outbox, published and recorded at a time.
const PAGE: i64 = 500;
/// A run that went past the hold stops after the ack it awaits, a page of
/// publishes at most; the lease covers that with room to spare.
const LEASE: Duration = Duration::from_secs(20);
/// The header that carries the event's outbox stream position, for
/// consumers that check order across subjects.
pub const POSITION_HEADER: &str = "Omni-Position";

pub struct EventPublisher {
    config: EventStreamConfig,
    /// The stream, once connected and set up; dropped after a failure so
    /// the next run starts afresh.
    connection: Mutex<Option<jetstream::Context>>,
}

impl EventPublisher {
    pub fn new(config: &EventStreamConfig) -> Self {
        Self {
            config: config.clone(),
            connection: Mutex::new(None),
        }
    }

    /// The connected stream: the kept connection, or a new one with the
    /// stream made (or its duplicate window widened) as configured.
    async fn connect(&self) -> Result<jetstream::Context, String> {
        let mut held = self.connection.lock().await;
        if let Some(js) = held.as_ref() {
            return Ok(js.clone());
        }
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(TIMEOUT)
            .name("omni event publisher")
            .connect(self.config.url.as_str())
            .await
            .map_err(|e| format!("connecting to NATS: {e}"))?;
        let js = jetstream::ContextBuilder::new()
            .timeout(TIMEOUT)
            .build(client);
        ensure_stream(&js, &self.config).await?;
        *held = Some(js.clone());
        Ok(js)
    }

    async fn disconnect(&self) {
        *self.connection.lock().await = None;
    }

    async fn serve(&self, ctx: &Context, job: &Job) -> Outcome {
        if job.payload.get("stream").and_then(Value::as_str) != Some(self.config.stream.as_str()) {
            // A stream this node is not configured for (the setting changed):
            // left pending for the nodes that are.
            return Outcome::Later {
                after: Duration::from_secs(3600),
                note: "not this node's stream".into(),
            };
        }
        let started = Instant::now();
        let mut stored = match publishers(ctx.store()).find(&self.config.stream).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return Outcome::Fail("the publisher's record is missing".into()),
            Err(e) => return Outcome::from_store(e),
        };
        let js = match self.connect().await {
            Ok(js) => js,
            Err(error) => return self.failed(ctx, &mut stored, error).await,
        };
        loop {
            if started.elapsed() >= HOLD {
                return handed_back();
            }
            let events = match ctx.store.outbox_stream(stored.record.position, PAGE).await {
                Ok(events) => events,
                Err(e) => return Outcome::from_store(e),
            };
            if events.is_empty() {
                tokio::time::sleep(self.config.poll).await;
                continue;
            }
            // The page is sent in order on the one connection without
            // waiting, then its acks are awaited in that order: the position
            // moves past the unbroken run of acks from the page's start.
            let mut sent = Vec::with_capacity(events.len());
            let mut error = None;
            for event in &events {
                match send(&js, &self.config.prefix, event).await {
                    Ok(ack) => sent.push((event, ack)),
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            let mut acked = 0;
            for (event, ack) in sent {
                match ack.await {
                    Ok(_) if error.is_none() => acked += 1,
                    // After a failure: perhaps stored, not counted; sent
                    // again next time and dropped as a duplicate.
                    Ok(_) => {}
                    Err(e) => {
                        if error.is_none() {
                            error = Some(format!(
                                "no ack for event {} at position {}: {e}",
                                event.event.event_id, event.seq
                            ));
                        }
                    }
                }
            }
            if acked > 0 {
                let last = events[acked - 1].seq;
                let p = &mut stored.record;
                p.position = last;
                p.published += acked as u64;
                p.failures = 0;
                p.last_error = None;
                p.last_published_at = Some(rfc3339(ctx.now()));
                if let Err(outcome) = save(ctx, &mut stored).await {
                    return outcome;
                }
            }
            if let Some(error) = error {
                return self.failed(ctx, &mut stored, error).await;
            }
        }
    }

    /// Records a failure and sets when to try again; the connection is
    /// dropped (a new one is made then).
    async fn failed(
        &self,
        ctx: &Context,
        stored: &mut Stored<Publisher>,
        error: String,
    ) -> Outcome {
        self.disconnect().await;
        let p = &mut stored.record;
        p.failures = p.failures.saturating_add(1);
        let wait = backoff::delay(
            p.failures,
            self.config.backoff_base,
            self.config.backoff_max,
            rand::random::<f64>(),
        );
        tracing::warn!(
            stream = %self.config.stream,
            position = p.position,
            failures = p.failures,
            retry_in_ms = wait.as_millis() as u64,
            error = %error,
            "publishing events to NATS failed; retrying"
        );
        p.last_error = Some(error.clone());
        if let Err(outcome) = save(ctx, stored).await {
            return outcome;
        }
        Outcome::Later {
            after: wait,
            note: error,
        }
    }
}

#[async_trait]
impl JobHandler for EventPublisher {
    fn spec(&self) -> WorkerSpec {
        WorkerSpec {
            name: "event-stream",
            kinds: &[(PUBLISH_JOB, 1)],
            lease: LEASE,
            capacity: 1,
            idle: self.config.poll.max(Duration::from_millis(100)),
            perpetual: true,
        }
    }

    async fn run(&self, ctx: &Context, _lease: &Lease, jobs: Vec<Job>) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in &jobs {
            outcomes.push(self.serve(ctx, job).await);
        }
        outcomes
    }
}

fn handed_back() -> Outcome {
    Outcome::Later {
        after: Duration::ZERO,
        note: "handed back".into(),
    }
}

/// Writes the record over the version read; the outcome that ends the run
/// when that write lost (another node holds the job now) or failed.
async fn save(ctx: &Context, stored: &mut Stored<Publisher>) -> Result<(), Outcome> {
    let now = rfc3339(ctx.now());
    let mut writes = Writes::new(Effects::none());
    writes
        .update(SYSTEM_TENANT, stored, &now)
        .map_err(Outcome::from_store)?;
    match writes.commit(ctx.store()).await {
        Ok(()) => {
            stored.version += 1;
            stored.updated_at = now;
            Ok(())
        }
        Err(StoreError::VersionConflict { .. }) => Err(Outcome::LeaseLost),
        Err(e) => Err(Outcome::from_store(e)),
    }
}

/// Sends one event; the future of the stream's ack (a duplicate's ack
/// counts: the stream had it already).
async fn send(
    js: &jetstream::Context,
    prefix: &str,
    event: &StoredEvent,
) -> Result<jetstream::context::PublishAckFuture, String> {
    let e = &event.event;
    // The API is the envelope's domain; every envelope has one
    // (crate::events), the resource kind stands in should one not.
    let api = e
        .payload
        .get("domain")
        .and_then(Value::as_str)
        .unwrap_or(&e.resource_kind);
    let subject = subject(prefix, &e.tenant, api, &e.event_type);
    // The body webhooks POST (crate::webhook::callback): the envelope.
    let body = serde_json::to_vec(&e.payload).map_err(|err| err.to_string())?;
    let message = PublishMessage::build()
        .payload(body.into())
        .message_id(&e.event_id)
        .header(POSITION_HEADER, event.seq.to_string().as_str());
    js.send_publish(subject.clone(), message)
        .await
        .map_err(|err| format!("publishing event {} to {subject}: {err}", e.event_id))
}

/// Creates the stream when it is missing (subjects `<prefix>.>`, file
/// storage, the configured duplicate window); an existing one is kept as
/// the operator set it, except that its duplicate window is widened to the
/// configured one and its subjects made to include `<prefix>.>`.
async fn ensure_stream(js: &jetstream::Context, config: &EventStreamConfig) -> Result<(), String> {
    let subjects = format!("{}.>", config.prefix);
    let wanted = stream::Config {
        name: config.stream.clone(),
        subjects: vec![subjects.clone()],
        storage: stream::StorageType::File,
        duplicate_window: config.duplicate_window,
        ..Default::default()
    };
    let found = js
        .get_or_create_stream(wanted)
        .await
        .map_err(|e| format!("creating the stream {}: {e}", config.stream))?;
    let mut existing = found.cached_info().config.clone();
    let narrow = existing.duplicate_window < config.duplicate_window;
    let missing = !existing.subjects.contains(&subjects);
    if narrow || missing {
        if narrow {
            existing.duplicate_window = config.duplicate_window;
        }
        if missing {
            existing.subjects.push(subjects);
        }
        js.update_stream(existing)
            .await
            .map_err(|e| format!("updating the stream {}: {e}", config.stream))?;
    }
    Ok(())
}

/// Makes the publisher's record (at position 0: the whole outbox is
/// published, oldest first) and its job, in one write, unless they exist.
pub async fn install(ctx: &Context, config: &EventStreamConfig) -> Result<(), StoreError> {
    if publishers(ctx.store())
        .find(&config.stream)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let now = rfc3339(ctx.now());
    let job = NewJob {
        id: format!("{PUBLISH_JOB}:{}", config.stream),
        tenant: SYSTEM_TENANT.into(),
        kind: PUBLISH_JOB.into(),
        payload: json!({"stream": config.stream}),
        run_at: now.clone(),
        now: now.clone(),
    };
    let record = Publisher {
        id: config.stream.clone(),
        position: 0,
        published: 0,
        failures: 0,
        last_error: None,
        last_published_at: None,
    };
    let mut writes = Writes::new(Effects {
        jobs: vec![job],
        ..Effects::none()
    });
    writes.insert(SYSTEM_TENANT, &Stored::new(record, None, &now))?;
    match writes.commit(ctx.store()).await {
        // Another node made it first.
        Ok(()) | Err(StoreError::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}
