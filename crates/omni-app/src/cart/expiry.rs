//! Removes carts whose validity ended (a cart lives 90 days after its last
//! change, 7 when empty: omni_core::cart). Every node runs the sweep
//! ([`task`], on the periodic loop of [`crate::workers::every`]); the store
//! deletes a cart only if it is still expired at the version read, once,
//! each with its `ShoppingCartDeleteEvent`.

use super::KIND;
use crate::context::Context;
use crate::events::{EventSource, event};
use chrono::{DateTime, Utc};
use omni_core::time::{parse_rfc3339, rfc3339};
use omni_store::{Document, NewEvent, StoreError};
use serde_json::json;
use std::time::Duration;
use tokio::sync::watch;

/// How often every node sweeps.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(30);
/// Carts removed per store call; a sweep calls again while batches are full.
const BATCH: usize = 500;

/// Removes every cart expired as of the clock's now; answers how many.
pub async fn sweep_expired(ctx: &Context) -> Result<usize, StoreError> {
    let now = rfc3339(ctx.now());
    let mut total = 0;
    loop {
        let gone = ctx
            .store
            .delete_expired(KIND, &now, BATCH as i64, expired_event)
            .await?;
        total += gone.len();
        if gone.len() < BATCH {
            return Ok(total);
        }
    }
}

/// The sweep as a node's background task, until `shutdown` turns true.
pub async fn task(ctx: Context, shutdown: watch::Receiver<bool>) {
    crate::workers::every("expired cart sweep", SWEEP_INTERVAL, shutdown, move || {
        let ctx = ctx.clone();
        async move {
            let removed = sweep_expired(&ctx).await?;
            if removed > 0 {
                tracing::info!(removed, "expired shopping carts removed");
            }
            Ok::<_, StoreError>(())
        }
    })
    .await;
}

/// The event of a cart removed because it expired. The store calls it for
/// each cart it removes, without the sweep's clock reading, so the event is
/// dated when the cart expired: the end of its `validFor`.
fn expired_event(doc: &Document) -> NewEvent {
    let source = EventSource {
        tenant: &doc.tenant,
        domain: "shoppingCart",
        kind: KIND,
        id: &doc.id,
        correlation_id: None,
    };
    event(
        &source,
        "ShoppingCartDeleteEvent",
        &json!({"id": doc.id}),
        expired_at(doc),
    )
}

fn expired_at(doc: &Document) -> DateTime<Utc> {
    let end = doc
        .body
        .pointer("/validFor/endDateTime")
        .and_then(|v| v.as_str())
        .and_then(parse_rfc3339);
    match end.or_else(|| parse_rfc3339(&doc.updated_at)) {
        Some(at) => at,
        None => {
            tracing::error!(id = %doc.id, tenant = %doc.tenant, "an expired cart has neither a validity nor a change time");
            DateTime::UNIX_EPOCH
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart(body: serde_json::Value) -> Document {
        Document {
            tenant: "default".into(),
            kind: KIND.into(),
            id: "c1".into(),
            version: 3,
            owner: None,
            state: None,
            created_at: "2025-01-01T00:00:00.000Z".into(),
            updated_at: "2025-01-02T00:00:00.000Z".into(),
            body,
        }
    }

    #[test]
    fn an_expired_cart_is_dated_when_its_validity_ended() {
        let ended = json!({"validFor": {"endDateTime": "2025-04-02T00:00:00.000Z"}});
        let e = expired_event(&cart(ended));
        assert_eq!(e.event_type, "ShoppingCartDeleteEvent");
        assert_eq!(e.resource_id, "c1");
        assert_eq!(e.occurred_at, "2025-04-02T00:00:00.000Z");
        assert_eq!(e.payload["event"]["shoppingCart"], json!({"id": "c1"}));
        let no_validity = expired_event(&cart(json!({})));
        assert_eq!(no_validity.occurred_at, "2025-01-02T00:00:00.000Z");
    }
}
