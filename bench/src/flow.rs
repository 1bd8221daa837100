//! The partner order flow as a closed loop: each virtual client runs whole
//! orders on its own keep-alive connection, one after another: create, add a
//! new line (plan, device, SIM), read and consent to the required terms,
//! choose shipping, pay, submit, then poll the order until the background
//! worker has completed it. Any answer other than the one the step expects
//! fails that order: it is counted as an error by kind (step and status),
//! the first answer of each kind is kept to be printed, and the client starts
//! its next order.

use crate::load::connect;
use anyhow::Context;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const BASE: &str = "/omni-svcs/v1";
const BILLING_ACCOUNT: &str = "556165899573";
const PLAN: &str = "Mobile_Offer_unlimited-extra";
const DEVICE: &str = "Mobile_Device_pkey73001_sku2680262";
const SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";
/// An order still `submitted` after this long is an error.
const COMPLETION_TIMEOUT: Duration = Duration::from_secs(60);
const BODY_CHARS: usize = 400;

/// The requests of one order, in order; `Poll` is each `GET` of the order
/// after it was submitted.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    Create,
    Items,
    Terms,
    Consent,
    Fulfillment,
    Payment,
    Submit,
    Poll,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Create,
        Step::Items,
        Step::Terms,
        Step::Consent,
        Step::Fulfillment,
        Step::Payment,
        Step::Submit,
        Step::Poll,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Create => "POST order/create",
            Step::Items => "POST order/{id}/items (3)",
            Step::Terms => "POST terms",
            Step::Consent => "POST order/{id}/terms",
            Step::Fulfillment => "POST order/{id}/fulfillment",
            Step::Payment => "POST payment-methods",
            Step::Submit => "POST order/{id}/submit",
            Step::Poll => "GET order/{id} (poll)",
        }
    }
}

pub struct FlowOptions {
    pub clients: usize,
    pub duration: Duration,
    /// Pause before each poll of a submitted order.
    pub poll: Duration,
    /// A bearer token of a user with the `order.ops` role.
    pub token: String,
}

pub struct FlowResult {
    /// Orders seen `completed`.
    pub completed: u64,
    /// Orders that failed at some step (each counted once).
    pub errors: u64,
    /// From the start to the end of the last order in flight at the deadline.
    pub elapsed: Duration,
    /// Whole order: `create` sent to `completed` seen.
    pub flow_us: Histogram<u64>,
    /// `submit` answered 202 to `completed` seen.
    pub completion_us: Histogram<u64>,
    /// Answers that were what the step expects, by `Step::ALL` position.
    pub steps_us: Vec<Histogram<u64>>,
    /// Failed orders by kind (step and status): how many, and the first
    /// one's answer.
    pub failures: BTreeMap<String, (u64, String)>,
}

impl FlowResult {
    fn empty() -> anyhow::Result<Self> {
        Ok(Self {
            completed: 0,
            errors: 0,
            elapsed: Duration::ZERO,
            flow_us: Histogram::new(3)?,
            completion_us: Histogram::new(3)?,
            steps_us: Step::ALL
                .iter()
                .map(|_| Histogram::new(3))
                .collect::<Result<_, _>>()?,
            failures: BTreeMap::new(),
        })
    }

    pub fn per_second(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }

    /// Expected answers of every step, polls included.
    pub fn answers(&self) -> u64 {
        self.steps_us.iter().map(Histogram::len).sum()
    }

    fn merge(&mut self, other: FlowResult) -> anyhow::Result<()> {
        self.completed += other.completed;
        self.errors += other.errors;
        self.flow_us.add(other.flow_us)?;
        self.completion_us.add(other.completion_us)?;
        for (mine, theirs) in self.steps_us.iter_mut().zip(other.steps_us) {
            mine.add(theirs)?;
        }
        for (kind, (count, first)) in other.failures {
            self.failures.entry(kind).or_insert((0, first)).0 += count;
        }
        Ok(())
    }
}

/// Milliseconds at quantile `q` of a histogram of microseconds.
pub fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// Runs `options.clients` clients until `options.duration` has passed; the
/// orders in flight then are finished and counted. Client `c` talks to
/// `addrs[c % addrs.len()]` (nodes of one database, round-robin).
/// `sequence` numbers the orders (their SIM's ICCID) across runs on the
/// same database.
pub async fn run(
    addrs: &[String],
    options: &FlowOptions,
    sequence: Arc<AtomicU64>,
) -> anyhow::Result<FlowResult> {
    anyhow::ensure!(!addrs.is_empty(), "no server to run orders on");
    let started = Instant::now();
    let deadline = started + options.duration;
    let auth = Arc::new(format!("Bearer {}", options.token));
    let mut tasks = Vec::new();
    for c in 0..options.clients {
        let addr = addrs[c % addrs.len()].clone();
        let (auth, sequence) = (auth.clone(), sequence.clone());
        let poll = options.poll;
        tasks.push(tokio::spawn(async move {
            client_loop(addr, auth, poll, deadline, sequence).await
        }));
    }
    let mut total = FlowResult::empty()?;
    for t in tasks {
        total.merge(t.await.context("order flow task")??)?;
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

async fn client_loop(
    addr: String,
    auth: Arc<String>,
    poll: Duration,
    deadline: Instant,
    sequence: Arc<AtomicU64>,
) -> anyhow::Result<FlowResult> {
    let mut result = FlowResult::empty()?;
    let mut client = Client {
        sender: connect(&addr).await?,
        addr,
        auth,
    };
    while Instant::now() < deadline {
        let n = sequence.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        match one_order(&mut client, &mut result, n, poll).await {
            Ok(completion) => {
                result.completed += 1;
                result.flow_us.record(micros(started.elapsed()))?;
                result.completion_us.record(micros(completion))?;
            }
            Err(Failure::Answer { kind, detail }) => {
                result.errors += 1;
                result.failures.entry(kind).or_insert((0, detail)).0 += 1;
            }
            Err(Failure::Fatal(e)) => return Err(e),
        }
    }
    Ok(result)
}

enum Failure {
    /// An answer (or a lost connection) that fails this order only: what
    /// kind of failure, and the answer.
    Answer { kind: String, detail: String },
    /// The bench cannot go on (the server no longer accepts connections).
    Fatal(anyhow::Error),
}

impl Failure {
    fn answer(step: Step, what: &str, detail: &str) -> Self {
        Failure::Answer {
            kind: format!("{}: {what}", step.name()),
            detail: clip(detail),
        }
    }
}

impl From<hdrhistogram::RecordError> for Failure {
    fn from(e: hdrhistogram::RecordError) -> Self {
        Failure::Fatal(e.into())
    }
}

/// One whole order; returns the time from the submit's 202 to `completed`.
async fn one_order(
    client: &mut Client,
    result: &mut FlowResult,
    n: u64,
    poll: Duration,
) -> Result<Duration, Failure> {
    let created = client
        .step(
            result,
            Step::Create,
            Method::POST,
            &format!("{BASE}/order/create"),
            Some(json!({"channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]})),
            201,
        )
        .await?;
    let id = created["id"]
        .as_str()
        .ok_or_else(|| Failure::answer(Step::Create, "201 without an id", &created.to_string()))?
        .to_string();

    // A new line: three items that each order adds to the same account,
    // with its own SIM (ICCID 89 and 17 digits).
    let items = json!({"items": [
        {"action": "add", "productOfferingType": "Mobile_Offer", "productOrderItemId": "plan",
         "productOfferingId": PLAN,
         "billingAccount": {"id": BILLING_ACCOUNT, "ratingType": "postpaid"}},
        {"action": "add", "productOfferingType": "Mobile_Device", "rootBundleProductOrderItemId": "plan",
         "productOfferingId": DEVICE},
        {"action": "add", "productOfferingType": "SIM", "rootBundleProductOrderItemId": "plan",
         "productOfferingId": SIM,
         "characteristic": [{"name": "ICCID", "value": format!("89{:017}", n % 100_000_000_000_000_000)}]}
    ]});
    client
        .step(
            result,
            Step::Items,
            Method::POST,
            &format!("{BASE}/order/{id}/items"),
            Some(items),
            200,
        )
        .await?;

    let terms = client
        .step(
            result,
            Step::Terms,
            Method::POST,
            &format!("{BASE}/terms"),
            Some(json!({"orderId": id})),
            200,
        )
        .await?;
    let required: Vec<Value> = terms["agreements"]
        .as_array()
        .ok_or_else(|| Failure::answer(Step::Terms, "200 without agreements", &terms.to_string()))?
        .iter()
        .filter(|a| a["required"] == true)
        .map(|a| json!({"name": a["name"]}))
        .collect();
    client
        .step(
            result,
            Step::Consent,
            Method::POST,
            &format!("{BASE}/order/{id}/terms"),
            Some(json!({"agreements": required})),
            200,
        )
        .await?;

    client
        .step(
            result,
            Step::Fulfillment,
            Method::POST,
            &format!("{BASE}/order/{id}/fulfillment"),
            Some(json!({"optionId": "standardShipping", "shippingAddress": {
                "addressLine1": "123 Main St", "city": "Dallas", "state": "TX", "zipCode": "75201"}})),
            200,
        )
        .await?;

    client
        .step(
            result,
            Step::Payment,
            Method::POST,
            &format!("{BASE}/payment-methods"),
            Some(json!({"orderId": id, "card": {
                "number": "4242424242424242", "expiryMonth": 12, "expiryYear": 2031,
                "cvv": "123", "holderName": "A B"}})),
            201,
        )
        .await?;

    client
        .step(
            result,
            Step::Submit,
            Method::POST,
            &format!("{BASE}/order/{id}/submit"),
            None,
            202,
        )
        .await?;
    let submitted = Instant::now();

    let path = format!("{BASE}/order/{id}");
    loop {
        tokio::time::sleep(poll).await;
        let order = client
            .step(result, Step::Poll, Method::GET, &path, None, 200)
            .await?;
        match order["state"].as_str() {
            Some("completed") => return Ok(submitted.elapsed()),
            Some("submitted") if submitted.elapsed() < COMPLETION_TIMEOUT => {}
            Some("submitted") => {
                return Err(Failure::answer(
                    Step::Poll,
                    &format!("still submitted after {} s", COMPLETION_TIMEOUT.as_secs()),
                    &id,
                ));
            }
            _ => {
                return Err(Failure::answer(
                    Step::Poll,
                    &format!("order ended {}", order["state"]),
                    &order.to_string(),
                ));
            }
        }
    }
}

struct Client {
    addr: String,
    auth: Arc<String>,
    sender: SendRequest<Full<Bytes>>,
}

impl Client {
    /// Sends one request; an answer with another status than `expect`, or a
    /// body that is not JSON, fails the order. The latency of expected
    /// answers goes into the step's histogram.
    async fn step(
        &mut self,
        result: &mut FlowResult,
        step: Step,
        method: Method,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Result<Value, Failure> {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "bench")
            .header("authorization", self.auth.as_str())
            .header("content-type", "application/json")
            .body(Full::new(match body {
                Some(b) => Bytes::from(b.to_string()),
                None => Bytes::new(),
            }))
            .map_err(|e| Failure::Fatal(e.into()))?;
        let sent = Instant::now();
        let answer: anyhow::Result<(u16, Bytes)> = async {
            self.sender.ready().await?;
            let response = self.sender.send_request(request).await?;
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await?.to_bytes();
            Ok((status, bytes))
        }
        .await;
        let elapsed = sent.elapsed();
        let (status, bytes) = match answer {
            Ok(a) => a,
            Err(e) => {
                self.sender = connect(&self.addr).await.map_err(Failure::Fatal)?;
                return Err(Failure::answer(step, "no answer", &format!("{e:#}")));
            }
        };
        if status != expect {
            return Err(Failure::answer(
                step,
                &format!("{status} (expected {expect})"),
                &format!("{path}: {}", String::from_utf8_lossy(&bytes)),
            ));
        }
        result.steps_us[step as usize].record(micros(elapsed))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Failure::answer(
                step,
                &format!("{status} but not JSON"),
                &format!("{path}: {e}: {}", String::from_utf8_lossy(&bytes)),
            )
        })
    }
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(BODY_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn micros(d: Duration) -> u64 {
    (d.as_micros().min(u128::from(u64::MAX)) as u64).max(1)
}
