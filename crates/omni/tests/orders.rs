//! Partner order capture, black box: the pages' examples verbatim, the whole
//! flow to a completed order, and the inventory afterwards.

mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::time::Duration;

const BASE: &str = "/omni-svcs/v1";

struct Client<'a> {
    server: &'a TestServer,
    token: String,
}

impl Client<'_> {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .server
            .client
            .post(self.server.url(&format!("{BASE}{path}")))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .server
            .client
            .get(self.server.url(&format!("{BASE}{path}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self) -> String {
        let (status, body) = self
            .post(
                "/order/create",
                json!({"channel": "ATTR", "relatedParty": [
                    {"id": "cust-1001", "role": "customer"},
                    {"id": "DL-0042", "role": "dealerLocation"},
                    {"id": "rep-7", "role": "owner"}]}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let id = body["id"].as_str().expect("id").to_string();
        assert!(omni_core::order::is_order_id(&id), "{id}");
        id
    }

    /// Consents to every required agreement the order asks for.
    async fn consent_all(&self, id: &str) -> Value {
        let (status, terms) = self.post("/terms", json!({"orderId": id})).await;
        assert_eq!(status, 200, "{terms}");
        let agreements: Vec<Value> = terms["agreements"]
            .as_array()
            .expect("agreements")
            .iter()
            .filter(|a| a["required"] == true)
            .map(|a| json!({"name": a["name"], "extensions": [{"name": "acceptanceMethod", "value": "click"}]}))
            .collect();
        let (status, body) = self
            .post(
                &format!("/order/{id}/terms"),
                json!({"agreements": agreements}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn ship(&self, id: &str) {
        let (status, options) = self
            .post("/fulfillment-options", json!({"orderId": id}))
            .await;
        assert_eq!(status, 200, "{options}");
        assert_eq!(options["need"], "required", "{options}");
        let (status, body) = self
            .post(
                &format!("/order/{id}/fulfillment"),
                json!({"optionId": "standardShipping", "shippingAddress": {
                    "addressLine1": "123 Main St", "city": "Dallas", "state": "TX", "zipCode": "75201"}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    async fn pay(&self, id: &str, number: &str) -> (u16, Value) {
        self.post(
            "/payment-methods",
            json!({"orderId": id, "card": {"number": number, "expiryMonth": 12, "expiryYear": 2031,
                   "cvv": "123", "holderName": "Jordan Rivera"}}),
        )
        .await
    }

    async fn submit_and_wait(&self, id: &str) -> Value {
        let (status, body) = self.post(&format!("/order/{id}/submit"), json!({})).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["productOrder"]["state"], "acknowledged");
        for _ in 0..200 {
            let (_, order) = self.get(&format!("/order/{id}")).await;
            if order["state"] != "submitted" {
                return order;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("order {id} was not completed in time");
    }
}

fn page_items() -> Value {
    let text = include_str!("orders_page_items.json");
    serde_json::from_str(text).expect("the page's example")
}

async fn subscriber(server: &TestServer, ctn: &str) -> Value {
    server
        .store
        .get_document("default", "subscriber", ctn)
        .await
        .expect("read")
        .expect("subscriber")
        .body
}

async fn client(server: &TestServer) -> Client<'_> {
    Client {
        server,
        token: server.token(PrincipalKind::User, &["order.ops"], "default"),
    }
}

#[tokio::test]
async fn the_pages_examples_then_a_device_swap_with_byod_to_completion() {
    let server = TestServer::start_with_demo().await;
    let c = client(&server).await;
    let id = c.create().await;

    // The add-items page's body, verbatim.
    let (status, body) = c.post(&format!("/order/{id}/items"), page_items()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"id": id}));

    let (status, order) = c.get(&format!("/order/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(order["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(order["validation"]["readyToSubmit"], false);
    let types: Vec<&str> = order["validation"]["configuration"]
        .as_array()
        .expect("configuration")
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    assert_eq!(types, ["items", "terms", "fulfillment", "payment"]);

    // The terms page's body, verbatim: "string" is no agreement of this order.
    let (status, refused) = c
        .post(
            &format!("/order/{id}/terms"),
            json!({"agreements": [{"name": "string", "extensions": [{"name": "string", "value": "string"}]}]}),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["errorList"][0]["action"], "terms");
    assert_eq!(refused["error"]["errorList"][0]["errorCode"], "TERMS-001");
    assert_eq!(refused["validation"]["readyToSubmit"], false);
    let missing: Vec<String> = refused["validation"]["validationMessage"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["text"].to_string())
        .collect();
    assert!(missing.iter().any(|t| t.contains("BYOD")), "{missing:?}");

    c.consent_all(&id).await;
    c.ship(&id).await;
    let (status, order) = c.get(&format!("/order/{id}")).await;
    assert_eq!(status, 200);
    let due = order["orderTotalPrice"][0]["price"]["taxIncludedAmount"]["value"]
        .as_str()
        .expect("due");
    if due != "0.00" {
        let (status, body) = c.pay(&id, "4242424242424242").await;
        assert_eq!(status, 201, "{body}");
        assert!(!body.to_string().contains("4242424242424242"));
    }
    let done = c.submit_and_wait(&id).await;
    assert_eq!(done["state"], "completed", "{done}");

    let line = subscriber(&server, "4690002221").await;
    assert_eq!(line["device"]["imei"], "358073464620280");
    assert_eq!(line["device"]["byod"], true);
    assert_eq!(
        line["device"]["offeringId"],
        "Mobile_Device_pkey73001_sku2680262"
    );
    assert_eq!(line["sim"]["iccid"], "89014103270197479933");
    assert_eq!(line["status"], "active");

    // The TMF622 product order and its events.
    let po = server
        .store
        .get_document("default", "productOrder", &id)
        .await
        .expect("read")
        .expect("product order");
    assert_eq!(po.body["state"], "completed");
    let events = server.store.outbox_after(0, 1000).await.expect("outbox");
    // TMF637: the line changed, and the swapped device (a new product) is
    // announced with its IMEI.
    let product_events: Vec<(&str, String)> = events
        .iter()
        .filter(|e| e.event.payload["domain"] == "productInventory")
        .map(|e| (e.event.event_type.as_str(), e.event.payload.to_string()))
        .collect();
    assert!(
        product_events
            .iter()
            .any(|(t, p)| *t == "ProductCreateEvent" && p.contains("358073464620280")),
        "{product_events:?}"
    );
    assert!(
        product_events
            .iter()
            .any(|(t, p)| *t == "ProductAttributeValueChangeEvent"
                && p.contains("47777581441708014")),
        "{product_events:?}"
    );
    let states: Vec<&str> = events
        .iter()
        .filter(|e| e.event.resource_id == id)
        .map(|e| e.event.event_type.as_str())
        .collect();
    assert_eq!(
        states,
        [
            "ProductOrderCreateEvent",
            "ProductOrderStateChangeEvent",
            "ProductOrderStateChangeEvent"
        ]
    );
    // A submitted order no longer changes.
    let (status, body) = c.post(&format!("/order/{id}/items"), page_items()).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn a_new_line_with_a_financed_device_gets_a_number() {
    let server = TestServer::start_with_demo().await;
    let c = client(&server).await;
    let id = c.create().await;
    let items = json!({"items": [
        {"action": "add", "productOfferingType": "Mobile_Offer", "productOrderItemId": "plan",
         "productOfferingId": "Mobile_Offer_unlimited-extra",
         "billingAccount": {"id": "556165899573", "ratingType": "postpaid"}},
        {"action": "add", "productOfferingType": "Mobile_Device", "rootBundleProductOrderItemId": "plan",
         "productOfferingId": "Mobile_Device_pkey73001_sku2680262"},
        {"action": "add", "productOfferingType": "SIM", "rootBundleProductOrderItemId": "plan",
         "productOfferingId": "790650ec-b512-4bee-ae7f-535668eadf1b",
         "characteristic": [{"name": "ICCID", "value": "8901410327019747111"}]}
    ]});
    let (status, body) = c.post(&format!("/order/{id}/items"), items).await;
    assert_eq!(status, 200, "{body}");
    let (_, terms) = c.post("/terms", json!({"orderId": id})).await;
    let names: Vec<&str> = terms["agreements"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        names.contains(&"InstallmentAgreement") && names.contains(&"ServiceAgreement"),
        "{names:?}"
    );

    // Not ready yet: submit is refused with what is missing.
    let (status, body) = c.post(&format!("/order/{id}/submit"), json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["errorList"][0]["action"], "submit");

    c.consent_all(&id).await;
    c.ship(&id).await;
    let (status, declined) = c.pay(&id, "4000000000000002").await;
    assert_eq!(status, 402, "{declined}");
    assert_eq!(declined["error"]["errorList"][0]["action"], "payment");
    let (status, body) = c.pay(&id, "4242424242424242").await;
    assert_eq!(status, 201, "{body}");
    let done = c.submit_and_wait(&id).await;
    assert_eq!(done["state"], "completed", "{done}");

    let lines = server
        .store
        .list_documents(&omni_store::DocumentQuery {
            tenant: "default".into(),
            kind: "subscriber".into(),
            ..Default::default()
        })
        .await
        .expect("lines");
    let new: Vec<&Value> = lines
        .iter()
        .map(|d| &d.body)
        .filter(|b| b["ctn"].as_str().is_some_and(|c| c.starts_with("46901")))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    // TMF637 shows the new line's products at once, and the same
    // transaction wrote their ProductCreateEvents for its hub.
    let line_product = new[0]["primaryProductId"].as_str().expect("product id");
    let viewer = server.token(PrincipalKind::User, &["inventory.view"], "default");
    let resp = server
        .client
        .get(server.url(&format!(
            "/tmf-api/productInventory/v4/product/{line_product}"
        )))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let product: Value = resp.json().await.expect("json");
    assert_eq!(product["productCharacteristic"][0]["value"], new[0]["ctn"]);
    let events = server.store.outbox_after(0, 1000).await.expect("outbox");
    let created: Vec<&str> = events
        .iter()
        .filter(|e| e.event.event_type == "ProductCreateEvent")
        .map(|e| e.event.resource_id.as_str())
        .collect();
    // The line, its plan, device and SIM.
    assert_eq!(created.len(), 4, "{created:?}");
    assert!(created.contains(&line_product), "{created:?}");
    assert_eq!(
        new[0]["ratePlan"]["offeringId"],
        "Mobile_Offer_unlimited-extra"
    );
    assert_eq!(new[0]["sim"]["iccid"], "8901410327019747111");
    assert_eq!(new[0]["billingAccountId"], "556165899573");
}

#[tokio::test]
async fn terminating_a_line_cancels_it() {
    let server = TestServer::start_with_demo().await;
    let c = client(&server).await;
    let id = c.create().await;
    let items = json!({"items": [
        {"action": "terminate", "productOfferingType": "Mobile_Offer", "subscriberNumber": "4690002222",
         "billingAccount": {"id": "556165899573", "ratingType": "postpaid"},
         "actionReason": {"name": "CR"}, "product": {"id": "47777581441708030"}}
    ]});
    let (status, body) = c.post(&format!("/order/{id}/items"), items).await;
    assert_eq!(status, 200, "{body}");
    let consented = c.consent_all(&id).await;
    assert_eq!(
        consented["validation"]["readyToSubmit"], true,
        "{consented}"
    );
    let done = c.submit_and_wait(&id).await;
    assert_eq!(done["state"], "completed");
    let line = subscriber(&server, "4690002222").await;
    assert_eq!(line["status"], "cancelled");
    assert_eq!(line["statusReason"], "CR");
}

#[tokio::test]
async fn refused_items_name_each_problem_and_store_nothing() {
    let server = TestServer::start_with_demo().await;
    let c = client(&server).await;
    let id = c.create().await;
    let mut items = page_items();
    items["items"][2]["characteristic"][1]["value"] = json!("12345");
    items["items"][4]["productOfferingId"] = json!("no-such-offer");
    let (status, body) = c.post(&format!("/order/{id}/items"), items).await;
    assert_eq!(status, 400, "{body}");
    let list = body["error"]["errorList"].as_array().expect("errorList");
    assert_eq!(list.len(), 2, "{body}");
    assert_eq!(list[0]["action"], "swap;add");
    assert_eq!(list[0]["errorCode"], "ITEM-010");
    assert_eq!(list[0]["field"], "items[2].characteristic[1].value");
    assert_eq!(list[1]["errorCode"], "ITEM-002");
    assert_eq!(body["error"]["errorDescription"], "Validation Failure");
    let (_, order) = c.get(&format!("/order/{id}")).await;
    assert_eq!(order["items"], json!([]));
}

#[tokio::test]
async fn callers_need_the_order_role() {
    let server = TestServer::start_with_demo().await;
    let url = server.url(&format!("{BASE}/order/create"));
    let resp = server
        .client
        .post(&url)
        .json(&json!({"channel": "ATTR"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["errorCode"], "401-UNAUTHORIZED");
    for token in [
        server.token(PrincipalKind::User, &["sc.ops"], "default"),
        server.token(PrincipalKind::Customer, &["order.ops"], "default"),
    ] {
        let resp = server
            .client
            .post(&url)
            .bearer_auth(token)
            .json(&json!({"channel": "ATTR"}))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 403);
    }
    let c = client(&server).await;
    let (status, body) = c.get("/order/26-00000000000000").await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = c.post("/order/create", json!({"channel": "Kiosk"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = c
        .post(
            "/order/create",
            json!({"channel": "ATTR", "relatedParty": [{"id": "x", "role": "boss"}]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("relatedParty[0].role"), "{body}");
    // A member the create does not read is refused, naming it.
    let (status, body) = c
        .post(
            "/order/create",
            json!({"channel": "ATTR", "customerId": "cust-1001"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["errorList"][0]["field"], "customerId",
        "{body}"
    );
    // Another tenant does not see the order.
    let id = c.create().await;
    let other = Client {
        server: &server,
        token: server.token(PrincipalKind::User, &["order.ops"], "acme"),
    };
    let (status, _) = other.get(&format!("/order/{id}")).await;
    assert_eq!(status, 404);
}

/// A worker that dies after moving the order to inProgress leaves its job
/// leased; once the lease runs out another worker finishes it, and running
/// the order's job again changes nothing.
#[tokio::test]
async fn a_crashed_worker_is_resumed_and_nothing_applies_twice() {
    let server = TestServer::start_demo_without_workers().await;
    let c = client(&server).await;
    let id = c.create().await;
    let (status, body) = c.post(&format!("/order/{id}/items"), page_items()).await;
    assert_eq!(status, 200, "{body}");
    c.consent_all(&id).await;
    c.ship(&id).await;
    let (_, order) = c.get(&format!("/order/{id}")).await;
    if order["orderTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] != "0.00" {
        let (status, body) = c.pay(&id, "4242424242424242").await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = c.post(&format!("/order/{id}/submit"), json!({})).await;
    assert_eq!(status, 202, "{body}");
    let before = subscriber(&server, "4690002221").await;

    // The dead worker: it claimed the job with a lease that has run out,
    // and got as far as inProgress.
    let now = chrono::Utc::now();
    let stamp = |t: chrono::DateTime<chrono::Utc>| omni_core::time::rfc3339(t);
    let claimed = server
        .store
        .claim_jobs(&omni_store::JobClaim {
            kind: omni_app::order::worker::JOB_KIND.into(),
            worker: "dead".into(),
            now: stamp(now),
            lease_until: stamp(now - chrono::Duration::seconds(1)),
            max: 10,
        })
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    let mut po = server
        .store
        .get_document("default", "productOrder", &id)
        .await
        .expect("read")
        .expect("po");
    po.version += 1;
    po.state = Some("inProgress".into());
    po.body["state"] = json!("inProgress");
    server
        .store
        .update_document(&po, &omni_store::Effects::none())
        .await
        .expect("inProgress");
    assert_eq!(
        subscriber(&server, "4690002221").await,
        before,
        "nothing applied yet"
    );

    let processed = omni_app::order::worker::claim_and_process(&server.state.ctx, "alive")
        .await
        .expect("resume");
    assert_eq!(processed, 1);
    let (_, order) = c.get(&format!("/order/{id}")).await;
    assert_eq!(order["state"], "completed", "{order}");
    let after = subscriber(&server, "4690002221").await;
    let swaps = |line: &Value| {
        line["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter(|h| h["change"] == "deviceSwapped")
            .count()
    };
    assert_eq!(swaps(&after), 1);
    // The dead worker's lease is gone: it can no longer finish the job.
    let finished = server
        .store
        .finish_job(
            &claimed[0].id,
            "dead",
            &omni_store::JobOutcome::Done {
                now: stamp(chrono::Utc::now()),
            },
        )
        .await
        .expect("finish");
    assert!(!finished);

    // The same order's work once more: the order is completed, nothing changes.
    server
        .store
        .enqueue_job(&omni_store::NewJob {
            id: format!("again-{id}"),
            tenant: "default".into(),
            kind: omni_app::order::worker::JOB_KIND.into(),
            payload: json!({"orderId": id}),
            run_at: stamp(chrono::Utc::now()),
            now: stamp(chrono::Utc::now()),
        })
        .await
        .expect("enqueue");
    omni_app::order::worker::claim_and_process(&server.state.ctx, "alive")
        .await
        .expect("again");
    assert_eq!(subscriber(&server, "4690002221").await, after);
}

#[tokio::test]
async fn the_openapi_document_describes_order_capture() {
    let server = TestServer::start().await;
    let api: Value = server
        .client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    for path in [
        "/omni-svcs/v1/order/create",
        "/omni-svcs/v1/order/{id}/items",
        "/omni-svcs/v1/order/{id}/terms",
        "/omni-svcs/v1/order/{id}/submit",
        "/omni-svcs/v1/payment-methods",
    ] {
        assert!(api["paths"][path]["post"].is_object(), "{path}");
    }
    assert!(api["components"]["schemas"]["OrderValidation"].is_object());
}

/// A submitted order is a TMF622 product order: readable there, and
/// cancellable there until the worker starts it; the partner order follows.
#[tokio::test]
async fn a_submitted_order_is_a_product_order_that_tmf622_can_cancel() {
    let server = TestServer::start_demo_without_workers().await;
    let c = client(&server).await;
    let id = c.create().await;
    let items = json!({"items": [
        {"action": "terminate", "productOfferingType": "Mobile_Offer", "subscriberNumber": "4690002222",
         "billingAccount": {"id": "556165899573", "ratingType": "postpaid"},
         "actionReason": {"name": "CR"}, "product": {"id": "47777581441708030"}}
    ]});
    let (status, body) = c.post(&format!("/order/{id}/items"), items).await;
    assert_eq!(status, 200, "{body}");
    c.consent_all(&id).await;
    let (status, body) = c.post(&format!("/order/{id}/submit"), json!({})).await;
    assert_eq!(status, 202, "{body}");

    let url = server.url(&format!(
        "/tmf-api/productOrderingManagement/v4/productOrder/{id}"
    ));
    let po: Value = server
        .client
        .get(&url)
        .bearer_auth(&c.token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(po["state"], "acknowledged", "{po}");
    assert_eq!(po["productOrderItem"][0]["action"], "delete");
    let resp = server
        .client
        .post(server.url("/tmf-api/productOrderingManagement/v4/cancelProductOrder"))
        .bearer_auth(&c.token)
        .json(&json!({"productOrder": {"id": id}, "cancellationReason": "customer changed their mind"}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.status(),
        201,
        "{}",
        resp.text().await.unwrap_or_default()
    );

    omni_app::order::worker::claim_and_process(&server.state.ctx, "w")
        .await
        .expect("process");
    let (_, order) = c.get(&format!("/order/{id}")).await;
    assert_eq!(order["state"], "cancelled", "{order}");
    assert_eq!(subscriber(&server, "4690002222").await["status"], "active");
}
