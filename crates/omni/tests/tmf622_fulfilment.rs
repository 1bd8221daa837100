//! Issue 16, point 2: a product order created through TMF622 alone is
//! checked like a captured order (offerings, eligibility, ownership), priced
//! by the same basket pricing as a cart, and completed into the inventory by
//! the order worker, where TMF637 finds the products it made. Black-box,
//! over HTTP, on the backend `OMNI_TEST_BACKEND` names.

mod common;

use common::{PRODUCT_ORDERS, TestServer, product_order};
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::time::Duration;

const CARTS: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
const PRODUCTS: &str = "/tmf-api/productInventory/v4/product";
/// cust-1001's second line (Unlimited Extra, no features) and its first
/// (with the feature product 47777581441708024), in the demo inventory.
const LINE: &str = "4690002222";
const LINE_WITH_FEATURE: &str = "4690002221";
const FEATURE_PRODUCT: &str = "47777581441708024";
const WORLD_CONNECT: &str = "sku12037300017";

struct Reply {
    status: u16,
    body: Value,
}

async fn call(s: &TestServer, method: &str, path: &str, token: &str, body: Option<Value>) -> Reply {
    let mut req = s
        .client
        .request(method.parse().expect("method"), s.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        let ct = if method == "PATCH" {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        req = req.header("content-type", ct).body(b.to_string());
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn agent(s: &TestServer) -> String {
    s.token(
        PrincipalKind::User,
        &["order.ops", "sc.ops", "inventory.view"],
        "default",
    )
}

/// The order to be fulfilled now: the fixture without its far start date.
fn order_now() -> Value {
    let mut order = product_order();
    order
        .as_object_mut()
        .expect("object")
        .remove("requestedStartDate");
    order
}

/// Polls the product order until the worker has ended it.
async fn ended(s: &TestServer, token: &str, id: &str) -> Value {
    for _ in 0..200 {
        let r = call(s, "GET", &format!("{PRODUCT_ORDERS}/{id}"), token, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        if matches!(
            r.body["state"].as_str(),
            Some("completed" | "failed" | "partial")
        ) {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("product order {id} did not end");
}

/// `{priceType/period: value}` of a list of totals, cart and order alike.
fn totals(list: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .as_array()
        .expect("totals")
        .iter()
        .map(|t| {
            (
                format!(
                    "{}{}/{}",
                    t["@type"].as_str().unwrap_or_default(),
                    t["priceType"].as_str().unwrap_or_default(),
                    t["recurringChargePeriod"].as_str().unwrap_or_default()
                ),
                t["price"]["taxIncludedAmount"]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn an_order_placed_through_tmf622_alone_is_priced_completed_and_found_in_tmf637() {
    let s = TestServer::start_with_demo().await;
    let t = agent(&s);
    let r = call(&s, "POST", PRODUCT_ORDERS, &t, Some(order_now())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["state"], "acknowledged");
    let id = r.body["id"].as_str().expect("id").to_string();

    // Priced as a cart of the same basket is, by the same pricing.
    let cart = json!({
        "relatedParty": [{"id": "cust-1001", "role": "customer"}],
        "cartItem": [
            {"id": "1", "action": "add", "quantity": 1,
             "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}},
            {"id": "2", "action": "add", "quantity": 1,
             "productOffering": {"id": "790650ec-b512-4bee-ae7f-535668eadf1b"}}],
    });
    let c = s
        .client
        .post(s.url(CARTS))
        .bearer_auth(&t)
        .header("channelId", "ECOMM")
        .json(&cart)
        .send()
        .await
        .expect("cart");
    assert_eq!(c.status().as_u16(), 201);
    let c: Value = c.json().await.expect("cart body");
    assert!(!totals(&r.body["orderTotalPrice"]).is_empty());
    assert_eq!(
        totals(&r.body["orderTotalPrice"]),
        totals(&c["cartTotalPrice"])
    );
    let plan_prices = r.body["productOrderItem"][0]["itemPrice"].to_string();
    assert!(plan_prices.contains("85.99"), "{plan_prices}");
    assert!(r.body["productOrderItem"][1]["itemTotalPrice"].is_array());

    let done = ended(&s, &t, &id).await;
    assert_eq!(done["state"], "completed", "{done}");
    assert!(done["completionDate"].is_string());
    let number = done["productOrderItem"][0]["product"]["productCharacteristic"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["name"] == "subscriberNumber"))
        .and_then(|c| c["value"].as_str())
        .expect("the new line's number")
        .to_string();
    for item in done["productOrderItem"].as_array().expect("items") {
        assert_eq!(item["state"], "completed", "{item}");
        let product_id = item["product"]["id"].as_str().expect("product id");
        let p = call(&s, "GET", &format!("{PRODUCTS}/{product_id}"), &t, None).await;
        assert_eq!(p.status, 200, "{product_id}: {}", p.body);
        assert_eq!(p.body["status"], "active");
        assert_eq!(
            p.body["productOffering"]["id"],
            item["productOffering"]["id"]
        );
        assert!(p.body.to_string().contains(&number));
        assert!(
            p.body["relatedParty"]
                .as_array()
                .expect("parties")
                .iter()
                .any(|x| x["id"] == "cust-1001")
        );
    }
    // The partner order it is kept as agrees.
    let partner = call(&s, "GET", &format!("/omni-svcs/v1/order/{id}"), &t, None).await;
    assert_eq!(partner.status, 200, "{}", partner.body);
    assert_eq!(
        partner.body["newLines"][0]["subscriberNumber"],
        number.as_str()
    );
}

#[tokio::test]
async fn changes_to_existing_lines_are_applied_to_the_inventory() {
    let s = TestServer::start_with_demo().await;
    let t = agent(&s);
    let order = json!({
        "channel": [{"id": "ATTR"}],
        "relatedParty": [{"id": "cust-1001", "role": "customer", "@referredType": "Individual"}],
        "productOrderItem": [
            {"id": "add-feature", "action": "add",
             "productOffering": {"id": WORLD_CONNECT},
             "product": {"productCharacteristic": [{"name": "subscriberNumber", "value": LINE}]}},
            {"id": "end-feature", "action": "delete", "subscriberNumber": LINE_WITH_FEATURE,
             "product": {"id": FEATURE_PRODUCT},
             "actionReason": {"name": "CR"}},
        ],
    });
    let r = call(&s, "POST", PRODUCT_ORDERS, &t, Some(order)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let done = ended(&s, &t, &id).await;
    assert_eq!(done["state"], "completed", "{done}");

    let lines = call(
        &s,
        "GET",
        &format!("{PRODUCTS}?productOffering.id={WORLD_CONNECT}&status=active"),
        &t,
        None,
    )
    .await;
    assert_eq!(lines.status, 200, "{}", lines.body);
    assert!(
        lines.body.to_string().contains(LINE),
        "the feature is on {LINE}: {}",
        lines.body
    );
    let ended_feature = call(
        &s,
        "GET",
        &format!("{PRODUCTS}/{FEATURE_PRODUCT}"),
        &t,
        None,
    )
    .await;
    assert_eq!(
        ended_feature.body["status"], "terminated",
        "{}",
        ended_feature.body
    );
}

#[tokio::test]
async fn refused_orders_name_the_item_and_the_rule_and_store_nothing() {
    let s = TestServer::start_with_demo().await;
    let t = agent(&s);
    let mut foreign = order_now();
    // cust-1002's billing account, ordered for cust-1001.
    foreign["relatedParty"][0]["id"] = json!("cust-1002");
    let mut unknown = order_now();
    unknown["productOrderItem"][1]["productOffering"]["id"] = json!("no-such-offering");
    let mut quantity = order_now();
    quantity["productOrderItem"][0]["quantity"] = json!(2);
    let mut no_channel = order_now();
    no_channel
        .as_object_mut()
        .expect("object")
        .remove("channel");
    let mut bad_imei = order_now();
    bad_imei["productOrderItem"][1]["product"] =
        json!({"productCharacteristic": [{"name": "IMEI", "value": "12"}]});
    let mut terminate_unowned = order_now();
    terminate_unowned["productOrderItem"] = json!([{"id": "x", "action": "delete",
        "subscriberNumber": LINE, "product": {"id": "not-a-product-of-the-line"},
        "actionReason": {"name": "CR"}}]);
    let mut fiber = order_now();
    fiber["productOrderItem"] = json!([{"id": "f", "action": "add",
        "productOffering": {"id": "BB_Plan_fiber-300"}}]);
    for (body, field, rule) in [
        (
            fiber,
            "productOrderItem[0].productOffering.id",
            "fixed service",
        ),
        (foreign, "productOrderItem[0].billingAccount.id", "ITEM-014"),
        (
            unknown,
            "productOrderItem[1].productOffering.id",
            "does not exist",
        ),
        (quantity, "productOrderItem[0].quantity", "must be 1"),
        (no_channel, "channel", "is required"),
        (
            bad_imei,
            "productOrderItem[1].product.productCharacteristic[0].value",
            "IMEI",
        ),
        (
            terminate_unowned,
            "productOrderItem[0].product.id",
            "ITEM-008",
        ),
    ] {
        let r = call(&s, "POST", PRODUCT_ORDERS, &t, Some(body)).await;
        assert_eq!(r.status, 400, "{field}: {}", r.body);
        let detail = r.body["details"]
            .as_array()
            .and_then(|d| d.iter().find(|e| e["field"] == field))
            .unwrap_or_else(|| panic!("no detail for {field}: {}", r.body));
        assert!(
            detail["rule"].as_str().is_some_and(|m| m.contains(rule)),
            "{field}: {detail}"
        );
    }
    let list = call(&s, "GET", PRODUCT_ORDERS, &t, None).await;
    assert_eq!(list.body, json!([]));
    let events = s.store.outbox_after(0, 10_000).await.expect("outbox");
    assert!(
        !events
            .iter()
            .any(|e| e.event.event_type.starts_with("ProductOrder")),
        "a refused order wrote an event"
    );
}

#[tokio::test]
async fn the_worker_s_states_and_the_checked_items_are_not_the_client_s_to_change() {
    let s = TestServer::start_with_demo().await;
    let t = agent(&s);
    let r = call(&s, "POST", PRODUCT_ORDERS, &t, Some(product_order())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let path = format!("{PRODUCT_ORDERS}/{id}");
    // Even while acknowledged, the items are what was checked and priced.
    let mut items = json!({"productOrderItem": product_order()["productOrderItem"].clone()});
    items["productOrderItem"][0]["productOffering"]["id"] = json!("Mobile_Offer_unlimited-extra");
    let r = call(&s, "PATCH", &path, &t, Some(items)).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.to_string().contains("checked and priced"),
        "{}",
        r.body
    );
    let r = call(&s, "PATCH", &path, &t, Some(json!({"state": "inProgress"}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&s, "PATCH", &path, &t, Some(json!({"state": "completed"}))).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("order worker"))
    );
    // A note is the client's to add.
    let r = call(
        &s,
        "PATCH",
        &path,
        &t,
        Some(json!({"note": [{"text": "call before delivery"}]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_requested_start_date_ahead_defers_fulfilment() {
    let s = TestServer::start_demo_without_workers().await;
    let t = agent(&s);
    let r = call(&s, "POST", PRODUCT_ORDERS, &t, Some(product_order())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let ran = omni_app::order::worker::claim_and_process(&s.state.ctx, "test-worker")
        .await
        .expect("worker");
    assert_eq!(ran, 1);
    let r = call(&s, "GET", &format!("{PRODUCT_ORDERS}/{id}"), &t, None).await;
    assert_eq!(r.body["state"], "acknowledged", "{}", r.body);
    // Deferred, not failed: no attempt was spent on waiting.
    let ran = omni_app::order::worker::claim_and_process(&s.state.ctx, "test-worker")
        .await
        .expect("worker");
    assert_eq!(ran, 0, "the job waits for its start date");
}
