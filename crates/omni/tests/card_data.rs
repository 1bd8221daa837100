//! Card numbers and CVVs are never stored and never logged (issue 14): an
//! order is paid by card with an `Idempotency-Key` (the idempotency layer
//! stores request answers) and run to completion; then every row of every
//! table of the database (for SQLite, every byte of its files, free pages
//! and write-ahead log included) and everything the server logged at the
//! most verbose level are searched for the number and the CVV.

mod common;

use common::TestServer;
use omni_api::state::ApiConfig;
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BASE: &str = "/omni-svcs/v1";
/// An American Express test number: its CVV has four digits, which makes
/// it distinctive enough to search for.
const NUMBER: &str = "378282246310005";
const CVV: &str = "7319";

/// Everything the server logs, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

async fn post(
    s: &TestServer,
    token: &str,
    path: &str,
    body: &[u8],
    key: Option<&str>,
) -> (u16, Value) {
    let mut req = s
        .client
        .post(s.url(&format!("{BASE}{path}")))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post_json(s: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    post(s, token, path, body.to_string().as_bytes(), None).await
}

/// Every row of every table as text (PostgreSQL: `row::text`, which also
/// decompresses large values), or every byte of the SQLite files.
async fn database_text(url: &str) -> String {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                all.extend_from_slice(&bytes);
            }
        }
        assert!(all.len() > 4096, "the SQLite files were read");
        return String::from_utf8_lossy(&all).into_owned();
    }
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    let tables: Vec<String> =
        sqlx::query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
            .fetch_all(&mut conn)
            .await
            .expect("tables")
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    assert!(tables.len() >= 4, "{tables:?}");
    let mut all = String::new();
    for table in &tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t::text FROM \"{table}\" t"
        )))
        .fetch_all(&mut conn)
        .await
        .expect("rows");
        for row in rows {
            all.push_str(&row.get::<String, _>(0));
            all.push('\n');
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn card_numbers_and_cvvs_are_never_stored_or_logged() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let url = omni_store::testing::fresh_database_url().await;
    let store = omni_store::connect(&url, &omni_store::ConnectOptions::default())
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let s = TestServer::start_on(store, ApiConfig::default(), true).await;
    s.load_demo().await;
    let token = s.token(PrincipalKind::User, &["order.ops"], "default");

    let (status, body) = post_json(
        &s,
        &token,
        "/order/create",
        json!({"channel": "ATTR", "relatedParty": [
            {"id": "cust-1001", "role": "customer"},
            {"id": "DL-0042", "role": "dealerLocation"},
            {"id": "rep-7", "role": "owner"}]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().expect("id").to_string();
    // A new line with a financed device: something is due today.
    let items = json!({"items": [
        {"action": "add", "productOfferingType": "Mobile_Offer", "productOrderItemId": "plan",
         "productOfferingId": "Mobile_Offer_unlimited-extra",
         "billingAccount": {"id": "556165899573", "ratingType": "postpaid"}},
        {"action": "add", "productOfferingType": "Mobile_Device", "rootBundleProductOrderItemId": "plan",
         "productOfferingId": "Mobile_Device_pkey73001_sku2680262"},
        {"action": "add", "productOfferingType": "SIM", "rootBundleProductOrderItemId": "plan",
         "productOfferingId": "790650ec-b512-4bee-ae7f-535668eadf1b",
         "characteristic": [{"name": "ICCID", "value": "8901410327019747111"}]}
    ]});
    let (status, body) = post_json(&s, &token, &format!("/order/{id}/items"), items).await;
    assert_eq!(status, 200, "{body}");
    let (status, terms) = post_json(&s, &token, "/terms", json!({"orderId": id})).await;
    assert_eq!(status, 200, "{terms}");
    let agreements: Vec<Value> = terms["agreements"]
        .as_array()
        .expect("agreements")
        .iter()
        .filter(|a| a["required"] == true)
        .map(|a| json!({"name": a["name"], "extensions": [{"name": "acceptanceMethod", "value": "click"}]}))
        .collect();
    let (status, body) = post_json(
        &s,
        &token,
        &format!("/order/{id}/terms"),
        json!({"agreements": agreements}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_json(
        &s,
        &token,
        &format!("/order/{id}/fulfillment"),
        json!({"optionId": "standardShipping", "shippingAddress": {
            "addressLine1": "123 Main St", "city": "Dallas", "state": "TX", "zipCode": "75201"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The card, twice with one key: the second answer is the stored replay.
    let payment = json!({"orderId": id, "card": {"number": NUMBER, "expiryMonth": 12,
        "expiryYear": 2031, "cvv": CVV, "holderName": "Jordan Rivera"}})
    .to_string();
    let (status, first) = post(
        &s,
        &token,
        "/payment-methods",
        payment.as_bytes(),
        Some("pay-1"),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    let (status, replay) = post(
        &s,
        &token,
        "/payment-methods",
        payment.as_bytes(),
        Some("pay-1"),
    )
    .await;
    assert_eq!(status, 201, "{replay}");
    assert_eq!(first, replay);
    // A refused card (a wrong CVV length) is not kept either.
    let refused = payment.replace(CVV, "73");
    let (status, body) = post(
        &s,
        &token,
        "/payment-methods",
        refused.as_bytes(),
        Some("pay-2"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    for answer in [&first, &body] {
        let text = answer.to_string();
        assert!(
            !text.contains(NUMBER) && !text.contains(CVV),
            "echoed: {text}"
        );
    }

    let (status, body) = post_json(&s, &token, &format!("/order/{id}/submit"), json!({})).await;
    assert_eq!(status, 202, "{body}");
    let mut state = Value::Null;
    for _ in 0..400 {
        let resp = s
            .client
            .get(s.url(&format!("{BASE}/order/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        let order: Value = resp.json().await.expect("json");
        state = order["state"].clone();
        if state != "submitted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(state, "completed");

    let stored = database_text(&url).await;
    assert!(stored.contains(&id), "the scan sees the order");
    assert!(!stored.contains(NUMBER), "the card number is stored");
    assert!(
        !stored.contains(&format!("\"{CVV}\"")) && !stored.contains("\"cvv\":"),
        "the CVV is stored: {}",
        stored
            .to_lowercase()
            .match_indices("cvv")
            .chain(stored.match_indices(CVV))
            .map(|(i, _)| stored
                .get(i.saturating_sub(150)..(i + 80).min(stored.len()))
                .unwrap_or("?")
                .to_string())
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    // Nor an unkeyed hash of the request, which would let anyone with the
    // database find the number and CVV by trying them all.
    let unkeyed: String = Sha256::new()
        .chain_update(b"POST\n/omni-svcs/v1/payment-methods\n")
        .chain_update(payment.as_bytes())
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        !stored.contains(&unkeyed),
        "an unkeyed hash of the card request is stored"
    );

    let logged = logs.text();
    assert!(logged.len() > 1000, "the logs were captured");
    assert!(!logged.contains(NUMBER), "the card number is logged");
    assert!(!logged.contains(&format!("\"{CVV}\"")), "the CVV is logged");
    omni_store::testing::drop_database(&url).await.ok();
}
