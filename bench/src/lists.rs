//! TMF630 list scenarios on a large kind (issue 17): `N` product orders
//! written straight into the database through omni-store (bulk puts, no
//! HTTP), then filtered lists with `limit=20` over HTTP. Each order names
//! one of `N / 50` customers in `relatedParty` and one of five states, so
//! a party filter selects 50 orders and a state filter a fifth of them.

use omni_store::{ConnectOptions, Document};
use serde_json::json;
use std::time::Instant;

pub const ORDERS: &str = "/tmf-api/productOrderingManagement/v4/productOrder";
pub const STATES: [&str; 5] = ["acknowledged", "inProgress", "completed", "held", "failed"];
/// Orders per customer.
pub const PER_PARTY: usize = 50;
/// Orders per bulk put (one transaction).
const BATCH: usize = 20_000;

/// Customers the orders are spread over.
pub fn parties(n: usize) -> usize {
    (n / PER_PARTY).max(1)
}

/// Whether the database holds at least `n` product orders of tenant
/// `default` already (a `--database` filled by an earlier run).
pub async fn filled(database_url: &str, n: usize) -> anyhow::Result<bool> {
    let store = omni_store::connect(database_url, &ConnectOptions::default()).await?;
    store.migrate().await?;
    let stored = omni_store::DocumentQuery {
        tenant: "default".into(),
        kind: "productOrder".into(),
        owner: None,
        page: None,
    };
    Ok(store.count_documents(&stored).await? >= n as u64)
}

/// Writes `n` product orders of tenant `default`; answers the seconds taken.
pub async fn fill(database_url: &str, n: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let store = omni_store::connect(database_url, &ConnectOptions::default()).await?;
    store.migrate().await?;
    let parties = parties(n);
    let base = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")?.to_utc();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..n {
        let at = omni_core_time(base + chrono::Duration::milliseconds(i as i64 * 10));
        let state = STATES[i % STATES.len()];
        let id = format!("bench-order-{i:07}");
        batch.push(Document {
            tenant: "default".into(),
            kind: "productOrder".into(),
            id: id.clone(),
            version: 1,
            owner: None,
            state: Some(state.into()),
            created_at: at.clone(),
            updated_at: at.clone(),
            body: json!({
                "id": id,
                "@type": "ProductOrder",
                "state": state,
                "orderDate": at,
                "externalId": format!("ext-{i}"),
                "channel": [{"id": "ECOMM", "name": "ECOMM"}],
                "relatedParty": [{"id": format!("cust-{}", i % parties), "role": "customer", "@referredType": "Individual"}],
                "productOrderItem": [{"id": "1", "action": "add", "state": state, "quantity": 1,
                    "productOffering": {"id": crate::scenarios::PLAN, "name": "Unlimited plan"}}],
            }),
        });
        if batch.len() == BATCH || i + 1 == n {
            store.put_documents(&batch).await?;
            batch.clear();
        }
    }
    if database_url.starts_with("postgres") {
        // A database in use has had autovacuum pass over it; a bulk fill has
        // not. Without the visibility map a count of a broad filter reads
        // every matching row instead of the key index alone.
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(database_url).await?;
        for statement in [
            "VACUUM (ANALYZE) documents",
            "VACUUM (ANALYZE) document_keys",
        ] {
            sqlx::query(statement).execute(&mut conn).await?;
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

fn omni_core_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
