//! A NUL character, which PostgreSQL cannot store in text or jsonb, is
//! refused with a 400 naming the field before anything runs, the same on
//! both databases: in path parameters, query values and JSON bodies (values
//! and keys, at any depth) of every API family, in headers, and in token
//! claims (a 401). Nothing is created by any of these requests.

mod common;

use common::{CATALOG, SECRET, TestServer};
use omni_api::auth::{Auth, Claims};
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const RULE: &str = "must not contain the NUL character";
const CART: &str = "/tmf-api/shoppingCart/v4";
const PROMOTION: &str = "/tmf-api/promotionManagement/v4";
const POQ: &str = "/tmf-api/productOfferingQualification/v4";
const SQ: &str = "/tmf-api/serviceQualificationManagement/v4";
const ORDERING: &str = "/tmf-api/productOrderingManagement/v4";
const DISCOVERY: &str = "/msapi/cpopoffer/v1/product-offers";
const CARE: &str = "/api/orderingMobility/v1";
const PARTNER: &str = "/omni-svcs/v1";

/// One request with a NUL somewhere and the field its 400 must name.
struct Case {
    method: &'static str,
    path: String,
    body: Option<Value>,
    field: &'static str,
}

fn case(
    method: &'static str,
    path: impl Into<String>,
    body: Option<Value>,
    field: &'static str,
) -> Case {
    Case {
        method,
        path: path.into(),
        body,
        field,
    }
}

/// Everything a request could have created: events (every write of a
/// resource records one) and background jobs.
async fn footprint(s: &TestServer) -> (i64, u64) {
    let head = s.store.outbox_stream_head().await.expect("outbox head");
    let jobs = s
        .store
        .count_jobs()
        .await
        .expect("job counts")
        .iter()
        .map(|c| c.count)
        .sum();
    (head, jobs)
}

/// A token allowed to do everything these families offer, so that a
/// refusal cannot be a missing role.
fn operator(s: &TestServer) -> String {
    s.token(
        PrincipalKind::User,
        &[
            "catalog.admin",
            "promotion.admin",
            "tenant.admin",
            "order.ops",
            "sc.ops",
            "care.ops",
            "events.admin",
            "jobs.admin",
        ],
        "default",
    )
}

fn cases() -> Vec<Case> {
    let nul = "a\u{0}b";
    vec![
        // TMF620 catalog.
        case(
            "GET",
            format!("{CATALOG}/productOffering/a%00b"),
            None,
            "id",
        ),
        case(
            "GET",
            format!("{CATALOG}/productOffering?lifecycleStatus=a%00b"),
            None,
            "lifecycleStatus",
        ),
        case(
            "POST",
            format!("{CATALOG}/productOffering"),
            Some(json!({"name": nul})),
            "name",
        ),
        case(
            "POST",
            format!("{CATALOG}/productOffering"),
            Some(json!({"name": "ok", "productOfferingPrice": [{"id": "p1"}, {"id": nul}]})),
            "productOfferingPrice[1].id",
        ),
        case(
            "PATCH",
            format!("{CATALOG}/productOffering/x"),
            Some(json!({"description": "ok", "a\u{0}": 1})),
            "a\\0",
        ),
        case("DELETE", format!("{CATALOG}/category/%00"), None, "id"),
        // Discovery.
        case("GET", format!("{DISCOVERY}?channel=%00"), None, "channel"),
        case("GET", format!("{DISCOVERY}/x%00y"), None, "id"),
        // TMF663 carts and the tenant's validation rules.
        case(
            "POST",
            format!("{CART}/shoppingCart"),
            Some(json!({"cartItem": [{"id": "1", "productOffering": {"id": nul}}]})),
            "cartItem[0].productOffering.id",
        ),
        case("GET", format!("{CART}/shoppingCart/%00"), None, "id"),
        case(
            "PATCH",
            format!("{CART}/shoppingCart/c1"),
            Some(json!({"note": [{"text": nul}]})),
            "note[0].text",
        ),
        case(
            "POST",
            format!("{CART}/validationRuleSet"),
            Some(json!({"name": nul, "rule": []})),
            "name",
        ),
        // TMF679 and TMF645.
        case(
            "POST",
            format!("{POQ}/productOfferingQualification"),
            Some(
                json!({"productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": nul}}]}),
            ),
            "productOfferingQualificationItem[0].productOffering.id",
        ),
        case(
            "GET",
            format!("{POQ}/productOfferingQualification/q%00"),
            None,
            "id",
        ),
        case(
            "POST",
            format!("{SQ}/checkServiceQualification"),
            Some(
                json!({"serviceQualificationItem": [{"id": "1", "service": {"place": [{"id": nul, "role": "installationAddress"}]}}]}),
            ),
            "serviceQualificationItem[0].service.place[0].id",
        ),
        // Promotions.
        case(
            "POST",
            format!("{PROMOTION}/promotion"),
            Some(json!({"name": nul})),
            "name",
        ),
        case(
            "GET",
            format!("{PROMOTION}/promotion?name=%00"),
            None,
            "name",
        ),
        // TMF622 product orders.
        case(
            "POST",
            format!("{ORDERING}/productOrder"),
            Some(
                json!({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": nul}}]}),
            ),
            "productOrderItem[0].productOffering.id",
        ),
        case("GET", format!("{ORDERING}/productOrder/o%00"), None, "id"),
        case(
            "POST",
            format!("{ORDERING}/cancelProductOrder"),
            Some(json!({"productOrder": {"id": nul}})),
            "productOrder.id",
        ),
        // Care orders.
        case(
            "POST",
            format!("{CARE}/careOrder"),
            Some(
                json!({"careOrderRequest": {"foundationAccountNumber": "81730304", "changeRequest": [{"type": "suspend", "changeRequestId": "a", "ctn": "12345\u{0}7890"}]}}),
            ),
            "careOrderRequest.changeRequest[0].ctn",
        ),
        case(
            "POST",
            format!("{CARE}/orderStatus/CareOrder"),
            Some(json!({"orderStatusRequest": {"orderId": nul}})),
            "orderStatusRequest.orderId",
        ),
        case(
            "DELETE",
            format!("{CARE}/notificationSubscription/s%00"),
            None,
            "id",
        ),
        // Hubs (one per TMF family) and the delivery and job admin APIs.
        case(
            "POST",
            format!("{CATALOG}/hub"),
            Some(json!({"callback": "http://127.0.0.1/\u{0}"})),
            "callback",
        ),
        case(
            "POST",
            format!("{ORDERING}/hub"),
            Some(json!({"callback": "http://127.0.0.1/", "query": nul})),
            "query",
        ),
        case("DELETE", format!("{CART}/hub/h%00"), None, "id"),
        case("POST", "/admin/v1/deadLetter/d%00/redrive", None, "id"),
        case(
            "GET",
            "/admin/v1/eventSubscription?callback=%00",
            None,
            "callback",
        ),
        case("GET", "/admin/v1/job?status=failed&kind=%00", None, "kind"),
        case("POST", "/admin/v1/job/j%00/retry", None, "id"),
    ]
}

async fn send(s: &TestServer, token: &str, c: &Case, extra: &[(&str, &str)]) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(c.method.as_bytes()).expect("method");
    let mut req = s
        .client
        .request(method, s.url(&c.path))
        .bearer_auth(token)
        .header("channelId", "ECOMM")
        .header("X-ATT-ClientId", "client-1");
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    if let Some(body) = &c.body {
        let content_type = if c.method == "PATCH" {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        req = req
            .header("content-type", content_type)
            .body(serde_json::to_vec(body).expect("encode"));
    }
    req.send().await.expect("send")
}

#[tokio::test]
async fn every_family_refuses_nul_with_a_400_naming_the_field() {
    let s = TestServer::start().await;
    let token = operator(&s);
    let before = footprint(&s).await;
    let mut wrong = Vec::new();
    for c in cases() {
        let resp = send(&s, &token, &c, &[]).await;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let details = &body["details"][0];
        if status != 400 || details["field"] != c.field || details["rule"] != RULE {
            wrong.push(format!("{} {}: {status} {body}", c.method, c.path));
        }
    }
    assert!(
        wrong.is_empty(),
        "not refused as expected:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        footprint(&s).await,
        before,
        "a refused request wrote something"
    );
}

#[tokio::test]
async fn no_token_and_an_idempotency_key_change_nothing() {
    // Without a token the same 400 comes first (no 401 to hide it), and an
    // idempotent retry of a refused request is refused again.
    let s = TestServer::start().await;
    let before = footprint(&s).await;
    let resp = s
        .client
        .get(s.url(&format!("{CATALOG}/productOffering/a%00b")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["details"][0], json!({"field": "id", "rule": RULE}));

    let token = operator(&s);
    let c = case(
        "POST",
        format!("{CATALOG}/productOffering"),
        Some(json!({"name": "a\u{0}"})),
        "name",
    );
    for _ in 0..2 {
        let resp = send(&s, &token, &c, &[("Idempotency-Key", "nul-1")]).await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["details"][0]["field"], "name");
    }
    assert_eq!(footprint(&s).await, before);
}

#[tokio::test]
async fn the_partner_family_answers_in_its_own_shape() {
    let s = TestServer::start().await;
    let token = operator(&s);
    let before = footprint(&s).await;
    let checks = [
        case(
            "POST",
            format!("{PARTNER}/order/create"),
            Some(json!({"order": {"items": [{"id": "1", "productOffering": {"id": "a\u{0}"}}]}})),
            "order.items[0].productOffering.id",
        ),
        case("GET", format!("{PARTNER}/order/o%00"), None, "id"),
        case(
            "POST",
            format!("{PARTNER}/order/o%00/submit"),
            Some(json!({})),
            "id",
        ),
        case("GET", format!("{PARTNER}/terms?zip=%00"), None, "zip"),
        case("GET", format!("{PARTNER}/nothing%00here"), None, "path"),
    ];
    for c in checks {
        let resp = send(&s, &token, &c, &[]).await;
        assert_eq!(resp.status(), 400, "{} {}", c.method, c.path);
        let body: Value = resp.json().await.expect("json");
        let entry = &body["error"]["errorList"][0];
        assert_eq!(body["error"]["errorCode"], "400-INVALID-REQUEST", "{body}");
        assert_eq!(entry["field"], c.field, "{} {}: {body}", c.method, c.path);
        let description = entry["errorDescription"].as_str().unwrap_or("");
        assert!(description.contains(RULE), "{body}");
    }
    assert_eq!(footprint(&s).await, before);
}

#[tokio::test]
async fn care_echoes_its_client_id_on_the_refusal() {
    let s = TestServer::start().await;
    let token = operator(&s);
    let c = case(
        "POST",
        format!("{CARE}/careAccount"),
        Some(json!({"careAccountRequest": {"ctn": "\u{0}"}})),
        "careAccountRequest.ctn",
    );
    let resp = send(&s, &token, &c, &[]).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["x-att-clientid"], "client-1");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["details"][0]["field"], c.field);
}

/// A request written byte by byte: no HTTP client sends a NUL in a header.
async fn raw(s: &TestServer, head: &[u8], body: &[u8]) -> String {
    let addr = s.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn headers_with_nul_are_refused() {
    // The HTTP parser refuses a NUL in any header before the application
    // sees it (the guard checks every header too, for any other way in).
    let s = TestServer::start().await;
    let token = operator(&s);
    let before = footprint(&s).await;
    let body = br#"{"cartItem": []}"#;
    for header in [
        "channelId: EC\0OMM",
        "Idempotency-Key: k\0ey",
        "X-ATT-ClientId: cl\0ient",
        "X-ATT-ConversationId: c\0",
        "idpctx-appname: a\0pp",
    ] {
        let head = format!(
            "POST {CART}/shoppingCart HTTP/1.1\r\nHost: omni\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n{header}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let answer = raw(&s, head.as_bytes(), body).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{header:?}: {answer}");
    }
    assert_eq!(footprint(&s).await, before);
}

fn token_with(sub: &str, tenant: &str, roles: &[&str]) -> String {
    let now = chrono::Utc::now().timestamp();
    Auth::new(SECRET, "default")
        .mint(&Claims {
            sub: sub.into(),
            kind: PrincipalKind::User,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            tenant: tenant.into(),
            iat: now,
            exp: now + 3600,
            client_id: None,
        })
        .expect("mint")
}

#[tokio::test]
async fn a_token_with_nul_in_a_claim_is_invalid() {
    let s = TestServer::start().await;
    let before = footprint(&s).await;
    for (token, claim) in [
        (token_with("a\u{0}b", "default", &["catalog.admin"]), "sub"),
        (
            token_with("ok", "def\u{0}ault", &["catalog.admin"]),
            "tenant",
        ),
        (
            token_with("ok", "default", &["catalog.admin\u{0}"]),
            "roles",
        ),
    ] {
        for path in [
            format!("{CATALOG}/productOffering"),
            format!("{CART}/shoppingCart"),
        ] {
            let resp = s
                .client
                .post(s.url(&path))
                .bearer_auth(&token)
                .header("channelId", "ECOMM")
                .json(&json!({"name": "fine", "cartItem": []}))
                .send()
                .await
                .expect("send");
            assert_eq!(resp.status(), 401, "{claim} on {path}");
            let body: Value = resp.json().await.expect("json");
            let message = body["message"].as_str().unwrap_or("");
            assert!(message.contains(claim) && message.contains(RULE), "{body}");
        }
    }
    assert_eq!(footprint(&s).await, before);
}

#[tokio::test]
async fn the_footprint_sees_a_write() {
    // The check above is only worth something if a real write shows.
    let s = TestServer::start().await;
    let before = footprint(&s).await;
    s.create(
        "category",
        &s.admin(),
        json!({"name": "Phones", "lifecycleStatus": "Active"}),
    )
    .await;
    assert_ne!(footprint(&s).await, before);
}

fn document(id: &str, body: Value) -> omni_store::Document {
    let now = "2026-01-01T00:00:00Z".to_string();
    omni_store::Document {
        tenant: "default".into(),
        kind: "productOffering".into(),
        id: id.into(),
        version: 1,
        owner: None,
        state: None,
        created_at: now.clone(),
        updated_at: now,
        body,
    }
}

#[tokio::test]
async fn the_store_refuses_nul_as_invalid_input_on_both_backends() {
    // The second line, for any way in that is not an HTTP request.
    let s = TestServer::start().await;
    let effects = omni_store::Effects::default();
    let cases = [
        document("a\u{0}b", json!({})),
        document("ok", json!({"x": [{"y": "\u{0}"}]})),
        document("ok", json!({"k\u{0}": 1})),
    ];
    for doc in &cases {
        let inserted = s.store.insert_document(doc, &effects).await;
        assert!(
            matches!(inserted, Err(omni_store::StoreError::InvalidInput(_))),
            "{}: {inserted:?}",
            doc.id
        );
        let put = s.store.put_documents(std::slice::from_ref(doc)).await;
        assert!(matches!(put, Err(omni_store::StoreError::InvalidInput(_))));
    }
    let found = s
        .store
        .get_document("default", "productOffering", "ok")
        .await
        .expect("read");
    assert!(found.is_none());
}

#[tokio::test]
async fn postgres_refusing_nul_is_invalid_input_not_an_outage() {
    // Writes the guard above does not cover (a counter's name here) still
    // come back typed from PostgreSQL; SQLite stores the name.
    let s = TestServer::start().await;
    let bumped = s.store.bump_counter("a\u{0}b").await;
    match s.store.backend() {
        "postgres" => assert!(
            matches!(bumped, Err(omni_store::StoreError::InvalidInput(_))),
            "{bumped:?}"
        ),
        _ => assert!(bumped.is_ok(), "{bumped:?}"),
    }
}
