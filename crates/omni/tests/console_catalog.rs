//! The catalog manager's console screens over HTTP (issue 15): offerings
//! searched and paged, a price change that reaches the discovery preview
//! and a new cart, the use cases' refusals shown beside the fields they
//! name, lifecycle changes, and each part's own role.

mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PREMIUM: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";
const FORM: &str = "application/x-www-form-urlencoded";
const PREMIUM_ONE_LINE: &str = "price-unlimited-premium-lines-1";

/// A signed-in console user: the session cookie and its CSRF value, sent
/// by hand (redirects are not followed, so each answer can be checked).
struct Console<'a> {
    s: &'a TestServer,
    client: reqwest::Client,
    cookie: String,
    csrf: String,
}

/// The value of `name="csrf"` in a page.
fn csrf_of(html: &str) -> String {
    let at =
        html.find(r#"name="csrf" value=""#).expect("a csrf field") + r#"name="csrf" value=""#.len();
    html[at..]
        .split('"')
        .next()
        .expect("csrf value")
        .to_string()
}

/// A form body, as a browser sends it.
fn form_body(fields: &[(&str, &str)]) -> String {
    let mut body = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    body.finish()
}

/// The `name=value` of the cookie `name` a response sets.
fn cookie_set(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .find(|pair| pair.starts_with(&format!("{name}=")))
}

/// The text of the element whose `id` is given (tags inside removed).
fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"id="{id}""#))?;
    let start = at + html[at..].find('>')? + 1;
    let tag_start = html[..at].rfind('<')?;
    let tag: String = html[tag_start + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    // The element ends at its closing tag (no element of the same name nests in the ones read here).
    let end = start + html[start..].find(&format!("</{tag}>"))?;
    let mut out = String::new();
    let mut inside = false;
    for c in html[start..end].chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl<'a> Console<'a> {
    async fn sign_in(s: &'a TestServer, roles: &[&str]) -> Console<'a> {
        common::install_crypto();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let form = client
            .get(s.url("/console/sign-in"))
            .send()
            .await
            .expect("send");
        let pre = cookie_set(&form, "omni_console_sign_in").expect("sign-in cookie");
        let csrf = csrf_of(&form.text().await.expect("body"));
        let token = s.token(PrincipalKind::User, roles, "default");
        let resp = client
            .post(s.url("/console/sign-in"))
            .header(COOKIE, pre)
            .header(CONTENT_TYPE, FORM)
            .body(form_body(&[
                ("token", token.as_str()),
                ("csrf", csrf.as_str()),
            ]))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 303, "signed in");
        let cookie = cookie_set(&resp, "omni_console").expect("session cookie");
        let mut console = Console {
            s,
            client,
            cookie,
            csrf: String::new(),
        };
        let (status, home) = console.get("/console").await;
        assert_eq!(status, 200);
        console.csrf = csrf_of(&home);
        console
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let resp = self
            .client
            .get(self.s.url(path))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("send");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    /// Posts a form with this session's CSRF value: the status, and the
    /// redirect's target or the page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let resp = self
            .client
            .post(self.s.url(path))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, FORM)
            .body(form_body(&form))
            .send()
            .await
            .expect("send");
        let status = resp.status().as_u16();
        if status == 303 {
            let to = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            return (status, to);
        }
        (status, resp.text().await.expect("body"))
    }

    /// The form's hidden `version` on a page.
    fn version(html: &str) -> String {
        let at = html
            .find(r#"name="version" value=""#)
            .expect("a version field")
            + r#"name="version" value=""#.len();
        html[at..].split('"').next().expect("version").to_string()
    }

    /// The discovery preview at `query`, once this node's index has taken
    /// in every catalog change.
    async fn current_preview(&self, query: &str) -> String {
        let started = Instant::now();
        loop {
            let (status, html) = self.get(&format!("/console/catalog/preview?{query}")).await;
            assert_eq!(status, 200, "{html}");
            if html.contains(r#"data-current="true""#) {
                assert!(
                    !html.contains("data-refresh-ms"),
                    "a current answer is not refreshed"
                );
                return html;
            }
            assert!(
                html.contains(r#"data-refresh-ms="500""#),
                "a stale answer refreshes itself"
            );
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the index never caught up"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn price_form<'f>(version: &'f str, value: &'f str) -> Vec<(&'f str, &'f str)> {
    vec![
        ("version", version),
        ("name", "Unlimited Premium - monthly price per line, 1 line"),
        ("price.value", value),
        ("price.unit", "USD"),
        ("priceType", "recurring"),
        ("recurringChargePeriodType", "month"),
        ("recurringChargePeriodLength", "1"),
        ("lineCountMin", "1"),
        ("lineCountMax", "1"),
        ("validFor.startDateTime", "2024-01-01T00:00:00Z"),
        ("validFor.endDateTime", ""),
    ]
}

/// The monthly total of a cart (TMF663 `cartTotalPrice`).
fn monthly(cart: &Value) -> String {
    cart["cartTotalPrice"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["priceType"] == "recurring")
        .and_then(|t| t["price"]["taxIncludedAmount"]["value"].as_str())
        .expect("a monthly total")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offerings_are_searched_filtered_and_paged() {
    let s = TestServer::start_with_demo().await;
    let c = Console::sign_in(&s, &["catalog.admin"]).await;
    let started = Instant::now();
    let (status, all) = c.get("/console/catalog").await;
    let took = started.elapsed();
    assert_eq!(status, 200);
    assert!(
        all.contains("Page 1 of 5 (92 in all)"),
        "{}",
        text_of(&all, "main").unwrap_or_default()
    );
    assert!(all.contains(r#"rel="next""#));
    let (_, second) = c.get("/console/catalog?page=2").await;
    assert!(second.contains("Page 2 of 5"));
    assert!(second.contains(r#"rel="prev""#));

    let (_, found) = c.get("/console/catalog?q=Unlimited").await;
    let table = text_of(&found, "offerings").expect("a table");
    assert!(table.contains("Unlimited Premium"), "{table}");
    assert!(!table.contains("iPhone"), "{table}");
    let (_, plans) = c
        .get("/console/catalog?q=Unlimited&type=Mobile_Offer&status=Active")
        .await;
    let plans = text_of(&plans, "offerings").expect("a table");
    assert!(
        plans.contains("Unlimited Premium") && !plans.contains("Hotspot"),
        "{plans}"
    );
    let (_, none) = c.get("/console/catalog?q=Nothing%20named%20so").await;
    assert!(none.contains(r#"id="no-offerings""#));
    println!("offerings page rendered in {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_change_reaches_the_discovery_preview_and_a_new_cart() {
    let s = TestServer::start_with_demo().await;
    let c = Console::sign_in(&s, &["catalog.admin"]).await;
    let plan_query = format!(
        "channel=ECOMM&customerType=Consumer&categoryName=Mobile_Offers&productOfferingId={PREMIUM}"
    );
    let before = c.current_preview(&plan_query).await;
    assert!(
        text_of(&before, "offers")
            .expect("offers")
            .contains("85.99 USD")
    );

    // The offering's page lists the price; its own page changes it.
    let (_, offering) = c
        .get(&format!("/console/catalog/offerings/{PREMIUM}"))
        .await;
    assert!(offering.contains(&format!("/console/catalog/prices/{PREMIUM_ONE_LINE}")));
    let (status, page) = c
        .get(&format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"))
        .await;
    assert_eq!(status, 200);
    let version = Console::version(&page);
    let (status, to) = c
        .post(
            &format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"),
            &price_form(&version, "79.99"),
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (
            303,
            format!("/console/catalog/prices/{PREMIUM_ONE_LINE}?saved=1").as_str()
        )
    );
    let (_, saved) = c.get(&to).await;
    assert_eq!(
        text_of(&saved, "price-amount").as_deref(),
        Some("79.99 USD")
    );
    assert!(saved.contains(r#"id="saved""#));
    // Reached from its offering, the page links back and to the preview;
    // the offerings that list it are searched only when asked.
    let (_, from) = c
        .get(&format!(
            "/console/catalog/prices/{PREMIUM_ONE_LINE}?offering={PREMIUM}"
        ))
        .await;
    assert!(text_of(&from, "offering-links").is_some_and(|t| t.contains("Preview the offering")));
    assert!(from.contains(r#"id="find-used-by""#) && !from.contains(r#"id="used-by""#));
    let (_, used) = c
        .get(&format!(
            "/console/catalog/prices/{PREMIUM_ONE_LINE}?offering={PREMIUM}&usedBy=1"
        ))
        .await;
    assert_eq!(
        text_of(&used, "used-by").as_deref(),
        Some("Unlimited Premium · preview in discovery")
    );

    // Discovery answers the new price, and a new cart is priced with it.
    let query = format!("{plan_query}&item={PREMIUM}&item={SIM}");
    let after = c.current_preview(&query).await;
    let offers = text_of(&after, "offers").expect("offers");
    assert!(
        offers.contains("79.99 USD") && !offers.contains("85.99"),
        "{offers}"
    );
    let totals = text_of(&after, "quote-totals").expect("a priced cart");
    assert!(totals.contains("79.99 USD"), "{totals}");

    // The same figure as a cart the shopping cart API creates.
    let agent = s.token(PrincipalKind::User, &["sc.ops"], "default");
    let resp = s
        .client
        .post(s.url("/tmf-api/shoppingCart/v4/shoppingCart"))
        .bearer_auth(&agent)
        .header("channelId", "ECOMM")
        .json(&json!({"cartItem": [
            {"id": "1", "action": "add", "quantity": 1, "productOffering": {"id": PREMIUM}},
            {"id": "2", "action": "add", "quantity": 1, "productOffering": {"id": SIM}},
        ]}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    let cart: Value = resp.json().await.expect("cart");
    assert_eq!(monthly(&cart), "79.99");

    // A stale form (the version read before the change) overwrites nothing.
    let (status, page) = c
        .post(
            &format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"),
            &price_form(&version, "1.00"),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        text_of(&page, "problems").is_some_and(|t| !t.is_empty()),
        "the refusal is shown"
    );
    let (_, unchanged) = c
        .get(&format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"))
        .await;
    assert_eq!(
        text_of(&unchanged, "price-amount").as_deref(),
        Some("79.99 USD")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_shown_beside_the_fields_they_name() {
    let s = TestServer::start_with_demo().await;
    let c = Console::sign_in(&s, &["catalog.admin", "promotion.admin", "tenant.admin"]).await;

    let (_, page) = c
        .get(&format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"))
        .await;
    let version = Console::version(&page);
    let (status, page) = c
        .post(
            &format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"),
            &price_form(&version, "85,99"),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        text_of(&page, "price-value-error").as_deref(),
        Some(r#"must be a decimal amount, e.g. "85.99""#)
    );
    assert!(
        page.contains(r#"value="85,99""#),
        "the form keeps what was typed"
    );
    let mut tiers = price_form(&version, "85.99");
    tiers.retain(|(k, _)| *k != "lineCountMin" && *k != "lineCountMax");
    tiers.extend([("lineCountMin", "3"), ("lineCountMax", "2")]);
    let (status, page) = c
        .post(
            &format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"),
            &tiers,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        text_of(&page, "price-lines-max-error").as_deref(),
        Some("must not be less than lineCountMin")
    );

    let (_, page) = c
        .get(&format!("/console/catalog/offerings/{PREMIUM}"))
        .await;
    let version = Console::version(&page);
    let (status, page) = c
        .post(
            &format!("/console/catalog/offerings/{PREMIUM}"),
            &[
                ("version", &version),
                ("name", "Unlimited Premium"),
                ("channel", "ECOMM"),
                ("paymentType", "Postpaid"),
                ("validFor.startDateTime", "next Monday"),
                ("validFor.endDateTime", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        text_of(&page, "off-start-error").is_some_and(|t| t.contains("RFC 3339")),
        "{}",
        text_of(&page, "problems").unwrap_or_default()
    );

    let (status, page) = c
        .post(
            "/console/catalog/promotions",
            &[("name", "Broken"), ("json", "[{\"action\": [")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(text_of(&page, "doc-json-error").is_some_and(|t| t.contains("is not valid JSON")));
    let pattern = json!([{"criteriaGroup": [{"criteria": [{"criteriaParameter": "channel.id", "criteriaOperator": "=", "criteriaValue": "ECOMM"}]}],
                          "action": [{"actionType": "percentOff", "actionValue": "150", "priceType": "oneTime"}]}]);
    let (status, page) = c
        .post(
            "/console/catalog/promotions",
            &[("name", "Too generous"), ("json", &pattern.to_string())],
        )
        .await;
    assert_eq!(status, 422);
    let errors = text_of(&page, "doc-json-error").expect("errors under the JSON");
    assert!(
        errors.contains("pattern[0].action[0].actionValue"),
        "{errors}"
    );

    let rules = json!([{"id": "email", "kind": "pattern", "path": "contactMedium[].characteristic.emailAddress", "pattern": "(unclosed"}]);
    let (status, page) = c
        .post(
            "/console/catalog/rules",
            &[
                ("name", "Bad pattern"),
                ("channel", "ECOMM"),
                ("json", &rules.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 422);
    let errors = text_of(&page, "doc-json-error").expect("errors under the JSON");
    assert!(errors.contains("rule[0].pattern"), "{errors}");

    let (status, page) = c.get("/console/catalog/preview?channel=Nowhere").await;
    assert_eq!(status, 200);
    assert!(
        text_of(&page, "pv-channel-error").is_some_and(|t| t.contains("must be one of")),
        "discovery's own rule"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offerings_promotions_and_rule_sets_are_created_and_change_status() {
    let s = TestServer::start_with_demo().await;
    let c = Console::sign_in(&s, &["catalog.admin", "promotion.admin", "tenant.admin"]).await;

    let (status, to) = c
        .post(
            "/console/catalog/offerings",
            &[
                ("id", "console-plan"),
                ("name", "Console Plan"),
                ("productOfferingType", "Mobile_Offer"),
                ("category", "Mobile_Offers"),
                ("lifecycleStatus", "Active"),
                ("channel", "ECOMM"),
                ("channel", "ATTR"),
                ("paymentType", "Postpaid"),
                ("validFor.startDateTime", "2024-01-01T00:00:00Z"),
                ("description", "Made in the console"),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/console/catalog/offerings/console-plan?saved=1")
    );
    let (status, to) = c
        .post(
            "/console/catalog/offerings/console-plan/prices",
            &[
                ("name", "Console Plan monthly"),
                ("priceType", "recurring"),
                ("price.value", "42.00"),
                ("price.unit", "USD"),
                ("recurringChargePeriodType", "month"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{to}");
    let (_, page) = c.get("/console/catalog/offerings/console-plan").await;
    assert!(
        text_of(&page, "prices")
            .is_some_and(|t| t.contains("Console Plan monthly") && t.contains("42.00 USD"))
    );
    let preview = c
        .current_preview("channel=ATTR&productOfferingId=console-plan")
        .await;
    assert!(
        text_of(&preview, "offers")
            .is_some_and(|t| t.contains("Console Plan") && t.contains("42.00 USD"))
    );

    let version = Console::version(&page);
    let (status, _) = c
        .post(
            "/console/catalog/offerings/console-plan/status",
            &[("version", &version), ("lifecycleStatus", "Retired")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = c.get("/console/catalog/offerings/console-plan").await;
    assert_eq!(
        text_of(&page, "offering-status").as_deref(),
        Some("Retired")
    );
    let gone = c
        .current_preview("channel=ATTR&productOfferingId=console-plan")
        .await;
    assert!(
        gone.contains(r#"id="no-offers""#),
        "a retired offering is not discovered"
    );

    let pattern = json!([{"criteriaGroup": [{"criteria": [{"criteriaParameter": "channel.id", "criteriaOperator": "=", "criteriaValue": "ATTR"}]}],
                          "action": [{"actionType": "amountOff", "actionValue": "5.00", "priceType": "recurring"}]}]);
    let (status, to) = c
        .post(
            "/console/catalog/promotions",
            &[
                ("id", "console-promo"),
                ("name", "Five off in stores"),
                ("lifecycleStatus", "draft"),
                ("promotionType", "Discount"),
                ("json", &pattern.to_string()),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/console/catalog/promotions/console-promo?saved=1")
    );
    let (_, page) = c.get(&to).await;
    let version = Console::version(&page);
    let (status, _) = c
        .post(
            "/console/catalog/promotions/console-promo/status",
            &[("version", &version), ("lifecycleStatus", "Active")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, list) = c.get("/console/catalog/promotions?status=Active").await;
    assert!(text_of(&list, "documents").is_some_and(|t| t.contains("Five off in stores")));

    let (_, list) = c.get("/console/catalog/rules").await;
    assert!(text_of(&list, "documents").is_some_and(|t| t.contains("Consumer cart limits")));
    let (_, page) = c.get("/console/catalog/rules/default-cart-rules").await;
    assert!(page.contains("max-devices"), "the rules are shown as JSON");
    let version = Console::version(&page);
    let (status, _) = c
        .post(
            "/console/catalog/rules/default-cart-rules/status",
            &[("version", &version), ("lifecycleStatus", "Retired")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = c.get("/console/catalog/rules/default-cart-rules").await;
    assert_eq!(
        text_of(&page, "document-status").as_deref(),
        Some("Retired")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_part_needs_its_own_role() {
    let s = TestServer::start_with_demo().await;
    let promoter = Console::sign_in(&s, &["promotion.admin"]).await;
    let (status, home) = promoter.get("/console/catalog").await;
    assert_eq!(status, 200);
    assert!(!home.contains(r#"id="offerings""#) && home.contains("/console/catalog/promotions"));
    assert!(!home.contains(r#"href="/console/catalog/rules""#));
    for (path, expected) in [
        (format!("/console/catalog/offerings/{PREMIUM}"), 403),
        (format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"), 403),
        ("/console/catalog/rules".to_string(), 403),
        ("/console/catalog/promotions".to_string(), 200),
        ("/console/catalog/preview".to_string(), 200),
    ] {
        assert_eq!(promoter.get(&path).await.0, expected, "{path}");
    }
    let (status, _) = promoter
        .post(
            &format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"),
            &price_form("1", "1.00"),
        )
        .await;
    assert_eq!(status, 403);
    let (_, preview) = promoter
        .get(&format!(
            "/console/catalog/preview?productOfferingId={PREMIUM}"
        ))
        .await;
    assert!(
        !preview.contains("/console/catalog/offerings/"),
        "no link to what the roles do not open"
    );

    let admin = Console::sign_in(&s, &["tenant.admin"]).await;
    assert_eq!(admin.get("/console/catalog/rules").await.0, 200);
    assert_eq!(admin.get("/console/catalog/promotions").await.0, 403);

    let care = Console::sign_in(&s, &["care.ops"]).await;
    assert_eq!(care.get("/console/catalog/preview").await.0, 403);

    // A form without this session's CSRF value changes nothing.
    let catalog = Console::sign_in(&s, &["catalog.admin"]).await;
    let resp = catalog
        .client
        .post(s.url(&format!("/console/catalog/prices/{PREMIUM_ONE_LINE}")))
        .header(COOKIE, &catalog.cookie)
        .header(CONTENT_TYPE, FORM)
        .body(form_body(&[("csrf", "forged"), ("price.value", "1.00")]))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 403);
    let (_, page) = catalog
        .get(&format!("/console/catalog/prices/{PREMIUM_ONE_LINE}"))
        .await;
    assert_eq!(text_of(&page, "price-amount").as_deref(), Some("85.99 USD"));
}

/// The monthly total of the cart the preview priced, e.g. "52.00 USD".
fn quoted_monthly(html: &str) -> String {
    let at = html
        .find(r#"data-price-type="recurring""#)
        .expect("a monthly total");
    let rest = &html[at..];
    let open = r#"<strong class="amount">"#;
    let start = rest.find(open).expect("an amount") + open.len();
    let end = rest[start..].find("</strong>").expect("the amount's end");
    rest[start..start + end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_cart_is_priced_for_the_customer_type_and_follows_promotions() {
    let s = TestServer::start_with_demo().await;
    let c = Console::sign_in(&s, &["catalog.admin", "promotion.admin"]).await;
    let business_plan = "Mobile_Offer_business-unlimited-performance";
    let query = |customer_type: &str| {
        format!(
            "channel=ECOMM&customerType={customer_type}&productOfferingId={business_plan}&item={business_plan}"
        )
    };
    // A prospect pays the list price; a business customer gets the
    // tenant's 20% business promotion, as a cart of theirs would.
    let prospect = c.current_preview(&query("")).await;
    assert_eq!(quoted_monthly(&prospect), "65.00 USD");
    let business = c.current_preview(&query("Business")).await;
    assert_eq!(quoted_monthly(&business), "52.00 USD");
    assert!(text_of(&business, "quote-h").is_some_and(|t| t.ends_with("for a Business customer")));

    // Suspending the promotion in the console takes it off new carts.
    let (_, page) = c
        .get("/console/catalog/promotions/promo-business-unlimited-20")
        .await;
    let version = Console::version(&page);
    let (status, _) = c
        .post(
            "/console/catalog/promotions/promo-business-unlimited-20/status",
            &[("version", &version), ("lifecycleStatus", "suspend")],
        )
        .await;
    assert_eq!(status, 303);
    let started = Instant::now();
    loop {
        let (_, page) = c
            .get(&format!("/console/catalog/preview?{}", query("Business")))
            .await;
        if quoted_monthly(&page) == "65.00 USD" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the promotion still applies"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
