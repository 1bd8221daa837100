//! One signed POST of an event to a subscriber's callback. The body is the
//! event envelope as the outbox holds it; the headers name the event, the
//! attempt (from 1) and the signing time, and carry the HMAC of
//! `"<timestamp>.<body>"` with the subscription's secret ([`super::sign`]),
//! which the caller opened (it is stored sealed, [`crate::secrets`]).

use super::address::AddressPolicy;
use super::subscription::Subscription;
use super::{client, sign};
use chrono::{DateTime, Utc};
use omni_store::StoredEvent;

/// Delivers `event` to `sub`, signed as of `now`; the error is the class of
/// failure (for `lastError`), never what the remote said.
pub(super) async fn post(
    client: &reqwest::Client,
    policy: &AddressPolicy,
    sub: &Subscription,
    secret: &str,
    event: &StoredEvent,
    attempt: u32,
    now: DateTime<Utc>,
) -> Result<(), String> {
    let url =
        reqwest::Url::parse(&sub.callback).map_err(|_| "the callback is not a URL".to_string())?;
    client::guard_literal(policy, &url)?;
    let body = serde_json::to_vec(&event.event.payload).map_err(|e| e.to_string())?;
    let timestamp = now.timestamp();
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(sign::EVENT_ID_HEADER, &event.event.event_id)
        .header(sign::EVENT_TYPE_HEADER, &event.event.event_type)
        .header(sign::ATTEMPT_HEADER, attempt.to_string())
        .header(sign::TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            sign::SIGNATURE_HEADER,
            sign::signature(secret, timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| client::describe(&e))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
