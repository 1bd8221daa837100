//! The console's Customers screens (issue 15, store agent) over HTTP, on
//! the demo data: find a customer four ways, their lines, offers with the
//! reason each ineligible one cannot be sold, a cart priced and promoted by
//! the cart use case, the order made from it taken through terms,
//! fulfilment, payment and submit to completion, and the new number.

mod common;

use common::{TestServer, install_crypto};
use omni_core::PrincipalKind;
use std::time::{Duration, Instant};

const PHONE: &str = "Mobile_Device_pkey73001_sku2680262";
const PLAN: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const ESIM: &str = "SIM_eSIM_prod10900055";

/// A browser without JavaScript: keeps the session cookie, follows no
/// redirect by itself (so a test sees each 303), reads the CSRF value from
/// the pages it gets.
struct Console {
    base: String,
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
    csrf: String,
}

struct Page {
    status: u16,
    location: String,
    html: String,
}

/// `text` as a form or query value: every byte but letters and digits
/// percent-encoded.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The value of `<input … name="csrf" value="…">` in `html`.
fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

impl Console {
    fn new(s: &TestServer) -> Self {
        install_crypto();
        Self {
            base: s.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Vec::new(),
            csrf: String::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn answer(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("cookie");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.retain(|(name, _)| name != k);
                if !v.is_empty() {
                    self.cookies.push((k.to_string(), v.to_string()));
                }
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let html = response.text().await.expect("body");
        if let Some(csrf) = csrf_in(&html) {
            self.csrf = csrf;
        }
        Page {
            status,
            location,
            html,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.answer(response).await
    }

    /// Posts `fields` and the session's CSRF value.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone();
        form.push(("csrf", &csrf));
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form.iter()
                    .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
            .send()
            .await
            .expect("POST");
        self.answer(response).await
    }

    /// Posts, expects a 303, and gets the page it points to.
    async fn post_and_follow(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let posted = self.post(path, fields).await;
        assert_eq!(posted.status, 303, "POST {path}: {}", posted.html);
        let to = posted.location.clone();
        let page = self.get(&to).await;
        Page {
            location: to,
            ..page
        }
    }

    async fn sign_in(s: &TestServer, token: &str) -> Self {
        let mut c = Self::new(s);
        let page = c.get("/console/sign-in").await;
        assert_eq!(page.status, 200);
        let signed = c.post("/console/sign-in", &[("token", token)]).await;
        assert_eq!(signed.status, 303, "{}", signed.html);
        let home = c.get("/console").await;
        assert_eq!(home.status, 200);
        c
    }
}

fn agent(s: &TestServer) -> String {
    s.token(
        PrincipalKind::User,
        &["sc.ops", "order.ops", "order.view"],
        "default",
    )
}

#[tokio::test]
async fn a_customer_is_found_by_name_account_billing_account_or_phone_number() {
    let s = TestServer::start_with_demo().await;
    let mut c = Console::sign_in(&s, &agent(&s)).await;
    for (q, found_by) in [
        ("rivera JORDAN", "name"),
        ("CA-1001", "account number"),
        ("cust-1001", "customer id"),
        ("556165899573", "billing account 556165899573"),
        ("(469) 000-2221", "phone number 4690002221"),
    ] {
        let page = c.get(&format!("/console/customers?q={}", enc(q))).await;
        assert_eq!(page.status, 200, "{q}: {}", page.html);
        assert!(
            page.html
                .contains("<a href=\"/console/customers/CA-1001\">Jordan Rivera</a>"),
            "{q}: {}",
            page.html
        );
        assert!(page.html.contains(found_by), "{q} found by {found_by}");
        assert!(!page.html.contains("Sam Okafor"), "{q}");
    }
    let none = c.get("/console/customers?q=nobody+here").await;
    assert!(none.html.contains("id=\"none-found\""), "{}", none.html);
    // The use case's refusal of the text, under the box it names.
    let long = "x".repeat(101);
    let refused = c.get(&format!("/console/customers?q={long}")).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.html.contains(
            "id=\"q-error\" class=\"error\" role=\"alert\">must be at most 100 characters"
        ),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("aria-describedby=\"q-error\""));
}

#[tokio::test]
async fn a_customer_s_page_shows_each_line_with_plan_features_device_and_sim() {
    let s = TestServer::start_with_demo().await;
    let mut c = Console::sign_in(&s, &agent(&s)).await;
    let page = c.get("/console/customers/CA-1001").await;
    assert_eq!(page.status, 200, "{}", page.html);
    let html = &page.html;
    assert!(html.contains("<h1>Jordan Rivera</h1>"), "{html}");
    assert!(html.contains("556165899573"));
    assert!(html.contains("id=\"line-4690002221\""), "{html}");
    assert!(html.contains("469-000-2221"));
    assert!(
        html.contains("Unlimited Premium"),
        "the plan by name: {html}"
    );
    assert!(html.contains("IMEI 353456789012348"));
    assert!(html.contains("ICCID 89014103211118510720"));
    assert!(html.contains(
        "/console/customers/CA-1001/offers?line=4690002221&amp;relatedProductOfferingId="
    ));
    assert!(
        !html.contains("sku12037300050"),
        "features by name, not SKU"
    );
    // Offers for the line: those related to its plan (the plans it may
    // swap to, its SIMs), as Product Discovery relates them.
    let offers = c
        .get("/console/customers/CA-1001/offers?line=4690002221&relatedProductOfferingId=0b690f7e-3f41-49bf-a6cf-6f65caa650ca")
        .await;
    assert_eq!(offers.status, 200, "{}", offers.html);
    assert!(offers.html.contains("id=\"for-line\""), "{}", offers.html);
    assert!(offers.html.contains("Unlimited Extra"), "{}", offers.html);
    assert!(row_of(&offers.html, "SIM_eSIM_prod10900055").contains("Eligible"));
    assert!(
        !offers.html.contains(PHONE),
        "a phone is not related to the plan"
    );
    let unknown = c.get("/console/customers/CA-404").await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn offers_a_customer_cannot_buy_say_why() {
    let s = TestServer::start_with_demo().await;
    let mut c = Console::sign_in(&s, &agent(&s)).await;
    // Unlimited Premium is sold to consumers: not to the business customer.
    let business = offers_page_with(
        &mut c,
        "/console/customers/81730304/offers?categoryName=Mobile_Offers",
        PLAN,
    )
    .await;
    let row = row_of(&business, PLAN);
    assert!(row.contains("Not eligible"), "{row}");
    assert!(row.contains("CUSTOMER_TYPE"), "{row}");
    let consumer = offers_page_with(
        &mut c,
        "/console/customers/CA-1001/offers?categoryName=Mobile_Offers",
        PLAN,
    )
    .await;
    let row = row_of(&consumer, PLAN);
    assert!(
        row.contains("Eligible") && !row.contains("Not eligible"),
        "{row}"
    );
    // Discovery's own refusal of a filter, next to it.
    let refused = c
        .get("/console/customers/CA-1001/offers?paymentOption=later")
        .await;
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(
        refused.html.contains("id=\"paymentOption-error\""),
        "{}",
        refused.html
    );
}

/// The offers page (from `first`, following "Next offers") listing `id`.
async fn offers_page_with(c: &mut Console, first: &str, id: &str) -> String {
    let mut path = first.to_string();
    for _ in 0..20 {
        let page = c.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.html);
        if page.html.contains(&format!("<tr id=\"offer-{id}\"")) {
            return page.html;
        }
        let Some(at) = page.html.find("\">Next offers") else {
            break;
        };
        let start = page.html[..at].rfind("href=\"").expect("link") + 6;
        path = page.html[start..at].replace("&amp;", "&");
    }
    panic!("no page of {first} lists {id}");
}

/// The `<tr>` of offer `id`.
fn row_of<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("<tr id=\"offer-{id}\""))
        .unwrap_or_else(|| panic!("no row for {id}: {html}"));
    let end = html[at..].find("</tr>").map_or(html.len(), |e| at + e);
    &html[at..end]
}

/// The text of the element whose id is `id` (up to its first `<`).
fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}: {html}"));
    let start = html[at..].find('>').map_or(at, |e| at + e + 1);
    let end = html[start..].find('<').map_or(html.len(), |e| start + e);
    html[start..end].to_string()
}

#[tokio::test]
async fn a_store_agent_sells_a_new_line_and_sees_its_number() {
    let s = TestServer::start_with_demo().await;
    let mut c = Console::sign_in(&s, &agent(&s)).await;
    let customer = "/console/customers/CA-1001";
    let started = c.post_and_follow(&format!("{customer}/carts"), &[]).await;
    assert_eq!(started.status, 200, "{}", started.html);
    let cart = started.location.clone();
    assert!(cart.starts_with(&format!("{customer}/carts/")), "{cart}");
    let items = format!("{cart}/items");
    // The plan on the postpaid account (the cart rules want a plan before a
    // phone), the phone on installments, an eSIM.
    let offers = offers_page_with(
        &mut c,
        &format!(
            "{customer}/offers?cart={}&productOfferingType=Mobile_Device&paymentOption=installment",
            cart.rsplit('/').next().unwrap_or("")
        ),
        PHONE,
    )
    .await;
    let row = row_of(&offers, PHONE);
    assert!(
        row.contains("Add Galaxy S24 128GB Onyx Black to the cart"),
        "{row}"
    );
    assert!(
        row.contains("22.22 USD"),
        "installments as discovery prices them: {row}"
    );
    c.post_and_follow(
        &items,
        &[("offering", PLAN), ("billing_account", "556165899573")],
    )
    .await;
    c.post_and_follow(&items, &[("offering", PHONE), ("payment", "installment")])
        .await;
    let page = c.post_and_follow(&items, &[("offering", ESIM)]).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("Galaxy S24 128GB Onyx Black"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Installments, monthly"), "{}", page.html);
    let financed_due = text_of(&page.html, "cart-totals-due");
    // Paying the phone in full today raises what is due today.
    let full = c
        .post_and_follow(
            &format!("{items}/2"),
            &[("action", "payment"), ("payment", "full")],
        )
        .await;
    let full_due = text_of(&full.html, "cart-totals-due");
    assert_ne!(full_due, financed_due, "{}", full.html);
    let back = c
        .post_and_follow(
            &format!("{items}/2"),
            &[("action", "payment"), ("payment", "installment")],
        )
        .await;
    assert_eq!(text_of(&back.html, "cart-totals-due"), financed_due);

    // The order, at the cart's price.
    let order = c.post_and_follow(&format!("{cart}/order"), &[]).await;
    assert_eq!(order.status, 200, "{}", order.html);
    let order_path = order.location.clone();
    assert!(order_path.starts_with(&format!("{customer}/orders/")));
    assert_eq!(text_of(&order.html, "order-totals-list-due"), financed_due);
    // A submit before the steps is refused with the order's own reasons.
    let early = c.post(&format!("{order_path}/submit"), &[]).await;
    assert!(early.status >= 400 && early.status < 500, "{}", early.html);
    assert!(early.html.contains("role=\"alert\""), "{}", early.html);
    // Terms: every agreement offered.
    let agreements: Vec<String> = order
        .html
        .match_indices("name=\"agreement\" value=\"")
        .map(|(at, m)| {
            let rest = &order.html[at + m.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
        .collect();
    assert!(
        agreements.iter().any(|a| a == "InstallmentAgreement"),
        "{agreements:?}"
    );
    let fields: Vec<(&str, &str)> = agreements
        .iter()
        .map(|a| ("agreement", a.as_str()))
        .collect();
    c.post_and_follow(&format!("{order_path}/terms"), &fields)
        .await;
    // Shipping to the billing address the form proposes.
    let shipped = c
        .post_and_follow(
            &format!("{order_path}/fulfillment"),
            &[
                ("option", "standardShipping"),
                ("addressLine1", "123 Main St"),
                ("city", "Dallas"),
                ("state", "TX"),
                ("zipCode", "75201"),
            ],
        )
        .await;
    assert!(
        shipped.html.contains("id=\"fulfilment-chosen\""),
        "{}",
        shipped.html
    );
    if shipped.html.contains("id=\"payment\"") {
        // A declined card is the gateway's answer, shown in its step.
        let card = |number| {
            [
                ("number", number),
                ("expiryMonth", "12"),
                ("expiryYear", "2031"),
                ("cvv", "123"),
                ("holderName", "Jordan Rivera"),
            ]
        };
        let declined = c
            .post(&format!("{order_path}/payment"), &card("4000000000000002"))
            .await;
        assert!(
            declined.status >= 400 && declined.status < 500,
            "{}",
            declined.html
        );
        assert!(declined.html.contains("role=\"alert\""));
        let paid = c
            .post_and_follow(&format!("{order_path}/payment"), &card("4242424242424242"))
            .await;
        assert!(paid.html.contains("id=\"payment-done\""), "{}", paid.html);
    }
    let submitted = c
        .post_and_follow(&format!("{order_path}/submit"), &[])
        .await;
    assert!(
        submitted.html.contains("data-refresh-ms=\"1000\"")
            || submitted.html.contains("id=\"new-numbers\""),
        "{}",
        submitted.html
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let done = loop {
        let page = c.get(&order_path).await;
        if page.html.contains("id=\"new-numbers\"") || Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        text_of(&done.html, "order-state"),
        "completed",
        "{}",
        done.html
    );
    assert!(
        !done.html.contains("data-refresh-ms"),
        "no refresh once done"
    );
    let marker = "class=\"new-number\">";
    let at = done.html.find(marker).expect("the new number") + marker.len();
    let number = done.html[at..].split('<').next().unwrap_or("").to_string();
    assert_eq!(number.len(), 12, "a 10-digit number as 469-…: {number}");
    let items = &done.html[done.html.find("id=\"order-items\"").expect("items")..];
    assert_eq!(
        items
            .matches(&format!("<td>completed</td><td>{number}</td>"))
            .count(),
        3,
        "{items}"
    );
    // The new line on the customer's page, with its plan, phone and eSIM.
    let lines = c.get(customer).await;
    let row_at = lines
        .html
        .find(&format!("id=\"line-{}\"", number.replace('-', "")))
        .unwrap_or_else(|| panic!("the new line {number}: {}", lines.html));
    let row = &lines.html[row_at..];
    let row = &row[..row.find("</tr>").unwrap_or(row.len())];
    assert!(row.contains("Unlimited Premium"), "{row}");
    assert!(row.contains("Galaxy S24"), "{row}");
    assert!(row.contains("eSIM"), "{row}");
    // The cart now points at its order.
    let closed = c.get(&cart).await;
    assert!(
        closed.html.contains("id=\"cart-ordered\""),
        "{}",
        closed.html
    );
}

#[tokio::test]
async fn the_screens_need_a_selling_role_and_the_agent_s_tenant() {
    let s = TestServer::start_with_demo().await;
    let care = s.token(PrincipalKind::User, &["care.ops"], "default");
    let mut c = Console::sign_in(&s, &care).await;
    for path in [
        "/console/customers",
        "/console/customers/CA-1001",
        "/console/customers/CA-1001/offers",
    ] {
        let page = c.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.html.contains("order.ops, sc.ops"), "{}", page.html);
    }
    // Another tenant's agent does not see this tenant's customers.
    let other = s.token(PrincipalKind::User, &["sc.ops", "order.ops"], "acme");
    let mut c = Console::sign_in(&s, &other).await;
    let page = c.get("/console/customers?q=Jordan").await;
    assert!(page.html.contains("id=\"none-found\""), "{}", page.html);
    assert_eq!(c.get("/console/customers/CA-1001").await.status, 404);
    // A cart or an order is shown only under its own customer.
    let mut c = Console::sign_in(&s, &agent(&s)).await;
    let started = c
        .post_and_follow("/console/customers/CA-1001/carts", &[])
        .await;
    let elsewhere = started.location.replace("CA-1001", "CA-1002");
    assert_eq!(c.get(&elsewhere).await.status, 404, "{elsewhere}");
    let moved = c.post(&format!("{elsewhere}/order"), &[]).await;
    assert_eq!(moved.status, 404, "{}", moved.html);
    // A form without the session's CSRF value changes nothing.
    c.csrf = "forged".into();
    let forged = c.post("/console/customers/CA-1001/carts", &[]).await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn pages_render_within_the_budget_on_demo_data() {
    let s = TestServer::start_with_demo().await;
    let mut c = Console::sign_in(&s, &agent(&s)).await;
    let started = c
        .post_and_follow("/console/customers/CA-1001/carts", &[])
        .await;
    let cart = started.location.clone();
    c.post_and_follow(
        &format!("{cart}/items"),
        &[("offering", PLAN), ("billing_account", "556165899573")],
    )
    .await;
    for path in [
        "/console/customers?q=rivera".to_string(),
        "/console/customers/CA-1001".to_string(),
        "/console/customers/CA-1001/offers?productOfferingType=Mobile_Device".to_string(),
        cart.clone(),
    ] {
        // Rounds of three requests: every time is reported, and the
        // fastest of each round is what the page costs when the machine
        // lets it run (other test processes share its two cores in bursts).
        let (mut times, mut fastest) = (Vec::new(), Vec::new());
        for _ in 0..20 {
            let mut round = Vec::new();
            for _ in 0..3 {
                let t = Instant::now();
                let page = c.get(&path).await;
                round.push(t.elapsed());
                assert_eq!(page.status, 200, "{path}");
            }
            fastest.extend(round.iter().min().copied());
            times.extend(round);
        }
        times.sort();
        fastest.sort();
        let (p50, p99) = (times[times.len() / 2], times[times.len() * 99 / 100]);
        println!("{path}: p50 {p50:?} p99 {p99:?}");
        // The budget is 30 ms at p99 in a release build; this is a debug
        // build. A page that reads a long list, or one record per row,
        // misses it even at its fastest.
        let typical = fastest[fastest.len() / 2];
        assert!(
            typical < Duration::from_millis(30),
            "{path}: {typical:?} at its fastest"
        );
    }
}
