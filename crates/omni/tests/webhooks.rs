//! Event delivery, black-box: TM Forum hubs and care notification
//! subscriptions receive signed events of every family, in order, after an
//! outage, with dead letters parked and re-driven, and never after they
//! unsubscribe.

mod common;

use common::TestServer;
use common::receiver::{Delivery, Receiver};
use omni_api::state::ApiConfig;
use omni_api::webhook::WebhookConfig;
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::time::Duration;

const CATALOG: &str = "/tmf-api/productCatalogManagement/v4";
const CARTS: &str = "/tmf-api/shoppingCart/v4";
const ORDERING: &str = "/tmf-api/productOrderingManagement/v4";
const PROMOTIONS: &str = "/tmf-api/promotionManagement/v4";
const CARE: &str = "/api/orderingMobility/v1";

/// Fast retries, so that outages and dead letters happen within a test.
fn quick(max_attempts: u32) -> ApiConfig {
    ApiConfig {
        app: omni_app::AppConfig {
            webhooks: WebhookConfig {
                max_attempts,
                backoff_base: Duration::from_millis(20),
                backoff_max: Duration::from_millis(200),
                timeout: Duration::from_secs(5),
                poll: Duration::from_millis(20),
                ..WebhookConfig::default()
            },
            ..omni_app::AppConfig::default()
        },
        ..ApiConfig::default()
    }
}

async fn call(
    s: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
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
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn hub(s: &TestServer, base: &str, token: &str, body: Value) -> Value {
    let (status, answer) = call(s, "POST", &format!("{base}/hub"), token, Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    answer
}

fn types(deliveries: &[Delivery]) -> Vec<String> {
    deliveries
        .iter()
        .map(|d| {
            d.json()["eventType"]
                .as_str()
                .expect("eventType")
                .to_string()
        })
        .collect()
}

fn user(s: &TestServer, roles: &[&str]) -> String {
    s.token(PrincipalKind::User, roles, "default")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hubs_deliver_signed_events_of_every_tm_forum_family() {
    let s = TestServer::start_with(quick(5)).await;
    s.load_demo().await;
    let rx = Receiver::start().await;
    let admin = user(
        &s,
        &["catalog.admin", "promotion.admin", "sc.ops", "order.ops"],
    );
    let secret = "a-shared-secret-of-the-listener";
    for base in [CATALOG, PROMOTIONS, CARTS, ORDERING] {
        let answer = hub(
            &s,
            base,
            &admin,
            json!({"callback": rx.url, "secret": secret}),
        )
        .await;
        assert_eq!(answer["callback"], rx.url.as_str());
        assert!(
            answer.get("secret").is_none(),
            "a chosen secret is not echoed"
        );
    }

    // Catalog: an offering and a price, created, changed and deleted.
    let (st, _) = call(
        &s,
        "POST",
        &format!("{CATALOG}/productOffering"),
        &admin,
        Some(json!({"id": "hub-plan", "name": "Hub plan", "lifecycleStatus": "Active"})),
    )
    .await;
    assert_eq!(st, 201);
    let (st, _) = call(
        &s,
        "PATCH",
        &format!("{CATALOG}/productOffering/hub-plan"),
        &admin,
        Some(json!({"description": "changed"})),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _) = call(
        &s,
        "POST",
        &format!("{CATALOG}/productOfferingPrice"),
        &admin,
        Some(
            json!({"id": "hub-price", "name": "Monthly", "priceType": "recurring",
            "price": {"unit": "USD", "value": 30}}),
        ),
    )
    .await;
    assert_eq!(st, 201);
    let (st, _) = call(
        &s,
        "DELETE",
        &format!("{CATALOG}/productOffering/hub-plan"),
        &admin,
        None,
    )
    .await;
    assert_eq!(st, 204);
    // A promotion.
    let (st, body) = call(&s, "POST", &format!("{PROMOTIONS}/promotion"), &admin, Some(json!({
        "id": "hub-promo", "name": "Hub promo", "promotionType": "Discount",
        "validFor": {"startDateTime": "2025-01-01T00:00:00Z"},
        "pattern": [{"priority": 1, "criteriaGroup": [{"criteria": [
            {"criteriaParameter": "channel.id", "criteriaOperator": "=", "criteriaValue": "ECOMM"}]}],
            "action": [{"actionType": "percentOff", "actionValue": "5", "priceType": "oneTime"}]}]
    }))).await;
    assert_eq!(st, 201, "{body}");
    // A cart: created, changed, deleted.
    let resp = s
        .client
        .post(s.url(&format!("{CARTS}/shoppingCart")))
        .bearer_auth(&admin)
        .header("channelId", "ECOMM")
        .json(&json!({"cartItem": []}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    let cart: Value = resp.json().await.expect("json");
    let cart_path = format!("{CARTS}/shoppingCart/{}", cart["id"].as_str().expect("id"));
    let resp = s
        .client
        .patch(s.url(&cart_path))
        .bearer_auth(&admin)
        .header("channelId", "ECOMM")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "renamed"}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let resp = s
        .client
        .delete(s.url(&cart_path))
        .bearer_auth(&admin)
        .header("channelId", "ECOMM")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    // A product order: created, moved along, cancelled through its own resource.
    let order = common::product_order();
    let (st, body) = call(
        &s,
        "POST",
        &format!("{ORDERING}/productOrder"),
        &admin,
        Some(order.clone()),
    )
    .await;
    assert_eq!(st, 201, "{body}");
    let first = body["id"].as_str().expect("id").to_string();
    let (st, _) = call(
        &s,
        "PATCH",
        &format!("{ORDERING}/productOrder/{first}"),
        &admin,
        Some(json!({"state": "inProgress"})),
    )
    .await;
    assert_eq!(st, 200);
    let (st, body) = call(
        &s,
        "POST",
        &format!("{ORDERING}/productOrder"),
        &admin,
        Some(order),
    )
    .await;
    assert_eq!(st, 201);
    let second = body["id"].as_str().expect("id").to_string();
    let (st, body) = call(
        &s,
        "POST",
        &format!("{ORDERING}/cancelProductOrder"),
        &admin,
        Some(json!({"productOrder": {"id": second}})),
    )
    .await;
    assert_eq!(st, 201, "{body}");

    let expected = [
        "ProductOfferingCreateEvent",
        "ProductOfferingAttributeValueChangeEvent",
        "ProductOfferingPriceCreateEvent",
        "ProductOfferingDeleteEvent",
        "PromotionCreateEvent",
        "ShoppingCartCreateEvent",
        "ShoppingCartAttributeValueChangeEvent",
        "ShoppingCartDeleteEvent",
        "ProductOrderCreateEvent",
        "ProductOrderStateChangeEvent",
        "ProductOrderCreateEvent",
        "CancelProductOrderCreateEvent",
        "CancelProductOrderStateChangeEvent",
        "ProductOrderStateChangeEvent",
    ];
    let got = rx.wait_accepted(expected.len(), 20).await;
    let got_types = types(&got);
    // Each hub's events arrive in the order they were committed; across
    // hubs, deliveries interleave.
    let hub_of = |t: &str| match t {
        t if t.starts_with("ProductOffering") => 0,
        t if t.starts_with("Promotion") => 1,
        t if t.starts_with("ShoppingCart") => 2,
        _ => 3,
    };
    for h in 0..4 {
        let want: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|t| hub_of(t) == h)
            .collect();
        let have: Vec<&str> = got_types
            .iter()
            .map(String::as_str)
            .filter(|t| hub_of(t) == h)
            .collect();
        assert_eq!(
            have, want,
            "one hub's events in commit order; all: {got_types:?}"
        );
    }
    for d in &got {
        assert!(
            d.signed_with(secret),
            "signature of {}",
            d.json()["eventType"]
        );
        assert!(!d.signed_with("another-secret-entirely"));
        let body = d.json();
        for field in [
            "eventId",
            "eventTime",
            "eventType",
            "domain",
            "title",
            "description",
            "priority",
            "timeOcurred",
            "event",
        ] {
            assert!(body.get(field).is_some(), "{field} in {body}");
        }
        assert_eq!(
            d.header("x-omni-event-id"),
            body["eventId"].as_str().expect("eventId")
        );
        assert_eq!(
            d.header("x-omni-event-type"),
            body["eventType"].as_str().expect("eventType")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_query_filters_what_a_listener_receives_and_a_deleted_hub_receives_nothing() {
    let s = TestServer::start_with(quick(5)).await;
    s.load_demo().await;
    let (states, everything) = (Receiver::start().await, Receiver::start().await);
    let ops = user(&s, &["order.ops"]);
    let filtered = hub(
        &s,
        ORDERING,
        &ops,
        json!({"callback": states.url,
        "query": "eventType=ProductOrderStateChangeEvent&event.productOrder.state=held"}),
    )
    .await;
    let secret = filtered["secret"]
        .as_str()
        .expect("a generated secret is returned once")
        .to_string();
    assert_eq!(secret.len(), 64);
    let all = hub(&s, ORDERING, &ops, json!({"callback": everything.url})).await;
    let all_id = all["id"].as_str().expect("id").to_string();

    // Reading a hub shows what was registered, never the secret.
    let (st, read) = call(&s, "GET", &format!("{ORDERING}/hub/{all_id}"), &ops, None).await;
    assert_eq!(st, 200);
    assert_eq!(
        read,
        json!({"id": all_id, "callback": everything.url, "query": null})
    );

    let order = common::product_order();
    let (_, body) = call(
        &s,
        "POST",
        &format!("{ORDERING}/productOrder"),
        &ops,
        Some(order),
    )
    .await;
    let id = body["id"].as_str().expect("id").to_string();
    for state in ["held", "inProgress"] {
        let (st, _) = call(
            &s,
            "PATCH",
            &format!("{ORDERING}/productOrder/{id}"),
            &ops,
            Some(json!({"state": state})),
        )
        .await;
        assert_eq!(st, 200);
    }
    let got = everything.wait_accepted(3, 20).await;
    assert_eq!(
        types(&got),
        [
            "ProductOrderCreateEvent",
            "ProductOrderStateChangeEvent",
            "ProductOrderStateChangeEvent"
        ]
    );
    let held = states.wait_accepted(1, 20).await;
    assert_eq!(held[0].json()["event"]["productOrder"]["state"], "held");
    assert!(held[0].signed_with(&secret));

    // Removed: 204, then 404, and nothing more arrives.
    let (st, _) = call(
        &s,
        "DELETE",
        &format!("{ORDERING}/hub/{all_id}"),
        &ops,
        None,
    )
    .await;
    assert_eq!(st, 204);
    let (st, _) = call(
        &s,
        "DELETE",
        &format!("{ORDERING}/hub/{all_id}"),
        &ops,
        None,
    )
    .await;
    assert_eq!(st, 404);
    let (st, _) = call(&s, "GET", &format!("{ORDERING}/hub/{all_id}"), &ops, None).await;
    assert_eq!(st, 404);
    let (st, _) = call(
        &s,
        "PATCH",
        &format!("{ORDERING}/productOrder/{id}"),
        &ops,
        Some(json!({"state": "held"})),
    )
    .await;
    assert_eq!(st, 200);
    states.wait_accepted(2, 20).await;
    assert_eq!(
        everything.all().len(),
        3,
        "a removed hub receives nothing more"
    );
    assert!(
        states.accepted().len() == 2 && states.all().len() == 2,
        "only held states pass the filter"
    );
}

#[tokio::test]
async fn bad_registrations_are_400_naming_the_field_and_roles_are_checked() {
    let s = TestServer::start_with(quick(5)).await;
    let ops = user(&s, &["order.ops"]);
    let path = format!("{ORDERING}/hub");
    for (body, field) in [
        (json!({}), "callback"),
        (json!({"callback": "ftp://example.com/x"}), "callback"),
        (
            json!({"callback": "http://user:pw@example.com/x"}),
            "callback",
        ),
        (json!({"callback": "not a url"}), "callback"),
        (
            json!({"callback": "http://example.com/x", "query": "limit=2"}),
            "query",
        ),
        (
            json!({"callback": "http://example.com/x", "secret": "short"}),
            "secret",
        ),
        (
            json!({"callback": "http://example.com/x", "colour": "red"}),
            "colour",
        ),
        (json!({"callback": 7}), "callback"),
    ] {
        let (st, answer) = call(&s, "POST", &path, &ops, Some(body.clone())).await;
        assert_eq!(st, 400, "{body} → {answer}");
        assert!(
            answer.to_string().contains(field),
            "{body} → {answer} names {field}"
        );
    }
    let body = json!({"callback": "http://example.com/x"});
    // Another API's write role, and this API's read role, may not register.
    for roles in [["sc.ops"], ["order.view"]] {
        let (st, _) = call(&s, "POST", &path, &user(&s, &roles), Some(body.clone())).await;
        assert_eq!(st, 403, "{roles:?}");
    }
    let resp = s
        .client
        .post(s.url(&path))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 401);
    // A hub of one API is not found through another.
    let created = hub(&s, ORDERING, &ops, body).await;
    let id = created["id"].as_str().expect("id");
    let cart_ops = user(&s, &["sc.ops"]);
    let (st, _) = call(&s, "DELETE", &format!("{CARTS}/hub/{id}"), &cart_ops, None).await;
    assert_eq!(st, 404);
    // Nor from another tenant.
    let other = s.token(PrincipalKind::User, &["order.ops"], "globex");
    let (st, _) = call(&s, "DELETE", &format!("{ORDERING}/hub/{id}"), &other, None).await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listener_that_was_down_receives_everything_in_order_once_back() {
    let s = TestServer::start_with(quick(1000)).await;
    s.load_demo().await;
    let rx = Receiver::start().await;
    let ops = user(&s, &["order.ops"]);
    let registered = hub(&s, ORDERING, &ops, json!({"callback": rx.url})).await;
    let secret = registered["secret"].as_str().expect("secret").to_string();
    rx.set_failing(true);
    let order = common::product_order();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (st, body) = call(
            &s,
            "POST",
            &format!("{ORDERING}/productOrder"),
            &ops,
            Some(order.clone()),
        )
        .await;
        assert_eq!(st, 201);
        ids.push(body["id"].as_str().expect("id").to_string());
    }
    // Several failed attempts at the first event, none at later ones.
    rx.wait_attempts(3, 20).await;
    let tried: Vec<Value> = rx
        .all()
        .iter()
        .map(|d| d.json()["event"]["productOrder"]["id"].clone())
        .collect();
    assert!(
        tried.iter().all(|id| id == ids[0].as_str()),
        "only the first event is retried: {tried:?}"
    );
    rx.set_failing(false);
    let got = rx.wait_accepted(5, 30).await;
    let order_ids: Vec<String> = got
        .iter()
        .map(|d| {
            d.json()["event"]["productOrder"]["id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    assert_eq!(order_ids, ids, "every event, in order, once back");
    assert!(got.iter().all(|d| d.signed_with(&secret)));
    let attempts: Vec<u32> = rx
        .all()
        .iter()
        .map(|d| d.header("x-omni-delivery-attempt").parse().expect("n"))
        .collect();
    assert!(
        attempts[0] == 1 && attempts.windows(2).take(2).all(|w| w[1] == w[0] + 1),
        "{attempts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_refused_every_time_is_parked_then_redriven() {
    let s = TestServer::start_with(quick(3)).await;
    s.load_demo().await;
    let rx = Receiver::start().await;
    let ops = user(&s, &["order.ops"]);
    let events_admin = user(&s, &["events.admin"]);
    hub(
        &s,
        ORDERING,
        &ops,
        json!({"callback": rx.url, "secret": "0123456789abcdef0123"}),
    )
    .await;
    rx.set_failing(true);
    let order = common::product_order();
    let (_, first) = call(
        &s,
        "POST",
        &format!("{ORDERING}/productOrder"),
        &ops,
        Some(order.clone()),
    )
    .await;
    rx.wait_attempts(3, 20).await;
    // Parked after the third attempt; the next event flows once the listener is back.
    let letters = wait_for_letters(&s, &events_admin, 1).await;
    let letter = &letters[0];
    assert_eq!(letter["status"], "parked");
    assert_eq!(letter["eventType"], "ProductOrderCreateEvent");
    assert_eq!(letter["event"]["event"]["productOrder"]["id"], first["id"]);
    assert!(
        letter["lastError"]
            .as_str()
            .expect("lastError")
            .contains("503")
    );
    rx.set_failing(false);
    let (_, second) = call(
        &s,
        "POST",
        &format!("{ORDERING}/productOrder"),
        &ops,
        Some(order),
    )
    .await;
    let got = rx.wait_accepted(1, 20).await;
    assert_eq!(got[0].json()["event"]["productOrder"]["id"], second["id"]);
    assert_eq!(
        rx.all().len(),
        4,
        "three refused attempts, then the next event"
    );

    // The count is written just after the listener answered.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (st, subs) = call(
            &s,
            "GET",
            "/admin/v1/eventSubscription",
            &events_admin,
            None,
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(subs[0]["deadLettered"], 1);
        if subs[0]["delivered"] == 1 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{subs}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Re-driven: delivered once more, marked so.
    let id = letter["id"].as_str().expect("id");
    let (st, body) = call(
        &s,
        "POST",
        &format!("/admin/v1/deadLetter/{id}/redrive"),
        &events_admin,
        None,
    )
    .await;
    assert_eq!(st, 202, "{body}");
    let got = rx.wait_accepted(2, 20).await;
    assert_eq!(got[1].json()["event"]["productOrder"]["id"], first["id"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let letters = wait_for_letters(&s, &events_admin, 1).await;
        if letters[0]["status"] == "redriven" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{letters:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Only operators see and re-drive dead letters.
    let (st, _) = call(&s, "GET", "/admin/v1/deadLetter", &ops, None).await;
    assert_eq!(st, 403);
    let (st, _) = call(
        &s,
        "POST",
        "/admin/v1/deadLetter/nope/redrive",
        &events_admin,
        None,
    )
    .await;
    assert_eq!(st, 404);
}

async fn wait_for_letters(s: &TestServer, token: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (st, body) = call(s, "GET", "/admin/v1/deadLetter", token, None).await;
        assert_eq!(st, 200);
        let letters = body.as_array().cloned().unwrap_or_default();
        if letters.len() >= n {
            return letters;
        }
        assert!(tokio::time::Instant::now() < deadline, "no dead letter");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn care_call(
    s: &TestServer,
    method: &str,
    path: &str,
    client: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = s
        .client
        .request(
            method.parse().expect("method"),
            s.url(&format!("{CARE}{path}")),
        )
        .bearer_auth(token)
        .header("X-ATT-ClientId", client)
        .header("X-ATT-ConversationId", "conv-1")
        .header("X-ATT-MessageId", "msg-1");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn care_clients_are_notified_of_their_own_orders_status_changes() {
    let s = TestServer::start_with(quick(5)).await;
    s.load_demo().await;
    let (mine, theirs) = (Receiver::start().await, Receiver::start().await);
    let (st, body) = care_call(&s, "POST", "/notificationSubscription", "client-7", &s.care_token("client-7"),
        Some(json!({"notificationSubscriptionRequest": {"callbackUrl": mine.url, "secret": "client-7-secret-value"}}))).await;
    assert_eq!(st, 201, "{body}");
    let answer = &body["notificationSubscriptionResponse"];
    assert_eq!(answer["clientId"], "client-7");
    assert!(answer.get("secret").is_none());
    let (st, body) = care_call(
        &s,
        "POST",
        "/notificationSubscription",
        "client-8",
        &s.care_token("client-8"),
        Some(json!({"notificationSubscriptionRequest": {"callbackUrl": theirs.url}})),
    )
    .await;
    assert_eq!(st, 201);
    let theirs_id = body["notificationSubscriptionResponse"]["subscriptionId"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        body["notificationSubscriptionResponse"]["secret"]
            .as_str()
            .map(str::len),
        Some(64)
    );

    let order = json!({"careOrderRequest": {"foundationAccountNumber": "81730304", "accountGroupId": "73001012763",
        "changeRequest": [{"type": "suspend", "changeRequestId": "s1", "ctn": "1234567893", "suspendServiceReason": "Lost"}]}});
    let (st, body) = care_call(
        &s,
        "POST",
        "/careOrder",
        "client-7",
        &s.care_token("client-7"),
        Some(order),
    )
    .await;
    assert_eq!(st, 202, "{body}");
    let order_id = body["careOrderResponse"]["orderId"]
        .as_str()
        .expect("orderId")
        .to_string();
    let got = mine.wait_accepted(1, 20).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut got = got;
    while got
        .last()
        .map(|d| d.json()["event"]["careOrder"]["status"].clone())
        != Some(json!("Completed"))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            got.iter().map(Delivery::json).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        got = mine.accepted();
    }
    for d in &got {
        let body = d.json();
        assert_eq!(body["eventType"], "CareOrderStatusChangeEvent");
        assert_eq!(body["event"]["careOrder"]["orderId"], order_id.as_str());
        assert_eq!(body["event"]["careOrder"]["clientId"], "client-7");
        assert!(d.signed_with("client-7-secret-value"));
    }
    assert!(
        theirs.all().is_empty(),
        "another client's orders are not announced to it"
    );

    // Validation names the field; a client removes only its own subscriptions.
    let (st, body) = care_call(
        &s,
        "POST",
        "/notificationSubscription",
        "client-7",
        &s.care_token("client-7"),
        Some(json!({"notificationSubscriptionRequest": {"callbackUrl": "nope"}})),
    )
    .await;
    assert_eq!(st, 400);
    assert!(
        body.to_string()
            .contains("notificationSubscriptionRequest.callbackUrl"),
        "{body}"
    );
    let (st, _) = care_call(
        &s,
        "DELETE",
        &format!("/notificationSubscription/{theirs_id}"),
        "client-7",
        &s.care_token("client-7"),
        None,
    )
    .await;
    assert_eq!(st, 404);
    let (st, _) = care_call(
        &s,
        "DELETE",
        &format!("/notificationSubscription/{theirs_id}"),
        "client-8",
        &s.care_token("client-8"),
        None,
    )
    .await;
    assert_eq!(st, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_listener_holds_up_neither_the_api_nor_other_listeners() {
    let s = TestServer::start_with(quick(5)).await;
    s.load_demo().await;
    let (slow, fast) = (Receiver::start().await, Receiver::start().await);
    slow.set_delay(Duration::from_secs(2));
    let ops = user(&s, &["order.ops"]);
    hub(&s, ORDERING, &ops, json!({"callback": slow.url})).await;
    hub(&s, ORDERING, &ops, json!({"callback": fast.url})).await;
    let order = common::product_order();
    for _ in 0..5 {
        let (st, _) = call(
            &s,
            "POST",
            &format!("{ORDERING}/productOrder"),
            &ops,
            Some(order.clone()),
        )
        .await;
        assert_eq!(st, 201);
    }
    // Every event reached the fast listener while the slow one was still
    // answering its first or second.
    fast.wait_accepted(5, 20).await;
    assert!(
        slow.accepted().len() < 5,
        "the slow listener cannot have taken all five yet"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_hubs_and_delivery_admin() {
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
    for path in [
        "/tmf-api/productCatalogManagement/v4/hub",
        "/tmf-api/shoppingCart/v4/hub/{id}",
        "/tmf-api/productOrderingManagement/v4/hub",
        "/tmf-api/promotionManagement/v4/hub",
        "/api/orderingMobility/v1/notificationSubscription",
        "/admin/v1/deadLetter/{id}/redrive",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(
        doc["components"]["schemas"]
            .get("EventSubscriptionInput")
            .is_some()
    );
}

/// The care client is the token's `client_id`, never the header: client B's
/// token sending `X-ATT-ClientId: A` is refused, B cannot remove A's
/// subscription, see or cancel A's order, and an order is stored under the
/// token's client.
#[tokio::test]
async fn a_care_client_cannot_act_for_another_by_sending_its_header() {
    let s = TestServer::start_with_demo().await;
    let (a, b) = (s.care_token("client-a"), s.care_token("client-b"));
    let subscription =
        json!({"notificationSubscriptionRequest": {"callbackUrl": "http://127.0.0.1:9/hook"}});
    let order = json!({"careOrderRequest": {"foundationAccountNumber": "81730304", "accountGroupId": "73001012763",
        "changeRequest": [{"type": "suspend", "changeRequestId": "s1", "ctn": "1234567893", "suspendServiceReason": "Lost"}]}});
    let forbidden = |st: u16, body: &Value| {
        assert_eq!(st, 403, "{body}");
        assert!(body.to_string().contains("X-ATT-ClientId"), "{body}");
    };

    // B's token with A's header: refused on every call, nothing stored.
    for (method, path, body) in [
        (
            "POST",
            "/notificationSubscription",
            Some(subscription.clone()),
        ),
        ("POST", "/careOrder", Some(order.clone())),
        ("DELETE", "/notificationSubscription/anything", None),
        (
            "POST",
            "/orderStatus/CareOrder",
            Some(json!({"orderStatusRequest": {"accountGroupId": "73001012763"}})),
        ),
    ] {
        let (st, body) = care_call(&s, method, path, "client-a", &b, body).await;
        forbidden(st, &body);
    }
    // A care token without the claim is refused as well.
    let unnamed = s.token(PrincipalKind::M2m, &["care.ops"], "default");
    let (st, body) = care_call(
        &s,
        "POST",
        "/careOrder",
        "client-a",
        &unnamed,
        Some(order.clone()),
    )
    .await;
    forbidden(st, &body);
    let stored = |kind: &'static str| {
        let store = s.store.clone();
        async move {
            store
                .count_documents(&omni_store::DocumentQuery {
                    tenant: "default".into(),
                    kind: kind.into(),
                    ..Default::default()
                })
                .await
                .expect("count")
        }
    };
    assert_eq!(stored("careOrder").await, 0);
    assert_eq!(stored("eventSubscription").await, 0);

    // A subscribes and orders; B cannot remove, see or cancel any of it.
    let (st, body) = care_call(
        &s,
        "POST",
        "/notificationSubscription",
        "client-a",
        &a,
        Some(subscription),
    )
    .await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(
        body["notificationSubscriptionResponse"]["clientId"],
        "client-a"
    );
    let sub_id = body["notificationSubscriptionResponse"]["subscriptionId"]
        .as_str()
        .expect("id")
        .to_string();
    let (st, body) = care_call(&s, "POST", "/careOrder", "client-a", &a, Some(order)).await;
    assert_eq!(st, 202, "{body}");
    let order_id = body["careOrderResponse"]["orderId"]
        .as_str()
        .expect("orderId")
        .to_string();
    let doc = s
        .store
        .get_document("default", "careOrder", &order_id)
        .await
        .expect("read")
        .expect("the order");
    assert_eq!(
        doc.body["clientId"], "client-a",
        "attributed to the token's client"
    );

    let remove = format!("/notificationSubscription/{sub_id}");
    let (st, _) = care_call(&s, "DELETE", &remove, "client-b", &b, None).await;
    assert_eq!(st, 404, "B does not see A's subscription");
    let by_id = json!({"orderStatusRequest": {"orderId": order_id}});
    let (st, _) = care_call(
        &s,
        "POST",
        "/orderStatus/CareOrder",
        "client-b",
        &b,
        Some(by_id.clone()),
    )
    .await;
    assert_eq!(st, 404, "B does not see A's order");
    let search = json!({"orderStatusRequest": {"accountGroupId": "73001012763"}});
    let (st, body) = care_call(
        &s,
        "POST",
        "/orderStatus/CareOrder",
        "client-b",
        &b,
        Some(search.clone()),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["orderStatusResponse"]["orders"], json!([]));
    let cancel = json!({"orderCancellationRequest": {"orderId": order_id}});
    let (st, _) = care_call(
        &s,
        "POST",
        "/orderCancellation",
        "client-b",
        &b,
        Some(cancel),
    )
    .await;
    assert_eq!(st, 404, "B cannot cancel A's order");

    // A still sees its order and removes its own subscription.
    let (st, body) = care_call(
        &s,
        "POST",
        "/orderStatus/CareOrder",
        "client-a",
        &a,
        Some(search),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        body["orderStatusResponse"]["orders"][0]["orderId"],
        order_id.as_str()
    );
    let (st, _) = care_call(
        &s,
        "POST",
        "/orderStatus/CareOrder",
        "client-a",
        &a,
        Some(by_id),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _) = care_call(&s, "DELETE", &remove, "client-a", &a, None).await;
    assert_eq!(st, 204);
}

/// A listener reads only its slice of the stream (its tenant's events of
/// its API's resource kinds): writes of other tenants and other APIs in
/// between change nothing of what it receives, nor of its order, and the
/// operators' view counts as waiting only its own events.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listener_receives_its_tenant_and_api_events_in_order_among_others() {
    let s = TestServer::start_with(quick(5)).await;
    s.load_demo().await;
    let (catalog_a, orders_a, catalog_b) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let roles = ["catalog.admin", "order.ops", "events.admin"];
    let a = user(&s, &roles);
    let b = s.token(PrincipalKind::User, &roles, "other-tenant");
    hub(&s, CATALOG, &a, json!({"callback": catalog_a.url})).await;
    hub(&s, ORDERING, &a, json!({"callback": orders_a.url})).await;
    hub(&s, CATALOG, &b, json!({"callback": catalog_b.url})).await;

    let category = |token: &str, name: &str| {
        let (token, name) = (token.to_string(), name.to_string());
        let s = &s;
        async move {
            let (st, _) = call(
                s,
                "POST",
                &format!("{CATALOG}/category"),
                &token,
                Some(json!({"id": name, "name": name})),
            )
            .await;
            assert_eq!(st, 201);
        }
    };
    for round in 0..3 {
        category(&a, &format!("a-{round}")).await;
        category(&b, &format!("b-{round}")).await;
        let (st, _) = call(
            &s,
            "POST",
            &format!("{ORDERING}/productOrder"),
            &a,
            Some(common::product_order()),
        )
        .await;
        assert_eq!(st, 201);
    }
    let ids = |got: &[Delivery]| -> Vec<String> {
        got.iter()
            .map(|d| {
                d.json()["event"]["category"]["id"]
                    .as_str()
                    .expect("a category")
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        ids(&catalog_a.wait_accepted(3, 20).await),
        ["a-0", "a-1", "a-2"]
    );
    assert_eq!(
        ids(&catalog_b.wait_accepted(3, 20).await),
        ["b-0", "b-1", "b-2"]
    );
    assert_eq!(
        types(&orders_a.wait_accepted(3, 20).await),
        ["ProductOrderCreateEvent"; 3]
    );

    // Nothing waits for A's listeners once delivered (their cursors are
    // written just after each answer), however much other tenants write;
    // B's listener, whose callback now hangs, has its own one event waiting.
    let principal = |tenant: &str| omni_core::Principal {
        kind: PrincipalKind::User,
        subject: Some("ops".into()),
        roles: vec!["events.admin".into()],
        tenant: tenant.into(),
        client_id: None,
    };
    let behind = |tenant: &'static str| {
        let (s, principal) = (&s, principal(tenant));
        async move {
            s.store.sequence_committed().await.expect("sequence");
            omni_app::webhook::admin::listeners(&s.state.ctx, &principal)
                .await
                .expect("listeners")
                .iter()
                .map(|l| l.behind)
                .collect::<Vec<i64>>()
        }
    };
    let mut waiting = behind("default").await;
    for _ in 0..100 {
        if waiting == [0, 0] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        waiting = behind("default").await;
    }
    assert_eq!(waiting, [0, 0]);
    catalog_b.set_delay(Duration::from_secs(4));
    category(&b, "b-3").await;
    category(&a, "a-3").await;
    assert_eq!(
        behind("other-tenant").await,
        [1],
        "only its own event waits"
    );
    catalog_a.wait_accepted(4, 20).await;
    assert_eq!(orders_a.all().len(), 3);
}
