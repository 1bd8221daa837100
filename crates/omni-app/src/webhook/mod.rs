//! Event delivery to subscribers' callbacks (webhooks), shared by every API
//! family: TM Forum hubs (`{api}/hub`) and the care family's notification
//! subscriptions.

use std::time::Duration;

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
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(600),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(100),
        }
    }
}
