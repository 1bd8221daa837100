//! The console's care screens over HTTP (issue 15, "Care agent"): a line
//! found and shown as careAccount answers it, care changes placed through
//! the care order use case with refusals next to their fields, care orders
//! followed live and cancelled while pending, and who may do what.

mod common;

use common::TestServer;
use omni_app::care::worker;
use omni_core::PrincipalKind;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;
use std::time::Duration;

/// A Dallas business line of the demo data: active, two add-ons, a device.
const LINE: &str = "1234567890";
/// Another line of the same group, suspended in the demo data.
const SUSPENDED: &str = "1234567891";

/// A browser's part: the console's cookies, and the session's CSRF value
/// read from its pages.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    csrf: String,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Page {
    /// Whether the page's markup holds `needle`.
    fn has(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }

    /// The text of `<p id="{id}-error" …>…</p>`, if the page has it.
    fn error(&self, id: &str) -> Option<String> {
        let start = self.body.find(&format!("id=\"{id}-error\""))?;
        let open = self.body[start..].find('>')? + start + 1;
        let close = self.body[open..].find("</p>")? + open;
        Some(self.body[open..close].to_string())
    }
}

/// The value of the first hidden `csrf` field of `html`.
fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')? + at;
    Some(html[at..end].to_string())
}

impl Browser {
    fn new(server: &TestServer) -> Self {
        common::install_crypto();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            http,
            base: server.base.clone(),
            cookies: BTreeMap::new(),
            csrf: String::new(),
        }
    }

    /// Signs in with `token` through the sign-in form.
    async fn signed_in(server: &TestServer, token: &str) -> Self {
        let mut b = Self::new(server);
        let form = b.get("/console/sign-in").await;
        let csrf = csrf_of(&form.body).expect("sign-in csrf");
        let done = b
            .send_form(
                "/console/sign-in",
                &[("csrf", csrf.as_str()), ("token", token)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let home = b.get("/console").await;
        assert_eq!(home.status, StatusCode::OK);
        b.csrf = csrf_of(&home.body).expect("session csrf");
        b
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let Some((pair, attributes)) = text.split_once(';').or(Some((text, ""))) else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_string(), value.to_string());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn answer(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("send");
        self.keep_cookies(&response);
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.expect("body");
        assert!(!status.is_server_error(), "a 5xx is a bug: {status} {body}");
        Page {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.answer(request).await
    }

    async fn send_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = form_body(fields);
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.answer(request).await
    }

    /// Posts `fields` with this session's CSRF value.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.send_form(path, &all).await
    }

    /// Posts `fields` and follows the 303 to the page it names.
    async fn post_and_follow(&mut self, path: &str, fields: &[(&str, &str)]) -> (String, Page) {
        let placed = self.post(path, fields).await;
        assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
        let to = placed.location.expect("Location");
        let page = self.get(&to).await;
        (to, page)
    }
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(&encode(k));
        s.push('=');
        s.push_str(&encode(v));
    }
    s
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Reads the order page until it no longer asks to be refreshed.
async fn settled(b: &mut Browser, order_path: &str) -> Page {
    for _ in 0..200 {
        let page = b.get(order_path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if !page.has("data-refresh-ms") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("care order {order_path} did not end");
}

async fn stored_orders(server: &TestServer) -> u64 {
    server
        .store
        .count_documents(&omni_store::DocumentQuery {
            tenant: "default".into(),
            kind: "careOrder".into(),
            ..Default::default()
        })
        .await
        .expect("count")
}

#[tokio::test]
async fn a_line_is_found_by_number_and_shown_as_care_account_answers_it() {
    let server = TestServer::start_demo_without_workers().await;
    let mut b = Browser::signed_in(&server, &server.care_token("client-7")).await;

    let start = b.get("/console/care").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.has("<label for=\"ctn\">"));

    let found = b
        .get(&format!("/console/care?ctn={LINE}&group=73001012763"))
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    let to = found.location.expect("to the line");
    assert_eq!(to, format!("/console/care/lines/{LINE}?group=73001012763"));
    let line = b.get(&to).await;
    assert_eq!(line.status, StatusCode::OK, "{}", line.body);
    for shown in [
        "<h1>Line 1234567890</h1>",
        "state-active",
        "Mobile_Offer_business-unlimited-performance",
        "Business Unlimited Performance",
        "sku12037300040",
        "Hotspot 15GB",
        "sku12037300033",
        "IMEI 359194077165200",
        "ICCID 89014704272630325800",
        "Bell Field Services - Dallas",
        "Alex Bell",
        "Laura Madison",
        "bill cycle day 15",
    ] {
        assert!(line.has(shown), "the line page shows {shown}");
    }
    assert!(line.has(&format!(
        "/console/care/lines/{LINE}/change/suspend?group=73001012763"
    )));

    // Not found: the search again, the reason next to the number.
    let missing = b.get("/console/care?ctn=5550000000").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing
            .error("ctn")
            .expect("ctn error")
            .contains("5550000000")
    );
    // A line outside the group named is not found either (careAccount's rule).
    let elsewhere = b
        .get(&format!("/console/care/lines/{LINE}?group=73001012764"))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert!(elsewhere.error("ctn").is_some());
    // No number: the care API's own rule.
    let blank = b.get("/console/care?ctn=&group=73001012763").await;
    assert!(
        blank
            .error("ctn")
            .expect("required")
            .contains("is required")
    );
}

/// Journey 2 over HTTP: a lost phone, suspended and blocked at once; the
/// order is followed until it completes and the line shows suspended.
#[tokio::test]
async fn a_lost_phone_is_suspended_and_the_order_followed_to_completion() {
    let server = TestServer::start_with_demo().await;
    let mut b = Browser::signed_in(&server, &server.care_token("client-7")).await;
    let form_path = format!("/console/care/lines/{LINE}/change/suspend");
    let form = b.get(&form_path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("<option value=\"Lost\">Lost</option>"));

    let (order_path, _) = b
        .post_and_follow(
            &form_path,
            &[
                ("reason", "Lost"),
                ("network", "block"),
                ("when", "immediate"),
            ],
        )
        .await;
    assert!(
        order_path.starts_with("/console/care/orders/CO-"),
        "{order_path}"
    );
    let done = settled(&mut b, &order_path).await;
    assert!(done.has("state-completed\">Completed"), "{}", done.body);
    assert!(done.has("reason Lost"));
    assert!(done.has("block on the network"));
    assert!(!done.has("id=\"cancel-order\""), "nothing left to cancel");

    let line = b.get(&format!("/console/care/lines/{LINE}")).await;
    assert!(
        line.has("state-suspended\">suspended</span> (Lost)"),
        "{}",
        line.body
    );
    assert!(line.has("blocked on the network"));
    // The history links the change to its order.
    let id = order_path.trim_start_matches("/console/care/orders/");
    assert!(line.has(&format!("href=\"/console/care/orders/{id}\"")));
}

#[tokio::test]
async fn refusals_are_shown_next_to_the_field_they_name_and_nothing_is_stored() {
    let server = TestServer::start_demo_without_workers().await;
    let mut b = Browser::signed_in(&server, &server.care_token("client-7")).await;
    let change = |kind: &str| format!("/console/care/lines/{LINE}/change/{kind}");

    // No reason: the validator's rule, under the reason.
    let page = b.post(&change("suspend"), &[("when", "immediate")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let rule = page.error("reason").expect("reason error");
    assert!(
        rule.contains("is required for a suspend change request"),
        "{rule}"
    );
    assert!(page.has("aria-describedby=\"reason-error\""));
    assert!(page.has("role=\"alert\""));

    // Resuming an active line: the rehearsal's refusal, under the reason.
    let page = b
        .post(
            &change("resume"),
            &[("reason", "Found"), ("when", "immediate")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.error("reason")
            .expect("reason")
            .contains("ILLEGAL_TRANSITION")
    );

    // A plan change without the customer's consent to recurring charges.
    let plan = "Mobile_Offer_business-unlimited-essentials";
    let page = b.post(&change("plan"), &[("plan", plan)]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.error("consent")
            .expect("consent")
            .contains("may not be false")
    );
    assert!(
        page.has(&format!("<option value=\"{plan}\" selected")),
        "the choice is kept"
    );

    // A malformed number, and a date that is not one.
    let page = b.post(&change("number"), &[("new_ctn", "12ab")]).await;
    assert!(page.error("new_ctn").is_some(), "{}", page.body);
    let page = b
        .post(
            &change("sim"),
            &[("iccid", "89014704272630325899"), ("when", "date")],
        )
        .await;
    assert!(page.error("when").expect("date").contains("RFC 3339"));
    // A contact without a last name, an address without a ZIP.
    let page = b
        .post(
            &change("contact"),
            &[
                ("first", "Dana"),
                ("line1", "1 Elm St"),
                ("city", "Dallas"),
                ("state", "TX"),
            ],
        )
        .await;
    assert!(page.error("last").is_some());
    assert!(page.error("zip").is_some());
    assert!(page.has("value=\"Dana\""), "what was typed is kept");

    assert_eq!(stored_orders(&server).await, 0, "nothing refused is stored");
}

#[tokio::test]
async fn features_and_plans_offered_are_the_lines_and_a_pending_order_is_cancelled() {
    let server = TestServer::start_demo_without_workers().await;
    let mut b = Browser::signed_in(&server, &server.care_token("client-7")).await;
    let features = format!("/console/care/lines/{LINE}/change/features");
    let form = b.get(&features).await;
    assert_eq!(form.status, StatusCode::OK);
    // The add-ons the line has are offered for removal, not to add again.
    assert!(form.has("name=\"remove\" type=\"checkbox\" value=\"sku12037300040\""));
    assert!(!form.has("<option value=\"sku12037300040\""));
    let addon = "sku12037300060";
    assert!(
        form.has(&format!("<option value=\"{addon}\"")),
        "{}",
        form.body
    );
    let plans = b
        .get(&format!("/console/care/lines/{LINE}/change/plan"))
        .await;
    assert!(plans.has("Mobile_Offer_business-unlimited-essentials"));
    assert!(
        !plans.has("<option value=\"Mobile_Offer_business-unlimited-performance\""),
        "not the line's own plan"
    );

    // Due at the next billing cycle: pending, read again slowly, cancellable.
    let (order_path, order) = b
        .post_and_follow(
            &features,
            &[
                ("add", addon),
                ("consent", "yes"),
                ("when", "nextBillingCycle"),
            ],
        )
        .await;
    assert!(order.has("state-inProgress\">InProgress"));
    assert!(
        order.has("data-refresh-ms=\"60000\""),
        "due later: no busy polling"
    );
    assert!(order.has(&format!("add <code>{addon}</code>")));
    assert!(order.has("id=\"cancel-order\""));
    let (back, cancelled) = b
        .post_and_follow(&format!("{order_path}/cancel"), &[])
        .await;
    assert_eq!(back, order_path);
    assert!(cancelled.has("state-cancelled\">Cancelled"));
    assert!(!cancelled.has("data-refresh-ms"));
    assert!(!cancelled.has("id=\"cancel-order\""));

    // Processed: no longer cancellable, the use case's words on the page.
    let (done_path, _) = b
        .post_and_follow(
            &format!("/console/care/lines/{LINE}/change/device"),
            &[("imei", "356938035643809")],
        )
        .await;
    assert_eq!(
        worker::claim_and_process(&server.state.ctx, "w")
            .await
            .expect("claim"),
        1
    );
    let refused = b.post(&format!("{done_path}/cancel"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.has("processing has started"), "{}", refused.body);
    assert!(refused.has("state-completed\">Completed"));
    let line = b.get(&format!("/console/care/lines/{LINE}")).await;
    assert!(line.has("IMEI 356938035643809"));
}

#[tokio::test]
async fn care_orders_are_listed_by_group_and_date_for_the_tokens_client_only() {
    let server = TestServer::start_demo_without_workers().await;
    let mut b = Browser::signed_in(&server, &server.care_token("client-7")).await;
    let (order_path, _) = b
        .post_and_follow(
            &format!("/console/care/lines/{SUSPENDED}/change/resume"),
            &[("reason", "Found"), ("network", "unblock")],
        )
        .await;
    let id = order_path
        .trim_start_matches("/console/care/orders/")
        .to_string();

    let list = b.get("/console/care/orders").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.has("1 care order<"), "{}", list.body);
    assert!(list.has(&id));
    let by_group = b.get("/console/care/orders?group=73001012763").await;
    assert!(by_group.has(&id));
    let other_group = b.get("/console/care/orders?group=73001012764").await;
    assert!(other_group.has("0 care orders"));
    let backwards = b
        .get("/console/care/orders?from=2026-12-04&to=2026-12-01")
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert!(
        backwards
            .error("to")
            .expect("to")
            .contains("must not be before fromDate")
    );
    let by_id = b.get(&format!("/console/care/orders?orderId={id}")).await;
    assert_eq!(by_id.location.as_deref(), Some(order_path.as_str()));

    // Another care client sees neither the order nor it in the list.
    let mut other = Browser::signed_in(&server, &server.care_token("client-8")).await;
    assert_eq!(other.get(&order_path).await.status, StatusCode::NOT_FOUND);
    assert!(!other.get("/console/care/orders").await.has(&id));
    let refused = other.post(&format!("{order_path}/cancel"), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_client_and_csrf_are_checked() {
    let server = TestServer::start_demo_without_workers().await;
    // Without care.ops: refused every care page.
    let sales = server.token(PrincipalKind::User, &["order.ops"], "default");
    let mut b = Browser::signed_in(&server, &sales).await;
    for path in [
        "/console/care".to_string(),
        format!("/console/care/lines/{LINE}"),
        format!("/console/care/lines/{LINE}/change/suspend"),
        "/console/care/orders".to_string(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.has("care.ops"));
    }
    let page = b
        .post(
            &format!("/console/care/lines/{LINE}/change/suspend"),
            &[("reason", "Lost")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // A care agent whose token names no care client: lines yes, orders no,
    // in the use case's words.
    let agent = server.token(PrincipalKind::User, &["care.ops"], "default");
    let mut b = Browser::signed_in(&server, &agent).await;
    let line = b.get(&format!("/console/care/lines/{LINE}")).await;
    assert_eq!(line.status, StatusCode::OK);
    assert!(line.has("id=\"client-note\""));
    assert!(line.has("client_id"));
    let page = b
        .post(
            &format!("/console/care/lines/{LINE}/change/suspend"),
            &[("reason", "Lost")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.has("id=\"problems\""));
    assert!(page.has("client_id"));

    // A form without the session's CSRF value is refused, nothing placed.
    let mut b = Browser::signed_in(&server, &server.care_token("client-7")).await;
    let forged = b
        .send_form(
            &format!("/console/care/lines/{LINE}/change/suspend"),
            &[("reason", "Lost"), ("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(stored_orders(&server).await, 0);
    // An unknown kind of change is not a page.
    let unknown = b
        .get(&format!("/console/care/lines/{LINE}/change/teleport"))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
