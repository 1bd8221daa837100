//! The console's Operations screen and Dashboard over HTTP (issue 15): an
//! operator signs in with a token, lists orders of each family by state and
//! day, finds a failed job and a dead letter with their reasons and retries
//! them with the page's forms (CSRF checked), sees the webhook listeners'
//! lag, and reads the dashboard's charts and tables. Who sees which part is
//! the use cases' roles. Journey 4 of the issue runs the same in a real
//! Chromium ([`journey_4_an_operator_finds_a_failed_job_and_a_dead_letter_and_retries_them`]).

#[path = "common/browser.rs"]
mod browser;
mod common;

use common::TestServer;
use common::receiver::Receiver;
use omni_api::state::ApiConfig;
use omni_api::webhook::WebhookConfig;
use omni_app::AppConfig;
use omni_app::jobs::JobConfig;
use omni_core::PrincipalKind;
use omni_store::{Effects, JobStatus};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

const ORDERING: &str = "/tmf-api/productOrderingManagement/v4";
/// The line the failing order swaps a device on (as in failed_jobs.rs).
const SWAPPED_LINE: &str = "4690002221";

/// A signed-in browser, by hand: the session cookie kept between requests,
/// redirects not followed (the tests look at them), the page's CSRF value.
struct Console {
    base: String,
    client: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
    csrf: String,
}

/// What the console answered.
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

/// A form value as `application/x-www-form-urlencoded` carries it.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn hidden_csrf(page: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = page.find(marker).expect("a csrf field") + marker.len();
    let len = page[start..].find('"').expect("its end");
    page[start..start + len].to_string()
}

impl Console {
    async fn sign_in(s: &TestServer, token: &str) -> Self {
        common::install_crypto();
        let mut console = Console {
            base: s.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Mutex::new(BTreeMap::new()),
            csrf: String::new(),
        };
        let page = console.get("/console/sign-in").await;
        let csrf = hidden_csrf(&page.body);
        let answer = console
            .send_form("/console/sign-in", &[("token", token), ("csrf", &csrf)])
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let home = console.get("/console").await;
        assert_eq!(home.status, 200);
        console.csrf = hidden_csrf(&home.body);
        console
    }

    fn cookie_header(&self) -> String {
        let jar = self.cookies.lock().expect("jar");
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn keep(&self, response: reqwest::Response) -> Answer {
        {
            let mut jar = self.cookies.lock().expect("jar");
            for value in response.headers().get_all("set-cookie") {
                let text = value.to_str().expect("ascii cookie");
                let first = text.split(';').next().unwrap_or("");
                if let Some((name, value)) = first.split_once('=') {
                    if value.is_empty() || text.contains("Max-Age=0") {
                        jar.remove(name);
                    } else {
                        jar.insert(name.to_string(), value.to_string());
                    }
                }
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.expect("body");
        Answer {
            status,
            location,
            body,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("send");
        self.keep(response).await
    }

    async fn send_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("send");
        self.keep(response).await
    }

    /// A form of the page, with this session's CSRF value.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = fields.to_vec();
        all.push(("csrf", &self.csrf));
        self.send_form(path, &all).await
    }
}

/// Quick retries and one attempt per job and delivery: failures happen
/// within a test.
fn config() -> ApiConfig {
    ApiConfig {
        app: AppConfig {
            jobs: JobConfig {
                max_attempts: 1,
                backoff_base: Duration::from_millis(5),
                backoff_max: Duration::from_millis(20),
            },
            webhooks: WebhookConfig {
                max_attempts: 1,
                backoff_base: Duration::from_millis(20),
                backoff_max: Duration::from_millis(200),
                timeout: Duration::from_secs(5),
                poll: Duration::from_millis(20),
                ..WebhookConfig::default()
            },
            ..AppConfig::default()
        },
        ..ApiConfig::default()
    }
}

async fn api(
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

async fn partner(s: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    let path = format!("/omni-svcs/v1{path}");
    api(s, reqwest::Method::POST, &path, token, Some(body)).await
}

/// A draft partner order for Jordan Rivera; its id.
async fn draft_order(s: &TestServer, token: &str) -> String {
    let (status, created) = partner(
        s,
        token,
        "/order/create",
        json!({"channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().expect("id").to_string()
}

/// The partner order page's device swap, made ready and submitted; its id.
async fn submitted_order(s: &TestServer, token: &str) -> String {
    let id = draft_order(s, token).await;
    let items: Value =
        serde_json::from_str(include_str!("orders_page_items.json")).expect("the page's items");
    let (status, body) = partner(s, token, &format!("/order/{id}/items"), items).await;
    assert_eq!(status, 200, "{body}");
    let (_, terms) = partner(s, token, "/terms", json!({"orderId": id})).await;
    let agreements: Vec<Value> = terms["agreements"]
        .as_array()
        .expect("agreements")
        .iter()
        .filter(|a| a["required"] == true)
        .map(|a| json!({"name": a["name"], "extensions": [{"name": "acceptanceMethod", "value": "click"}]}))
        .collect();
    let (status, body) = partner(
        s,
        token,
        &format!("/order/{id}/terms"),
        json!({"agreements": agreements}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = partner(
        s,
        token,
        &format!("/order/{id}/fulfillment"),
        json!({"optionId": "standardShipping", "shippingAddress": {
            "addressLine1": "123 Main St", "city": "Dallas", "state": "TX", "zipCode": "75201"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, order) = api(
        s,
        reqwest::Method::GET,
        &format!("/omni-svcs/v1/order/{id}"),
        token,
        None,
    )
    .await;
    if order["orderTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] != "0.00" {
        let (status, body) = partner(
            s,
            token,
            "/payment-methods",
            json!({"orderId": id, "card": {"number": "4242424242424242", "expiryMonth": 12,
                   "expiryYear": 2031, "cvv": "123", "holderName": "Jordan Rivera"}}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = partner(s, token, &format!("/order/{id}/submit"), json!({})).await;
    assert_eq!(status, 202, "{body}");
    id
}

/// Replaces a stored document's body; the body before.
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

/// What went wrong on the server [`troubled`] made, and how to fix it.
struct Trouble {
    order: String,
    job: String,
    /// The swapped line as it was, to be put back before the retry.
    line: Value,
    receiver: Receiver,
}

/// A demo server where an order's job failed for good (the line it swaps a
/// device on does not decode) and a listener refused every event (dead
/// letters), with its workers running.
async fn troubled() -> (TestServer, Trouble) {
    let s = TestServer::start_demo_without_workers_with(config()).await;
    let ops = s.token(PrincipalKind::User, &["order.ops"], "default");
    let receiver = Receiver::start().await;
    receiver.set_failing(true);
    let (status, hub) = api(
        &s,
        reqwest::Method::POST,
        &format!("{ORDERING}/hub"),
        &ops,
        Some(json!({"callback": receiver.url, "secret": "0123456789abcdef0123"})),
    )
    .await;
    assert_eq!(status, 201, "{hub}");
    let order = submitted_order(&s, &ops).await;
    let line = overwrite(
        &s,
        "subscriber",
        SWAPPED_LINE,
        json!({"ctn": SWAPPED_LINE, "status": 7}),
    )
    .await;
    // The workers start now that the order cannot complete.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    std::mem::forget(stop);
    omni_app::workers::spawn(&s.state.ctx, stopped);
    let job = format!("{}:default:{order}", omni_app::order::worker::JOB_KIND);
    wait(|| async {
        let job = s.store.get_job(&job).await.expect("read").expect("job");
        job.status == JobStatus::Failed
    })
    .await;
    let events_admin = s.token(PrincipalKind::User, &["events.admin"], "default");
    wait(|| async {
        let (_, letters) = api(
            &s,
            reqwest::Method::GET,
            "/admin/v1/deadLetter",
            &events_admin,
            None,
        )
        .await;
        letters.as_array().is_some_and(|l| !l.is_empty())
    })
    .await;
    (
        s,
        Trouble {
            order,
            job,
            line,
            receiver,
        },
    )
}

/// Waits up to 20 s for `check` to hold.
async fn wait<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `tr` of a table row whose first cell holds `id`.
fn row<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("<code>{id}</code>"))
        .unwrap_or_else(|| panic!("no row of {id} in the page"));
    let start = page[..at].rfind("<tr>").expect("row start");
    let end = at + page[at..].find("</tr>").expect("row end");
    &page[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_operator_retries_a_failed_job_and_redrives_a_dead_letter() {
    let (s, trouble) = troubled().await;
    let token = s.token(PrincipalKind::User, &["events.admin"], "default");
    let console = Console::sign_in(&s, &token).await;

    let page = console.get("/console/operations").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches("<h1>").count(), 1);
    // The failed job, with why it failed, and its retry button.
    let job_row = row(&page.body, &trouble.job);
    assert!(job_row.contains("gave up after 1 attempts"), "{job_row}");
    assert!(
        job_row.contains(&format!("subscriber '{SWAPPED_LINE}'")),
        "{job_row}"
    );
    assert!(job_row.contains(r#"action="/console/operations/jobs/retry""#));
    // The partner order failed with the same reason, in the orders list.
    let failed = console
        .get("/console/operations?family=partner&state=failed")
        .await;
    let order_row = row(&failed.body, &trouble.order);
    assert!(order_row.contains("state-failed"), "{order_row}");
    assert!(order_row.contains(SWAPPED_LINE), "{order_row}");
    // The dead letters, parked, with the listener's answer.
    let letters = section(&page.body, "dead-letters");
    assert!(letters.contains("HTTP 503"), "{letters}");
    assert!(letters.contains("parked"), "{letters}");
    // The listener, with what it dead-lettered.
    let listeners = section(&page.body, "listeners");
    assert!(listeners.contains(&trouble.receiver.url), "{listeners}");

    // A form without the session's CSRF value changes nothing.
    let forged = console
        .send_form("/console/operations/jobs/retry", &[("id", &trouble.job)])
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("Form expired"));

    // The cause is fixed; the operator retries the job.
    overwrite(&s, "subscriber", SWAPPED_LINE, trouble.line.clone()).await;
    let retried = console
        .post("/console/operations/jobs/retry", &[("id", &trouble.job)])
        .await;
    assert_eq!(retried.status, 303, "{}", retried.body);
    let location = retried.location.expect("back to the page");
    assert!(
        location.starts_with("/console/operations?retried="),
        "{location}"
    );
    // The page follows the job until it is done, then stops refreshing.
    wait(|| async {
        let page = console.get(&location).await;
        let notice = section_by_id(&page.body, "retried-job");
        notice.contains("state-done") && !notice.contains("data-refresh-ms")
    })
    .await;
    let page = console.get(&location).await;
    assert!(
        !page
            .body
            .contains(&format!("<code>{}</code></th>", trouble.job))
    );
    let completed = console
        .get("/console/operations?family=partner&state=completed")
        .await;
    assert!(completed.body.contains(&trouble.order));

    // Retrying it again is refused by the use case, shown in its section.
    let again = console
        .post("/console/operations/jobs/retry", &[("id", &trouble.job)])
        .await;
    assert_eq!(again.status, 409);
    let jobs = section(&again.body, "failed-jobs");
    assert!(jobs.contains(r#"role="alert""#), "{jobs}");
    assert!(jobs.contains("only a failed job can be retried"), "{jobs}");

    // The listener is back; the operator re-drives a dead letter.
    trouble.receiver.set_failing(false);
    let (letter, event) = first_letter(&s, &token).await;
    let redriven = console
        .post(
            "/console/operations/dead-letters/redrive",
            &[("id", &letter)],
        )
        .await;
    assert_eq!(redriven.status, 303, "{}", redriven.body);
    let location = redriven.location.expect("back to the page");
    wait(|| async {
        let page = console.get(&location).await;
        let notice = section_by_id(&page.body, "redriven-letter");
        notice.contains("state-redriven") && !notice.contains("data-refresh-ms")
    })
    .await;
    assert!(
        trouble
            .receiver
            .accepted()
            .iter()
            .any(|d| d.json()["eventId"] == event.as_str()),
        "the listener received the re-driven event"
    );
    let redriven = console.get("/console/operations?letters=redriven").await;
    assert!(section(&redriven.body, "dead-letters").contains(&letter));
    let parked = console.get("/console/operations?letters=parked").await;
    assert!(!section(&parked.body, "dead-letters").contains(&letter));
    let unknown = console
        .post(
            "/console/operations/dead-letters/redrive",
            &[("id", "nope")],
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert!(section(&unknown.body, "dead-letters").contains("nope"));
}

/// The first dead letter's id and its event's, through the admin API.
async fn first_letter(s: &TestServer, token: &str) -> (String, String) {
    let (_, letters) = api(s, reqwest::Method::GET, "/admin/v1/deadLetter", token, None).await;
    let text = |name: &str| letters[0][name].as_str().expect(name).to_string();
    (text("id"), text("eventId"))
}

/// The `<section id=…>` of the page.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start + page[start..].find("</section>").expect("section end");
    &page[start..end]
}

/// The element with `id` up to the end of its `div`.
fn section_by_id<'a>(page: &'a str, id: &str) -> &'a str {
    let Some(start) = page.find(&format!("id=\"{id}\"")) else {
        return "";
    };
    let end = start + page[start..].find("</div>").unwrap_or(0);
    &page[start..end]
}

#[tokio::test]
async fn orders_are_listed_by_family_state_and_day_a_page_at_a_time() {
    let s = TestServer::start_demo_without_workers_with(ApiConfig::default()).await;
    let ops = s.token(PrincipalKind::User, &["order.ops"], "default");
    let mut drafts = Vec::new();
    for _ in 0..21 {
        drafts.push(draft_order(&s, &ops).await);
    }
    let (status, product) = api(
        &s,
        reqwest::Method::POST,
        &format!("{ORDERING}/productOrder"),
        &ops,
        Some(common::product_order()),
    )
    .await;
    assert_eq!(status, 201, "{product}");
    let product = product["id"].as_str().expect("id").to_string();
    let token = s.token(PrincipalKind::User, &["jobs.admin"], "default");
    let console = Console::sign_in(&s, &token).await;

    // Partner orders, newest first, 20 a page: the drafts, and the one a
    // TMF622 order was handed over to (same id, submitted).
    let first = console.get("/console/operations").await;
    assert_eq!(first.status, 200);
    let orders = section(&first.body, "orders");
    assert!(orders.contains("1–20 of 22"), "{orders}");
    assert!(orders.contains(&product) && !orders.contains(&drafts[0]));
    assert!(orders.contains("offset=20"), "a next page: {orders}");
    let second = console.get("/console/operations?offset=20").await;
    let orders = section(&second.body, "orders");
    assert!(orders.contains(&drafts[0]) && !orders.contains(&drafts[20]));
    assert!(orders.contains("21–22 of 22"), "{orders}");

    // By state and day.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().expect("a tomorrow");
    let draft_today = console
        .get(&format!(
            "/console/operations?family=partner&state=draft&from={today}&to={today}"
        ))
        .await;
    assert!(section(&draft_today.body, "orders").contains("of 21"));
    let none_tomorrow = console
        .get(&format!(
            "/console/operations?family=partner&from={tomorrow}"
        ))
        .await;
    assert!(none_tomorrow.body.contains(r#"id="orders-empty""#));
    let submitted = console
        .get("/console/operations?family=partner&state=submitted")
        .await;
    let handed_over = row(&submitted.body, &product);
    assert!(handed_over.contains("ECOMM"), "{handed_over}");
    assert!(section(&submitted.body, "orders").contains("1–1 of 1"));
    let cancelled = console
        .get("/console/operations?family=partner&state=cancelled")
        .await;
    assert!(cancelled.body.contains(r#"id="orders-empty""#));

    // Product orders (TMF622), with the partner's external id.
    let products = console
        .get("/console/operations?family=product&state=acknowledged")
        .await;
    let product_row = row(&products.body, &product);
    assert!(product_row.contains("ECOMM-1") && product_row.contains("cust-1001"));
    let care = console.get("/console/operations?family=care").await;
    assert!(care.body.contains("No care orders match."));

    // The use case's refusals, next to the fields they name.
    let wrong = console
        .get("/console/operations?family=care&state=acknowledged&from=2026-02-30")
        .await;
    assert_eq!(wrong.status, 200, "the rest of the page still works");
    let orders = section(&wrong.body, "orders");
    assert!(
        orders.contains(
            r#"<p id="state-error" class="error" role="alert">is not a state of care orders"#
        ),
        "{orders}"
    );
    assert!(
        orders.contains(
            r#"<p id="from-error" class="error" role="alert">must be a date, YYYY-MM-DD"#
        ),
        "{orders}"
    );
    assert!(
        orders.contains(r#"aria-describedby="from-error""#),
        "{orders}"
    );
    let backwards = console
        .get(&format!("/console/operations?from={tomorrow}&to={today}"))
        .await;
    assert!(backwards.body.contains("must not be before from"));
}

#[tokio::test]
async fn each_part_shows_to_the_roles_its_use_case_accepts() {
    let s = TestServer::start_demo_without_workers_with(ApiConfig::default()).await;
    // jobs.admin: orders and failed jobs, not dead letters or listeners.
    let jobs = s.token(PrincipalKind::User, &["jobs.admin"], "default");
    let console = Console::sign_in(&s, &jobs).await;
    let page = console.get("/console/operations").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"id="failed-jobs""#));
    assert!(page.body.contains(r#"id="failed-jobs-empty""#));
    assert!(!page.body.contains(r#"id="dead-letters""#));
    assert!(!page.body.contains(r#"id="listeners""#));
    assert!(page.body.contains(r#"id="events-admin-only""#));
    // A re-drive posted anyway is refused by the use case.
    let refused = console
        .post("/console/operations/dead-letters/redrive", &[("id", "x")])
        .await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("events.admin"), "{}", refused.body);
    // events.admin: every part.
    let events = s.token(PrincipalKind::User, &["events.admin"], "default");
    let console = Console::sign_in(&s, &events).await;
    let page = console.get("/console/operations").await;
    assert!(page.body.contains(r#"id="dead-letters-empty""#));
    assert!(page.body.contains(r#"id="listeners-empty""#));
    // Another role opens neither screen.
    let ops = s.token(PrincipalKind::User, &["order.ops"], "default");
    let console = Console::sign_in(&s, &ops).await;
    for path in ["/console/operations", "/console/dashboard"] {
        let page = console.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("events.admin, jobs.admin"), "{path}");
    }
    let posted = console
        .post("/console/operations/jobs/retry", &[("id", "x")])
        .await;
    assert_eq!(posted.status, 403);
    // Without a session: to the sign-in page.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = anonymous
        .get(s.url("/console/operations"))
        .send()
        .await
        .expect("send");
    assert_eq!(answer.status().as_u16(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_draws_traffic_latency_and_completed_orders() {
    let s = TestServer::start_with_demo().await;
    let ops = s.token(PrincipalKind::User, &["order.ops"], "default");
    // An order the worker completes now, and a request refused.
    let mut order = common::product_order();
    if let Some(map) = order.as_object_mut() {
        map.remove("requestedStartDate");
    }
    let (status, created) = api(
        &s,
        reqwest::Method::POST,
        &format!("{ORDERING}/productOrder"),
        &ops,
        Some(order),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let path = format!(
        "{ORDERING}/productOrder/{}",
        created["id"].as_str().expect("id")
    );
    wait(|| async {
        let (_, po) = api(&s, reqwest::Method::GET, &path, &ops, None).await;
        po["state"] == "completed"
    })
    .await;
    let (status, _) = api(
        &s,
        reqwest::Method::GET,
        &format!("{ORDERING}/productOrder/nope"),
        &ops,
        None,
    )
    .await;
    assert_eq!(status, 404);

    let token = s.token(PrincipalKind::User, &["jobs.admin"], "default");
    let console = Console::sign_in(&s, &token).await;
    let page = console.get("/console/dashboard").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    for chart in ["requests-chart", "latency-chart", "orders-chart"] {
        let at = body
            .find(&format!(r#"<svg class="chart" id="{chart}" role="img""#))
            .unwrap_or_else(|| panic!("no {chart}"));
        let svg = &body[at..at + body[at..].find("</svg>").expect("svg end")];
        assert!(
            svg.contains(&format!(r#"<title id="{chart}-title">"#)),
            "{svg}"
        );
        assert!(
            svg.contains(&format!(r#"<desc id="{chart}-desc">"#)),
            "{svg}"
        );
        assert!(svg.contains("<rect"), "{svg}");
    }
    // The family's numbers in the table: requests, one 404, no 5xx.
    let family = body
        .find("<th scope=\"row\">productOrderingManagement</th>")
        .expect("the TMF622 family");
    let cells: Vec<&str> = body[family..]
        .split("<td class=\"num\">")
        .skip(1)
        .take(6)
        .map(|c| c.split('<').next().unwrap_or(""))
        .collect();
    let requests: u64 = cells[0].parse().expect("requests");
    assert!(requests >= 3, "{cells:?}");
    assert_eq!(cells[1], "1", "one 404: {cells:?}");
    assert_eq!(cells[2], "0", "no 5xx: {cells:?}");
    assert!(cells[5].parse::<f64>().is_ok(), "a p99: {cells:?}");
    // The order completed in the last minutes.
    let table = &body[body.find(r#"id="completed-table""#).expect("minutes")..];
    let completed: u64 = table
        .split("<td class=\"num\">")
        .skip(1)
        .filter_map(|c| c.split('<').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(completed, 1, "{table}");
    // The figures refresh themselves.
    assert!(body.contains(r#"id="dashboard-live" data-refresh-ms="5000""#));
}

/// Where the screenshots of the docs go, when `OMNI_CONSOLE_SCREENSHOTS` is
/// set (a test run does not otherwise write into the repository).
async fn screenshot(b: &browser::Browser, name: &str) {
    if std::env::var_os("OMNI_CONSOLE_SCREENSHOTS").is_none() {
        return;
    }
    b.script("window.scrollTo(0, 0); return null;").await;
    let png = b.client().screenshot().await.expect("a screenshot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console");
    std::fs::create_dir_all(&dir).expect("docs/console");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
}

/// Issue 15, journey 4, in Chromium: an operator opens Operations, finds
/// the failed job and the failed partner order with why they failed, fixes
/// nothing but presses Retry once the cause is gone and watches the job
/// finish on the page; then re-drives a dead letter and watches it
/// delivered. Every page passes axe-core at 1280×800 and 390×844.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn journey_4_an_operator_finds_a_failed_job_and_a_dead_letter_and_retries_them() {
    let (s, trouble) = troubled().await;
    let token = s.token(PrincipalKind::User, &["events.admin"], "default");
    let (s, trouble) = (&s, &trouble);
    browser::journey(s, |b| async move {
        b.sign_in(&token).await;
        b.click("nav[aria-label='Console'] a[href='/console/operations']")
            .await;
        assert_eq!(b.text("h1").await, "Operations");

        // The failed job, with why it failed.
        let job_row = format!("#failed-jobs-table tr:has(input[value='{}'])", trouble.job);
        let reason = b.text(&format!("{job_row} td.reason")).await;
        assert!(reason.contains("gave up after 1 attempts"), "{reason}");
        assert!(reason.contains(SWAPPED_LINE), "{reason}");
        // The partner order it belongs to failed for the same reason.
        b.click("#state option[value='failed']").await;
        b.submit("#orders-filter button[type=submit]").await;
        let order = b.text("#orders-table tbody tr th code").await;
        assert_eq!(order, trouble.order);
        assert_eq!(b.text("#orders-table tbody tr td.state").await, "failed");
        // A parked dead letter, with the listener's answer.
        let letter_reason = b.text("#dead-letters-table tbody tr td.reason").await;
        assert!(letter_reason.contains("HTTP 503"), "{letter_reason}");
        b.assert_accessible_at_1280_and_390().await;
        screenshot(&b, "operations").await;

        // The cause is fixed elsewhere; the operator retries the job and
        // the page follows it until it is done, without a reload.
        overwrite(s, "subscriber", SWAPPED_LINE, trouble.line.clone()).await;
        b.submit(&format!("{job_row} button[type=submit]")).await;
        // The click returns before the browser has followed the form's
        // redirect (CI once read the old address), so wait for the page
        // the retry lands on before reading its address.
        b.wait_for("#retried-job").await;
        assert!(b.path().await.starts_with("/console/operations?retried="));
        b.wait_for("#retried-job .state-done").await;
        assert!(!b.exists(&job_row).await, "the job is no longer failed");
        let completed = s
            .store
            .get_document("default", "order", &trouble.order)
            .await
            .expect("read")
            .expect("the order");
        assert_eq!(completed.state.as_deref(), Some("completed"));

        // The listener is back; the operator re-drives the newest letter.
        trouble.receiver.set_failing(false);
        let letter = b.text("#dead-letters-table tbody tr th code").await;
        b.submit("#dead-letters-table tbody tr button[type=submit]")
            .await;
        b.wait_for("#redriven-letter .state-redriven").await;
        assert!(b.text("#redriven-letter").await.contains(&letter));
        b.assert_accessible_at_1280_and_390().await;

        // The dashboard draws what the server did meanwhile.
        b.click("nav[aria-label='Console'] a[href='/console/dashboard']")
            .await;
        assert_eq!(b.text("h1").await, "Dashboard");
        let charts = b.attrs("svg.chart[role='img']", "aria-labelledby").await;
        assert_eq!(charts.len(), 3, "{charts:?}");
        let families = b.texts("#families-table tbody th").await;
        assert!(families.iter().any(|f| f == "console"), "{families:?}");
        b.assert_accessible_at_1280_and_390().await;
        screenshot(&b, "dashboard").await;
    })
    .await;
}
