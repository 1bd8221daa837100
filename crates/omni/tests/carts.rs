//! TMF663 shopping carts, black-box: the page's validations, messages and
//! status codes, prices and totals, and who may reach which cart.

mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use serde_json::{Value, json};

const CARTS: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
const PLAN: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";
const PHONE: &str = "Mobile_Device_pkey73001_sku2680262";
const WBB: &str = "52165303-5d47-4827-a51c-f7ab08570210";

struct Reply {
    status: u16,
    body: Value,
}

async fn send(
    s: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    channel: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = s
        .client
        .request(method.parse().expect("method"), s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = channel {
        req = req.header("channelId", c);
    }
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

fn ops(s: &TestServer) -> String {
    s.token(PrincipalKind::M2m, &["sc.ops"], "default")
}

fn item(id: &str, offering: &str) -> Value {
    json!({"id": id, "action": "add", "quantity": 1, "productOffering": {"id": offering}})
}

fn money(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

#[tokio::test]
async fn a_cart_is_created_priced_and_totalled() {
    let s = TestServer::start_with_demo().await;
    let mut phone = item("2", PHONE);
    phone["quantity"] = json!(2);
    // Paid in full today (a device pays by installments unless it says so).
    phone["product"] =
        json!({"productCharacteristic": [{"name": "paymentOption", "value": "full"}]});
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", PLAN), phone]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cart = &r.body;
    assert!(cart["id"].is_string());
    assert!(
        cart["href"]
            .as_str()
            .is_some_and(|h| h.ends_with(cart["id"].as_str().unwrap_or("?")))
    );
    let items = cart["cartItem"].as_array().expect("items");
    assert_eq!(items[1]["status"], "active");
    // itemPrice is each catalog price times the quantity.
    let full = items[1]["itemPrice"]
        .as_array()
        .expect("prices")
        .iter()
        .find(|p| p["priceType"] == "oneTime")
        .expect("one-time price")
        .clone();
    assert!(
        (money(&full["price"]["taxIncludedAmount"]["value"]) - 2.0 * 799.99).abs() < 0.001,
        "{full}"
    );
    assert!(
        !items[1]["itemPrice"]
            .as_array()
            .expect("prices")
            .iter()
            .any(|p| p["priceType"] == "installment"),
        "paid in full, so no installments: {}",
        items[1]
    );
    // Every amount is a decimal string.
    for t in cart["cartTotalPrice"].as_array().expect("totals") {
        let v = &t["price"]["taxIncludedAmount"]["value"];
        assert!(
            v.as_str()
                .is_some_and(|x| x.split('.').nth(1).is_some_and(|d| d.len() == 2)),
            "{t}"
        );
    }
    // What is due now comes first.
    assert_eq!(cart["cartTotalPrice"][0]["@type"], "@UpfrontTotalPrice");
    let valid = &cart["validFor"];
    let start = omni_core::time::parse_rfc3339(valid["startDateTime"].as_str().expect("start"))
        .expect("rfc3339");
    let end = omni_core::time::parse_rfc3339(valid["endDateTime"].as_str().expect("end"))
        .expect("rfc3339");
    assert_eq!((end - start).num_days(), 90);
}

#[tokio::test]
async fn totals_are_the_sum_of_the_active_items() {
    let s = TestServer::start_with_demo().await;
    let mut later = item("3", SIM);
    later["startDate"] = json!("2099-01-01");
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", PLAN), item("2", PHONE), later]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let items = r.body["cartItem"].as_array().expect("items").clone();
    let totals = r.body["cartTotalPrice"].as_array().expect("totals").clone();
    for t in totals.iter().skip(1) {
        let key = (
            t["priceType"].clone(),
            t.get("recurringChargePeriod").cloned(),
        );
        let sum: f64 = items
            .iter()
            .flat_map(|i| i["itemTotalPrice"].as_array().cloned().unwrap_or_default())
            .filter(|it| {
                (
                    it["priceType"].clone(),
                    it.get("recurringChargePeriod").cloned(),
                ) == key
            })
            .map(|it| money(&it["price"]["taxIncludedAmount"]["value"]))
            .sum();
        assert!(
            (money(&t["price"]["taxIncludedAmount"]["value"]) - sum).abs() < 0.001,
            "{t} vs {sum}"
        );
    }
    // The item starting in 2099 is not due now.
    let upfront = money(&totals[0]["price"]["taxIncludedAmount"]["value"]);
    let due_now: f64 = items
        .iter()
        .filter(|i| i["id"] != "3")
        .flat_map(|i| i["itemTotalPrice"].as_array().cloned().unwrap_or_default())
        .filter(|it| it["priceType"] == "oneTime")
        .map(|it| money(&it["price"]["taxIncludedAmount"]["value"]))
        .sum();
    assert!((upfront - due_now).abs() < 0.001, "{upfront} vs {due_now}");
}

#[tokio::test]
async fn an_empty_cart_lives_seven_days() {
    let s = TestServer::start_with_demo().await;
    let r = send(
        &s,
        "POST",
        CARTS,
        None,
        Some("SelfService"),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let start =
        omni_core::time::parse_rfc3339(r.body["validFor"]["startDateTime"].as_str().expect("s"))
            .expect("t");
    let end =
        omni_core::time::parse_rfc3339(r.body["validFor"]["endDateTime"].as_str().expect("e"))
            .expect("t");
    assert_eq!((end - start).num_days(), 7);
}

#[tokio::test]
async fn channel_header_is_required_and_known() {
    let s = TestServer::start_with_demo().await;
    let r = send(&s, "POST", CARTS, Some(&ops(&s)), None, Some(json!({}))).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("channelId")),
        "{}",
        r.body
    );
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("WEB"),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("channelId"))
    );
}

#[tokio::test]
async fn ineligible_offerings_are_listed() {
    let s = TestServer::start_with_demo().await;
    let body = json!({"cartItem": [item("1", PLAN), item("2", "no-such-offer"), item("3", "Mobile_Offer_unlimited-elite")]});
    let r = send(&s, "POST", CARTS, Some(&ops(&s)), Some("ECOMM"), Some(body)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let msg = r.body["message"].as_str().expect("message");
    assert!(
        msg.starts_with("Offerings with ids: no-such-offer"),
        "{msg}"
    );
    assert!(msg.ends_with(" are ineligible!"), "{msg}");
    // Nothing was stored.
    let list = send(&s, "GET", CARTS, Some(&ops(&s)), None, None).await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn unservable_items_are_saved_for_later_and_left_out_of_totals() {
    let s = TestServer::start_with_demo().await;
    let at = |place: &str| {
        let mut i = item("1", WBB);
        i["product"] = json!({"place": [{"id": place, "role": "serviceAddress"}]});
        json!({"cartItem": [i]})
    };
    let served = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(at("00010LVFT8")),
    )
    .await;
    assert_eq!(served.status, 201, "{}", served.body);
    assert_eq!(served.body["cartItem"][0]["status"], "active");
    let unserved = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(at("00010NOSV1")),
    )
    .await;
    assert_eq!(unserved.status, 201, "{}", unserved.body);
    assert_eq!(unserved.body["cartItem"][0]["status"], "savedForLater");
    assert!(
        unserved.body["cartTotalPrice"]
            .as_array()
            .is_some_and(|t| t.is_empty()),
        "{}",
        unserved.body["cartTotalPrice"]
    );
    // Fixing the address through a PATCH brings the item back.
    let id = unserved.body["id"].as_str().expect("id").to_string();
    let mut fixed = at("00010LVFT8");
    fixed["cartItem"][0]["id"] = json!("1");
    let patched = send(
        &s,
        "PATCH",
        &format!("{CARTS}/{id}"),
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(fixed),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["cartItem"][0]["status"], "active");
}

#[tokio::test]
async fn relationship_checks_name_the_item() {
    let s = TestServer::start_with_demo().await;
    let with = |rel: Value| {
        let mut a = item("a", PLAN);
        a["cartItemRelationship"] = json!([rel]);
        json!({"cartItem": [a, item("b", SIM)]})
    };
    for (rel, needle) in [
        (
            json!({"relationshipType": "hasAddOn"}),
            "relationship id is required",
        ),
        (
            json!({"id": "zz", "relationshipType": "hasAddOn"}),
            "no other cart item has id 'zz'",
        ),
        (
            json!({"id": "b", "relationshipType": "friends"}),
            "must be one of swap, swapped by, hasAddOn, depends on, ports-in, ported-in by",
        ),
        (
            json!({"id": "a", "relationshipType": "swap"}),
            "its own item",
        ),
    ] {
        let r = send(
            &s,
            "POST",
            CARTS,
            Some(&ops(&s)),
            Some("ECOMM"),
            Some(with(rel.clone())),
        )
        .await;
        assert_eq!(r.status, 400, "{rel}: {}", r.body);
        let msg = r.body["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains("cart item 'a'") && msg.contains(needle),
            "{rel}: {msg}"
        );
    }
    let ok = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(with(json!({"id": "b", "relationshipType": "depends on"}))),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

#[tokio::test]
async fn who_may_call() {
    let s = TestServer::start_with_demo().await;
    let viewer = s.token(PrincipalKind::User, &["sc.view"], "default");
    let nobody = s.token(PrincipalKind::User, &[], "default");
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&viewer),
        Some("ECOMM"),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("sc.ops"))
    );
    let created = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", PLAN)]})),
    )
    .await;
    let id = created.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        send(
            &s,
            "GET",
            &format!("{CARTS}/{id}"),
            Some(&viewer),
            None,
            None
        )
        .await
        .status,
        200
    );
    let denied = send(
        &s,
        "GET",
        &format!("{CARTS}/{id}"),
        Some(&nobody),
        None,
        None,
    )
    .await;
    assert_eq!(denied.status, 403);
    assert!(
        denied.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("sc.view"))
    );
    // A prospect creates a cart, reads it by id, but cannot list carts.
    let prospect = send(
        &s,
        "POST",
        CARTS,
        None,
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", PLAN)]})),
    )
    .await;
    assert_eq!(prospect.status, 201, "{}", prospect.body);
    let pid = prospect.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        send(&s, "GET", &format!("{CARTS}/{pid}"), None, None, None)
            .await
            .status,
        200
    );
    assert_eq!(send(&s, "GET", CARTS, None, None, None).await.status, 401);
    // ...and may not set a related party.
    let r = send(
        &s,
        "POST",
        CARTS,
        None,
        Some("ECOMM"),
        Some(json!({"relatedParty": [{"id": "x", "role": "customer"}]})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["message"],
        "Authorization required to set Related Party!"
    );
}

#[tokio::test]
async fn customers_reach_only_their_own_carts() {
    let s = TestServer::start_with_demo().await;
    let alice = s.token(PrincipalKind::Customer, &[], "default");
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&alice),
        Some("SelfService"),
        Some(json!({"cartItem": [item("1", PLAN)]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["relatedParty"][0]["id"], "customer-subject",
        "associated automatically"
    );
    let id = r.body["id"].as_str().expect("id").to_string();
    let wrong = send(
        &s,
        "POST",
        CARTS,
        Some(&alice),
        Some("SelfService"),
        Some(json!({"relatedParty": [{"id": "someone-else", "role": "customer"}]})),
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.body["message"], "Invalid id for related party!");
    // Someone else's cart is a 404 to a customer, and lists show only their own.
    let other = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"relatedParty": [{"id": "bob", "role": "customer"}]})),
    )
    .await;
    let other_id = other.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        send(
            &s,
            "GET",
            &format!("{CARTS}/{other_id}"),
            Some(&alice),
            None,
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        send(
            &s,
            "GET",
            &format!("{CARTS}/{id}"),
            Some(&alice),
            None,
            None
        )
        .await
        .status,
        200
    );
    let mine = send(&s, "GET", CARTS, Some(&alice), None, None).await;
    let ids: Vec<&str> = mine
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    // A prospect cannot read a customer's cart either.
    assert_eq!(
        send(&s, "GET", &format!("{CARTS}/{id}"), None, None, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_existing_id_is_a_conflict() {
    let s = TestServer::start_with_demo().await;
    let body = json!({"id": "cart-42", "cartItem": [item("1", PLAN)]});
    assert_eq!(
        send(
            &s,
            "POST",
            CARTS,
            Some(&ops(&s)),
            Some("ECOMM"),
            Some(body.clone())
        )
        .await
        .status,
        201
    );
    assert_eq!(
        send(&s, "POST", CARTS, Some(&ops(&s)), Some("ECOMM"), Some(body))
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn bring_your_own_phone() {
    let s = TestServer::start_with_demo().await;
    let mut own = item("3", PHONE);
    own["product"] = json!({"productCharacteristic": [{"name": "isBYOD", "value": "true"}, {"name": "IMEI", "value": "358073464620280"}]});
    let body = json!({"cartItem": [item("1", PLAN), item("2", SIM), own]});
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["cartItem"][2]["itemPrice"].as_array().map(Vec::len),
        Some(0),
        "the customer's own phone is not sold"
    );
    let mut bad = body;
    bad["cartItem"][2]["product"]["productCharacteristic"][1]["value"] = json!("12345");
    let r = send(&s, "POST", CARTS, Some(&ops(&s)), Some("ECOMM"), Some(bad)).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("cartItem[2].product.productCharacteristic[1].value")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn patch_revalidates_and_delete_removes() {
    let s = TestServer::start_with_demo().await;
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", PLAN)]})),
    )
    .await;
    let id = r.body["id"].as_str().expect("id").to_string();
    let path = format!("{CARTS}/{id}");
    let bad = send(
        &s,
        "PATCH",
        &path,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", "no-such-offer")]})),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body["message"],
        "Offerings with ids: no-such-offer are ineligible!"
    );
    let unchanged = send(&s, "GET", &path, Some(&ops(&s)), None, None).await;
    assert_eq!(unchanged.body["cartItem"][0]["productOffering"]["id"], PLAN);
    let mut two = item("1", PLAN);
    two["quantity"] = json!(2);
    let ok = send(
        &s,
        "PATCH",
        &path,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [two, item("2", SIM)]})),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["cartItem"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        send(&s, "DELETE", &path, Some(&ops(&s)), None, None)
            .await
            .status,
        204
    );
    assert_eq!(
        send(&s, "GET", &path, Some(&ops(&s)), None, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn expired_carts_are_removed() {
    let s = TestServer::start_with_demo().await;
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({})),
    )
    .await;
    let id = r.body["id"].as_str().expect("id").to_string();
    let mut doc = s
        .store
        .get_document("default", "shoppingCart", &id)
        .await
        .expect("get")
        .expect("stored");
    doc.version += 1;
    let past = omni_store::Effects {
        expires_at: Some(Some("2020-01-01T00:00:00.000Z".into())),
        ..omni_store::Effects::none()
    };
    s.store
        .update_document(&doc, &past)
        .await
        .expect("age the cart");
    let removed = omni_app::cart::sweep_expired(&s.state.ctx)
        .await
        .expect("sweep");
    assert_eq!(removed, 1);
    assert_eq!(
        send(
            &s,
            "GET",
            &format!("{CARTS}/{id}"),
            Some(&ops(&s)),
            None,
            None
        )
        .await
        .status,
        404
    );
}

fn promotion_ids(cart: &Value) -> Vec<String> {
    cart["cartItem"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|i| i["itemTotalPrice"].as_array().cloned().unwrap_or_default())
        .flat_map(|t| t["priceAlteration"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a["promotionId"].as_str().map(str::to_string))
        .collect()
}

fn recurring_total(cart: &Value) -> f64 {
    cart["cartTotalPrice"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["priceType"] == "recurring")
        .map(|t| money(&t["price"]["taxIncludedAmount"]["value"]))
        .sum()
}

#[tokio::test]
async fn promotions_apply_automatically_and_leave_when_their_criteria_break() {
    let s = TestServer::start_with_demo().await;
    let with_phone = json!({"cartItem": [item("1", PLAN), item("2", PHONE)]});
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(with_phone),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(
        promotion_ids(&r.body).contains(&"promo-unlimited-with-phone".to_string()),
        "{:?}",
        promotion_ids(&r.body)
    );
    let discounted = recurring_total(&r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    // Without the phone the plan-and-phone promotion no longer holds.
    let patched = send(
        &s,
        "PATCH",
        &format!("{CARTS}/{id}"),
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", PLAN)]})),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert!(!promotion_ids(&patched.body).contains(&"promo-unlimited-with-phone".to_string()));
    assert!(
        (recurring_total(&patched.body) - discounted - 10.0).abs() < 0.001,
        "the $10 came back: {} vs {}",
        recurring_total(&patched.body),
        discounted
    );
}

#[tokio::test]
async fn tenant_rule_sets_are_enforced() {
    let s = TestServer::start_with_demo().await;
    let mut many = item("1", PLAN);
    many["quantity"] = json!(11);
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [many]})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let msg = r.body["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("cartItem[0].quantity") && msg.contains("rule set"),
        "{msg}"
    );
    // A device needs a plan in the same cart (the demo rule set says so).
    let r = send(
        &s,
        "POST",
        CARTS,
        Some(&ops(&s)),
        Some("ECOMM"),
        Some(json!({"cartItem": [item("1", PHONE)]})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("rule set")),
        "{}",
        r.body
    );
}

/// A known customer's cart is judged on the customer's facts from the
/// inventory (customer type, payment type, credit class, market); a prospect,
/// or a party with no account, on the channel alone.
#[tokio::test]
async fn a_known_customers_facts_decide_eligibility() {
    let s = TestServer::start_with_demo().await;
    let post = |token: Option<String>, body: Value| {
        let s = &s;
        async move {
            let mut req = s
                .client
                .post(s.url("/tmf-api/shoppingCart/v4/shoppingCart"))
                .header("channelId", "ECOMM")
                .json(&body);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.expect("send");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("json"))
        }
    };
    let one =
        |offering: &str| json!({"cartItem": [{"id": "1", "productOffering": {"id": offering}}]});
    let business_plan = "Mobile_Offer_business-unlimited-performance";

    // cust-1001 is a Consumer: a business-only plan is refused, naming why.
    let consumer = s.token_for("cust-1001", PrincipalKind::Customer, &[], "default");
    let (status, body) = post(Some(consumer.clone()), one(business_plan)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["message"],
        format!("Offerings with ids: {business_plan} are ineligible!")
    );
    assert!(body.to_string().contains("CUSTOMER_TYPE"), "{body}");
    // A prospect may put it in a cart: nothing is known about them.
    let (status, body) = post(None, one(business_plan)).await;
    assert_eq!(status, 201, "{body}");
    // The consumer's own plans are fine.
    let (status, body) = post(Some(consumer), one("Mobile_Offer_unlimited-starter")).await;
    assert_eq!(status, 201, "{body}");

    // cust-1002 is prepaid with a high credit class: a postpaid plan and a
    // phone sold to low and medium credit only are refused, whether the
    // customer asks or an agent names them as the cart's customer.
    let agent = s.token(PrincipalKind::User, &["sc.ops"], "default");
    let for_1002 = |mut body: Value| {
        body["relatedParty"] = json!([{"id": "cust-1002", "role": "customer"}]);
        body
    };
    let phone = "Mobile_Device_prod11070255_sku6910280";
    let (status, body) = post(
        Some(agent.clone()),
        for_1002(one("Mobile_Offer_unlimited-starter")),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("PAYMENT_TYPE"), "{body}");
    let (status, body) = post(Some(agent.clone()), for_1002(one(phone))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("CREDIT_CLASS"), "{body}");
    let (status, body) = post(
        Some(agent.clone()),
        for_1002(one("Mobile_Offer_prepaid-unlimited")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // A party with no account here is judged on the channel alone.
    let mut unknown = one(business_plan);
    unknown["relatedParty"] = json!([{"id": "someone-new", "role": "customer"}]);
    let (status, body) = post(Some(agent), unknown).await;
    assert_eq!(status, 201, "{body}");
}
