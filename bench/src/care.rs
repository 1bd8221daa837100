//! The care order scenarios. `care-accept` measures how fast valid care
//! orders are accepted (202); `care-process` accepts a backlog of change
//! requests as fast as it can and measures how fast the server's worker
//! applies them, from the first accept to the last change request seen
//! processed. Both run on the demo data plus generated lines
//! ([`crate::care_data`]).

use crate::care_data::{ACCOUNT, GROUP, ctn};
use crate::load::connect;
use anyhow::Context;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const CARE_ORDER: &str = "/api/orderingMobility/v1/careOrder";
const ORDER_STATUS: &str = "/api/orderingMobility/v1/orderStatus/CareOrder";
/// An add-on the generated lines' plan takes; added with
/// `replaceDuplicateFeatures`, so adding it again is never refused.
pub const FEATURE: &str = "sku12037300017";
/// A change request not seen processed this long after the last accept is an error.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_millis(5);
/// Connections of the walk that reads every order once the backlog drained.
const WALK_CONNECTIONS: usize = 8;

/// What every care scenario needs to build its requests.
#[derive(Clone)]
pub struct CareSetup {
    /// Generated lines to spread change requests over.
    pub lines: usize,
    /// Change requests per care order, each on another line.
    pub changes: usize,
    /// `Bearer …` of a principal with `care.ops`.
    pub auth: Arc<String>,
    /// `effectiveDate` of every change request (RFC 3339); `None` is
    /// `immediate`.
    pub due: Option<String>,
}

/// Spreads request numbers over the lines (a 64-bit finaliser), so that
/// connections whose numbers start far apart do not march in step.
fn mix(n: u64) -> u64 {
    let mut x = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Care order `n`: `changes` change requests on different lines, every
/// other one a label update (`updateSubscriber`, `udl`) or an add-on added
/// at once (`updateFeatures`), all due now or at `setup.due`.
pub fn order_body(setup: &CareSetup, n: u64) -> String {
    let lines = setup.lines.max(1) as u64;
    let changes = (setup.changes.max(1) as u64).min(lines);
    let first = mix(n) % lines;
    let requests: Vec<Value> = (0..changes)
        .map(|k| {
            let line = ctn(((first + k * (lines / changes)) % lines) as usize);
            let id = format!("b{n}-{k}");
            let mut request = if (n + k).is_multiple_of(2) {
                json!({"type": "updateSubscriber", "changeRequestId": id, "ctn": line,
                    "udl": [{"type": "Cost center", "value": format!("cc-{n}")}]})
            } else {
                json!({"type": "updateFeatures", "changeRequestId": id, "ctn": line,
                    "replaceDuplicateFeatures": true, "replaceConflictingFeatures": true,
                    "items": [{"id": FEATURE, "action": "add"}]})
            };
            if let Some(due) = &setup.due {
                request["effectiveDate"] = json!(due);
            }
            request
        })
        .collect();
    json!({"careOrderRequest": {"foundationAccountNumber": ACCOUNT,
        "accountGroupId": GROUP, "changeRequest": requests}})
    .to_string()
}

/// The care client the benchmark acts for: its token's `client_id`, which
/// `X-ATT-ClientId` must repeat.
pub const CLIENT: &str = "omni-bench";

/// A POST of the family, with its three required headers.
pub fn post(auth: &str, path: &str, n: u64, body: String) -> Request<Full<Bytes>> {
    Request::post(path)
        .header("host", "bench")
        .header("authorization", auth)
        .header("content-type", "application/json")
        .header("X-ATT-ClientId", CLIENT)
        .header("X-ATT-ConversationId", format!("bench-{n}"))
        .header("X-ATT-MessageId", format!("bench-{n}"))
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

/// Whether an answer is the 202 of an accepted order.
pub fn accepted(status: u16, body: &[u8]) -> bool {
    status == 202 && body.windows(9).any(|w| w == b"\"orderId\"")
}

async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<(u16, Bytes)> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

/// Milliseconds at quantile `q` of a histogram of microseconds.
pub fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

fn micros(d: Duration) -> u64 {
    (d.as_micros().min(u128::from(u64::MAX)) as u64).max(1)
}

type Failures = Arc<Mutex<BTreeMap<String, (u64, String)>>>;

fn fail(failures: &Failures, kind: String, detail: String) {
    if let Ok(mut map) = failures.lock() {
        let clipped: String = detail.chars().take(400).collect();
        map.entry(kind).or_insert((0, clipped)).0 += 1;
    }
}

/// A backlog accepted by [`accept_backlog`].
pub struct Backlog {
    /// Order ids in order number order (about the order they came in).
    ids: Vec<String>,
    pub started: Instant,
    /// First accept sent to last accept answered.
    pub accept_time: Duration,
    pub accept_us: Histogram<u64>,
    /// Unexpected answers by kind: how many, and the first one.
    pub failures: BTreeMap<String, (u64, String)>,
}

/// Accepts `backlog` change requests (in orders of `setup.changes`) over
/// `clients` connections, as fast as the servers answer; client `c` posts
/// to `addrs[c % addrs.len()]`.
pub async fn accept_backlog(
    addrs: &[String],
    setup: &CareSetup,
    clients: usize,
    backlog: usize,
    first_order: u64,
) -> anyhow::Result<Backlog> {
    let changes_per_order = setup.changes.max(1).min(setup.lines.max(1));
    let orders = backlog.div_ceil(changes_per_order);
    let failures: Failures = Arc::default();
    let next = Arc::new(AtomicU64::new(0));
    let ids: Arc<Mutex<Vec<(u64, String)>>> = Arc::new(Mutex::new(Vec::with_capacity(orders)));
    anyhow::ensure!(!addrs.is_empty(), "no server to post care orders to");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (addr, setup, next, ids, failures) = (
            addrs[c % addrs.len()].clone(),
            setup.clone(),
            next.clone(),
            ids.clone(),
            failures.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3)?;
            let mut sender = connect(&addr).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= orders as u64 {
                    return anyhow::Ok(hist);
                }
                let n = first_order + i;
                let request = post(&setup.auth, CARE_ORDER, n, order_body(&setup, n));
                let sent = Instant::now();
                match send(&mut sender, request).await {
                    Ok((status, body)) if accepted(status, &body) => {
                        hist.record(micros(sent.elapsed()))?;
                        let answer: Value = serde_json::from_slice(&body)?;
                        let id = answer["careOrderResponse"]["orderId"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string();
                        if let Ok(mut list) = ids.lock() {
                            list.push((i, id));
                        }
                    }
                    Ok((status, body)) => fail(
                        &failures,
                        format!("careOrder: {status}"),
                        String::from_utf8_lossy(&body).into_owned(),
                    ),
                    Err(e) => {
                        fail(&failures, "careOrder: no answer".into(), format!("{e:#}"));
                        sender = connect(&addr).await?;
                    }
                }
            }
        }));
    }
    let mut accept_us = Histogram::<u64>::new(3)?;
    for t in tasks {
        accept_us.add(t.await.context("accept task")??)?;
    }
    let accept_time = started.elapsed();
    let mut ids = std::mem::take(&mut *ids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    ids.sort();
    anyhow::ensure!(!ids.is_empty(), "no care order was accepted");
    let failures = std::mem::take(&mut *failures.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(Backlog {
        ids: ids.into_iter().map(|(_, id)| id).collect(),
        started,
        accept_time,
        accept_us,
        failures,
    })
}

/// How the backlog was processed.
pub struct Drained {
    /// Change requests in the backlog's orders.
    pub changes: usize,
    /// From `origin` to the last change request seen processed.
    pub time: Duration,
    /// Change requests processed (by their `processedDate`) after the last
    /// accept was answered.
    pub after_accepts: usize,
    /// Change requests by final status (`completed`, `failed`, …).
    pub statuses: BTreeMap<String, usize>,
    /// Status calls made until the last order was seen done.
    pub polls: u64,
}

impl Backlog {
    /// Care orders accepted.
    pub fn orders(&self) -> usize {
        self.ids.len()
    }
}

impl Drained {
    pub fn per_second(&self) -> f64 {
        self.changes as f64 / self.time.as_secs_f64().max(1e-9)
    }
}

/// Waits until every change request of `backlog` was processed; times it
/// from `origin` (the first accept, or the instant all were due).
/// `at_last_seen` runs when the last order is seen done, before every order
/// is read to check and count the results; its outcome is returned beside
/// the drain's.
pub async fn wait_processed<T>(
    addr: &str,
    setup: &CareSetup,
    backlog: &Backlog,
    origin: Instant,
    at_last_seen: impl AsyncFnOnce() -> T,
) -> anyhow::Result<(Drained, T)> {
    let ids = &backlog.ids;
    // The accepts ended about now; `processedDate`s after it count as after.
    let accept_end = chrono::Utc::now()
        - chrono::Duration::from_std(
            backlog
                .started
                .elapsed()
                .saturating_sub(backlog.accept_time),
        )
        .unwrap_or_default();
    // Orders are claimed about in the order they came in: follow them with
    // one connection, a few polls per step, until the last one is done.
    let mut sender = connect(addr).await?;
    let stride = (ids.len() / 100).max(1);
    let (mut cursor, mut polls) = (0, 0);
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    loop {
        let at = cursor.min(ids.len() - 1);
        polls += 1;
        if status(&mut sender, &setup.auth, &ids[at]).await?.is_some() {
            if at == ids.len() - 1 {
                break;
            }
            cursor += stride;
        } else {
            anyhow::ensure!(Instant::now() < deadline, "the backlog did not drain");
            tokio::time::sleep(POLL).await;
        }
    }
    let mut end = Instant::now();
    let seen = at_last_seen().await;
    // Then every order, in parallel: one still in progress pushes the end to
    // when it is seen done (it was not done when first read).
    let walked = walk(addr, setup, ids, deadline).await?;
    if let Some(last) = walked.last_done {
        end = end.max(last);
    }
    let drained = Drained {
        changes: walked.statuses.values().sum(),
        time: end.saturating_duration_since(origin),
        after_accepts: walked
            .processed
            .iter()
            .filter(|at| **at > accept_end)
            .count(),
        statuses: walked.statuses,
        polls,
    };
    Ok((drained, seen))
}

/// An order's answer once it is no longer `InProgress`; `None` before.
async fn status(
    sender: &mut SendRequest<Full<Bytes>>,
    auth: &str,
    id: &str,
) -> anyhow::Result<Option<Value>> {
    let body = json!({"orderStatusRequest": {"orderId": id}}).to_string();
    let (code, bytes) = send(sender, post(auth, ORDER_STATUS, 0, body)).await?;
    anyhow::ensure!(
        code == 200,
        "orderStatus {id}: {code} {}",
        String::from_utf8_lossy(&bytes)
    );
    let answer: Value = serde_json::from_slice(&bytes)?;
    let order = &answer["orderStatusResponse"]["orders"][0];
    Ok((order["status"] != "InProgress").then(|| order.clone()))
}

struct Walked {
    /// When the last order seen in progress was seen done.
    last_done: Option<Instant>,
    /// Every change request's `processedDate`.
    processed: Vec<chrono::DateTime<chrono::Utc>>,
    statuses: BTreeMap<String, usize>,
}

/// Reads every order until it is done; collects each change request's
/// status and processing date.
async fn walk(
    addr: &str,
    setup: &CareSetup,
    ids: &[String],
    deadline: Instant,
) -> anyhow::Result<Walked> {
    let ids: Arc<Vec<String>> = Arc::new(ids.to_vec());
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..WALK_CONNECTIONS {
        let (addr, auth, ids, next) = (
            addr.to_string(),
            setup.auth.clone(),
            ids.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(&addr).await?;
            let mut mine = Walked {
                last_done: None,
                processed: Vec::new(),
                statuses: BTreeMap::new(),
            };
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(id) = ids.get(i) else {
                    return anyhow::Ok(mine);
                };
                let mut waited = false;
                let order = loop {
                    if let Some(order) = status(&mut sender, &auth, id).await? {
                        break order;
                    }
                    anyhow::ensure!(Instant::now() < deadline, "order {id} was not processed");
                    waited = true;
                    tokio::time::sleep(POLL).await;
                };
                if waited {
                    mine.last_done = mine.last_done.max(Some(Instant::now()));
                }
                for change in order["changeRequest"].as_array().into_iter().flatten() {
                    let state = change["status"].as_str().unwrap_or("?").to_string();
                    *mine.statuses.entry(state).or_default() += 1;
                    if let Some(at) = change["processedDate"]
                        .as_str()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    {
                        mine.processed.push(at.with_timezone(&chrono::Utc));
                    }
                }
            }
        }));
    }
    let mut all = Walked {
        last_done: None,
        processed: Vec::new(),
        statuses: BTreeMap::new(),
    };
    for t in tasks {
        let part = t.await.context("walk task")??;
        all.last_done = all.last_done.max(part.last_done);
        all.processed.extend(part.processed);
        for (k, v) in part.statuses {
            *all.statuses.entry(k).or_default() += v;
        }
    }
    Ok(all)
}
