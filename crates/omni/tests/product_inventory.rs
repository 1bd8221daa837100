//! TMF637 Product Inventory v4 over the demo inventory: every line's plan,
//! features, device and SIM as products, read by staff with inventory.view
//! or inventory.admin, and by a customer for their own accounts only.

mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use serde_json::Value;

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
async fn products_change_only_through_orders_and_care() {
    let s = TestServer::start_with_demo().await;
    let admin = s.token(PrincipalKind::User, &["inventory.admin"], "default");
    let one = s.url(&format!("{PRODUCTS}/47777581441708014"));
    let body = serde_json::json!({"status": "suspended"});
    for req in [
        s.client.post(s.url(PRODUCTS)).json(&body),
        s.client.patch(&one).json(&body),
        s.client.delete(&one),
    ] {
        let resp = req.bearer_auth(&admin).send().await.expect("send");
        assert_eq!(resp.status(), 405);
    }
    let (_, _, line) = get(&s, Some(&admin), &format!("{PRODUCTS}/47777581441708014")).await;
    assert_eq!(line["status"], "active");
}
