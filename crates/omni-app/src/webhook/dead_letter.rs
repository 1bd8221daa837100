//! An event a subscriber did not take after every attempt: parked as a
//! `deadLetter` record (owned by its subscription) so that the events after
//! it can flow, until an operator re-drives it ([`super::admin`]).
//!
//! ```text
//! parked ──(operator: redrive)──> redriving ──(delivered)──> redriven
//!    ^                                │
//!    └──(every attempt failed, or the subscription is gone)
//! ```

use super::DEAD_LETTER_KIND;
use super::subscription::Subscription;
use crate::repo::{Record, Repo};
use chrono::{DateTime, Utc};
use omni_core::time::rfc3339;
use omni_store::{NewEvent, Store, StoredEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LetterStatus {
    Parked,
    Redriving,
    Redriven,
}

impl LetterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parked => "parked",
            Self::Redriving => "redriving",
            Self::Redriven => "redriven",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub id: String,
    pub subscription_id: String,
    pub callback: String,
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    /// The event envelope, exactly as it was to be delivered.
    pub event: Value,
    /// Failed attempts, the re-drives' included.
    pub attempts: u32,
    pub last_error: String,
    pub dead_lettered_at: String,
    pub status: LetterStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redriven_at: Option<String>,
    /// Failed attempts of the re-drive under way (counted into `attempts`
    /// when it gives up).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redrive_attempts: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Record for DeadLetter {
    const KIND: &'static str = DEAD_LETTER_KIND;
    const NAME: &'static str = "deadLetter";

    fn id(&self) -> &str {
        &self.id
    }

    fn state(&self) -> Option<&str> {
        Some(self.status.as_str())
    }
}

pub fn dead_letters<'a>(store: &'a dyn Store, tenant: &'a str) -> Repo<'a, DeadLetter> {
    Repo::new(store, tenant)
}

impl DeadLetter {
    /// `event`, refused by `sub` after its last attempt failed with `error`.
    pub fn new(sub: &Subscription, event: &StoredEvent, error: &str, now: DateTime<Utc>) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            subscription_id: sub.id.clone(),
            callback: sub.callback.clone(),
            seq: event.seq,
            event_id: event.event.event_id.clone(),
            event_type: event.event.event_type.clone(),
            event: event.event.payload.clone(),
            attempts: sub.attempts,
            last_error: error.to_string(),
            dead_lettered_at: rfc3339(now),
            status: LetterStatus::Parked,
            redriven_at: None,
            redrive_attempts: 0,
        }
    }

    /// The parked event as the outbox held it, for delivering it again.
    pub fn stored_event(&self, tenant: &str) -> StoredEvent {
        StoredEvent {
            seq: self.seq,
            event: NewEvent {
                event_id: self.event_id.clone(),
                tenant: tenant.to_string(),
                event_type: self.event_type.clone(),
                resource_kind: String::new(),
                resource_id: String::new(),
                occurred_at: String::new(),
                payload: self.event.clone(),
            },
        }
    }
}
