//! `store-insert`: the storage layer alone, without HTTP or cart pricing.
//! `connections` tasks in this process each insert cart-sized documents with
//! one outbox event (what a cart create writes), closed loop, through
//! `omni_store` on a fresh database. It shows what the store's commit path can
//! do on this machine, apart from the CPU the API spends per request.

use crate::load::LoadResult;
use hdrhistogram::Histogram;
use omni_store::{ConnectOptions, Document, Effects, NewEvent, Store};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A body shaped and sized like a priced 3-item cart (about 4 KB of JSON).
fn cart_body(id: &str) -> Value {
    let item = |n: u32| {
        json!({
            "id": n.to_string(),
            "action": "add",
            "quantity": 1,
            "productOffering": {"id": format!("offer-{n}-0b690f7e-3f41-49bf-a6cf-6f65caa650ca"), "name": "An offer with a name"},
            "itemPrice": [{"priceType": "recurring", "recurringChargePeriod": "month",
                "price": {"taxIncludedAmount": {"unit": "USD", "value": "65.00"}, "dutyFreeAmount": {"unit": "USD", "value": "60.00"}},
                "priceAlteration": [{"name": "Plan and phone", "priceType": "recurring", "applicationDuration": 24,
                    "price": {"taxIncludedAmount": {"unit": "USD", "value": "-10.00"}}, "promotionId": "promo-1"}]}],
            "itemTotalPrice": [{"priceType": "recurring", "price": {"taxIncludedAmount": {"unit": "USD", "value": "55.00"}}}],
            "cartItemRelationship": [], "note": [], "@type": "CartItem",
        })
    };
    json!({
        "id": id, "href": format!("http://bench/tmf-api/shoppingCart/v4/shoppingCart/{id}"),
        "validFor": {"startDateTime": "2024-01-01T00:00:00.000Z", "endDateTime": "2024-01-31T00:00:00.000Z"},
        "cartItem": [item(1), item(2), item(3)],
        "cartTotalPrice": [{"priceType": "recurring", "price": {"taxIncludedAmount": {"unit": "USD", "value": "165.00"}}}],
        "relatedParty": [], "contactMedium": [], "@type": "ShoppingCart",
    })
}

pub async fn run(
    database_url: &str,
    sqlite_sync_full: bool,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let options = ConnectOptions {
        max_connections: 16,
        sqlite_sync_full,
    };
    let store = omni_store::connect(database_url, &options).await?;
    store.migrate().await?;
    // One second of warm-up, then the measured run, as for HTTP scenarios.
    drive(&store, connections, Duration::from_secs(1), "warm").await?;
    drive(&store, connections, duration, "run").await
}

async fn drive(
    store: &Arc<dyn Store>,
    connections: usize,
    duration: Duration,
    phase: &'static str,
) -> anyhow::Result<LoadResult> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3)?;
            let (mut requests, mut errors) = (0u64, 0u64);
            while Instant::now() < deadline {
                let id = format!("{phase}-{c}-{requests}");
                let now = "2024-01-01T00:00:00.000Z".to_string();
                let body = cart_body(&id);
                let event = NewEvent {
                    event_id: format!("ev-{id}"),
                    tenant: "default".into(),
                    event_type: "ShoppingCartCreateEvent".into(),
                    resource_kind: "shoppingCart".into(),
                    resource_id: id.clone(),
                    occurred_at: now.clone(),
                    payload: json!({"event": {"shoppingCart": body.clone()}}),
                };
                let doc = Document {
                    tenant: "default".into(),
                    kind: "shoppingCart".into(),
                    id,
                    version: 1,
                    owner: None,
                    state: None,
                    created_at: now.clone(),
                    updated_at: now,
                    body,
                };
                let effects = Effects {
                    events: vec![event],
                    expires_at: Some(Some("2024-01-31T00:00:00.000Z".into())),
                    ..Effects::none()
                };
                let sent = Instant::now();
                let result = store.insert_document(&doc, &effects).await;
                let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                requests += 1;
                match result {
                    Ok(()) => hist.record(micros.max(1))?,
                    Err(_) => errors += 1,
                }
            }
            anyhow::Ok((requests, errors, hist))
        }));
    }
    let mut total = LoadResult {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latency_us: Histogram::new(3)?,
    };
    for t in tasks {
        let (requests, errors, hist) = t.await??;
        total.requests += requests;
        total.errors += errors;
        total.latency_us.add(hist)?;
    }
    total.elapsed = started.elapsed();
    Ok(total)
}
