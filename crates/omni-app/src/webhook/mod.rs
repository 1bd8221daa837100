//! Event delivery to subscribers' callbacks (webhooks), shared by every API
//! family: TM Forum hubs (`{api}/hub`, [`hub`]) and the care family's
//! notification subscriptions ([`notify`]) register here; one worker
//! ([`deliver`]) delivers, on the shared job runner.
//!
//! ```text
//! register (hub / notify) ── subscription.rs: one `eventSubscription` record
//!                              + its perpetual job `eventSubscription.deliver`
//! deliver.rs  (job runner) ── each leased subscription in a task of its own:
//!   round.rs                    read its slice of the stream (its tenant's
//!                               events of its API's kinds) after the
//!   callback.rs                 cursor, POST what matches (signed,
//!                               sign.rs), move the cursor;
//!                               a delivery that keeps failing becomes a
//!                               dead letter (dead_letter.rs)
//! admin.rs (operators)     ── delivery state, dead letters, re-drive, which
//!   redrive.rs                  runs as a one-off job `deadLetter.redrive`
//! ```
//!
//! Each subscription holds where to deliver, what to deliver (the API's
//! event domain, an optional TMF630 query over the event envelope, an
//! optional exact scope such as one care client), the signing secret, and
//! its delivery state: a cursor into the event stream (a stream position;
//! its deliveries read only its tenant's events of its API's resource
//! kinds). The outbox is written in the same transaction as every change,
//! so nothing acknowledged is missed;
//! a subscription's deliveries are made one at a time in outbox order by
//! whichever worker holds its job's lease, so a subscriber receives events
//! in the order they were committed. A delivery that keeps failing is
//! retried with exponential backoff and jitter and, after
//! [`WebhookConfig::max_attempts`], parked as a dead letter so that the
//! events after it can flow.

pub mod address;
pub mod admin;
mod callback;
pub mod client;
pub mod dead_letter;
pub mod deliver;
pub mod hub;
pub mod notify;
mod redrive;
mod round;
pub mod sign;
pub mod subscription;
#[cfg(test)]
mod tests;

pub use address::AddressPolicy;
pub use dead_letter::{DeadLetter, LetterStatus};
pub use deliver::EventDelivery;
pub use subscription::{Registered, Registration, Scope, Subscription};

use std::time::Duration;

/// Stored subscriptions (one per registration, with its delivery state).
pub const SUBSCRIPTION_KIND: &str = "eventSubscription";
/// Events parked after their last failed attempt.
pub const DEAD_LETTER_KIND: &str = "deadLetter";
/// The perpetual job of one subscription: whoever leases it delivers.
pub const DELIVERY_JOB: &str = "eventSubscription.deliver";
/// A one-off job re-delivering a dead letter.
pub const REDRIVE_JOB: &str = "deadLetter.redrive";

/// How deliveries are made and retried.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Attempts per event before it is parked as a dead letter.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub backoff_base: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Time a subscriber has to answer one delivery.
    pub timeout: Duration,
    /// How often an idle subscription looks for new events.
    pub poll: Duration,
    /// The operator's exceptions to the address rule (`OMNI_WEBHOOK_ALLOW`).
    pub allow: AddressPolicy,
    /// Extra trusted CA certificates (DER) for HTTPS callbacks, from
    /// `OMNI_WEBHOOK_CA_FILE`; the webpki roots are always trusted.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(600),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(100),
            allow: AddressPolicy::default(),
            extra_roots: Vec::new(),
        }
    }
}

impl WebhookConfig {
    /// The wait before the next attempt after `failed` failed ones.
    pub fn backoff(&self, failed: u32) -> Duration {
        crate::jobs::backoff::delay(
            failed,
            self.backoff_base,
            self.backoff_max,
            rand::random::<f64>(),
        )
    }
}
