//! Event delivery to subscribers' callbacks (webhooks), shared by every API
//! family: TM Forum hubs (`{api}/hub`) and the care family's notification
//! subscriptions register here; one worker delivers.
//!
//! Each subscription is one document holding where to deliver, what to
//! deliver (the API's event domain, an optional TMF630 query over the event
//! envelope, an optional exact scope such as one care client), the signing
//! secret, and its delivery state: a cursor into the outbox. The outbox is
//! written in the same transaction as every change, so nothing acknowledged
//! is missed; a subscription's deliveries are made one at a time in outbox
//! order by whichever worker holds its lease, so a subscriber receives
//! events in the order they were committed. A delivery that keeps failing is
//! retried with exponential backoff and jitter and, after the configured
//! number of attempts, parked as a dead letter (see [`admin`]) so that the
//! events after it can flow.

pub mod admin;
mod deliver;
pub mod hub;
pub mod openapi;
pub mod sign;
mod subscription;

pub use deliver::run;
pub use subscription::{Scope, Subscription, SubscriptionRequest, subscribe, unsubscribe};

/// Stored subscriptions (one per registration, with its delivery state).
pub const SUBSCRIPTION_KIND: &str = "eventSubscription";
/// Events parked after their last failed attempt.
pub const DEAD_LETTER_KIND: &str = "deadLetter";
/// The perpetual job of one subscription: whoever leases it delivers.
pub const DELIVERY_JOB: &str = "eventSubscription.deliver";
/// A one-off job re-delivering a dead letter.
pub const REDRIVE_JOB: &str = "deadLetter.redrive";

pub use omni_app::webhook::WebhookConfig;
