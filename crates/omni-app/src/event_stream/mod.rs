//! Every committed event, of every tenant and API, also published to a
//! NATS JetStream stream (when `OMNI_NATS_URL` is set). Webhooks are not
//! touched: this is a second reader of the same outbox.
//!
//! ```text
//! install (start-up) ── one `eventStreamPublisher` record (its position in
//!                        the outbox stream) + its perpetual job, in one write
//! publish.rs (job runner: one node at a time holds the job's lease)
//!   connect, create the stream if missing (duplicate window ≥ the setting)
//!   read the outbox stream after the position, page by page;
//!   send each event of the page, in order, to
//!   `<prefix>.<tenant>.<api>.<eventType>` with `Nats-Msg-Id` = the event
//!   id; await the acks in that order; write the position reached by the
//!   unbroken run of acks, over the version read
//! NATS away: the failure is written on the record (lastError, failures),
//!   the job comes back after a growing wait; /metrics shows position and lag
//! ```
//!
//! Guarantees. The position only moves past events the stream acknowledged,
//! so none is lost. A page is sent in stream order on one connection, which
//! the stream stores in the order received, so the stream holds events in
//! commit order (the outbox stream's order, which follows commits). An event
//! published again after a crash (acknowledged, position not yet written) has
//! the same `Nats-Msg-Id` and the stream drops it, as long as it comes back
//! within the stream's duplicate window. Two publishers at once (a lease that
//! ran out under a stalled node) keep that order too: each sends its events
//! in order, so an event first reaches the stream after the one before it.
//! The one case that breaks the order: the stream refuses one event of a page
//! and takes later ones (only a per-message limit does that, an operator's
//! `max_msg_size` below the event's size); the publisher then stops at the
//! refused event and says why until the limit is raised.

mod publish;
mod subject;

pub use publish::{EventPublisher, install};
pub use subject::{subject, token};

use crate::repo::{Record, Repo};
use omni_store::Store;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The perpetual job of one stream's publisher: whoever leases it publishes.
pub const PUBLISH_JOB: &str = "eventStream.publish";
/// The publisher's record: its position in the outbox and its state.
pub const PUBLISHER_KIND: &str = "eventStreamPublisher";
/// The publisher belongs to no tenant: its record and job live in this one,
/// which no API request names (tenant names come from tokens, and this one
/// starts with an underscore like no demo or seeded tenant).
pub const SYSTEM_TENANT: &str = "_system";

/// Where events are published (`OMNI_NATS_*`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventStreamConfig {
    /// NATS server URL, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// JetStream stream name (`OMNI_NATS_STREAM`, default `OMNI`).
    pub stream: String,
    /// First subject token (`OMNI_NATS_SUBJECT_PREFIX`, default `omni`): the
    /// stream takes `<prefix>.>`.
    pub prefix: String,
    /// The stream's duplicate window, at least; longer than the publisher's
    /// worst restart (a lease plus a start-up), see [`publish`].
    pub duplicate_window: Duration,
    /// How often a caught-up publisher looks for new events.
    pub poll: Duration,
    /// Wait after the first failure (connect, publish); doubled after each
    /// further one, at most `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl EventStreamConfig {
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_string(),
            stream: "OMNI".into(),
            prefix: "omni".into(),
            duplicate_window: Duration::from_secs(600),
            poll: Duration::from_millis(20),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        }
    }

    /// The stream name and prefix as NATS accepts them; the reason when not.
    pub fn check(&self) -> Result<(), String> {
        let bad = |s: &str| {
            s.is_empty()
                || s.chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '.' | '*' | '>'))
        };
        if bad(&self.stream) || self.stream.contains(['/', '\\']) {
            return Err(format!(
                "OMNI_NATS_STREAM '{}': a stream name must be non-empty, without spaces, '.', '*', '>', '/' or '\\'",
                self.stream
            ));
        }
        if bad(&self.prefix) {
            return Err(format!(
                "OMNI_NATS_SUBJECT_PREFIX '{}': must be one subject token (non-empty, without spaces, '.', '*' or '>')",
                self.prefix
            ));
        }
        Ok(())
    }
}

/// The publisher of one stream: where it is in the outbox stream and how it
/// is doing. Written only by the holder of its job's lease, at the version
/// read, so a node whose lease ran out cannot move it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Publisher {
    /// The stream's name.
    pub id: String,
    /// Last outbox stream position acknowledged by the stream.
    pub position: i64,
    /// Events acknowledged since the record was made (duplicates included).
    #[serde(default)]
    pub published: u64,
    /// Failures since the last success (connect, stream set-up, publish).
    #[serde(default)]
    pub failures: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_published_at: Option<String>,
}

impl Record for Publisher {
    const KIND: &'static str = PUBLISHER_KIND;
    const NAME: &'static str = "event stream publisher";

    fn id(&self) -> &str {
        &self.id
    }
}

pub fn publishers(store: &dyn Store) -> Repo<'_, Publisher> {
    Repo::new(store, SYSTEM_TENANT)
}

/// The publisher's state for operators (`/metrics`): its record and the
/// outbox stream's head (the lag is the difference).
#[derive(Debug, Clone, PartialEq)]
pub struct PublisherState {
    pub stream: String,
    pub position: i64,
    pub head: i64,
    pub published: u64,
    pub failures: u32,
}

pub async fn state(
    store: &dyn Store,
    config: &EventStreamConfig,
) -> Result<Option<PublisherState>, omni_store::StoreError> {
    let Some(stored) = publishers(store).find(&config.stream).await? else {
        return Ok(None);
    };
    let head = store.outbox_stream_head().await?;
    let p = stored.record;
    Ok(Some(PublisherState {
        stream: p.id,
        position: p.position,
        head,
        published: p.published,
        failures: p.failures,
    }))
}
