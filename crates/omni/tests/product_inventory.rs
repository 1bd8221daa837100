//! TMF637 Product Inventory v4 over the demo inventory: every line's plan,
//! features, device and SIM as products, read by staff with inventory.view
//! or inventory.admin, and by a customer for their own accounts only;
//! changed (PATCH) and deleted (DELETE) by inventory.admin alone, each write
//! a change of the line with its events.

mod common;

use common::TestServer;
use common::receiver::Receiver;
use omni_api::state::ApiConfig;
use omni_api::webhook::WebhookConfig;
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::time::Duration;

const PRODUCTS: &str = "/tmf-api/productInventory/v4/product";

/// Products of the demo data: ten lines, 43 components.
const DEMO_PRODUCTS: usize = 43;

async fn get(
    s: &TestServer,
    token: Option<&str>,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = s.client.get(s.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

fn viewer(s: &TestServer) -> String {
    s.token(PrincipalKind::User, &["inventory.view"], "default")
}

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn staff_list_every_line_component_as_a_product() {
    let s = TestServer::start_with_demo().await;
    let (status, headers, body) = get(&s, Some(&viewer(&s)), PRODUCTS).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["x-total-count"], DEMO_PRODUCTS.to_string().as_str());
    assert_eq!(body.as_array().map(Vec::len), Some(DEMO_PRODUCTS));
    // The line 4690002221 and its device, as the inventory holds them.
    let line = body
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"] == "47777581441708014")
        .cloned()
        .unwrap_or_default();
    assert_eq!(line["isBundle"], true);
    assert_eq!(line["status"], "active");
    assert_eq!(line["productCharacteristic"][0]["name"], "number");
    assert_eq!(line["productCharacteristic"][0]["value"], "4690002221");
    assert_eq!(line["billingAccount"]["id"], "556165899573");
    assert_eq!(line["relatedParty"][0]["id"], "cust-1001");
    assert_eq!(
        line["href"],
        s.url(&format!("{PRODUCTS}/47777581441708014")).as_str()
    );
    let (status, _, device) = get(
        &s,
        Some(&viewer(&s)),
        &format!("{PRODUCTS}/47777581441708016"),
    )
    .await;
    assert_eq!(status, 200, "{device}");
    assert_eq!(device["productCharacteristic"][1]["name"], "IMEI");
    assert_eq!(
        device["productCharacteristic"][1]["value"],
        "353456789012348"
    );
    assert_eq!(
        device["productRelationship"][0]["relationshipType"],
        "reliesOn"
    );
    assert_eq!(
        device["productRelationship"][0]["product"]["id"],
        "47777581441708015"
    );
    let (status, _, sim) = get(
        &s,
        Some(&viewer(&s)),
        &format!("{PRODUCTS}/47777581441708017"),
    )
    .await;
    assert_eq!(status, 200, "{sim}");
    assert_eq!(
        sim["productCharacteristic"][1]["value"],
        "89014103211118510720"
    );

    // Every product of a line names its number.
    let (_, headers, _) = get(
        &s,
        Some(&viewer(&s)),
        &format!("{PRODUCTS}?productCharacteristic.value=4690002221"),
    )
    .await;
    assert_eq!(headers["x-total-count"], "5");
}

#[tokio::test]
async fn lists_filter_page_sort_and_project() {
    let s = TestServer::start_with_demo().await;
    let token = viewer(&s);
    let (status, headers, body) =
        get(&s, Some(&token), &format!("{PRODUCTS}?status=terminated")).await;
    assert_eq!(status, 200, "{body}");
    // The cancelled line 1234567892: the line and its plan.
    assert_eq!(headers["x-total-count"], "2");
    assert!(
        body.as_array()
            .into_iter()
            .flatten()
            .all(|p| p["status"] == "terminated")
    );

    let (_, _, body) = get(
        &s,
        Some(&token),
        &format!("{PRODUCTS}?productCharacteristic.value=353456789012348"),
    )
    .await;
    assert_eq!(ids(&body), ["47777581441708016"]);

    let (_, headers, page) = get(
        &s,
        Some(&token),
        &format!("{PRODUCTS}?offset=40&limit=5&sort=id"),
    )
    .await;
    assert_eq!(headers["x-total-count"], DEMO_PRODUCTS.to_string().as_str());
    assert_eq!(headers["x-result-count"], "3");
    let (_, _, all) = get(&s, Some(&token), &format!("{PRODUCTS}?sort=id")).await;
    assert_eq!(ids(&page), ids(&all)[40..]);

    let (_, _, projected) = get(
        &s,
        Some(&token),
        &format!("{PRODUCTS}?fields=status&limit=1"),
    )
    .await;
    let keys: Vec<&String> = projected[0]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["status"]);
    let (status, _, one) = get(
        &s,
        Some(&token),
        &format!("{PRODUCTS}/47777581441708014?fields=name"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one, serde_json::json!({"name": "Line 4690002221"}));

    let (status, _, bad) = get(
        &s,
        Some(&token),
        &format!("{PRODUCTS}/47777581441708014?status=active"),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    let (status, _, _) = get(&s, Some(&token), &format!("{PRODUCTS}/no-such-product")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn reading_needs_inventory_view_or_admin() {
    let s = TestServer::start_with_demo().await;
    let (status, _, _) = get(&s, None, PRODUCTS).await;
    assert_eq!(status, 401);
    let other = s.token(PrincipalKind::User, &["order.view"], "default");
    let (status, _, body) = get(&s, Some(&other), PRODUCTS).await;
    assert_eq!(status, 403);
    assert!(body.to_string().contains("inventory.view"), "{body}");
    let admin = s.token(PrincipalKind::M2m, &["inventory.admin"], "default");
    let (status, headers, _) = get(&s, Some(&admin), PRODUCTS).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-total-count"], DEMO_PRODUCTS.to_string().as_str());
    // Another tenant holds no inventory.
    let elsewhere = s.token(PrincipalKind::User, &["inventory.view"], "other");
    let (status, headers, _) = get(&s, Some(&elsewhere), PRODUCTS).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-total-count"], "0");
}

#[tokio::test]
async fn a_customer_sees_only_their_own_products() {
    let s = TestServer::start_with_demo().await;
    // A staff role in a customer's token grants nothing more.
    let customer = s.token_for(
        "cust-1001",
        PrincipalKind::Customer,
        &["inventory.view"],
        "default",
    );
    let (status, headers, body) = get(&s, Some(&customer), PRODUCTS).await;
    assert_eq!(status, 200, "{body}");
    // Lines 4690002221 (5 products) and 4690002222 (4) of account CA-1001.
    assert_eq!(headers["x-total-count"], "9");
    assert!(
        body.as_array()
            .into_iter()
            .flatten()
            .all(|p| p["relatedParty"][0]["id"] == "cust-1001"),
        "{body}"
    );
    let (status, _, _) = get(
        &s,
        Some(&customer),
        &format!("{PRODUCTS}/47777581441708014"),
    )
    .await;
    assert_eq!(status, 200);
    // Another customer's line is as absent as one that does not exist.
    let (status, _, _) = get(
        &s,
        Some(&customer),
        &format!("{PRODUCTS}/47777581441708050"),
    )
    .await;
    assert_eq!(status, 404);
    let stranger = s.token_for("nobody", PrincipalKind::Customer, &[], "default");
    let (status, headers, _) = get(&s, Some(&stranger), PRODUCTS).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-total-count"], "0");
}

#[tokio::test]
async fn the_tmf637_hub_takes_listeners_from_inventory_admin() {
    let s = TestServer::start_with_demo().await;
    let hub = "/tmf-api/productInventory/v4/hub";
    let body = serde_json::json!({"callback": "https://listener.example.com/events"});
    let post = |token: String| {
        s.client
            .post(s.url(hub))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let refused = post(viewer(&s)).await.expect("send");
    assert_eq!(refused.status(), 403);
    let admin = s.token(PrincipalKind::User, &["inventory.admin"], "default");
    let created = post(admin.clone()).await.expect("send");
    assert_eq!(created.status(), 201);
    let listener: Value = created.json().await.expect("json");
    let id = listener["id"].as_str().unwrap_or_default();
    let (status, _, read) = get(&s, Some(&viewer(&s)), &format!("{hub}/{id}")).await;
    assert_eq!(status, 200, "{read}");
}

#[tokio::test]
async fn products_are_not_created_through_the_inventory() {
    let s = TestServer::start_with_demo().await;
    let admin = admin(&s);
    let resp = s
        .client
        .post(s.url(PRODUCTS))
        .bearer_auth(&admin)
        .json(&json!({"name": "new"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 405);
    let (_, headers, _) = get(&s, Some(&admin), PRODUCTS).await;
    assert_eq!(headers["x-total-count"], DEMO_PRODUCTS.to_string().as_str());
}

// Line 4690002221 of the demo inventory and its products.
const LINE: &str = "4690002221";
const LINE_PRODUCT: &str = "47777581441708014";
const PLAN: &str = "47777581441708015";
const FEATURE: &str = "47777581441708024";
const DEVICE: &str = "47777581441708016";

fn admin(s: &TestServer) -> String {
    s.token(PrincipalKind::User, &["inventory.admin"], "default")
}

fn one(id: &str) -> String {
    format!("{PRODUCTS}/{id}")
}

/// A write: `PATCH` (as a merge patch) or `DELETE`, with `If-Match` when
/// given; answers the status, the `ETag` and the body.
async fn write(
    s: &TestServer,
    method: &str,
    token: Option<&str>,
    id: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (u16, String, Value) {
    let mut req = s
        .client
        .request(method.parse().expect("method"), s.url(&one(id)));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(etag) = if_match {
        req = req.header("if-match", etag);
    }
    if let Some(body) = body {
        req = req
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, etag, resp.json().await.unwrap_or(Value::Null))
}

/// The stored line: its status and version.
async fn stored_line(s: &TestServer, ctn: &str) -> (String, i64) {
    let doc = s
        .store
        .get_document("default", "subscriber", ctn)
        .await
        .expect("read")
        .expect("the line exists");
    let status = doc.body["status"].as_str().unwrap_or_default().to_string();
    (status, doc.version)
}

/// The TMF637 events in the outbox, as `(type, product id, status)`.
async fn product_events(s: &TestServer) -> Vec<(String, String, String)> {
    let events = s.store.outbox_after(0, 10_000).await.expect("outbox");
    events
        .iter()
        .filter(|e| e.event.payload["domain"] == "productInventory")
        .map(|e| {
            let product = &e.event.payload["event"]["product"];
            (
                e.event.event_type.clone(),
                e.event.resource_id.clone(),
                product["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_suspends_a_line_and_the_hub_hears_it() {
    let config = ApiConfig {
        app: omni_app::AppConfig {
            webhooks: WebhookConfig {
                poll: Duration::from_millis(20),
                ..WebhookConfig::default()
            },
            ..omni_app::AppConfig::default()
        },
        ..ApiConfig::default()
    };
    let s = TestServer::start_with(config).await;
    s.load_demo().await;
    let rx = Receiver::start().await;
    let admin = admin(&s);
    let hub = s
        .client
        .post(s.url("/tmf-api/productInventory/v4/hub"))
        .bearer_auth(&admin)
        .json(&json!({"callback": rx.url}))
        .send()
        .await
        .expect("send");
    assert_eq!(hub.status(), 201);

    let (_, before, _) = get(&s, Some(&admin), &one(LINE_PRODUCT)).await;
    let (status, etag, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        LINE_PRODUCT,
        Some(json!({"status": "suspended"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "suspended");
    assert_eq!(body["id"], LINE_PRODUCT);
    assert_ne!(etag, before["etag"].to_str().unwrap_or_default());

    // The line itself is suspended, and so are its products.
    let (line_status, version) = stored_line(&s, LINE).await;
    assert_eq!(line_status, "suspended");
    assert_eq!(etag, format!("\"{version}\""));
    let (_, headers, read) = get(&s, Some(&admin), &one(LINE_PRODUCT)).await;
    assert_eq!(read["status"], "suspended");
    assert_eq!(headers["etag"].to_str().unwrap_or_default(), etag);
    let (_, _, plan) = get(&s, Some(&admin), &one(PLAN)).await;
    assert_eq!(plan["status"], "suspended");

    // The hub hears the line's state change, with the product as it is now.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let heard = loop {
        let heard: Vec<Value> = rx
            .accepted()
            .iter()
            .map(|d| d.json())
            .filter(|e| {
                e["eventType"] == "ProductStateChangeEvent"
                    && e["event"]["product"]["id"] == LINE_PRODUCT
            })
            .collect();
        if !heard.is_empty() || tokio::time::Instant::now() > deadline {
            break heard;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0]["event"]["product"]["status"], "suspended");

    // Back to active, with a plain JSON body this time.
    let resp = s
        .client
        .patch(s.url(&one(LINE_PRODUCT)))
        .bearer_auth(&admin)
        .json(&json!({"status": "active"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(stored_line(&s, LINE).await.0, "active");
}

#[tokio::test]
async fn derived_attributes_are_read_only_and_nothing_is_stored() {
    let s = TestServer::start_with_demo().await;
    let admin = admin(&s);
    let (_, version) = stored_line(&s, LINE).await;
    for (id, patch, field) in [
        (LINE_PRODUCT, json!({"name": "My line"}), "name"),
        (PLAN, json!({"status": "suspended"}), "status"),
        (LINE_PRODUCT, json!({"status": "pendingActive"}), "status"),
        (
            DEVICE,
            json!({"productCharacteristic": [{"name": "byod", "value": true}]}),
            "productCharacteristic.byod",
        ),
        (
            DEVICE,
            json!({"productCharacteristic": [{"name": "IMEI", "value": "35345678901234"}]}),
            "productCharacteristic.IMEI",
        ),
    ] {
        let (status, _, body) = write(&s, "PATCH", Some(&admin), id, Some(patch), None).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["details"][0]["field"], field, "{body}");
    }
    let (_, _, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        LINE_PRODUCT,
        Some(json!({"name": "My line"})),
        None,
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("name") && m.contains("read-only")),
        "{body}"
    );
    assert_eq!(stored_line(&s, LINE).await, ("active".to_string(), version));
    assert!(product_events(&s).await.is_empty());

    // The product sent back as read changes nothing either.
    let (_, _, read) = get(&s, Some(&admin), &one(DEVICE)).await;
    let (status, _, same) =
        write(&s, "PATCH", Some(&admin), DEVICE, Some(read.clone()), None).await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same, read);
    assert_eq!(stored_line(&s, LINE).await.1, version);

    // An IMEI in its format is the one writable characteristic of a device.
    let (status, _, device) = write(
        &s,
        "PATCH",
        Some(&admin),
        DEVICE,
        Some(json!({"productCharacteristic": [{"name": "IMEI", "value": "490154203237518"}]})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{device}");
    assert_eq!(
        device["productCharacteristic"][1]["value"],
        "490154203237518"
    );
    assert_eq!(device["realizingResource"][0]["id"], "490154203237518");
    assert_eq!(device["realizingResource"][0]["@referredType"], "Equipment");
    assert_eq!(
        product_events(&s).await,
        [(
            "ProductAttributeValueChangeEvent".to_string(),
            DEVICE.to_string(),
            "active".to_string()
        )]
    );

    let (status, _, _) = write(
        &s,
        "PATCH",
        Some(&admin),
        "no-such-product",
        Some(json!({"status": "active"})),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn only_inventory_admin_writes() {
    let s = TestServer::start_with_demo().await;
    let viewer = viewer(&s);
    // The owner of the line, even with the role in their token.
    let customer = s.token_for(
        "cust-1001",
        PrincipalKind::Customer,
        &["inventory.admin"],
        "default",
    );
    let (_, version) = stored_line(&s, LINE).await;
    let patch = || Some(json!({"status": "suspended"}));
    for (token, expected) in [(None, 401), (Some(&viewer), 403), (Some(&customer), 403)] {
        let token = token.map(String::as_str);
        let (status, _, body) = write(&s, "PATCH", token, LINE_PRODUCT, patch(), None).await;
        assert_eq!(status, expected, "{body}");
        let (status, _, body) = write(&s, "DELETE", token, FEATURE, None, None).await;
        assert_eq!(status, expected, "{body}");
    }
    let (_, _, body) = write(&s, "PATCH", Some(&viewer), LINE_PRODUCT, patch(), None).await;
    assert!(body.to_string().contains("inventory.admin"), "{body}");
    assert_eq!(stored_line(&s, LINE).await, ("active".to_string(), version));
    assert!(product_events(&s).await.is_empty());
}

#[tokio::test]
async fn a_stale_if_match_is_refused() {
    let s = TestServer::start_with_demo().await;
    let admin = admin(&s);
    let (_, headers, _) = get(&s, Some(&admin), &one(LINE_PRODUCT)).await;
    let first = headers["etag"].to_str().unwrap_or_default().to_string();
    let (status, second, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        LINE_PRODUCT,
        Some(json!({"status": "suspended"})),
        Some(&first),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The line's version is every product's ETag: the feature's moved too.
    let (status, _, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        LINE_PRODUCT,
        Some(json!({"status": "active"})),
        Some(&first),
    )
    .await;
    assert_eq!(status, 412, "{body}");
    let (status, _, _) = write(&s, "DELETE", Some(&admin), FEATURE, None, Some(&first)).await;
    assert_eq!(status, 412);
    assert_eq!(stored_line(&s, LINE).await.0, "suspended");
    let (status, _, _) = write(&s, "DELETE", Some(&admin), FEATURE, None, Some(&second)).await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn deleting_a_feature_removes_it_with_its_event() {
    let s = TestServer::start_with_demo().await;
    let admin = admin(&s);
    let (status, _, body) = write(&s, "DELETE", Some(&admin), FEATURE, None, None).await;
    assert_eq!(status, 204, "{body}");
    let (status, _, _) = get(&s, Some(&admin), &one(FEATURE)).await;
    assert_eq!(status, 404);
    // The line no longer bundles it.
    let (_, _, line) = get(&s, Some(&admin), &one(LINE_PRODUCT)).await;
    assert!(
        !line["productRelationship"].to_string().contains(FEATURE),
        "{line}"
    );
    let events = product_events(&s).await;
    assert!(
        events.contains(&(
            "ProductDeleteEvent".to_string(),
            FEATURE.to_string(),
            "active".to_string()
        )),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|(t, id, _)| t == "ProductAttributeValueChangeEvent" && id == LINE_PRODUCT),
        "{events:?}"
    );
    let (status, _, _) = write(&s, "DELETE", Some(&admin), FEATURE, None, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_feature_is_terminated_by_its_status() {
    let s = TestServer::start_with_demo().await;
    let admin = admin(&s);
    let (status, _, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        FEATURE,
        Some(json!({"status": "terminated"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "terminated");
    assert!(body["terminationDate"].is_string(), "{body}");
    let (_, _, read) = get(&s, Some(&admin), &one(FEATURE)).await;
    assert_eq!(read["status"], "terminated");
    assert_eq!(
        product_events(&s).await.first(),
        Some(&(
            "ProductStateChangeEvent".to_string(),
            FEATURE.to_string(),
            "terminated".to_string()
        ))
    );
}

#[tokio::test]
async fn a_line_is_not_deleted_through_the_inventory() {
    let s = TestServer::start_with_demo().await;
    let admin = admin(&s);
    let (_, version) = stored_line(&s, LINE).await;
    for id in [LINE_PRODUCT, PLAN] {
        let (status, _, body) = write(&s, "DELETE", Some(&admin), id, None, None).await;
        assert_eq!(status, 409, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("product order") && message.contains("care order"),
            "{body}"
        );
    }
    assert_eq!(stored_line(&s, LINE).await, ("active".to_string(), version));
    let (_, _, line) = get(&s, Some(&admin), &one(LINE_PRODUCT)).await;
    assert_eq!(line["status"], "active");
    // A cancelled line's products change no more.
    let (status, _, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        "47777581441708140",
        Some(json!({"status": "active"})),
        None,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(product_events(&s).await.is_empty());
}

#[tokio::test]
async fn terminating_a_line_cancels_it_and_ends_its_features() {
    let s = TestServer::start_with_demo().await;
    let admin = admin(&s);
    let (status, _, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        LINE_PRODUCT,
        Some(json!({"status": "terminated"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "terminated");
    assert!(body["terminationDate"].is_string(), "{body}");
    assert_eq!(stored_line(&s, LINE).await.0, "cancelled");
    // Its feature ended with it, as a care cancel ends them.
    let (_, _, feature) = get(&s, Some(&admin), &one(FEATURE)).await;
    assert_eq!(feature["status"], "terminated");
    let events = product_events(&s).await;
    for id in [LINE_PRODUCT, PLAN, FEATURE, DEVICE] {
        assert!(
            events.contains(&(
                "ProductStateChangeEvent".to_string(),
                id.to_string(),
                "terminated".to_string()
            )),
            "{id}: {events:?}"
        );
    }
    // Cancelled is final.
    let (status, _, body) = write(
        &s,
        "PATCH",
        Some(&admin),
        LINE_PRODUCT,
        Some(json!({"status": "active"})),
        None,
    )
    .await;
    assert_eq!(status, 409, "{body}");
}
