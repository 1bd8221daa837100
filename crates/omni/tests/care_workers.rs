//! Care order workers under contention: many change requests on few lines,
//! run by several workers at once (in one process, and in two `omni`
//! processes sharing one database). Every change is applied exactly once,
//! changes of one order apply in request order, and every order completes.
//! Each change writes a label value of its own, so the line's history shows
//! how many times it was applied, and in what order.

mod common;

use common::TestServer;
use omni_app::care::worker;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const BASE: &str = "/api/orderingMobility/v1";
/// The demo's active lines of the Dallas group.
const LINES: [&str; 3] = ["1234567890", "1234567893", "1234567894"];

/// Order `n`: one label change on each Dallas line, then a second change of
/// its first line; `n` and the position make each label value unique.
fn order(n: usize) -> Value {
    let mut changes: Vec<Value> = (0..3)
        .map(|k| label_change(n, k, LINES[(n + k) % 3]))
        .collect();
    changes.push(label_change(n, 3, LINES[n % 3]));
    json!({"careOrderRequest": {"foundationAccountNumber": "81730304",
        "accountGroupId": "73001012763", "changeRequest": changes}})
}

fn label_change(n: usize, k: usize, ctn: &str) -> Value {
    json!({"type": "updateSubscriber", "changeRequestId": format!("c{k}"), "ctn": ctn,
        "udl": [{"type": format!("Label {k}"), "value": format!("o{n}c{k}")}]})
}

struct Api {
    client: reqwest::Client,
    token: String,
}

impl Api {
    async fn post(&self, base: &str, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .client
            .post(format!("{base}{BASE}{path}"))
            .bearer_auth(&self.token)
            .header("X-ATT-ClientId", "workers-test")
            .header("X-ATT-ConversationId", "conv")
            .header("X-ATT-MessageId", "msg")
            .json(body)
            .send()
            .await
            .expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn accept(&self, base: &str, n: usize) -> String {
        let (status, body) = self.post(base, "/careOrder", &order(n)).await;
        assert_eq!(status, 202, "{body}");
        body["careOrderResponse"]["orderId"]
            .as_str()
            .expect("orderId")
            .to_string()
    }

    async fn status(&self, base: &str, id: &str) -> String {
        let (status, body) = self
            .post(
                base,
                "/orderStatus/CareOrder",
                &json!({"orderStatusRequest": {"orderId": id}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["orderStatusResponse"]["orders"][0]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until no order is in progress; every one must have completed.
    async fn all_completed(&self, base: &str, ids: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(60);
        for id in ids {
            loop {
                match self.status(base, id).await.as_str() {
                    "InProgress" if Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    status => {
                        assert_eq!(status, "Completed", "order {id}");
                        break;
                    }
                }
            }
        }
    }

    /// Each line's label values in the order its history recorded them.
    async fn applied(&self, base: &str) -> HashMap<String, Vec<String>> {
        let mut lines = HashMap::new();
        for ctn in LINES {
            let (status, body) = self
                .post(
                    base,
                    "/careAccount",
                    &json!({"careAccountRequest": {"ctn": ctn}}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            let values = body["careAccountResponse"]["subscriber"]["history"]
                .as_array()
                .expect("history")
                .iter()
                .filter(|h| h["change"] == "udlUpdated")
                .filter_map(|h| h["detail"].as_str())
                .filter_map(|d| d.rsplit(": ").next())
                .map(str::to_string)
                .collect();
            lines.insert(ctn.to_string(), values);
        }
        lines
    }
}

/// Every change of `orders` orders appears exactly once on its line, and an
/// order's two changes of one line in request order.
fn assert_once_in_order(applied: &HashMap<String, Vec<String>>, orders: usize) {
    for n in 0..orders {
        for k in 0..4 {
            let ctn = if k == 3 {
                LINES[n % 3]
            } else {
                LINES[(n + k) % 3]
            };
            let value = format!("o{n}c{k}");
            let seen = applied[ctn].iter().filter(|v| **v == value).count();
            assert_eq!(seen, 1, "{value} on {ctn}: applied {seen} times");
        }
        let line = &applied[LINES[n % 3]];
        let at = |v: String| line.iter().position(|x| *x == v);
        assert!(
            at(format!("o{n}c0")) < at(format!("o{n}c3")),
            "order {n}: c0 applied after c3 on {}",
            LINES[n % 3]
        );
    }
}

/// Three workers of one server claim at once: batches race for the same
/// lines and orders, leases keep each change to one worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_workers_apply_every_change_once_in_request_order() {
    let server = TestServer::start_demo_without_workers().await;
    let api = Api {
        client: server.client.clone(),
        token: server.care_token("workers-test"),
    };
    const ORDERS: usize = 30;
    let mut ids = Vec::new();
    for n in 0..ORDERS {
        ids.push(api.accept(&server.base, n).await);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let (state, stop) = (server.state.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let claimed = worker::claim_and_process(&state.ctx, &format!("node-{w}"))
                        .await
                        .expect("claim and process");
                    if claimed == 0 {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            })
        })
        .collect();
    api.all_completed(&server.base, &ids).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.expect("worker");
    }
    assert_once_in_order(&api.applied(&server.base).await, ORDERS);
}

/// Two `omni` processes on one database, each with its running worker:
/// orders accepted by either are applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_apply_every_change_once() {
    let url = omni_store::testing::fresh_database_url().await;
    let a = node::spawn(&url);
    let b = node::spawn(&url);
    let api = Api {
        client: common::http_client(),
        token: node::care_token("workers-test"),
    };
    const ORDERS: usize = 20;
    let mut ids = Vec::new();
    for n in 0..ORDERS {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        ids.push(api.accept(base, n).await);
    }
    api.all_completed(&a.base, &ids).await;
    assert_once_in_order(&api.applied(&b.base).await, ORDERS);
}

/// The real binary as a separate process, on the repository's demo data.
mod node {
    use super::common::process::{self, Process};

    const SECRET: &str = "care-workers-test-secret-of-32-bytes-or-more";

    pub fn spawn(database_url: &str) -> Process {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        process::spawn(database_url, &data, SECRET, &[])
    }

    pub fn care_token(client: &str) -> String {
        process::care_token(SECRET, client)
    }
}
