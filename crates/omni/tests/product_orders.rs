//! TMF622 product orders, black-box: the resource's life, its validation,
//! the state machine on PATCH, cancellation, who may call, tenants, ETags,
//! the events written with each change, and concurrent writers.

mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use omni_core::product_order::State;
use serde_json::{Value, json};

const ORDERS: &str = "/tmf-api/productOrderingManagement/v4/productOrder";
const CANCELS: &str = "/tmf-api/productOrderingManagement/v4/cancelProductOrder";

struct Reply {
    status: u16,
    etag: Option<String>,
    location: Option<String>,
    total: Option<String>,
    body: Value,
}

async fn send(
    s: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    if_match: Option<&str>,
) -> Reply {
    let mut req = s
        .client
        .request(method.parse().expect("method"), s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(v) = if_match {
        req = req.header("If-Match", v);
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
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (etag, location, total) = (header("etag"), header("location"), header("x-total-count"));
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    Reply {
        status,
        etag,
        location,
        total,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn ops(s: &TestServer, tenant: &str) -> String {
    s.token(PrincipalKind::M2m, &["order.ops"], tenant)
}

/// A product order the demo data accepts, left `acknowledged` by the worker
/// (its start date is far ahead): see `common::product_order`.
fn order() -> Value {
    common::product_order()
}

async fn create(s: &TestServer, token: &str) -> String {
    let r = send(s, "POST", ORDERS, Some(token), Some(order()), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("id").to_string()
}

async fn patch(s: &TestServer, token: &str, id: &str, body: Value) -> Reply {
    send(
        s,
        "PATCH",
        &format!("{ORDERS}/{id}"),
        Some(token),
        Some(body),
        None,
    )
    .await
}

/// The outbox's event types for one resource, oldest first.
async fn events_of(s: &TestServer, id: &str) -> Vec<String> {
    let events = s.store.outbox_after(0, 10_000).await.expect("outbox");
    events
        .into_iter()
        .filter(|e| e.event.resource_id == id)
        .map(|e| e.event.event_type)
        .collect()
}

fn detail_fields(body: &Value) -> Vec<&str> {
    body["details"]
        .as_array()
        .map(|d| d.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_order_is_created_listed_read_changed_and_deleted() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let r = send(&s, "POST", ORDERS, Some(&t), Some(order()), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let href = format!("{}{ORDERS}/{id}", s.base);
    assert_eq!(r.body["href"], json!(href));
    assert_eq!(r.location.as_deref(), Some(href.as_str()));
    assert_eq!(r.etag.as_deref(), Some("\"1\""));
    assert_eq!(r.body["state"], "acknowledged");
    assert_eq!(r.body["@type"], "ProductOrder");
    assert_eq!(r.body["productOrderItem"][1]["state"], "acknowledged");
    let order_date = r.body["orderDate"].as_str().expect("orderDate");
    assert!(omni_core::time::parse_rfc3339(order_date).is_some());
    create(&s, &t).await;

    let r = send(&s, "GET", ORDERS, Some(&t), None, None).await;
    assert_eq!((r.status, r.total.as_deref()), (200, Some("2")));
    let r = send(&s, "GET", &format!("{ORDERS}/{id}"), Some(&t), None, None).await;
    assert_eq!((r.status, r.body["id"].as_str()), (200, Some(id.as_str())));
    let query = format!("{ORDERS}?id={id}&fields=id,state");
    let r = send(&s, "GET", &query, Some(&t), None, None).await;
    assert_eq!(r.body, json!([{"id": id, "state": "acknowledged"}]));
    let query = format!("{ORDERS}?orderDate={order_date}");
    let r = send(&s, "GET", &query, Some(&t), None, None).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);
    let r = send(
        &s,
        "GET",
        &format!("{ORDERS}?state=completed"),
        Some(&t),
        None,
        None,
    )
    .await;
    assert_eq!((r.status, r.total.as_deref()), (200, Some("0")));
    let r = send(
        &s,
        "GET",
        &format!("{ORDERS}?relatedParty.id=cust-1001&limit=1"),
        Some(&t),
        None,
        None,
    )
    .await;
    assert_eq!(
        (r.total.as_deref(), r.body.as_array().map(Vec::len)),
        (Some("2"), Some(1))
    );

    let r = patch(&s, &t, &id, json!({"description": "rush delivery"})).await;
    assert_eq!(
        (r.status, r.etag.as_deref()),
        (200, Some("\"2\"")),
        "{}",
        r.body
    );
    assert_eq!(r.body["description"], "rush delivery");
    assert_eq!(r.body["state"], "acknowledged");

    let r = send(
        &s,
        "DELETE",
        &format!("{ORDERS}/{id}"),
        Some(&t),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let r = send(&s, "GET", &format!("{ORDERS}/{id}"), Some(&t), None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        events_of(&s, &id).await,
        [
            "ProductOrderCreateEvent",
            "ProductOrderAttributeValueChangeEvent",
            "ProductOrderDeleteEvent"
        ]
    );
}

#[tokio::test]
async fn bad_orders_are_400_naming_the_field() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let mut no_items = order();
    no_items
        .as_object_mut()
        .expect("object")
        .remove("productOrderItem");
    let mut bad_action = order();
    bad_action["productOrderItem"][0]["action"] = json!("upgrade");
    let mut duplicate = order();
    duplicate["productOrderItem"][1]["id"] = json!("1");
    duplicate["productOrderItem"][1]
        .as_object_mut()
        .expect("item")
        .remove("productOrderItemRelationship");
    let mut owned = order();
    owned["orderDate"] = json!("2020-01-01T00:00:00Z");
    let mut with_state = order();
    with_state["state"] = json!("completed");
    for (body, field) in [
        (no_items, "productOrderItem"),
        (json!({"productOrderItem": []}), "productOrderItem"),
        (bad_action, "productOrderItem[0].action"),
        (duplicate, "productOrderItem[1].id"),
        (owned, "orderDate"),
        (with_state, "state"),
    ] {
        let r = send(&s, "POST", ORDERS, Some(&t), Some(body), None).await;
        assert_eq!(r.status, 400, "{field}: {}", r.body);
        assert_eq!(detail_fields(&r.body), [field], "{}", r.body);
        assert!(
            r.body["message"]
                .as_str()
                .is_some_and(|m| m.contains(field))
        );
    }
    let id = create(&s, &t).await;
    for (body, field) in [
        (json!({"orderDate": "2020-01-01T00:00:00Z"}), "orderDate"),
        (json!({"state": "shipped"}), "state"),
        (
            json!({"productOrderItem": [{"id": "1"}]}),
            "productOrderItem[0].action",
        ),
    ] {
        let r = patch(&s, &t, &id, body).await;
        assert_eq!(r.status, 400, "{field}: {}", r.body);
        assert_eq!(detail_fields(&r.body), [field], "{}", r.body);
    }
    assert_eq!(events_of(&s, &id).await, ["ProductOrderCreateEvent"]);
}

#[tokio::test]
async fn state_changes_follow_the_machine_and_are_announced() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let id = create(&s, &t).await;
    let r = patch(&s, &t, &id, json!({"state": "completed"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(detail_fields(&r.body), ["state"]);
    let message = r.body["message"].as_str().expect("message");
    assert!(
        message.contains("acknowledged") && message.contains("completed"),
        "{message}"
    );

    let r = patch(&s, &t, &id, json!({"state": "inProgress"})).await;
    assert_eq!(
        (r.status, r.body["state"].as_str()),
        (200, Some("inProgress"))
    );
    let outbox = s.store.outbox_after(0, 1000).await.expect("outbox");
    let change = outbox
        .iter()
        .find(|e| e.event.event_type == "ProductOrderStateChangeEvent")
        .expect("a state change event");
    assert_eq!(change.event.resource_id, id);
    assert_eq!(
        change.event.payload["event"]["productOrder"]["state"],
        "inProgress"
    );
    assert_eq!(change.event.payload["domain"], "productOrderingManagement");

    // Items now change only along their own machine.
    let stored = send(&s, "GET", &format!("{ORDERS}/{id}"), Some(&t), None, None).await;
    let mut items = json!({"productOrderItem": stored.body["productOrderItem"].clone()});
    items["productOrderItem"][0]["state"] = json!("inProgress");
    items["productOrderItem"][1]["state"] = json!("completed");
    let r = patch(&s, &t, &id, items).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(detail_fields(&r.body), ["productOrderItem[1].state"]);

    // Completion is the order worker's, once the inventory holds the order.
    let r = patch(&s, &t, &id, json!({"state": "completed"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(detail_fields(&r.body), ["state"]);
    let moved =
        omni_app::product_order::move_state(&s.state.ctx, "default", &id, State::Completed, None)
            .await
            .expect("the worker's move");
    assert!(moved["completionDate"].is_string());
    let r = patch(&s, &t, &id, json!({"state": "inProgress"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    // An unchanged state is not a move: nothing is written.
    let r = patch(&s, &t, &id, json!({"state": "completed"})).await;
    assert_eq!((r.status, r.etag.as_deref()), (200, Some("\"3\"")));
    assert_eq!(
        events_of(&s, &id).await,
        [
            "ProductOrderCreateEvent",
            "ProductOrderStateChangeEvent",
            "ProductOrderStateChangeEvent"
        ]
    );
}

#[tokio::test]
async fn orders_not_yet_in_fulfilment_are_cancelled_at_once() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let id = create(&s, &t).await;
    let request = json!({"productOrder": {"id": id}, "cancellationReason": "ordered twice"});
    let r = send(&s, "POST", CANCELS, Some(&t), Some(request), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["state"], "done");
    assert!(r.body["effectiveCancellationDate"].is_string());
    assert_eq!(
        r.body["productOrder"]["href"],
        json!(format!("{}{ORDERS}/{id}", s.base))
    );
    let cancel_id = r.body["id"].as_str().expect("id").to_string();

    let r = send(&s, "GET", &format!("{ORDERS}/{id}"), Some(&t), None, None).await;
    assert_eq!(r.body["state"], "cancelled");
    assert_eq!(r.body["cancellationReason"], "ordered twice");
    assert_eq!(r.body["productOrderItem"][0]["state"], "cancelled");
    assert_eq!(r.etag.as_deref(), Some("\"2\""));
    let r = send(
        &s,
        "GET",
        &format!("{CANCELS}/{cancel_id}"),
        Some(&t),
        None,
        None,
    )
    .await;
    assert_eq!((r.status, r.body["state"].as_str()), (200, Some("done")));
    assert_eq!(
        events_of(&s, &cancel_id).await,
        [
            "CancelProductOrderCreateEvent",
            "CancelProductOrderStateChangeEvent"
        ]
    );
    assert_eq!(
        events_of(&s, &id).await,
        ["ProductOrderCreateEvent", "ProductOrderStateChangeEvent"]
    );
    // A cancelled order is final.
    let again = json!({"productOrder": {"id": id}});
    let r = send(&s, "POST", CANCELS, Some(&t), Some(again), None).await;
    assert_eq!(r.status, 409, "{}", r.body);
}

#[tokio::test]
async fn completed_orders_and_unknown_orders_are_not_cancelled() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let id = create(&s, &t).await;
    // A worker moves the order through the same path as PATCH.
    for to in [State::InProgress, State::Completed] {
        let moved = omni_app::product_order::move_state(&s.state.ctx, "default", &id, to, None)
            .await
            .expect("legal move");
        assert_eq!(moved["state"], json!(to));
    }
    let illegal =
        omni_app::product_order::move_state(&s.state.ctx, "default", &id, State::Held, None)
            .await
            .map_err(omni_api::error::ApiError::from);
    assert_eq!(illegal.expect_err("final").status.as_u16(), 409);

    let r = send(
        &s,
        "POST",
        CANCELS,
        Some(&t),
        Some(json!({"productOrder": {"id": id}})),
        None,
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(detail_fields(&r.body), ["productOrder.id"]);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("completed"))
    );
    let r = send(&s, "GET", CANCELS, Some(&t), None, None).await;
    assert_eq!(
        (r.status, r.total.as_deref()),
        (200, Some("0")),
        "nothing stored"
    );
    let r = send(&s, "GET", &format!("{ORDERS}/{id}"), Some(&t), None, None).await;
    assert_eq!(r.body["state"], "completed");

    let r = send(
        &s,
        "POST",
        CANCELS,
        Some(&t),
        Some(json!({"productOrder": {"id": "nope"}})),
        None,
    )
    .await;
    assert_eq!(
        (r.status, detail_fields(&r.body)),
        (400, vec!["productOrder.id"])
    );
    let r = send(
        &s,
        "POST",
        CANCELS,
        Some(&t),
        Some(json!({"productOrder": {"id": id}, "state": "done"})),
        None,
    )
    .await;
    assert_eq!((r.status, detail_fields(&r.body)), (400, vec!["state"]));
    let r = send(
        &s,
        "PATCH",
        &format!("{CANCELS}/x"),
        Some(&t),
        Some(json!({})),
        None,
    )
    .await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn callers_need_the_order_roles() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let id = create(&s, &t).await;
    let viewer = s.token(PrincipalKind::User, &["order.view"], "default");
    let nobody = s.token(PrincipalKind::User, &["sc.ops"], "default");
    let customer = s.token(PrincipalKind::Customer, &[], "default");
    let item = format!("{ORDERS}/{id}");

    for token in [None, Some("not-a-jwt")] {
        for (method, path, body) in [
            ("POST", ORDERS, Some(order())),
            ("GET", ORDERS, None),
            ("GET", item.as_str(), None),
            ("PATCH", item.as_str(), Some(json!({"state": "inProgress"}))),
            ("DELETE", item.as_str(), None),
            ("POST", CANCELS, Some(json!({"productOrder": {"id": id}}))),
        ] {
            let r = send(&s, method, path, token, body, None).await;
            assert_eq!(r.status, 401, "{method} {path} {token:?}");
        }
    }
    for token in [&viewer, &nobody, &customer] {
        let r = send(&s, "POST", ORDERS, Some(token), Some(order()), None).await;
        assert_eq!(r.status, 403);
        assert!(
            r.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("order.ops"))
        );
        let r = patch(&s, token, &id, json!({"state": "inProgress"})).await;
        assert_eq!(r.status, 403);
        let r = send(
            &s,
            "POST",
            CANCELS,
            Some(token),
            Some(json!({"productOrder": {"id": id}})),
            None,
        )
        .await;
        assert_eq!(r.status, 403);
    }
    for path in [ORDERS, item.as_str(), CANCELS] {
        assert_eq!(
            send(&s, "GET", path, Some(&viewer), None, None)
                .await
                .status,
            200
        );
        let r = send(&s, "GET", path, Some(&nobody), None, None).await;
        assert_eq!(r.status, 403);
        assert!(
            r.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("order.view"))
        );
    }
    let r = send(&s, "GET", &item, Some(&t), None, None).await;
    assert_eq!(
        r.body["state"], "acknowledged",
        "no refused call changed it"
    );
}

#[tokio::test]
async fn tenants_never_see_each_others_orders() {
    let s = TestServer::start_with_demo().await;
    s.load_demo_into("acme").await;
    let acme = ops(&s, "acme");
    let globex = ops(&s, "globex");
    let id = create(&s, &acme).await;
    let item = format!("{ORDERS}/{id}");
    assert_eq!(
        send(&s, "GET", &item, Some(&globex), None, None)
            .await
            .status,
        404
    );
    assert_eq!(
        patch(&s, &globex, &id, json!({"state": "held"}))
            .await
            .status,
        404
    );
    assert_eq!(
        send(&s, "DELETE", &item, Some(&globex), None, None)
            .await
            .status,
        404
    );
    let r = send(
        &s,
        "POST",
        CANCELS,
        Some(&globex),
        Some(json!({"productOrder": {"id": id}})),
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    for query in ["", "?id=", "?state=acknowledged"] {
        let path = format!(
            "{ORDERS}{query}{}",
            if query == "?id=" { id.as_str() } else { "" }
        );
        let r = send(&s, "GET", &path, Some(&globex), None, None).await;
        assert_eq!((r.status, r.total.as_deref()), (200, Some("0")), "{path}");
    }
    let r = send(&s, "GET", &item, Some(&acme), None, None).await;
    assert_eq!(
        (r.status, r.body["state"].as_str()),
        (200, Some("acknowledged"))
    );
}

#[tokio::test]
async fn if_match_guards_changes() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let id = create(&s, &t).await;
    let item = format!("{ORDERS}/{id}");
    let stale = send(
        &s,
        "PATCH",
        &item,
        Some(&t),
        Some(json!({"state": "held"})),
        Some("\"7\""),
    )
    .await;
    assert_eq!(stale.status, 412);
    let fresh = send(
        &s,
        "PATCH",
        &item,
        Some(&t),
        Some(json!({"state": "held"})),
        Some("\"1\""),
    )
    .await;
    assert_eq!((fresh.status, fresh.etag.as_deref()), (200, Some("\"2\"")));
    let r = send(&s, "DELETE", &item, Some(&t), None, Some("\"1\"")).await;
    assert_eq!(r.status, 412);
    let r = send(&s, "DELETE", &item, Some(&t), None, Some("\"2\"")).await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn concurrent_writers_never_lose_an_update() {
    let s = TestServer::start_with_demo().await;
    let t = ops(&s, "default");
    let id = create(&s, &t).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (client, url, token) = (
            s.client.clone(),
            s.url(&format!("{ORDERS}/{id}")),
            t.clone(),
        );
        tasks.spawn(async move {
            let resp = client
                .patch(url)
                .bearer_auth(token)
                .header("content-type", "application/merge-patch+json")
                .body(json!({ format!("x{i}"): i }).to_string())
                .send()
                .await
                .expect("send");
            resp.status().as_u16()
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.expect("task"), 200);
    }
    let r = send(&s, "GET", &format!("{ORDERS}/{id}"), Some(&t), None, None).await;
    assert_eq!(r.etag.as_deref(), Some("\"9\""));
    for i in 0..8 {
        assert_eq!(r.body[format!("x{i}")], json!(i));
    }

    // A cancellation racing a worker's move: exactly one wins, and the order
    // ends in the winner's state.
    for _ in 0..4 {
        let id = create(&s, &t).await;
        let cancel = send(
            &s,
            "POST",
            CANCELS,
            Some(&t),
            Some(json!({"productOrder": {"id": id}})),
            None,
        );
        let start = omni_app::product_order::move_state(
            &s.state.ctx,
            "default",
            &id,
            State::InProgress,
            None,
        );
        let (cancelled, started) = tokio::join!(cancel, start);
        let r = send(&s, "GET", &format!("{ORDERS}/{id}"), Some(&t), None, None).await;
        match (cancelled.status, started.is_ok()) {
            (201, false) => assert_eq!(r.body["state"], "cancelled"),
            (409, true) => assert_eq!(r.body["state"], "inProgress"),
            other => panic!("both or neither won: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_openapi_document_describes_product_ordering() {
    let s = TestServer::start_with_demo().await;
    let r = send(&s, "GET", "/openapi.json", None, None, None).await;
    assert_eq!(r.status, 200);
    let paths = &r.body["paths"];
    let item = &paths[format!("{ORDERS}/{{id}}")];
    for method in ["get", "patch", "delete"] {
        assert_eq!(
            item[method]["tags"],
            json!(["TMF622 Product Ordering"]),
            "{method}"
        );
    }
    assert!(item["patch"]["responses"]["409"].is_object());
    assert!(paths[ORDERS]["post"].is_object());
    let cancel = &paths[format!("{CANCELS}/{{id}}")];
    assert!(cancel["get"].is_object() && cancel["patch"].is_null() && cancel["delete"].is_null());
    let schemas = &r.body["components"]["schemas"];
    assert_eq!(
        schemas["ProductOrder"]["properties"]["state"]["enum"]
            .as_array()
            .map(Vec::len),
        Some(11)
    );
    assert!(schemas["ProductOrder_Create"]["properties"]["state"].is_null());
    assert!(
        r.body["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["name"] == "TMF622 Product Ordering"))
    );
}
