//! Care change jobs at their edges, black box: a change that can never
//! succeed ends failed after the configured attempts, recorded on its change
//! request, listed for operators, and applied once an operator retries it
//! after fixing the cause; a number change moves the line in one write, and
//! a write that cannot delete the old number changes nothing at all.

mod common;
#[path = "common/hooked_store.rs"]
mod hooked_store;

use async_trait::async_trait;
use common::TestServer;
use hooked_store::{HookedStore, WriteHook};
use omni_app::care::worker;
use omni_app::jobs::JobConfig;
use omni_app::{AppConfig, Context};
use omni_core::PrincipalKind;
use omni_store::{Document, DocumentWrite, Effects, Job, Store, StoreError};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const BASE: &str = "/api/orderingMobility/v1";
/// An active line of the demo's Dallas group.
const LINE: &str = "1234567893";

/// The worker's context on `store`: the server's settings, with jobs
/// failing for good after three attempts.
fn worker_context(server: &TestServer, store: Arc<dyn Store>) -> Context {
    let mut config: AppConfig = server.state.ctx.config.as_ref().clone();
    config.jobs = JobConfig {
        max_attempts: 3,
        ..JobConfig::default()
    };
    Context::new(store, config)
}

async fn post(server: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let resp = server
        .client
        .post(server.url(&format!("{BASE}{path}")))
        .bearer_auth(server.care_token("client-7"))
        .header("X-ATT-ClientId", "client-7")
        .header("X-ATT-ConversationId", "conv-1")
        .header("X-ATT-MessageId", "msg-1")
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Accepts an order of the Dallas group with one change; its id.
async fn accept(server: &TestServer, change: Value) -> String {
    let body = json!({"careOrderRequest": {"foundationAccountNumber": "81730304",
        "accountGroupId": "73001012763", "changeRequest": [change]}});
    let (status, body) = post(server, "/careOrder", body).await;
    assert_eq!(status, 202, "{body}");
    body["careOrderResponse"]["orderId"]
        .as_str()
        .expect("orderId")
        .to_string()
}

async fn order_status(server: &TestServer, id: &str) -> Value {
    let body = json!({"orderStatusRequest": {"orderId": id}});
    let (status, body) = post(server, "/orderStatus/CareOrder", body).await;
    assert_eq!(status, 200, "{body}");
    body["orderStatusResponse"]["orders"][0].clone()
}

async fn line_status(server: &TestServer, ctn: &str) -> (u16, Value) {
    let body = json!({"careAccountRequest": {"ctn": ctn}});
    let (status, body) = post(server, "/careAccount", body).await;
    (
        status,
        body["careAccountResponse"]["subscriber"]["status"].clone(),
    )
}

async fn stored_line(server: &TestServer, ctn: &str) -> Option<Document> {
    server
        .store
        .get_document("default", "subscriber", ctn)
        .await
        .expect("read the line")
}

/// Stores `body` as the line's document, over its current version.
async fn overwrite_line(server: &TestServer, body: Value) {
    let mut doc = stored_line(server, LINE).await.expect("the line");
    doc.body = body;
    doc.version += 1;
    server
        .store
        .update_document(&doc, &Effects::none())
        .await
        .expect("overwrite the line");
}

async fn admin(server: &TestServer, method: &str, path: &str) -> (u16, Value) {
    let resp = server
        .client
        .request(method.parse().expect("method"), server.url(path))
        .bearer_auth(server.token(PrincipalKind::User, &["jobs.admin"], "default"))
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn suspend() -> Value {
    json!({"type": "suspend", "changeRequestId": "s", "ctn": LINE, "suspendServiceReason": "Lost"})
}

#[tokio::test]
async fn a_change_that_can_never_succeed_fails_then_an_operator_retries_it() {
    let server = TestServer::start_demo_without_workers().await;
    let id = accept(&server, suspend()).await;
    // The line's document no longer reads as a line.
    let line = stored_line(&server, LINE).await.expect("the line");
    let mut broken = line.body.clone();
    broken["status"] = json!(42);
    overwrite_line(&server, broken).await;

    let ctx = worker_context(&server, server.store.clone());
    let mut at = chrono::Utc::now();
    for attempt in 1..=3 {
        let ran = worker::claim_and_process_at(&ctx, "w", at).await;
        assert_eq!(ran.expect("run"), 1, "attempt {attempt}");
        // Past any backoff.
        at += chrono::Duration::hours(1);
    }
    let ran = worker::claim_and_process_at(&ctx, "w", at).await;
    assert_eq!(ran.expect("run"), 0, "failed for good: not claimed again");

    let (status, jobs) = admin(
        &server,
        "GET",
        "/admin/v1/job?status=failed&kind=careOrder.change",
    )
    .await;
    assert_eq!(status, 200, "{jobs}");
    let job_id = format!("{id}:0");
    let job = jobs
        .as_array()
        .expect("jobs")
        .iter()
        .find(|j| j["id"] == job_id.as_str())
        .unwrap_or_else(|| panic!("{job_id} listed as failed: {jobs}"))
        .clone();
    assert_eq!(job["attempts"], 3, "{job}");
    let error = job["lastError"].as_str().expect("lastError");
    assert!(error.contains("gave up after 3 attempts"), "{error}");

    let order = order_status(&server, &id).await;
    assert_eq!(order["status"], "Failed", "{order}");
    let change = &order["changeRequest"][0];
    assert_eq!(change["status"], "failed", "{order}");
    assert_eq!(change["errors"][0]["code"], "PROCESSING_FAILED", "{order}");
    assert_eq!(change["errors"][0]["message"], error, "{order}");

    // Fixed, then retried by an operator: the change is pending again and
    // the retried job applies it.
    overwrite_line(&server, line.body.clone()).await;
    let (status, job) = admin(&server, "POST", &format!("/admin/v1/job/{job_id}/retry")).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "pending", "{job}");
    let order = order_status(&server, &id).await;
    assert_eq!(order["status"], "InProgress", "{order}");
    assert_eq!(order["changeRequest"][0]["status"], "pending", "{order}");
    assert!(order["changeRequest"][0].get("errors").is_none(), "{order}");

    let ran = worker::claim_and_process(&ctx, "w").await;
    assert_eq!(ran.expect("run"), 1);
    let order = order_status(&server, &id).await;
    assert_eq!(order["status"], "Completed", "{order}");
    assert_eq!(order["changeRequest"][0]["status"], "completed", "{order}");
    assert_eq!(line_status(&server, LINE).await, (200, json!("suspended")));
}

/// A stored care order that no longer reads fails a status search (a 500,
/// logged) instead of being left out of the answer unnoticed.
#[tokio::test]
async fn a_care_order_that_does_not_read_fails_the_status_search() {
    let server = TestServer::start_demo_without_workers().await;
    let id = accept(&server, suspend()).await;
    let search = json!({"orderStatusRequest": {"accountGroupId": "73001012763"}});
    let (status, body) = post(&server, "/orderStatus/CareOrder", search.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["orderStatusResponse"]["orders"][0]["orderId"],
        id.as_str()
    );

    let mut doc = server
        .store
        .get_document("default", "careOrder", &id)
        .await
        .expect("read")
        .expect("the order");
    doc.body["changes"] = json!("none");
    doc.version += 1;
    server
        .store
        .update_document(&doc, &Effects::none())
        .await
        .expect("overwrite the order");
    let (status, body) = post(&server, "/orderStatus/CareOrder", search).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["code"], "INTERNAL", "{body}");
}

/// What a write touches, as stored: each document it names, each job it
/// ends or enqueues, and the outbox's head.
#[derive(Debug, PartialEq)]
struct Touched {
    documents: Vec<Option<Document>>,
    jobs: Vec<Option<Job>>,
    outbox: i64,
}

async fn touched(store: &dyn Store, writes: &[DocumentWrite], effects: &Effects) -> Touched {
    let mut documents = Vec::new();
    for write in writes {
        let key = match write {
            DocumentWrite::Insert(doc) | DocumentWrite::Update(doc) => doc.key(),
            DocumentWrite::Delete { key, .. } => key.clone(),
        };
        let doc = store.get_document(&key.tenant, &key.kind, &key.id).await;
        documents.push(doc.expect("read a document"));
    }
    let ids = effects.finish_jobs.iter().map(|j| &j.id);
    let mut jobs = Vec::new();
    for id in ids.chain(effects.jobs.iter().map(|j| &j.id)) {
        jobs.push(store.get_job(id).await.expect("read a job"));
    }
    let outbox = store.outbox_stream_head().await.expect("outbox head");
    Touched {
        documents,
        jobs,
        outbox,
    }
}

/// One write that deleted (or tried to delete) the old number.
#[derive(Debug, Clone)]
struct Seen {
    conflict: bool,
    /// The state after the write is the state just before it.
    unchanged: bool,
    /// Which of the two numbers exist right after the write.
    numbers: Vec<String>,
}

/// Plays another writer changing the old number's line just before the
/// worker's first write that deletes it, so that write names a stale
/// version; records what every such write left.
struct StaleOldNumber {
    old: String,
    new: String,
    armed: AtomicBool,
    before: Mutex<Option<Touched>>,
    seen: Mutex<Vec<Seen>>,
}

impl StaleOldNumber {
    fn deletes_old(&self, writes: &[DocumentWrite]) -> bool {
        writes.iter().any(|w| {
            matches!(w, DocumentWrite::Delete { key, .. } if key.kind == "subscriber" && key.id == self.old)
        })
    }
}

#[async_trait]
impl WriteHook for StaleOldNumber {
    async fn before(&self, store: &dyn Store, writes: &[DocumentWrite], effects: &Effects) {
        if !self.deletes_old(writes) {
            return;
        }
        if self.armed.swap(false, Ordering::SeqCst) {
            let mut line = store
                .get_document("default", "subscriber", &self.old)
                .await
                .expect("read")
                .expect("the old number's line");
            line.version += 1;
            store
                .update_document(&line, &Effects::none())
                .await
                .expect("the other writer");
        }
        let state = touched(store, writes, effects).await;
        *self.before.lock().expect("lock") = Some(state);
    }

    async fn after(
        &self,
        store: &dyn Store,
        writes: &[DocumentWrite],
        effects: &Effects,
        result: &omni_store::Result<()>,
    ) {
        if !self.deletes_old(writes) {
            return;
        }
        let state = touched(store, writes, effects).await;
        let both = [self.old.clone(), self.new.clone()];
        let found = store.get_documents("default", "subscriber", &both).await;
        let mut numbers: Vec<String> = found.expect("read").into_iter().map(|d| d.id).collect();
        numbers.sort();
        let before = self.before.lock().expect("lock").take();
        self.seen.lock().expect("lock").push(Seen {
            conflict: matches!(result, Err(StoreError::VersionConflict { .. })),
            unchanged: before.as_ref() == Some(&state),
            numbers,
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_change_moves_the_line_in_one_write() {
    let server = TestServer::start_demo_without_workers().await;
    let (old, new) = (LINE, "4695550000");
    let owner = stored_line(&server, old).await.expect("the line").owner;
    let id = accept(
        &server,
        json!({"type": "changeCTN", "changeRequestId": "n", "ctn": old, "newCtn": new}),
    )
    .await;
    let store = Arc::new(HookedStore {
        inner: server.store.clone(),
        hook: StaleOldNumber {
            old: old.into(),
            new: new.into(),
            armed: AtomicBool::new(true),
            before: Mutex::new(None),
            seen: Mutex::new(Vec::new()),
        },
    });
    let ctx = worker_context(&server, store.clone());

    // A reader asks for both numbers in one query, all along: the line is
    // always under exactly one of them.
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (store, stop, reads) = (server.store.clone(), stop.clone(), reads.clone());
        let both = vec![old.to_string(), new.to_string()];
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) || reads.load(Ordering::SeqCst) == 0 {
                let found = store.get_documents("default", "subscriber", &both).await;
                assert_eq!(found.expect("read").len(), 1, "never both, never neither");
                reads.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        })
    };
    let ran = worker::claim_and_process(&ctx, "w").await;
    assert_eq!(ran.expect("run"), 1);
    stop.store(true, Ordering::SeqCst);
    reader.await.expect("the reader saw one number at a time");

    let seen = store.hook.seen.lock().expect("lock").clone();
    assert_eq!(
        seen.len(),
        2,
        "a stale write, then one from fresh reads: {seen:?}"
    );
    assert!(seen[0].conflict, "{seen:?}");
    assert!(
        seen[0].unchanged,
        "the stale write changed nothing: {seen:?}"
    );
    assert_eq!(seen[0].numbers, vec![old.to_string()], "{seen:?}");
    assert!(!seen[1].conflict && !seen[1].unchanged, "{seen:?}");
    assert_eq!(seen[1].numbers, vec![new.to_string()], "{seen:?}");

    let order = order_status(&server, &id).await;
    assert_eq!(order["status"], "Completed", "{order}");
    assert_eq!(line_status(&server, new).await.0, 200);
    assert_eq!(line_status(&server, old).await.0, 404);
    let moved = stored_line(&server, new).await.expect("the moved line");
    assert_eq!(moved.owner, owner, "the line keeps its owner");
}
