//! Removes carts whose validity ended. Every node may run it: a cart is
//! deleted only if still expired at the version read, once.

use super::KIND;
use omni_store::{Document, NewEvent, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub const SWEEP_INTERVAL: Duration = Duration::from_secs(30);

fn deleted_event(doc: &Document) -> NewEvent {
    let now = omni_core::time::rfc3339(chrono::Utc::now());
    let event_id = uuid::Uuid::now_v7().to_string();
    NewEvent {
        payload: json!({
            "eventId": event_id, "eventTime": now, "eventType": "ShoppingCartDeleteEvent",
            "domain": "shoppingCart", "title": "ShoppingCartDeleteEvent",
            "description": format!("shopping cart {} expired", doc.id), "priority": "normal", "timeOcurred": now,
            "event": {"shoppingCart": {"id": doc.id}},
        }),
        event_id,
        tenant: doc.tenant.clone(),
        event_type: "ShoppingCartDeleteEvent".into(),
        resource_kind: KIND.into(),
        resource_id: doc.id.clone(),
        occurred_at: now,
    }
}

pub async fn sweep(store: &dyn Store) -> Result<usize, omni_store::StoreError> {
    let now = omni_core::time::rfc3339(chrono::Utc::now());
    let mut total = 0;
    loop {
        let gone = store.delete_expired(KIND, &now, 500, deleted_event).await?;
        total += gone.len();
        if gone.len() < 500 {
            return Ok(total);
        }
    }
}

pub async fn run(store: Arc<dyn Store>, mut shutdown: watch::Receiver<bool>) {
    loop {
        match sweep(store.as_ref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "expired shopping carts removed"),
            Err(e) => tracing::warn!(error = %e, "expired cart sweep failed; retrying later"),
        }
        tokio::select! {
            _ = tokio::time::sleep(SWEEP_INTERVAL) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
