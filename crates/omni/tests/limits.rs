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
