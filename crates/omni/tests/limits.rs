//! Abuse limits, black box: a burst is throttled with 429 and Retry-After,
//! oversized bodies and heads are refused, a full server sheds load with 503,
//! a request that runs too long is answered 503, and lists are capped. Every
//! refusal is in the shape of the request's API family.

mod common;

use common::{CATALOG, TestServer};
use omni_api::limits::{Limits, RateLimit};
use omni_api::state::ApiConfig;
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OFFERINGS: &str = "/tmf-api/productCatalogManagement/v4/productOffering";
const ORDERS: &str = "/omni-svcs/v1/order/create";

fn with_limits(limits: Limits) -> ApiConfig {
    ApiConfig {
        limits,
        ..ApiConfig::default()
    }
}

fn retry_after(resp: &reqwest::Response) -> u64 {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in whole seconds")
}

#[tokio::test]
async fn a_burst_is_throttled_with_429_and_retry_after() {
    // Three at once, then one every two seconds: ten requests in a row
    // outrun it however slow the machine is (they would need 14 s).
    let s = TestServer::start_with(with_limits(Limits {
        rate: Some(RateLimit {
            per_second: 0.5,
            burst: 3,
        }),
        ..Limits::default()
    }))
    .await;
    let reader = s.token(PrincipalKind::User, &["catalog.admin"], "default");
    let mut statuses = Vec::new();
    let mut throttled = None;
    for _ in 0..10 {
        let resp = s
            .client
            .get(s.url(OFFERINGS))
            .bearer_auth(&reader)
            .send()
            .await
            .expect("send");
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            let wait = retry_after(&resp);
            throttled = Some((wait, resp.json::<Value>().await.expect("json")));
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "the burst is allowed");
    assert!(statuses.contains(&429), "{statuses:?}");
    let (wait, body) = throttled.expect("a 429");
    assert!(
        (1..=2).contains(&wait),
        "one token comes back within 2 s: {wait}"
    );
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    assert_eq!(body["status"], "429");

    // Another principal has its own bucket; probes are never throttled.
    let other = s.token(PrincipalKind::M2m, &["catalog.admin"], "default");
    let resp = s
        .client
        .get(s.url(OFFERINGS))
        .bearer_auth(&other)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    for _ in 0..10 {
        let health = s.client.get(s.url("/health")).send().await.expect("send");
        assert_eq!(health.status(), 200);
    }

    // The partner family answers 429 in its own shape.
    let orders = s.token(PrincipalKind::User, &["order.ops"], "default");
    let mut last = None;
    for _ in 0..10 {
        let resp = s
            .client
            .post(s.url(ORDERS))
            .bearer_auth(&orders)
            .json(&json!({"channel": "ATTR"}))
            .send()
            .await
            .expect("send");
        if resp.status() == 429 {
            assert!(retry_after(&resp) >= 1);
            last = Some(resp.json::<Value>().await.expect("json"));
        }
    }
    let body = last.expect("the order caller is throttled too");
    assert_eq!(body["error"]["errorCode"], "429-TOO-MANY-REQUESTS");
}

#[tokio::test]
async fn oversized_bodies_are_413_in_every_family() {
    let s = TestServer::start().await;
    let big = json!({"name": "x".repeat(1024 * 1024 + 10)});
    let admin = s.admin();
    let orders = s.token(PrincipalKind::User, &["order.ops"], "default");
    for (path, token, key) in [
        (OFFERINGS, &admin, None),
        (OFFERINGS, &admin, Some("big-1")),
        (ORDERS, &orders, None),
        (ORDERS, &orders, Some("big-2")),
    ] {
        let mut req = s.client.post(s.url(path)).bearer_auth(token).json(&big);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let resp = req.send().await.expect("send");
        assert_eq!(resp.status(), 413, "{path} {key:?}");
        let body: Value = resp.json().await.expect("json");
        if path == ORDERS {
            assert_eq!(
                body["error"]["errorCode"], "413-PAYLOAD-TOO-LARGE",
                "{body}"
            );
        } else {
            assert_eq!(body["code"], "PAYLOAD_TOO_LARGE", "{body}");
        }
    }
    // The refused request kept no key: the key is free for a real request.
    let ok = s
        .client
        .post(s.url(OFFERINGS))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "big-1")
        .json(&json!({"name": "small", "lifecycleStatus": "Active"}))
        .send()
        .await
        .expect("send");
    assert_eq!(ok.status(), 201);
}

#[tokio::test]
async fn oversized_heads_are_431() {
    let s = TestServer::start_with(with_limits(Limits {
        max_header_bytes: 4096,
        ..Limits::default()
    }))
    .await;
    let orders = s.token(PrincipalKind::User, &["order.ops"], "default");
    let padding = "p".repeat(5000);
    let resp = s
        .client
        .get(s.url(OFFERINGS))
        .header("X-Padding", &padding)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 431);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "HEADERS_TOO_LARGE");
    // A long query counts too.
    let resp = s
        .client
        .get(s.url(&format!("{OFFERINGS}?name={padding}")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 431);
    let resp = s
        .client
        .post(s.url(ORDERS))
        .bearer_auth(&orders)
        .header("X-Padding", &padding)
        .json(&json!({"channel": "ATTR"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 431);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["errorCode"], "431-HEADERS-TOO-LARGE");
    // Within the limit all is well.
    let resp = s
        .client
        .get(s.url(OFFERINGS))
        .header("X-Padding", "p".repeat(1000))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
}

/// Opens a connection and sends a POST whose body never arrives: the request
/// is in flight, its handler waiting for the body, until the stream drops.
async fn stalled_post(s: &TestServer, path: &str, token: &str) -> TcpStream {
    let addr = s.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream
}

/// The status line and body of the answer on `stream`.
async fn read_answer(stream: &mut TcpStream) -> (u16, String) {
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    // The answer is small; read until the body is in (or the peer closes).
    loop {
        let n = stream.read(&mut buf).await.expect("read");
        text.extend_from_slice(&buf[..n]);
        let s = String::from_utf8_lossy(&text);
        if n == 0 || s.contains("\r\n\r\n{") && s.trim_end().ends_with('}') {
            break;
        }
    }
    let s = String::from_utf8_lossy(&text).into_owned();
    let status = s
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    (status, s)
}

#[tokio::test]
async fn a_full_server_sheds_load_with_503() {
    let s = TestServer::start_with(with_limits(Limits {
        max_in_flight: Some(1),
        ..Limits::default()
    }))
    .await;
    let admin = s.admin();
    let stalled = stalled_post(&s, OFFERINGS, &admin).await;
    // Once the stalled request holds the only slot, the next is shed at once.
    let mut shed = None;
    for _ in 0..200 {
        let resp = s.client.get(s.url(OFFERINGS)).send().await.expect("send");
        if resp.status() == 503 {
            shed = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let resp = shed.expect("a 503 while the slot is held");
    assert_eq!(retry_after(&resp), 1);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "UNAVAILABLE");
    // Probes still answer.
    let health = s.client.get(s.url("/health")).send().await.expect("send");
    assert_eq!(health.status(), 200);
    // The slot comes back when the stalled request ends.
    drop(stalled);
    let mut status = 0;
    for _ in 0..500 {
        status = s
            .client
            .get(s.url(OFFERINGS))
            .send()
            .await
            .expect("send")
            .status()
            .as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_request_that_runs_too_long_is_503() {
    let s = TestServer::start_with(with_limits(Limits {
        request_timeout: Some(Duration::from_millis(200)),
        ..Limits::default()
    }))
    .await;
    let admin = s.admin();
    let mut stalled = stalled_post(&s, OFFERINGS, &admin).await;
    let (status, text) = read_answer(&mut stalled).await;
    assert_eq!(status, 503, "{text}");
    assert!(
        text.to_ascii_lowercase().contains("retry-after: 1"),
        "{text}"
    );
    assert!(text.contains("did not complete within 200 ms"), "{text}");
    let orders = s.token(PrincipalKind::User, &["order.ops"], "default");
    let mut stalled = stalled_post(&s, ORDERS, &orders).await;
    let (status, text) = read_answer(&mut stalled).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("503-SERVICE-UNAVAILABLE"), "{text}");
}

#[tokio::test]
async fn lists_are_capped_at_max_limit() {
    let s = TestServer::start_with(ApiConfig {
        app: omni_app::AppConfig {
            max_limit: 3,
            ..omni_app::AppConfig::default()
        },
        ..ApiConfig::default()
    })
    .await;
    let admin = s.admin();
    for i in 0..5 {
        s.create("productOffering", &admin, json!({"name": format!("o{i}")}))
            .await;
        s.create("category", &admin, json!({"name": format!("c{i}")}))
            .await;
    }
    for path in [
        format!("{CATALOG}/productOffering?limit=1000"),
        format!("{CATALOG}/category?limit=1000"),
        format!("{CATALOG}/productOffering?limit=1000&name=o1,o2,o3,o4"),
        format!("{CATALOG}/productOffering"),
    ] {
        let resp = s.client.get(s.url(&path)).send().await.expect("send");
        assert_eq!(resp.status(), 200, "{path}");
        let total = resp.headers()["x-total-count"]
            .to_str()
            .expect("text")
            .to_string();
        let items: Vec<Value> = resp.json().await.expect("json");
        assert_eq!(items.len(), 3, "{path}");
        assert!(total == "5" || total == "4", "{path}: {total}");
    }
    // Discovery pages are 1 to 200 by the page's own rule.
    let resp = s
        .client
        .get(s.url("/msapi/cpopoffer/v1/product-offers?channel=ECOMM&limit=201&offset=0"))
        .header("X-ATT-ClientId", "t")
        .header("idpctx-appname", "t")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn callers_without_a_token_are_throttled_by_address() {
    // Served as `omni serve` does, with each connection's peer address.
    let store = omni_store::testing::fresh_store().await;
    let config = with_limits(Limits {
        rate: Some(RateLimit {
            per_second: 0.01,
            burst: 2,
        }),
        ..Limits::default()
    });
    let auth = omni_api::auth::Auth::new(common::SECRET, "default");
    let app = omni_api::app(omni_api::state::AppState::new(store, auth, config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.expect("serve");
    });
    common::install_crypto();
    let from = |ip: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(ip))
            .build()
            .expect("client")
    };
    let url = format!("http://{addr}{OFFERINGS}");
    let first = from([127, 0, 0, 1]);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            first
                .get(&url)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 429]);
    // Another address (the whole 127/8 is loopback on Linux) has its own bucket.
    let second = from([127, 0, 0, 2]);
    assert_eq!(second.get(&url).send().await.expect("send").status(), 200);
}

/// What one request may make: small limits, so that a test reaches them.
fn making(limits: omni_app::limits::Limits) -> ApiConfig {
    let mut config = ApiConfig::default();
    config.app.limits = limits;
    config
}

fn small() -> omni_app::limits::Limits {
    omni_app::limits::Limits {
        max_items: 3,
        max_item_characteristics: 2,
        max_item_relationships: 1,
        ..omni_app::limits::Limits::default()
    }
}

async fn stored(s: &TestServer, kind: &str) -> u64 {
    s.store
        .count_documents(&omni_store::DocumentQuery {
            tenant: "default".into(),
            kind: kind.into(),
            ..Default::default()
        })
        .await
        .expect("count")
}

/// A 400 whose details name `field` and the setting that bounds it.
fn refused_naming(status: u16, body: &Value, field: &str, setting: &str) {
    assert_eq!(status, 400, "{body}");
    let named =
        body["details"].as_array().into_iter().flatten().any(|d| {
            d["field"] == field && d["rule"].as_str().is_some_and(|r| r.contains(setting))
        });
    assert!(named, "{field} / {setting} in {body}");
}

async fn post_json(
    s: &TestServer,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (u16, Value) {
    let mut req = s.client.post(s.url(path)).bearer_auth(token).json(body);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

const CARTS: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
const PLAN: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";
const PHONE: &str = "Mobile_Device_pkey73001_sku2680262";

fn cart_item(id: &str, offering: &str) -> Value {
    json!({"id": id, "action": "add", "quantity": 1, "productOffering": {"id": offering}})
}

#[tokio::test]
async fn a_cart_is_bounded_in_items_characteristics_and_relationships() {
    let s = TestServer::start_with(making(small())).await;
    s.load_demo().await;
    let ops = s.token(PrincipalKind::M2m, &["sc.ops"], "default");
    let channel = [("channelId", "ECOMM")];
    // At every limit: three items, two characteristics, one relationship.
    let mut phone = cart_item("3", PHONE);
    phone["product"] = json!({"productCharacteristic": [{"name": "isBYOD", "value": "true"}, {"name": "IMEI", "value": "358073464620280"}]});
    let mut plan = cart_item("1", PLAN);
    plan["cartItemRelationship"] = json!([{"id": "2", "relationshipType": "hasAddOn"}]);
    let full = json!({"cartItem": [plan.clone(), cart_item("2", SIM), phone.clone()]});
    let (status, body) = post_json(&s, CARTS, &ops, &channel, &full).await;
    assert_eq!(status, 201, "{body}");

    // One over each: refused naming the field, nothing stored.
    let mut items = full.clone();
    items["cartItem"]
        .as_array_mut()
        .expect("items")
        .push(cart_item("4", SIM));
    let (status, body) = post_json(&s, CARTS, &ops, &channel, &items).await;
    refused_naming(status, &body, "cartItem", "OMNI_MAX_ITEMS");

    let mut characteristics = full.clone();
    characteristics["cartItem"][2]["product"]["productCharacteristic"]
        .as_array_mut()
        .expect("characteristics")
        .push(json!({"name": "color", "value": "red"}));
    let (status, body) = post_json(&s, CARTS, &ops, &channel, &characteristics).await;
    refused_naming(
        status,
        &body,
        "cartItem[2].product.productCharacteristic",
        "OMNI_MAX_ITEM_CHARACTERISTICS",
    );

    let mut relationships = full.clone();
    relationships["cartItem"][0]["cartItemRelationship"]
        .as_array_mut()
        .expect("relationships")
        .push(json!({"id": "3", "relationshipType": "hasAddOn"}));
    let (status, body) = post_json(&s, CARTS, &ops, &channel, &relationships).await;
    refused_naming(
        status,
        &body,
        "cartItem[0].cartItemRelationship",
        "OMNI_MAX_ITEM_RELATIONSHIPS",
    );
    assert_eq!(
        stored(&s, "shoppingCart").await,
        1,
        "only the cart at the limits"
    );
}

#[tokio::test]
async fn an_order_is_bounded_per_call_and_in_total() {
    let s = TestServer::start_with(making(small())).await;
    s.load_demo().await;
    let ops = s.token(PrincipalKind::User, &["order.ops"], "default");
    let (status, body) = post_json(
        &s,
        "/omni-svcs/v1/order/create",
        &ops,
        &[],
        &json!({"channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().expect("id").to_string();
    let path = format!("/omni-svcs/v1/order/{id}/items");
    let sim = |n: usize, characteristics: usize| {
        json!({"action": "add", "productOfferingType": "SIM", "rootBundleProductOrderItemId": "plan",
            "productOfferingId": SIM,
            "characteristic": (0..characteristics).map(|c| json!({"name": if c == 0 { "ICCID".to_string() } else { format!("note{c}") },
                "value": format!("890141032701974711{n}")})).collect::<Vec<_>>()})
    };
    let plan = json!({"action": "add", "productOfferingType": "Mobile_Offer", "productOrderItemId": "plan",
        "productOfferingId": "Mobile_Offer_unlimited-extra",
        "billingAccount": {"id": "556165899573", "ratingType": "postpaid"}});
    let device = json!({"action": "add", "productOfferingType": "Mobile_Device", "rootBundleProductOrderItemId": "plan",
        "productOfferingId": PHONE});

    // One call over the item limit, and an item over the characteristics limit.
    let four = json!({"items": [plan.clone(), device.clone(), sim(1, 1), sim(2, 1)]});
    let (status, body) = post_json(&s, &path, &ops, &[], &four).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("OMNI_MAX_ITEMS"), "{body}");
    let chatty = json!({"items": [plan.clone(), device.clone(), sim(1, 3)]});
    let (status, body) = post_json(&s, &path, &ops, &[], &chatty).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string().contains("items[2].characteristic"),
        "{body}"
    );
    assert!(
        body.to_string().contains("OMNI_MAX_ITEM_CHARACTERISTICS"),
        "{body}"
    );

    // At the limit: accepted; then one more in a later call is over the total.
    let three = json!({"items": [plan, device, sim(1, 1)]});
    let (status, body) = post_json(&s, &path, &ops, &[], &three).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_json(&s, &path, &ops, &[], &json!({"items": [sim(2, 1)]})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string()
            .contains("would bring the order to 4 items"),
        "{body}"
    );
    let doc = s
        .store
        .get_document("default", "order", &id)
        .await
        .expect("read")
        .expect("the order");
    assert_eq!(
        doc.body["items"].as_array().map(Vec::len),
        Some(3),
        "nothing more stored"
    );
}

#[tokio::test]
async fn a_care_order_is_bounded_in_change_requests() {
    let s = TestServer::start_with(making(small())).await;
    s.load_demo().await;
    let care = s.care_token("client-7");
    let headers = [
        ("X-ATT-ClientId", "client-7"),
        ("X-ATT-ConversationId", "conv-1"),
        ("X-ATT-MessageId", "msg-1"),
    ];
    let order = |n: usize| {
        let changes: Vec<Value> = (0..n)
            .map(|k| json!({"type": "updateSubscriber", "changeRequestId": format!("c{k}"), "ctn": "1234567890",
                "udl": [{"type": format!("Label {k}"), "value": format!("v{k}")}]}))
            .collect();
        json!({"careOrderRequest": {"foundationAccountNumber": "81730304",
            "accountGroupId": "73001012763", "changeRequest": changes}})
    };
    let path = "/api/orderingMobility/v1/careOrder";
    let (status, body) = post_json(&s, path, &care, &headers, &order(4)).await;
    refused_naming(
        status,
        &body,
        "careOrderRequest.changeRequest",
        "OMNI_MAX_ITEMS",
    );
    assert_eq!(stored(&s, "careOrder").await, 0);
    let (status, body) = post_json(&s, path, &care, &headers, &order(3)).await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn a_document_larger_than_the_limit_is_never_stored() {
    let s = TestServer::start_with(making(omni_app::limits::Limits {
        max_document_bytes: 4096,
        ..omni_app::limits::Limits::default()
    }))
    .await;
    let admin = s.admin();
    // Each text is within its own rule; together they are over the limit.
    let offering = |text: &str| json!({"name": "Big", "description": text, "version": "1"});
    let (status, body) = post_json(&s, OFFERINGS, &admin, &[], &offering("small")).await;
    assert_eq!(status, 201, "{body}");
    let mut big = offering(&"x".repeat(3000));
    big["productOfferingTerm"] = json!([{"name": "t", "description": "y".repeat(3000)}]);
    let (status, body) = post_json(&s, OFFERINGS, &admin, &[], &big).await;
    assert_eq!(status, 413, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("productOffering") && message.contains("OMNI_MAX_DOCUMENT_BYTES"),
        "{body}"
    );
    assert_eq!(stored(&s, "productOffering").await, 1);
}

/// Callers without a token share one principal; their writes are held to a
/// bucket per client address (`OMNI_ANONYMOUS_WRITE_RATE`), on by default in
/// the binary. Reads and callers with a token are not.
#[tokio::test]
async fn anonymous_writes_over_their_limit_get_429_and_authenticated_callers_do_not() {
    // Three at once, then one every two seconds: ten creations in a row
    // outrun it however slow the machine is.
    let s = TestServer::start_with(with_limits(Limits {
        anonymous_writes: Some(RateLimit {
            per_second: 0.5,
            burst: 3,
        }),
        ..Limits::default()
    }))
    .await;
    s.load_demo().await;
    const CARTS: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
    let cart = json!({"cartItem": [{"id": "1", "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}}]});
    let create = |token: Option<String>| {
        let s = &s;
        let cart = cart.clone();
        async move {
            let mut req = s
                .client
                .post(s.url(CARTS))
                .header("channelId", "ECOMM")
                .json(&cart);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.expect("send")
        }
    };
    let mut statuses = Vec::new();
    let mut throttled = None;
    for _ in 0..10 {
        let resp = create(None).await;
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            let wait = retry_after(&resp);
            throttled = Some((wait, resp.json::<Value>().await.expect("json")));
        }
    }
    assert_eq!(&statuses[..3], &[201, 201, 201], "the burst is allowed");
    assert!(statuses.contains(&429), "{statuses:?}");
    let (wait, body) = throttled.expect("a 429");
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    assert!(
        body.to_string().contains("OMNI_ANONYMOUS_WRITE_RATE"),
        "names the setting: {body}"
    );

    // An invalid token is no way around it.
    let resp = create(Some("not-a-token".into())).await;
    assert!(
        matches!(resp.status().as_u16(), 401 | 429),
        "{}",
        resp.status()
    );

    // Authenticated callers keep their own (here: unlimited) budget.
    let customer = s.token_for("cust-1001", PrincipalKind::Customer, &[], "default");
    for _ in 0..10 {
        let resp = create(Some(customer.clone())).await;
        assert_eq!(resp.status(), 201, "an authenticated caller is unaffected");
    }
    // Reads by the throttled sender still answer.
    let resp = s
        .client
        .get(s.url("/tmf-api/productCatalogManagement/v4/productOffering?limit=1"))
        .send()
        .await
        .expect("send");
    assert_ne!(resp.status(), 429, "reads are not held to the write limit");
}
