//! Idempotent retries, black box, across the API families: a replay gets the
//! same status, headers and body and creates nothing; the same key with a
//! different request is a 422; concurrent requests with one key do the work
//! once and all get its answer; keys expire.

mod common;

use common::{CATALOG, TestServer};
use omni_api::idempotency::IdempotencyConfig;
use omni_api::state::ApiConfig;
use omni_core::PrincipalKind;
use omni_store::DocumentQuery;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::time::Duration;

const CARTS: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
const ORDERS: &str = "/omni-svcs/v1/order/create";
const CARE: &str = "/api/orderingMobility/v1/careOrder";
const PLAN: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";

#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn replayed(&self) -> bool {
        self.header("idempotent-replayed") == Some("true")
    }
}

/// A POST with JSON `body`, the bearer `token` if any, the `key` if any, and
/// extra headers.
async fn post(
    s: &TestServer,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    headers: &[(&str, &str)],
    body: &Value,
) -> Answer {
    let mut req = s
        .client
        .post(s.url(path))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("send");
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        text: resp.text().await.expect("body"),
    }
}

async fn count(s: &TestServer, kind: &str) -> u64 {
    s.store
        .count_documents(&DocumentQuery {
            tenant: "default".into(),
            kind: kind.into(),
            ..DocumentQuery::default()
        })
        .await
        .expect("count")
}

/// Offerings as the API lists them.
async fn offerings(s: &TestServer) -> u64 {
    let resp = s
        .client
        .get(s.url(&format!("{CATALOG}/productOffering?fields=id")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    resp.headers()["x-total-count"]
        .to_str()
        .expect("text")
        .parse()
        .expect("number")
}

fn offering(name: &str) -> Value {
    json!({"name": name, "lifecycleStatus": "Active", "productOfferingType": "Mobile_Offer"})
}

fn same_answer(a: &Answer, b: &Answer) {
    assert_eq!(a.status, b.status);
    assert_eq!(
        a.text, b.text,
        "the replay's body is the original's, byte for byte"
    );
    for name in ["content-type", "location", "etag"] {
        assert_eq!(a.header(name), b.header(name), "{name}");
    }
}

fn patient() -> ApiConfig {
    // Generous, so that a slow machine never turns a wait into a 409.
    ApiConfig {
        idempotency: IdempotencyConfig {
            wait: Duration::from_secs(60),
            ..IdempotencyConfig::default()
        },
        ..ApiConfig::default()
    }
}

#[tokio::test]
async fn an_offering_create_is_replayed_not_repeated() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let path = "/tmf-api/productCatalogManagement/v4/productOffering";
    let first = post_as(&s, path, &admin, Some("offer-1"), &offering("5G Starter")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert!(!first.replayed());
    assert!(first.header("location").is_some());
    let replay = post_as(&s, path, &admin, Some("offer-1"), &offering("5G Starter")).await;
    same_answer(&first, &replay);
    assert!(replay.replayed());
    assert_eq!(offerings(&s).await, 1, "the replay created nothing");

    // The same key with another body, or on another path, is refused and
    // changes nothing.
    for (body, path) in [
        (offering("5G Plus"), path),
        (
            offering("5G Starter"),
            "/tmf-api/productCatalogManagement/v4/category",
        ),
    ] {
        let reused = post_as(&s, path, &admin, Some("offer-1"), &body).await;
        assert_eq!(reused.status, 422, "{}", reused.text);
        let error = reused.json();
        assert_eq!(error["code"], "IDEMPOTENCY_KEY_REUSED");
        assert_eq!(error["status"], "422");
        assert_eq!(error["details"][0]["field"], "Idempotency-Key");
    }
    assert_eq!(offerings(&s).await, 1);

    // Keys are the caller's: another principal's "offer-1" is its own.
    let other = s.token(PrincipalKind::M2m, &["catalog.admin"], "default");
    let theirs = post_as(&s, path, &other, Some("offer-1"), &offering("5G Starter")).await;
    assert_eq!(theirs.status, 201);
    assert!(!theirs.replayed());
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    // Without a key nothing is deduplicated.
    for _ in 0..2 {
        let plain = post_as(&s, path, &admin, None, &offering("5G Starter")).await;
        assert_eq!(plain.status, 201);
    }
    assert_eq!(offerings(&s).await, 4);
}

async fn post_as(
    s: &TestServer,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &Value,
) -> Answer {
    post(s, path, Some(token), key, &[], body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_carts_with_one_key_create_one() {
    let s = TestServer::start_with(patient()).await;
    let s = std::sync::Arc::new(s);
    load_demo(&s).await;
    let body = json!({"cartItem": [
        {"id": "1", "action": "add", "quantity": 1, "productOffering": {"id": PLAN}},
        {"id": "2", "action": "add", "quantity": 1, "productOffering": {"id": SIM}}]});
    let before = count(&s, "shoppingCart").await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (s, body) = (s.clone(), body.clone());
            tokio::spawn(async move {
                // A prospect: no token, the tenant's anonymous principal.
                post(
                    &s,
                    CARTS,
                    None,
                    Some("cart-key-1"),
                    &[("channelId", "ECOMM")],
                    &body,
                )
                .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }
    assert_eq!(answers[0].status, 201, "{}", answers[0].text);
    for a in &answers {
        same_answer(&answers[0], a);
    }
    let originals = answers.iter().filter(|a| !a.replayed()).count();
    assert_eq!(
        originals, 1,
        "one request did the work, nine got its answer"
    );
    assert_eq!(count(&s, "shoppingCart").await, before + 1);
    // The one cart is there, as answered.
    let id = answers[0].json()["id"].as_str().expect("id").to_string();
    let got = s
        .client
        .get(s.url(&format!("{CARTS}/{id}")))
        .send()
        .await
        .expect("send");
    assert_eq!(got.status(), 200);
}

async fn load_demo(s: &TestServer) {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    omni::load::load_dir(s.store.as_ref(), &data, "default")
        .await
        .expect("load the demo data");
    omni_app::workers::warm_up(&s.state.ctx)
        .await
        .expect("warm up");
}

#[tokio::test]
async fn an_order_create_replays_refusals_and_conflicts_in_the_partner_shape() {
    let s = TestServer::start_with_demo().await;
    let token = s.token(PrincipalKind::User, &["order.ops"], "default");
    let order =
        json!({"channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]});
    let first = post(&s, ORDERS, Some(&token), Some("order-1"), &[], &order).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let replay = post(&s, ORDERS, Some(&token), Some("order-1"), &[], &order).await;
    same_answer(&first, &replay);
    assert!(replay.replayed());
    assert_eq!(count(&s, "order").await, 1);

    let mut other = order.clone();
    other["channel"] = json!("ECOMM");
    let reused = post(&s, ORDERS, Some(&token), Some("order-1"), &[], &other).await;
    assert_eq!(reused.status, 422, "{}", reused.text);
    let error = reused.json();
    assert_eq!(error["error"]["errorCode"], "422-UNPROCESSABLE-ENTITY");
    assert_eq!(error["error"]["errorList"][0]["field"], "Idempotency-Key");
    assert_eq!(count(&s, "order").await, 1);

    // A refusal is an answer too: its retry gets the same refusal.
    let bad = json!({"channel": "Kiosk"});
    let refused = post(&s, ORDERS, Some(&token), Some("order-2"), &[], &bad).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    let again = post(&s, ORDERS, Some(&token), Some("order-2"), &[], &bad).await;
    same_answer(&refused, &again);
    assert!(again.replayed());
    assert_eq!(count(&s, "order").await, 1);
}

fn care_headers() -> [(&'static str, &'static str); 3] {
    [
        ("X-ATT-ClientId", "client-7"),
        ("X-ATT-ConversationId", "conv-1"),
        ("X-ATT-MessageId", "msg-1"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_care_orders_with_one_key_are_accepted_once() {
    let s = std::sync::Arc::new(TestServer::start_with(patient()).await);
    load_demo(&s).await;
    let token = s.care_token("client-7");
    let body = json!({"careOrderRequest": {"foundationAccountNumber": "81730304",
        "accountGroupId": "73001012763", "changeRequest": [
        {"type": "suspend", "changeRequestId": "s1", "ctn": "1234567893", "suspendServiceReason": "Lost"}]}});
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let (s, body, token) = (s.clone(), body.clone(), token.clone());
            tokio::spawn(async move {
                post(
                    &s,
                    CARE,
                    Some(&token),
                    Some("care-1"),
                    &care_headers(),
                    &body,
                )
                .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }
    assert_eq!(answers[0].status, 202, "{}", answers[0].text);
    for a in &answers {
        same_answer(&answers[0], a);
        assert_eq!(a.header("x-att-clientid"), Some("client-7"));
        assert_eq!(a.header("x-att-messageid"), Some("msg-1"));
    }
    assert_eq!(answers.iter().filter(|a| !a.replayed()).count(), 1);
    assert_eq!(count(&s, "careOrder").await, 1);

    // The care family's refusal of a reused key keeps its headers and shape.
    let mut other = body.clone();
    other["careOrderRequest"]["changeRequest"][0]["changeRequestId"] = json!("s2");
    let reused = post(
        &s,
        CARE,
        Some(&token),
        Some("care-1"),
        &care_headers(),
        &other,
    )
    .await;
    assert_eq!(reused.status, 422, "{}", reused.text);
    assert_eq!(reused.header("x-att-clientid"), Some("client-7"));
    assert_eq!(reused.json()["details"][0]["field"], "Idempotency-Key");
    assert_eq!(count(&s, "careOrder").await, 1);
}

#[tokio::test]
async fn keys_expire() {
    let s = TestServer::start_with(ApiConfig {
        idempotency: IdempotencyConfig {
            ttl: Duration::from_secs(1),
            ..IdempotencyConfig::default()
        },
        ..ApiConfig::default()
    })
    .await;
    let admin = s.admin();
    let path = "/tmf-api/productCatalogManagement/v4/productOffering";
    let first = post(&s, path, Some(&admin), Some("k"), &[], &offering("A")).await;
    assert_eq!(first.status, 201);
    let replay = post(&s, path, Some(&admin), Some("k"), &[], &offering("A")).await;
    assert!(replay.replayed());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Past its expiry the key is new again, before any sweep.
    let again = post(&s, path, Some(&admin), Some("k"), &[], &offering("A")).await;
    assert_eq!(again.status, 201);
    assert!(!again.replayed());
    assert_ne!(again.json()["id"], first.json()["id"]);
    assert_eq!(offerings(&s).await, 2);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let different = post(&s, path, Some(&admin), Some("k"), &[], &offering("B")).await;
    assert_eq!(
        different.status, 201,
        "an expired key may name a new request"
    );
}

#[tokio::test]
async fn malformed_keys_are_refused_naming_the_header() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let path = "/tmf-api/productCatalogManagement/v4/productOffering";
    let long = "k".repeat(256);
    for key in ["", long.as_str(), "two words"] {
        let a = post(&s, path, Some(&admin), Some(key), &[], &offering("A")).await;
        assert_eq!(a.status, 400, "{key:?}: {}", a.text);
        assert_eq!(a.json()["details"][0]["field"], "Idempotency-Key");
    }
    let twice = s
        .client
        .post(s.url(path))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "a")
        .header("Idempotency-Key", "b")
        .json(&offering("A"))
        .send()
        .await
        .expect("send");
    assert_eq!(twice.status(), 400);
    assert_eq!(offerings(&s).await, 0, "nothing was created");
    // A key of 255 visible characters is fine.
    let ok = post(
        &s,
        path,
        Some(&admin),
        Some(&"k".repeat(255)),
        &[],
        &offering("A"),
    )
    .await;
    assert_eq!(ok.status, 201);
}

#[tokio::test]
async fn an_invalid_token_is_401_and_keeps_no_key() {
    let s = TestServer::start().await;
    let path = "/tmf-api/productCatalogManagement/v4/productOffering";
    let bad = post(
        &s,
        path,
        Some("not-a-token"),
        Some("k"),
        &[],
        &offering("A"),
    )
    .await;
    assert_eq!(bad.status, 401);
    // The key was not taken by the refused request.
    let ok = post(&s, path, Some(&s.admin()), Some("k"), &[], &offering("B")).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
}

#[tokio::test]
async fn the_openapi_document_describes_the_key_and_the_limits() {
    let s = TestServer::start().await;
    let doc: Value = s
        .client
        .get(s.url("/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let header = &doc["components"]["parameters"]["IdempotencyKey"];
    assert_eq!(header["name"], "Idempotency-Key");
    assert_eq!(header["in"], "header");
    for path in [
        ORDERS,
        CARE,
        CARTS,
        "/tmf-api/productCatalogManagement/v4/productOffering",
    ] {
        let post = &doc["paths"][path]["post"];
        let params = post["parameters"].as_array().expect("parameters");
        assert!(
            params
                .iter()
                .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey"),
            "{path}"
        );
        for code in ["422", "429"] {
            assert!(post["responses"][code].is_object(), "{path} {code}");
        }
    }
    let partner = &doc["paths"][ORDERS]["post"]["responses"]["422"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(partner, "#/components/schemas/PartnerError");
    let list = &doc["paths"]["/tmf-api/productCatalogManagement/v4/productOffering"]["get"];
    assert!(list["responses"]["429"].is_object());
    assert!(list["parameters"].as_array().is_none_or(|p| {
        !p.iter()
            .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey")
    }));
}
