//! An order job that can never succeed, black box: it is retried with
//! backoff, ends `failed` after exactly the configured attempts, and then
//! operators see it (`GET /admin/v1/job?status=failed`, `/metrics`), the
//! partner order and its TMF622 product order show `failed` with the reason,
//! and an operator's retry, once the cause is fixed, completes the order.
//! The test plays the order worker with `jobs::run_once` at advancing times,
//! so that each backoff is already over when it runs again.

mod common;

use chrono::{DateTime, Utc};
use common::TestServer;
use omni_api::state::ApiConfig;
use omni_app::AppConfig;
use omni_app::jobs::{JobConfig, run_once};
use omni_app::order::worker::{JOB_KIND, OrderWorker};
use omni_core::PrincipalKind;
use omni_store::{Effects, JobStatus, NewJob};
use serde_json::{Value, json};
use std::time::Duration;

const MAX_ATTEMPTS: u32 = 3;
/// The line the page's order swaps a device on.
const SWAPPED_LINE: &str = "4690002221";

async fn server() -> TestServer {
    TestServer::start_demo_without_workers_with(ApiConfig {
        app: AppConfig {
            jobs: JobConfig {
                max_attempts: MAX_ATTEMPTS,
                backoff_base: Duration::from_millis(5),
                backoff_max: Duration::from_millis(20),
            },
            ..AppConfig::default()
        },
        ..ApiConfig::default()
    })
    .await
}

/// Sends `body` (if any) to `path` with `token`; the status and JSON answer.
async fn call(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = s.client.request(method, s.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let resp = request.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `POST /omni-svcs/v1{path}`.
async fn post(s: &TestServer, token: &str, path: String, body: Value) -> (u16, Value) {
    let path = format!("/omni-svcs/v1{path}");
    call(s, reqwest::Method::POST, &path, token, Some(body)).await
}

/// The add-items page's order (a device swap on [`SWAPPED_LINE`]), made
/// ready and submitted; its id.
async fn submitted_order(s: &TestServer, token: &str) -> String {
    let post = |path: String, body: Value| post(s, token, path, body);
    // cust-1001 owns the page's line (data/inventory): issue 13's ownership check.
    let (status, created) = post(
        "/order/create".into(),
        json!({"channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    let items: Value =
        serde_json::from_str(include_str!("orders_page_items.json")).expect("the page's items");
    let (status, body) = post(format!("/order/{id}/items"), items).await;
    assert_eq!(status, 200, "{body}");
    let (_, terms) = post("/terms".into(), json!({"orderId": id})).await;
    let agreements: Vec<Value> = terms["agreements"]
        .as_array()
        .expect("agreements")
        .iter()
        .filter(|a| a["required"] == true)
        .map(|a| json!({"name": a["name"], "extensions": [{"name": "acceptanceMethod", "value": "click"}]}))
        .collect();
    let (status, body) = post(
        format!("/order/{id}/terms"),
        json!({"agreements": agreements}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        format!("/order/{id}/fulfillment"),
        json!({"optionId": "standardShipping", "shippingAddress": {
            "addressLine1": "123 Main St", "city": "Dallas", "state": "TX", "zipCode": "75201"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, order) = call(
        s,
        reqwest::Method::GET,
        &format!("/omni-svcs/v1/order/{id}"),
        token,
        None,
    )
    .await;
    if order["orderTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] != "0.00" {
        let (status, body) = post(
            "/payment-methods".into(),
            json!({"orderId": id, "card": {"number": "4242424242424242", "expiryMonth": 12,
                   "expiryYear": 2031, "cvv": "123", "holderName": "Jordan Rivera"}}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = post(format!("/order/{id}/submit"), json!({})).await;
    assert_eq!(status, 202, "{body}");
    id
}

/// Replaces a stored document's body, as a bad migration or a hand edit would.
async fn overwrite(s: &TestServer, kind: &str, id: &str, body: Value) -> Value {
    let mut doc = s
        .store
        .get_document("default", kind, id)
        .await
        .expect("read")
        .expect("stored");
    let before = std::mem::replace(&mut doc.body, body);
    doc.version += 1;
    s.store
        .update_document(&doc, &Effects::none())
        .await
        .expect("overwrite");
    before
}

/// Plays the order worker once, as of `at`.
async fn work_at(s: &TestServer, at: DateTime<Utc>) -> usize {
    run_once(&s.state.ctx, &OrderWorker, "test-worker", at)
        .await
        .expect("claim")
}

async fn metrics(s: &TestServer) -> String {
    s.client
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn an_order_that_cannot_complete_fails_for_good_and_an_operator_retries_it() {
    let s = server().await;
    let ops = s.token(PrincipalKind::User, &["order.ops"], "default");
    let admin = s.token(PrincipalKind::User, &["jobs.admin"], "default");
    let id = submitted_order(&s, &ops).await;
    let job_id = format!("{JOB_KIND}:default:{id}");
    // The line the order swaps a device on no longer decodes.
    let line = overwrite(
        &s,
        "subscriber",
        SWAPPED_LINE,
        json!({"ctn": SWAPPED_LINE, "status": 7}),
    )
    .await;

    // Each attempt fails; the last one fails the job for good.
    let start = Utc::now();
    for attempt in 1..=MAX_ATTEMPTS {
        let at = start + chrono::Duration::seconds(i64::from(attempt));
        assert_eq!(work_at(&s, at).await, 1, "attempt {attempt} runs");
        let job = s.store.get_job(&job_id).await.expect("read").expect("job");
        assert_eq!(job.attempts, i64::from(attempt));
        let expected = if attempt < MAX_ATTEMPTS {
            JobStatus::Pending
        } else {
            JobStatus::Failed
        };
        assert_eq!(job.status, expected, "after attempt {attempt}: {job:?}");
    }
    assert_eq!(
        work_at(&s, start + chrono::Duration::minutes(10)).await,
        0,
        "a failed job is not run again"
    );

    // Operators see it, with why it failed.
    let (status, failed) = call(
        &s,
        reqwest::Method::GET,
        "/admin/v1/job?status=failed",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{failed}");
    let listed = failed.as_array().expect("list");
    assert_eq!(listed.len(), 1, "{failed}");
    assert_eq!(listed[0]["id"], job_id);
    assert_eq!(listed[0]["kind"], JOB_KIND);
    let reason = listed[0]["lastError"]
        .as_str()
        .expect("a reason")
        .to_string();
    assert!(
        reason.starts_with(&format!("gave up after {MAX_ATTEMPTS} attempts"))
            && reason.contains(&format!("subscriber '{SWAPPED_LINE}'")),
        "{reason}"
    );
    assert!(
        metrics(&s)
            .await
            .lines()
            .any(|l| l == format!("omni_jobs{{kind=\"{JOB_KIND}\",status=\"failed\"}} 1")),
        "the failed job is counted"
    );

    // The partner order and the product order failed, saying why.
    let order_path = format!("/omni-svcs/v1/order/{id}");
    let po_path = format!("/tmf-api/productOrderingManagement/v4/productOrder/{id}");
    let (_, order) = call(&s, reqwest::Method::GET, &order_path, &ops, None).await;
    assert_eq!(order["state"], "failed", "{order}");
    assert_eq!(order["failureReason"], reason.as_str());
    let (_, po) = call(&s, reqwest::Method::GET, &po_path, &ops, None).await;
    assert_eq!(po["state"], "failed", "{po}");
    assert!(po["completionDate"].is_string(), "{po}");
    let notes = po["note"].as_array().expect("notes");
    assert!(notes.iter().any(|n| n["text"] == reason.as_str()), "{po}");
    let events = s.store.outbox_after(0, 1000).await.expect("outbox");
    let last = events
        .iter()
        .rev()
        .find(|e| e.event.resource_id == id)
        .expect("an event");
    assert_eq!(last.event.event_type, "ProductOrderStateChangeEvent");
    assert_eq!(
        last.event.payload["event"]["productOrder"]["state"],
        "failed"
    );

    // The cause is fixed, and an operator retries the job.
    overwrite(&s, "subscriber", SWAPPED_LINE, line).await;
    let (status, retried) = call(
        &s,
        reqwest::Method::POST,
        &format!("/admin/v1/job/{job_id}/retry"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(retried["status"], "pending");
    assert_eq!(retried["attempts"], 0);
    let (_, order) = call(&s, reqwest::Method::GET, &order_path, &ops, None).await;
    assert_eq!(order["state"], "submitted", "{order}");
    assert!(order.get("failureReason").is_none(), "{order}");
    let (_, po) = call(&s, reqwest::Method::GET, &po_path, &ops, None).await;
    assert_eq!(po["state"], "inProgress", "back where it failed: {po}");
    assert!(
        po.get("note").is_none() && po.get("completionDate").is_none(),
        "{po}"
    );

    assert_eq!(work_at(&s, Utc::now()).await, 1);
    let (_, order) = call(&s, reqwest::Method::GET, &order_path, &ops, None).await;
    assert_eq!(order["state"], "completed", "{order}");
    let job = s.store.get_job(&job_id).await.expect("read").expect("job");
    assert_eq!(job.status, JobStatus::Done);
    let text = metrics(&s).await;
    assert!(!text.contains("status=\"failed\"} 1"), "{text}");
}

/// A job whose order does not decode has nothing to record its failure on:
/// the runner fails it alone after the same attempts, and a job that names
/// no order at all fails at once.
#[tokio::test]
async fn a_job_whose_order_cannot_be_read_fails_alone() {
    let s = server().await;
    let admin = s.token(PrincipalKind::User, &["jobs.admin"], "default");
    let now = omni_core::time::rfc3339(Utc::now());
    // A submitted order whose partner order does not decode.
    let id = "26-00000000000042";
    for (kind, state, body) in [
        ("order", "submitted", json!({"id": id, "state": 42})),
        (
            "productOrder",
            "acknowledged",
            json!({"id": id, "state": "acknowledged"}),
        ),
    ] {
        let doc = omni_store::Document {
            tenant: "default".into(),
            kind: kind.into(),
            id: id.into(),
            version: 1,
            owner: None,
            state: Some(state.into()),
            created_at: now.clone(),
            updated_at: now.clone(),
            body,
        };
        s.store
            .insert_document(&doc, &Effects::none())
            .await
            .expect("store");
    }
    for (job, order) in [("unreadable", json!(id)), ("nameless", Value::Null)] {
        s.store
            .enqueue_job(&NewJob {
                id: job.into(),
                tenant: "default".into(),
                kind: JOB_KIND.into(),
                payload: json!({"orderId": order}),
                run_at: now.clone(),
                now: now.clone(),
            })
            .await
            .expect("enqueue");
    }
    let start = Utc::now();
    for attempt in 1..=MAX_ATTEMPTS {
        work_at(&s, start + chrono::Duration::seconds(i64::from(attempt))).await;
    }
    let nameless = s
        .store
        .get_job("nameless")
        .await
        .expect("read")
        .expect("job");
    assert_eq!((nameless.status, nameless.attempts), (JobStatus::Failed, 1));
    let (status, unreadable) = call(
        &s,
        reqwest::Method::GET,
        "/admin/v1/job/unreadable",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{unreadable}");
    assert_eq!(unreadable["status"], "failed");
    assert_eq!(unreadable["attempts"], i64::from(MAX_ATTEMPTS));
    let reason = unreadable["lastError"].as_str().expect("reason");
    assert!(reason.contains(id), "{reason}");
    // Nothing was recorded on the order, so a retry has nothing to take back.
    let (status, retried) = call(
        &s,
        reqwest::Method::POST,
        "/admin/v1/job/unreadable/retry",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(retried["status"], "pending");
}
