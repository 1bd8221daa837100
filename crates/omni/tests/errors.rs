//! Refused requests, black-box over HTTP: the TMF630 error body, the field a
//! 400 names, body size and media type limits, the partner error shape, and
//! that nothing is stored. Also the headers every response carries and the
//! request metrics.
mod common;

use common::{CATALOG, TestServer};
use reqwest::Response;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};

const KINDS: [&str; 5] = [
    "productOffering",
    "productOfferingPrice",
    "productSpecification",
    "category",
    "catalog",
];

/// Checks the TMF630 error object and returns it.
async fn tmf_error(resp: Response, status: u16) -> Value {
    assert_eq!(resp.status(), status);
    assert_json(resp.headers());
    let body: Value = resp.json().await.expect("json error body");
    assert_eq!(body["status"], status.to_string(), "{body}");
    assert_eq!(body["@type"], "Error", "{body}");
    for key in ["code", "reason", "message"] {
        let text = body[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key}: {body}"));
        assert!(!text.is_empty(), "{key} empty: {body}");
    }
    body
}

fn assert_json(headers: &HeaderMap) {
    let content_type = headers
        .get(CONTENT_TYPE)
        .expect("content type")
        .to_str()
        .expect("ascii");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
}

/// The fields a 400 names, checking that its message names them too.
async fn fields_of_400(resp: Response) -> Vec<String> {
    let body = tmf_error(resp, 400).await;
    let fields: Vec<String> = body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("details: {body}"))
        .iter()
        .map(|d| d["field"].as_str().expect("field").to_string())
        .collect();
    let message = body["message"].as_str().expect("message");
    for f in &fields {
        assert!(message.contains(f.as_str()), "{message} names {f}");
    }
    fields
}

async fn post_raw(s: &TestServer, kind: &str, content_type: &str, body: Vec<u8>) -> Response {
    s.client
        .post(s.url(&format!("{CATALOG}/{kind}")))
        .bearer_auth(s.admin())
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("send")
}

async fn post_json(s: &TestServer, kind: &str, body: Value) -> Response {
    post_raw(s, kind, "application/json", body.to_string().into_bytes()).await
}

async fn total(s: &TestServer, kind: &str) -> usize {
    let resp = s
        .client
        .get(s.url(&format!("{CATALOG}/{kind}")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let total = resp
        .headers()
        .get("x-total-count")
        .expect("X-Total-Count")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number");
    let items: Vec<Value> = resp.json().await.expect("json");
    assert_eq!(items.len(), total);
    total
}

#[tokio::test]
async fn unknown_id_is_404_with_the_tmf_error_body() {
    let s = TestServer::start().await;
    for kind in KINDS {
        let resp = s
            .client
            .get(s.url(&format!("{CATALOG}/{kind}/no-such-id")))
            .send()
            .await
            .expect("send");
        let body = tmf_error(resp, 404).await;
        assert_eq!(body["code"], "NOT_FOUND");
        assert!(
            body["message"]
                .as_str()
                .expect("message")
                .contains("no-such-id"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn unknown_paths_are_404_json() {
    let s = TestServer::start().await;
    for path in [
        "/nothing".to_string(),
        format!("{CATALOG}/noSuchResource"),
        format!("{CATALOG}/productOffering/a/b"),
        "/tmf-api/productCatalogManagement/v5/productOffering".to_string(),
        "/tmf-api/nothing/v4/productOffering".to_string(),
        // Not under /omni-svcs, though it starts with the same letters.
        "/omni-svcsx".to_string(),
    ] {
        let resp = s.client.get(s.url(&path)).send().await.expect("send");
        let body = tmf_error(resp, 404).await;
        assert!(body.get("error").is_none(), "{path}: {body}");
    }
    // A known path with a method it does not support.
    let resp = s
        .client
        .put(s.url(&format!("{CATALOG}/productOffering")))
        .send()
        .await
        .expect("send");
    tmf_error(resp, 405).await;
}

#[tokio::test]
async fn omni_svcs_paths_use_the_partner_error_shape() {
    let s = TestServer::start().await;
    for (method, path) in [
        (reqwest::Method::GET, "/omni-svcs/anything"),
        (reqwest::Method::GET, "/omni-svcs"),
        (reqwest::Method::DELETE, "/omni-svcs/a/b/c"),
        (reqwest::Method::GET, "/omni-svcs/"),
        (reqwest::Method::POST, "/omni-svcs/cart/v1/items"),
    ] {
        let resp = s
            .client
            .request(method, s.url(path))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 404, "{path}");
        assert_json(resp.headers());
        assert!(resp.headers().get("x-request-id").is_some());
        let body: Value = resp.json().await.expect("json");
        let error = &body["error"];
        assert_eq!(error["errorCode"], "404-NOT-FOUND", "{body}");
        assert!(error["errorDescription"].is_string(), "{body}");
        let list = error["errorList"].as_array().expect("errorList");
        assert!(!list.is_empty(), "{body}");
        for entry in list {
            assert!(entry["errorCode"].is_string(), "{body}");
            assert!(entry["errorDescription"].is_string(), "{body}");
            assert_own_details(entry);
        }
        // Not the TMF shape.
        assert!(body.get("code").is_none() && body.get("@type").is_none());
    }
}

/// The terms page (seed 003) gives every `errorList` entry
/// `errorDetails[{system, errorCode, errorDescription}]`; what Omni decided
/// itself names system `OMNI` and repeats the entry's code and description.
fn assert_own_details(entry: &Value) {
    let details = entry["errorDetails"]
        .as_array()
        .unwrap_or_else(|| panic!("no errorDetails in {entry}"));
    assert_eq!(details.len(), 1, "{entry}");
    assert_eq!(details[0]["system"], "OMNI", "{entry}");
    assert_eq!(details[0]["errorCode"], entry["errorCode"], "{entry}");
    assert_eq!(
        details[0]["errorDescription"], entry["errorDescription"],
        "{entry}"
    );
}

#[tokio::test]
async fn partner_errors_carry_error_details_as_the_terms_page_shows() {
    let s = TestServer::start_with_demo().await;
    let token = s.token(omni_core::PrincipalKind::User, &["order.ops"], "default");
    let post = |path: &str, body: Value| {
        s.client
            .post(s.url(&format!("/omni-svcs/v1{path}")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let created = post(
        "/order/create",
        json!({"channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]}),
    )
    .await
    .expect("send");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let id = created["id"].as_str().expect("id");

    // The terms page's own request: "string" names no agreement (a refusal
    // with the order's validation beside it).
    let refused = post(
        &format!("/order/{id}/terms"),
        json!({"agreements": [{"name": "string", "extensions": [{"name": "string", "value": "string"}]}]}),
    )
    .await
    .expect("send");
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.expect("json");
    let entry = &body["error"]["errorList"][0];
    assert_eq!(entry["action"], "terms", "{body}");
    assert_own_details(entry);

    // A field error of the family (an invalid request as a whole).
    let invalid = post(&format!("/order/{id}/terms"), json!({"agreements": "none"}))
        .await
        .expect("send");
    assert_eq!(invalid.status(), 400);
    let body: Value = invalid.json().await.expect("json");
    let list = body["error"]["errorList"].as_array().expect("errorList");
    assert!(!list.is_empty(), "{body}");
    list.iter().for_each(assert_own_details);
}

#[tokio::test]
async fn malformed_json_is_400_naming_body() {
    let s = TestServer::start().await;
    for text in [
        r#"{"name": "#,
        r#"{"name": "a",}"#,
        r#"{"name": "a"} trailing"#,
        "",
        r#"["not", "an", "object"]"#,
        r#""just a string""#,
    ] {
        let resp = post_raw(
            &s,
            "productOffering",
            "application/json",
            text.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(fields_of_400(resp).await, ["body"], "{text:?}");
    }
    assert_eq!(total(&s, "productOffering").await, 0);
}

#[tokio::test]
async fn wrong_types_are_400_naming_the_field() {
    let s = TestServer::start().await;
    let cases = [
        (json!({"name": "a", "isBundle": "yes"}), vec!["isBundle"]),
        (json!({"name": 42}), vec!["name"]),
        (json!({"name": "a", "category": "c1"}), vec!["category"]),
        (
            json!({"name": "a", "validFor": {"startDateTime": "yesterday"}}),
            vec!["validFor.startDateTime"],
        ),
        (
            json!({"name": "a", "validFor": {"startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2024-01-01T00:00:00Z"}}),
            vec!["validFor.endDateTime"],
        ),
        (
            json!({"name": "a", "isBundle": "yes", "isSellable": 1}),
            vec!["isBundle", "isSellable"],
        ),
        // Product Discovery's attributes (seed 002) are typed too.
        (
            json!({"name": "a", "isEnabledBy": "yes", "orderItem": {}, "omsreqrescomponents": "x"}),
            vec!["orderItem", "isEnabledBy", "omsreqrescomponents"],
        ),
        (json!({"name": "a", "id": "has space"}), vec!["id"]),
        (
            json!({"name": "a", "lastUpdate": "2024-01-01T00:00:00Z"}),
            vec!["lastUpdate"],
        ),
    ];
    for (body, expected) in cases {
        let resp = post_json(&s, "productOffering", body.clone()).await;
        assert_eq!(fields_of_400(resp).await, expected, "{body}");
    }
    let resp = post_json(
        &s,
        "productOfferingPrice",
        json!({"name": "p", "percentage": "ten"}),
    )
    .await;
    assert_eq!(fields_of_400(resp).await, ["percentage"]);
    assert_eq!(total(&s, "productOffering").await, 0);
    assert_eq!(total(&s, "productOfferingPrice").await, 0);
}

#[tokio::test]
async fn missing_name_is_400_naming_name() {
    let s = TestServer::start().await;
    for kind in KINDS {
        let resp = post_json(&s, kind, json!({"description": "no name"})).await;
        assert_eq!(fields_of_400(resp).await, ["name"], "{kind}");
        let resp = post_json(&s, kind, json!({})).await;
        assert_eq!(fields_of_400(resp).await, ["name"], "{kind}");
        assert_eq!(total(&s, kind).await, 0);
    }
}

#[tokio::test]
async fn over_long_values_are_400_naming_the_field() {
    let s = TestServer::start().await;
    let resp = post_json(&s, "productOffering", json!({"name": "n".repeat(256)})).await;
    assert_eq!(fields_of_400(resp).await, ["name"]);
    // Characters, not bytes: 255 two-byte characters fit.
    let resp = post_json(&s, "productOffering", json!({"name": "é".repeat(255)})).await;
    assert_eq!(resp.status(), 201);
    let resp = post_json(
        &s,
        "productOffering",
        json!({"name": "ok", "description": "d".repeat(4001)}),
    )
    .await;
    assert_eq!(fields_of_400(resp).await, ["description"]);
    // Long text anywhere is refused, named by its path.
    let resp = post_json(
        &s,
        "productOffering",
        json!({"name": "ok", "note": [{"text": "t".repeat(20_001)}]}),
    )
    .await;
    assert_eq!(fields_of_400(resp).await, ["note[0].text"]);
    assert_eq!(total(&s, "productOffering").await, 1);
}

#[tokio::test]
async fn body_over_one_mib_is_413_json() {
    // The body limit alone: stored documents may be as large as bodies here
    // (the document limit has its own tests in limits.rs).
    let mut config = omni_api::state::ApiConfig::default();
    config.app.limits.max_document_bytes = 2 * 1024 * 1024;
    let s = TestServer::start_with(config).await;
    let mut body = json!({"name": "big", "attachment": []});
    let chunk = "x".repeat(10_000);
    for _ in 0..110 {
        body["attachment"]
            .as_array_mut()
            .expect("array")
            .push(json!({"description": chunk}));
    }
    let bytes = body.to_string().into_bytes();
    assert!(bytes.len() > 1024 * 1024);
    let resp = post_raw(&s, "productOffering", "application/json", bytes.clone()).await;
    let error = tmf_error(resp, 413).await;
    assert_eq!(error["code"], "PAYLOAD_TOO_LARGE");

    // On PATCH too.
    let admin = s.admin();
    s.create(
        "productOffering",
        &admin,
        json!({"id": "p1", "name": "small"}),
    )
    .await;
    let resp = s
        .client
        .patch(s.url(&format!("{CATALOG}/productOffering/p1")))
        .bearer_auth(&admin)
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .body(bytes)
        .send()
        .await
        .expect("send");
    tmf_error(resp, 413).await;
    assert_eq!(total(&s, "productOffering").await, 1);

    // Just under the limit is fine.
    let mut body = json!({"name": "almost", "attachment": []});
    for _ in 0..100 {
        body["attachment"]
            .as_array_mut()
            .expect("array")
            .push(json!({"description": chunk}));
    }
    let resp = post_json(&s, "productOffering", body).await;
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn non_json_content_type_is_415() {
    let s = TestServer::start().await;
    let payload = json!({"name": "x"}).to_string().into_bytes();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let resp = post_raw(&s, "productOffering", content_type, payload.clone()).await;
        tmf_error(resp, 415).await;
    }
    // No content type at all.
    let resp = s
        .client
        .post(s.url(&format!("{CATALOG}/productOffering")))
        .bearer_auth(s.admin())
        .body(payload.clone())
        .send()
        .await
        .expect("send");
    tmf_error(resp, 415).await;
    assert_eq!(total(&s, "productOffering").await, 0);

    let admin = s.admin();
    s.create("productOffering", &admin, json!({"id": "t1", "name": "x"}))
        .await;
    let resp = s
        .client
        .patch(s.url(&format!("{CATALOG}/productOffering/t1")))
        .bearer_auth(&admin)
        .header(CONTENT_TYPE, "text/plain")
        .body(json!({"name": "changed"}).to_string())
        .send()
        .await
        .expect("send");
    tmf_error(resp, 415).await;
    let unchanged: Value = s
        .client
        .get(s.url(&format!("{CATALOG}/productOffering/t1")))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(unchanged["name"], "x");
}

/// Every refused create leaves the collection as it was, and every refused
/// patch leaves the resource as it was.
#[tokio::test]
async fn refused_requests_store_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let kept = s
        .create(
            "productOffering",
            &admin,
            json!({"id": "keep", "name": "Kept"}),
        )
        .await;
    let viewer = s.token(
        omni_core::PrincipalKind::User,
        &["catalog.viewer"],
        "default",
    );
    let url = s.url(&format!("{CATALOG}/productOffering"));
    let big = format!(r#"{{"name":"{}"}}"#, "b".repeat(1024 * 1024 + 1));
    let attempts: Vec<(Option<&str>, &str, String, u16)> = vec![
        (Some(&admin), "application/json", "{\"name\": ".into(), 400),
        (
            Some(&admin),
            "application/json",
            json!({"name": "a", "isBundle": "yes"}).to_string(),
            400,
        ),
        (Some(&admin), "application/json", "{}".into(), 400),
        (
            Some(&admin),
            "application/json",
            json!({"name": "n".repeat(256)}).to_string(),
            400,
        ),
        (Some(&admin), "application/json", big, 413),
        (
            Some(&admin),
            "text/plain",
            json!({"name": "a"}).to_string(),
            415,
        ),
        (
            None,
            "application/json",
            json!({"name": "a"}).to_string(),
            401,
        ),
        (
            Some("garbage"),
            "application/json",
            json!({"name": "a"}).to_string(),
            401,
        ),
        (
            Some(&viewer),
            "application/json",
            json!({"name": "a"}).to_string(),
            403,
        ),
        (
            Some(&admin),
            "application/json",
            json!({"id": "keep", "name": "Duplicate"}).to_string(),
            409,
        ),
    ];
    for (token, content_type, body, status) in attempts {
        let mut request = s
            .client
            .post(&url)
            .header(CONTENT_TYPE, content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let resp = request.send().await.expect("send");
        tmf_error(resp, status).await;
        assert_eq!(total(&s, "productOffering").await, 1, "after a {status}");
    }

    let item = format!("{url}/keep");
    for (content_type, body, status) in [
        ("application/merge-patch+json", json!({"name": null}), 400),
        (
            "application/merge-patch+json",
            json!({"isBundle": "yes", "description": "sneaked in"}),
            400,
        ),
        (
            "application/merge-patch+json",
            json!({"id": "other", "description": "sneaked in"}),
            400,
        ),
        ("text/plain", json!({"description": "sneaked in"}), 415),
    ] {
        let resp = s
            .client
            .patch(&item)
            .bearer_auth(&admin)
            .header(CONTENT_TYPE, content_type)
            .body(body.to_string())
            .send()
            .await
            .expect("send");
        tmf_error(resp, status).await;
    }
    let resp = s.client.get(&item).send().await.expect("send");
    assert_eq!(resp.headers().get("etag").expect("ETag"), "\"1\"");
    let now: Value = resp.json().await.expect("json");
    assert_eq!(now, kept);
}

// ---------------------------------------------------------------- headers and metrics

#[tokio::test]
async fn correlation_headers_are_echoed_and_every_response_has_a_request_id() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let requests = [
        s.client.get(s.url("/health")),
        s.client.get(s.url(&format!("{CATALOG}/productOffering"))),
        s.client
            .get(s.url(&format!("{CATALOG}/productOffering/none"))),
        s.client.get(s.url("/no/such/path")),
        s.client.get(s.url("/omni-svcs/anything")),
        s.client
            .post(s.url(&format!("{CATALOG}/productOffering")))
            .json(&json!({"name": "x"})),
        s.client
            .post(s.url(&format!("{CATALOG}/productOffering")))
            .bearer_auth(&admin)
            .json(&json!({"name": "created"})),
        s.client
            .post(s.url(&format!("{CATALOG}/productOffering")))
            .bearer_auth(&admin)
            .header(CONTENT_TYPE, "application/json")
            .body("{"),
    ];
    let mut ids = std::collections::BTreeSet::new();
    for (n, request) in requests.into_iter().enumerate() {
        let conversation = format!("conv-{n}");
        let message = format!("msg-{n}");
        let client = format!("client-{n}");
        let resp = request
            .header("X-ATT-ClientId", &client)
            .header("X-ATT-ConversationId", &conversation)
            .header("X-ATT-MessageId", &message)
            .send()
            .await
            .expect("send");
        let headers = resp.headers();
        // The whole X-ATT-* trio, in every family (issue 13, point 8).
        assert_eq!(
            headers.get("x-att-clientid").expect("client id"),
            client.as_str(),
            "request {n}"
        );
        assert_eq!(
            headers
                .get("x-att-conversationid")
                .expect("conversation id"),
            conversation.as_str(),
            "request {n}"
        );
        assert_eq!(
            headers.get("x-att-messageid").expect("message id"),
            message.as_str(),
            "request {n}"
        );
        let id = headers
            .get("x-request-id")
            .unwrap_or_else(|| panic!("request {n} ({}) has no X-Request-Id", resp.status()))
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(!id.is_empty());
        ids.insert(id);
    }
    assert_eq!(ids.len(), 8, "each request gets its own id");

    // Without correlation headers: none echoed, a request id all the same.
    let resp = s.client.get(s.url("/health")).send().await.expect("send");
    assert!(resp.headers().get("x-att-clientid").is_none());
    assert!(resp.headers().get("x-att-conversationid").is_none());
    assert!(resp.headers().get("x-att-messageid").is_none());
    assert!(resp.headers().get("x-request-id").is_some());

    // A request id the caller chose is kept.
    let resp = s
        .client
        .get(s.url("/health"))
        .header("X-Request-Id", "caller-chosen-1")
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.headers().get("x-request-id").expect("id"),
        "caller-chosen-1"
    );
}

fn request_count(metrics: &str, method: &str, route: &str, status: u16) -> Option<u64> {
    let prefix = format!(
        "omni_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} "
    );
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|n| n.trim().parse().expect("count"))
}

async fn metrics(s: &TestServer) -> String {
    let resp = s.client.get(s.url("/metrics")).send().await.expect("send");
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("text")
}

#[tokio::test]
async fn metrics_count_requests_per_route() {
    let s = TestServer::start().await;
    let list_route = format!("{CATALOG}/productOffering");
    let item_route = format!("{CATALOG}/productOffering/{{id}}");
    let before = metrics(&s).await;
    assert_eq!(request_count(&before, "GET", &list_route, 200), None);

    for _ in 0..3 {
        let resp = s.client.get(s.url(&list_route)).send().await.expect("send");
        assert_eq!(resp.status(), 200);
    }
    for id in ["a", "b"] {
        let resp = s
            .client
            .get(s.url(&format!("{list_route}/{id}")))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 404);
    }
    let after = metrics(&s).await;
    assert_eq!(
        request_count(&after, "GET", &list_route, 200),
        Some(3),
        "{after}"
    );
    // Routes are labelled by their pattern, not by each path.
    assert_eq!(
        request_count(&after, "GET", &item_route, 404),
        Some(2),
        "{after}"
    );
    assert!(
        after.contains(&format!(
            "omni_http_request_duration_seconds_count{{method=\"GET\",route=\"{list_route}\",status=\"200\"}} 3"
        )),
        "{after}"
    );
    assert!(!after.contains("productOffering/a\""), "{after}");
}
