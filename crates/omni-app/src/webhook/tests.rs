//! The delivery worker on the job runner, played with `jobs::run_once`
//! against listeners that answer at their own pace: what the black-box
//! tests cannot arrange (a batch of two subscriptions, a corrupt one, the
//! job's state after a run).

use super::hub::{self, Hub};
use super::{DELIVERY_JOB, EventDelivery, Registration, WebhookConfig};
use crate::context::{AppConfig, Context};
use crate::events::{EventSource, event};
use crate::jobs;
use omni_core::{Principal, PrincipalKind};
use omni_store::{Document, Effects, Job, JobStatus, NewJob, Store};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

const ORDERS: Hub = Hub {
    base: "/tmf-api/productOrderingManagement/v4",
    domain: "productOrderingManagement",
    roles: &["order.ops"],
    write_role: "order.ops",
};

fn config() -> WebhookConfig {
    WebhookConfig {
        max_attempts: 3,
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        poll: Duration::from_millis(20),
        // The listeners here are on loopback.
        allow: crate::webhook::AddressPolicy::parse("127.0.0.0/8").unwrap_or_default(),
        extra_roots: Vec::new(),
    }
}

async fn context() -> Context {
    let config = AppConfig {
        webhooks: config(),
        ..AppConfig::default()
    };
    Context::new(omni_store::testing::fresh_store().await, config)
}

fn ops() -> Principal {
    Principal {
        kind: PrincipalKind::User,
        subject: Some("ops".into()),
        roles: vec!["order.ops".into()],
        tenant: "default".into(),
        client_id: None,
    }
}

/// A subscriber: answers every delivery with 204 after `delay`, and
/// remembers when each arrived and when it was answered.
#[derive(Clone)]
struct Listener {
    url: String,
    /// (arrived, answered, order id) per delivery.
    seen: Arc<Mutex<Vec<(Instant, Instant, String)>>>,
}

impl Listener {
    async fn start(delay: Duration) -> Self {
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/events", tcp.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = tcp.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let body = read_request(&mut socket).await;
                    let arrived = Instant::now();
                    tokio::time::sleep(delay).await;
                    let id = body["event"]["productOrder"]["id"].as_str().unwrap_or("");
                    log.lock()
                        .expect("lock")
                        .push((arrived, Instant::now(), id.to_string()));
                    // One request per connection, so that the client never
                    // reuses one this listener closes.
                    let answer = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
                    socket.write_all(answer).await.expect("answer");
                });
            }
        });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<(Instant, Instant, String)> {
        self.seen.lock().expect("lock").clone()
    }
}

/// Reads one HTTP/1.1 request with a `content-length` body; answers the
/// body as JSON.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Value {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the request ended early");
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().expect("length"));
        if buf.len() >= end + 4 + length {
            return serde_json::from_slice(&buf[end + 4..end + 4 + length]).expect("json");
        }
    }
}

/// A product order written with its create event, as the ordering API does.
async fn order_created(ctx: &Context, id: &str) {
    let now = ctx.now();
    let time = omni_core::time::rfc3339(now);
    let body = json!({"id": id, "state": "acknowledged"});
    let source = EventSource {
        tenant: "default",
        domain: ORDERS.domain,
        kind: "productOrder",
        id,
        correlation_id: None,
    };
    let doc = Document {
        tenant: "default".into(),
        kind: "productOrder".into(),
        id: id.into(),
        version: 1,
        owner: None,
        state: None,
        created_at: time.clone(),
        updated_at: time,
        body: body.clone(),
    };
    let events = vec![event(&source, "ProductOrderCreateEvent", &body, now)];
    ctx.store
        .insert_document(&doc, &Effects::events(events))
        .await
        .expect("write the order");
}

async fn register(ctx: &Context, listener: &Listener) -> String {
    let request = Registration {
        callback: Some(listener.url.clone()),
        ..Registration::default()
    };
    let registered = hub::register(ctx, &ops(), &ORDERS, request)
        .await
        .expect("register");
    registered.subscription.id
}

async fn delivery_job(store: &dyn Store, subscription: &str) -> Job {
    let id = super::subscription::delivery_job_id("default", subscription);
    store.get_job(&id).await.expect("read").expect("the job")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_listener_does_not_hold_up_a_fast_one() {
    let ctx = context().await;
    let (slow, fast) = (
        Listener::start(Duration::from_secs(2)).await,
        Listener::start(Duration::ZERO).await,
    );
    let slow_id = register(&ctx, &slow).await;
    let fast_id = register(&ctx, &fast).await;
    order_created(&ctx, "first").await;
    // Both subscriptions in one claimed batch, held 300 ms.
    let handler = EventDelivery::holding(&config(), Duration::from_millis(300));
    let started = Instant::now();
    let run = {
        let ctx = ctx.clone();
        tokio::spawn(async move { jobs::run_once(&ctx, &handler, "test-worker", ctx.now()).await })
    };
    // Past the hold, while the slow listener is still answering, the fast
    // one still receives what is committed.
    tokio::time::sleep(Duration::from_millis(600)).await;
    order_created(&ctx, "second").await;
    let ran = run.await.expect("the run").expect("claims");
    assert_eq!(ran, 2, "both subscriptions ran in the batch");

    let fast_seen = fast.seen();
    let ids: Vec<&str> = fast_seen.iter().map(|(_, _, id)| id.as_str()).collect();
    assert_eq!(ids, ["first", "second"]);
    let slow_seen = slow.seen();
    assert_eq!(slow_seen.len(), 1, "the slow listener took the first only");
    let slow_answered = slow_seen[0].1;
    assert!(slow_answered - started >= Duration::from_secs(2));
    for (arrived, _, id) in &fast_seen {
        assert!(
            *arrived < slow_answered,
            "{id} reached the fast listener before the slow one answered"
        );
    }
    // Both handed back, not failed and not counted as attempts.
    for id in [&slow_id, &fast_id] {
        let job = delivery_job(ctx.store(), id).await;
        assert_eq!(job.status, JobStatus::Pending);
        assert_eq!(job.attempts, 0, "a hand-back is not an attempt");
    }
}

#[tokio::test]
async fn a_subscription_that_does_not_decode_fails_its_job_for_good() {
    let ctx = context().await;
    let now = omni_core::time::rfc3339(ctx.now());
    let doc = Document {
        tenant: "default".into(),
        kind: super::SUBSCRIPTION_KIND.into(),
        id: "broken".into(),
        version: 1,
        owner: None,
        state: None,
        created_at: now.clone(),
        updated_at: now.clone(),
        body: json!({"id": "broken", "callback": 42}),
    };
    let job = NewJob {
        id: "delivery-of-broken".into(),
        tenant: "default".into(),
        kind: DELIVERY_JOB.into(),
        payload: json!({"subscriptionId": "broken"}),
        run_at: now.clone(),
        now,
    };
    let effects = Effects {
        jobs: vec![job],
        ..Effects::none()
    };
    ctx.store
        .insert_document(&doc, &effects)
        .await
        .expect("write");
    let handler = EventDelivery::new(&config());
    jobs::run_once(&ctx, &handler, "test-worker", ctx.now())
        .await
        .expect("claims");
    let job = ctx
        .store
        .get_job("delivery-of-broken")
        .await
        .expect("read")
        .expect("the job");
    assert_eq!(
        job.status,
        JobStatus::Failed,
        "perpetual, yet failed: {job:?}"
    );
    assert!(
        job.last_error.as_deref().unwrap_or("").contains("broken"),
        "the reason names the subscription: {job:?}"
    );
}
