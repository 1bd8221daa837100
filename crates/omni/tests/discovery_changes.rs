//! Catalog changes folded into the discovery index without a full rebuild
//! (issue 17, point 4): two nodes on one database, each keeping its own
//! index; a change written on one reaches the other's answers through the
//! catalog's events. Offering and price changes are folded in; a category
//! change builds in full. The bound on time is loose (a loaded CI machine);
//! the figures are measured in bench/ (`discovery-change`).
mod common;

use common::{CATALOG, TestServer};
use omni_api::state::ApiConfig;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const DISCOVERY: &str = "/msapi/cpopoffer/v1/product-offers";
const WBB_BUNDLE: &str = "ibbndl_prod11920327_prod8580387_rwd-43100015_prod9040405";
const INTERNET_AIR_PRICE: &str = "price-prod11920327-monthly";

async fn lookup(s: &TestServer, id: &str) -> Option<Value> {
    let resp = s
        .client
        .get(s.url(&format!("{DISCOVERY}?channel=ECOMM&ids={id}")))
        .header("X-ATT-ClientId", "MyATT-MAS")
        .header("idpctx-appname", "onlineservices")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    body.as_array().and_then(|a| a.first().cloned())
}

/// Waits until `check` holds for offering `id` on `s`.
async fn until(s: &TestServer, id: &str, what: &str, check: impl Fn(Option<&Value>) -> bool) {
    let started = Instant::now();
    loop {
        if check(lookup(s, id).await.as_ref()) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: never seen on {id}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn recurring_total(offer: Option<&Value>) -> Option<String> {
    offer?["productOfferingTotalPrice"]
        .as_array()?
        .iter()
        .find(|p| p["priceType"] == "recurring")
        .and_then(|p| p["price"]["value"].as_str())
        .map(str::to_string)
}

async fn patch(s: &TestServer, token: &str, kind: &str, id: &str, body: Value) {
    let resp = s
        .client
        .patch(s.url(&format!("{CATALOG}/{kind}/{id}")))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200, "patch {kind} {id}");
}

/// Offerings in the node's layer of changes: more than zero means the
/// change was folded in, not built in full.
fn changed(s: &TestServer) -> usize {
    s.state.ctx.caches.catalog.get("default").changed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_one_node_are_folded_into_every_node() {
    let one = TestServer::start_with_demo().await;
    let two = one.sibling(ApiConfig::default()).await;
    let admin = one.admin();
    until(&two, WBB_BUNDLE, "the demo catalog", |o| o.is_some()).await;
    assert_eq!(changed(&two), 0, "a fresh index has no changes");

    // A new offering with its own price, written on node one.
    one.create(
        "productOfferingPrice",
        &admin,
        json!({"id": "fold-price", "name": "Fold", "priceType": "recurring",
               "recurringChargePeriodType": "month", "price": {"unit": "USD", "value": "12.00"}}),
    )
    .await;
    one.create(
        "productOffering",
        &admin,
        json!({"id": "fold-offer", "name": "Folded in", "lifecycleStatus": "Active",
               "productOfferingType": "Mobile_Accessory", "valueRank": 1,
               "category": [{"id": "Mobile_Accessories"}], "channel": [{"id": "ECOMM"}],
               "productOfferingPrice": [{"id": "fold-price"}]}),
    )
    .await;
    for node in [&one, &two] {
        until(node, "fold-offer", "the new offering's price", |o| {
            recurring_total(o).as_deref() == Some("12.00")
        })
        .await;
    }

    // Its price changes on node two: node one answers the new amount.
    patch(
        &two,
        &admin,
        "productOfferingPrice",
        "fold-price",
        json!({"price": {"unit": "USD", "value": "15.50"}}),
    )
    .await;
    until(&one, "fold-offer", "the changed price", |o| {
        recurring_total(o).as_deref() == Some("15.50")
    })
    .await;

    // A part's price changes: the bundle's total, the sum of its parts,
    // follows without the bundle itself being written.
    let before = recurring_total(lookup(&two, WBB_BUNDLE).await.as_ref()).expect("bundle total");
    patch(
        &one,
        &admin,
        "productOfferingPrice",
        INTERNET_AIR_PRICE,
        json!({"price": {"unit": "USD", "value": "70.00"}}),
    )
    .await;
    until(&two, WBB_BUNDLE, "the bundle's new total", |o| {
        recurring_total(o).is_some_and(|t| t != before)
    })
    .await;
    let after: f64 = recurring_total(lookup(&two, WBB_BUNDLE).await.as_ref())
        .and_then(|t| t.parse().ok())
        .expect("total");
    let before: f64 = before.parse().expect("total");
    assert_eq!(
        format!("{:.2}", after - before),
        "10.00",
        "the part's price went from 60 to 70"
    );

    // Renamed, retired, removed: each folded in on both nodes.
    patch(
        &one,
        &admin,
        "productOffering",
        "fold-offer",
        json!({"name": "Renamed"}),
    )
    .await;
    until(&two, "fold-offer", "the rename", |o| {
        o.is_some_and(|o| o["name"] == "Renamed")
    })
    .await;
    patch(
        &two,
        &admin,
        "productOffering",
        "fold-offer",
        json!({"lifecycleStatus": "Retired"}),
    )
    .await;
    until(&one, "fold-offer", "the retirement", |o| o.is_none()).await;
    assert!(
        changed(&one) > 0 && changed(&two) > 0,
        "changes were folded in, not built in full"
    );
    let resp = one
        .client
        .delete(one.url(&format!("{CATALOG}/productOffering/fold-offer")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    patch(
        &one,
        &admin,
        "productOffering",
        WBB_BUNDLE,
        json!({"name": "Still here"}),
    )
    .await;
    until(&two, WBB_BUNDLE, "the bundle rename", |o| {
        o.is_some_and(|o| o["name"] == "Still here")
    })
    .await;
    assert!(
        lookup(&two, "fold-offer").await.is_none(),
        "removed everywhere"
    );

    // A category's parent changes: offerings are filed under new ancestors,
    // which the index can only learn by building in full.
    let folded = changed(&two);
    assert!(folded > 0);
    patch(
        &one,
        &admin,
        "category",
        "SIM_Cards",
        json!({"parentId": "Mobile_Devices"}),
    )
    .await;
    let started = Instant::now();
    while changed(&two) != 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never built in full"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    until(&two, WBB_BUNDLE, "the bundle after a full build", |o| {
        o.is_some_and(|o| o["name"] == "Still here")
    })
    .await;
}
