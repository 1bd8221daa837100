//! Ownership across families (issue 13, point 5), black box: an order's
//! items touch only its customer's billing accounts and lines (the
//! add-items page, seed 000), a care order only its account's lines (the
//! care order page, seed 001), and a customer's token reaches no other
//! party's resources whatever staff roles it carries.

mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use serde_json::{Value, json};

const PARTNER: &str = "/omni-svcs/v1";

async fn call(
    s: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = s.client.request(method, s.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn page_items() -> Value {
    serde_json::from_str(include_str!("orders_page_items.json")).expect("the page's items")
}

/// A draft order naming `customer` (none: no related party at all); the
/// page's items added to it: status and answer.
async fn add_page_items(s: &TestServer, customer: Option<&str>) -> (u16, Value) {
    let ops = s.token(PrincipalKind::User, &["order.ops"], "default");
    let parties: Vec<Value> = customer
        .map(|c| json!({"id": c, "role": "customer"}))
        .into_iter()
        .chain([json!({"id": "DL-0042", "role": "dealerLocation"})])
        .collect();
    let (status, created) = call(
        s,
        "POST",
        &format!("{PARTNER}/order/create"),
        &ops,
        Some(json!({"channel": "ATTR", "relatedParty": parties})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id");
    call(
        s,
        "POST",
        &format!("{PARTNER}/order/{id}/items"),
        &ops,
        Some(page_items()),
    )
    .await
}

#[tokio::test]
async fn order_items_touch_only_the_orders_customers_inventory() {
    let s = TestServer::start_with_demo().await;
    // cust-1001 owns billing account 556165899573 and line 4690002221
    // (data/inventory): the page's items, verbatim, are theirs.
    let (status, body) = add_page_items(&s, Some("cust-1001")).await;
    assert_eq!(status, 200, "{body}");

    // Another customer, an unknown party, or nobody: refused, naming the
    // fields, with the item's action and code, and saying nothing of the
    // line itself.
    for customer in [Some("cust-1002"), Some("cust-9999"), None] {
        let (status, body) = add_page_items(&s, customer).await;
        assert_eq!(status, 400, "{customer:?}: {body}");
        let list = body["error"]["errorList"].as_array().expect("errorList");
        let fields: Vec<(&str, &str, &str)> = list
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap_or_default(),
                    e["errorCode"].as_str().unwrap_or_default(),
                    e["field"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            fields,
            [
                ("noChange", "ITEM-014", "items[0].billingAccount.id"),
                ("noChange", "ITEM-014", "items[0].subscriberNumber"),
            ],
            "{customer:?}: {body}"
        );
        let text = body.to_string();
        assert!(!text.contains("rate plan"), "{text}");
    }
}

#[tokio::test]
async fn a_care_order_touches_only_its_accounts_lines() {
    let s = TestServer::start_with_demo().await;
    let token = s.care_token("client-7");
    let body = json!({"careOrderRequest": {"foundationAccountNumber": "81730304",
        "changeRequest": [{"type": "suspend", "changeRequestId": "s", "ctn": "4690002221",
            "suspendServiceReason": "Lost"}]}});
    let resp = s
        .client
        .post(s.url("/api/orderingMobility/v1/careOrder"))
        .bearer_auth(&token)
        .header("X-ATT-ClientId", "client-7")
        .header("X-ATT-ConversationId", "c")
        .header("X-ATT-MessageId", "m")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let answer: Value = resp.json().await.expect("json");
    let detail = answer["details"]
        .as_array()
        .expect("details")
        .iter()
        .find(|d| d["field"] == "careOrderRequest.changeRequest[0].ctn")
        .unwrap_or_else(|| panic!("names the line: {answer}"));
    assert!(
        detail.to_string().contains("is not on account '81730304'"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_customers_staff_roles_grant_nothing() {
    let s = TestServer::start_with_demo().await;
    let roles = [
        "order.ops",
        "order.view",
        "promotion.admin",
        "promotion.view",
        "catalog.admin",
        "events.admin",
    ];
    let staff = s.token(PrincipalKind::User, &roles, "default");
    let customer = s.token_for("cust-1001", PrincipalKind::Customer, &roles, "default");
    let orders = "/tmf-api/productOrderingManagement/v4/productOrder";
    let promotions = "/tmf-api/promotionManagement/v4/promotion";
    // Staff with these roles read every party's orders and the promotions.
    for path in [orders, promotions] {
        let (status, body) = call(&s, "GET", path, &staff, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        let (status, body) = call(&s, "GET", path, &customer, None).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("customer token's roles grant nothing")),
            "{body}"
        );
    }
    let offering = json!({"name": "Draft plan", "lifecycleStatus": "In design",
        "productOfferingType": "Mobile_Offer"});
    let writes = [
        (
            "POST",
            "/tmf-api/productCatalogManagement/v4/productOffering",
            offering,
        ),
        (
            "POST",
            orders,
            json!({"productOrderItem": [{"id": "1", "action": "add"}]}),
        ),
        ("POST", promotions, json!({"name": "p"})),
        (
            "POST",
            "/tmf-api/productOrderingManagement/v4/hub",
            json!({"callback": "https://example.com/hook"}),
        ),
    ];
    for (method, path, body) in writes {
        let (status, answer) = call(&s, method, path, &customer, Some(body)).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    let (status, body) = call(&s, "GET", "/admin/v1/job", &customer, None).await;
    assert_eq!(status, 403, "{body}");
    // Partner order capture is for staff and machines only, as before.
    let (status, body) = call(
        &s,
        "POST",
        &format!("{PARTNER}/order/create"),
        &customer,
        Some(json!({"channel": "ATTR"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}
