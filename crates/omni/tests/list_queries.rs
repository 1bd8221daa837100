//! TMF630 lists answered by the database (search keys, issue 17) give the
//! same answers as the in-memory filter they replace: varied product orders
//! are stored, then every query's page and `X-Total-Count` over HTTP are
//! compared with `ListQuery::apply` over all of them. Runs on the backend
//! `OMNI_TEST_BACKEND` names.
mod common;

use common::TestServer;
use omni_app::AppConfig;
use omni_core::PrincipalKind;
use omni_core::tmf630::ListQuery;
use omni_store::{Document, Effects};
use reqwest::Url;
use serde_json::{Value, json};

const ORDERS: &str = "/tmf-api/productOrderingManagement/v4/productOrder";

/// Leaves of every class the keys tell apart: plain text, instants in
/// several spellings, decimals as text and as numbers, booleans, arrays of
/// parties, objects, missing attributes.
fn bodies() -> Vec<Value> {
    let states = ["acknowledged", "inProgress", "completed", "held", "failed"];
    let dates = [
        json!("2024-01-01T00:00:00Z"),
        json!("2024-01-01T01:00:00+01:00"),
        json!("2024-06-01"),
        json!("2025-03-04T05:06:07.123Z"),
        json!("not a date"),
        json!(20240101),
    ];
    let externals = [
        json!("10"),
        json!("10.0"),
        json!(10),
        json!("ext-9"),
        json!("Z"),
        json!(true),
        json!("2024-02-02"),
        json!(null),
    ];
    (0..48)
        .map(|i| {
            let mut body = json!({
                "@type": "ProductOrder",
                "state": states[i % states.len()],
                "orderDate": dates[i % dates.len()],
                "externalId": externals[i % externals.len()],
                "channel": [{"id": format!("ch-{}", i % 3)}],
            });
            match i % 4 {
                0 => {
                    body["relatedParty"] =
                        json!([{"id": format!("p{}", i % 5), "role": "customer"}])
                }
                1 => {
                    body["relatedParty"] = json!([
                        {"id": format!("p{}", i % 5), "role": "customer"},
                        {"id": "10", "role": "seller"}
                    ])
                }
                2 => body["relatedParty"] = json!({"id": "p1", "role": "customer"}),
                _ => {}
            }
            if i % 7 == 0 {
                body.as_object_mut().expect("object").remove("state");
            }
            if i % 5 == 0 {
                body["completionDate"] = json!(format!("2024-0{}-15T10:00:00Z", 1 + i % 9));
            }
            body
        })
        .collect()
}

async fn store_orders(s: &TestServer) {
    for (i, body) in bodies().into_iter().enumerate() {
        // Pairs share a creation time, so ties are ordered by id.
        let created = format!("2024-03-01T00:00:{:02}.000Z", i / 2);
        let doc = Document {
            tenant: "default".into(),
            kind: "productOrder".into(),
            id: format!("po-{:02}", 47 - i),
            version: 1,
            owner: None,
            state: body["state"].as_str().map(str::to_string),
            created_at: created.clone(),
            updated_at: created,
            body,
        };
        s.store
            .insert_document(&doc, &Effects::none())
            .await
            .expect("stored");
    }
}

struct Answer {
    status: u16,
    total: Option<usize>,
    body: Value,
}

async fn list(s: &TestServer, token: &str, query: &[(&str, &str)]) -> Answer {
    let mut url = Url::parse(&s.url(ORDERS)).expect("url");
    for (k, v) in query {
        url.query_pairs_mut().append_pair(k, v);
    }
    let resp = s
        .client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let total = resp
        .headers()
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Answer {
        status,
        total,
        body: resp.json().await.expect("json"),
    }
}

fn queries() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![("state", "completed")],
        vec![("state", "completed,held")],
        vec![("state.gt", "f")],
        vec![("state.gte", "held")],
        vec![("state.lt", "held")],
        vec![("state.lte", "2024-01-01")],
        vec![("state", "completed"), ("limit", "2"), ("offset", "1")],
        vec![("externalId", "10")],
        vec![("externalId", "10.00")],
        vec![("externalId", "Z,ext-9")],
        vec![("externalId.gte", "a")],
        vec![("externalId.lt", "Z")],
        vec![("externalId.gt", "2024-01-01")],
        vec![("orderDate", "2024-01-01T00:00:00Z")],
        vec![("orderDate", "2024-01-01")],
        vec![("orderDate.gt", "2024-01-01T00:00:00Z")],
        vec![("orderDate.gte", "2024-06-01")],
        vec![("orderDate.lt", "2025-01-01T00:00:00.000+02:00")],
        vec![("orderDate.lte", "2024-06-01T00:00:00Z")],
        vec![("orderDate.gt", "m")],
        vec![("relatedParty.id", "p1")],
        vec![("relatedParty.id", "10")],
        vec![("relatedParty.id", "p2,p3")],
        vec![("relatedParty.id.gte", "p3")],
        vec![("relatedParty.role", "seller"), ("state", "held,failed")],
        vec![("channel.id", "ch-1"), ("orderDate.lt", "2025-01-01")],
        vec![("completionDate.gte", "2024-04-01")],
        vec![("sort", "orderDate")],
        vec![("sort", "-orderDate")],
        vec![("sort", "state,-completionDate")],
        vec![("sort", "-state"), ("offset", "5"), ("limit", "7")],
        vec![("sort", "externalId"), ("state", "completed,held,failed")],
        vec![("sort", "-completionDate"), ("relatedParty.id", "p1,10")],
        vec![("state", "held"), ("fields", "id,state")],
        vec![("relatedParty.id", "p1"), ("limit", "3"), ("offset", "2")],
        // Not indexed: the candidates are filtered in memory.
        vec![("description", "x")],
        vec![("externalId.gt", "5")],
        vec![("externalId", "true")],
        vec![("state", "held"), ("channel", "x")],
        vec![("sort", "priority"), ("state", "completed")],
    ]
}

/// Every query answers what `ListQuery::apply` answers over all orders.
#[tokio::test]
async fn sql_lists_answer_as_the_in_memory_filter() {
    let s = TestServer::start().await;
    store_orders(&s).await;
    let token = s.token(PrincipalKind::User, &["order.ops"], "default");
    let all = list(&s, &token, &[("limit", "1000")]).await;
    assert_eq!(all.status, 200);
    let all = all.body.as_array().expect("array").clone();
    assert_eq!(all.len(), 48);
    for pairs in queries() {
        let query = ListQuery::parse(pairs.iter().copied(), &[]).expect("query");
        let expected = query.apply(all.clone(), query.limit.unwrap_or(100));
        let got = list(&s, &token, &pairs).await;
        assert_eq!(got.status, 200, "{pairs:?}: {}", got.body);
        assert_eq!(got.total, Some(expected.total), "{pairs:?}");
        assert_eq!(got.body, Value::Array(expected.items), "{pairs:?}");
    }
}

/// A query the keys can answer is never read whole; one they cannot answer
/// over more than `max_scan` candidates is refused, naming the attribute.
#[tokio::test]
async fn unindexed_filters_are_bounded() {
    let config = omni_api::state::ApiConfig {
        app: AppConfig {
            max_scan: 10,
            ..AppConfig::default()
        },
        ..omni_api::state::ApiConfig::default()
    };
    let s = TestServer::start_with(config).await;
    store_orders(&s).await;
    let token = s.token(PrincipalKind::User, &["order.ops"], "default");
    let refused = list(&s, &token, &[("description", "x")]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let text = refused.body.to_string();
    assert!(text.contains("description"), "{text}");
    assert!(text.contains("not an indexed attribute"), "{text}");
    assert!(text.contains("more than 10"), "{text}");
    let refused = list(&s, &token, &[("sort", "priority")]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.to_string().contains("sort"),
        "{}",
        refused.body
    );
    // Indexed filters narrow the candidates below the bound: answered.
    let narrowed = list(&s, &token, &[("relatedParty.id", "p2"), ("priority", "1")]).await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.body);
    assert_eq!(narrowed.total, Some(0));
    // Indexed filters alone are never bounded.
    let indexed = list(&s, &token, &[("state.gte", "a"), ("sort", "-orderDate")]).await;
    assert_eq!(indexed.status, 200, "{}", indexed.body);
    assert!(indexed.total.is_some_and(|n| n > 10), "{:?}", indexed.total);
}

/// Changes and deletes move the keys with the document.
#[tokio::test]
async fn keys_follow_updates_and_deletes() {
    let s = TestServer::start().await;
    store_orders(&s).await;
    let token = s.token(PrincipalKind::User, &["order.ops"], "default");
    let ids = |a: &Answer| -> Vec<String> {
        a.body
            .as_array()
            .expect("array")
            .iter()
            .map(|o| o["id"].as_str().expect("id").to_string())
            .collect()
    };
    let mut doc = s
        .store
        .get_document("default", "productOrder", "po-47")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        doc.body["state"],
        Value::Null,
        "po-47 is the first, with no state"
    );
    doc.body["state"] = json!("rare");
    doc.version += 1;
    s.store
        .update_document(&doc, &Effects::none())
        .await
        .expect("updated");
    let found = list(&s, &token, &[("state", "rare")]).await;
    assert_eq!(ids(&found), ["po-47"]);
    // An update writes only the keys that changed: the old state's keys go,
    // the new one's come, the others (its party, its dates) stay.
    doc.body["state"] = json!("rarer");
    doc.version += 1;
    s.store
        .update_document(&doc, &Effects::none())
        .await
        .expect("updated");
    let found = list(&s, &token, &[("state", "rare")]).await;
    assert_eq!(found.total, Some(0));
    let found = list(&s, &token, &[("state", "rarer")]).await;
    assert_eq!(ids(&found), ["po-47"]);
    let found = list(
        &s,
        &token,
        &[
            ("relatedParty.id", "p0"),
            ("orderDate", "2024-01-01T00:00:00Z"),
        ],
    )
    .await;
    assert!(
        ids(&found).contains(&"po-47".to_string()),
        "{:?}",
        found.body
    );
    // Its sort key moved too: once in the list, after "held".
    let sorted = list(&s, &token, &[("state", "held,rarer"), ("sort", "-state")]).await;
    let sorted = ids(&sorted);
    assert_eq!(
        sorted.first().map(String::as_str),
        Some("po-47"),
        "{sorted:?}"
    );
    assert_eq!(sorted.iter().filter(|id| *id == "po-47").count(), 1);
    // An update that changes no indexed attribute leaves the keys as they are.
    doc.body["description"] = json!("not indexed");
    doc.version += 1;
    s.store
        .update_document(&doc, &Effects::none())
        .await
        .expect("updated");
    let found = list(&s, &token, &[("state", "rarer")]).await;
    assert_eq!(ids(&found), ["po-47"]);
    s.store
        .delete_document(&doc.key(), Some(doc.version), &Effects::none())
        .await
        .expect("deleted");
    let found = list(&s, &token, &[("state", "rare")]).await;
    assert_eq!(found.total, Some(0));
}

/// Keys of another version (or none: documents stored before the key table)
/// are rebuilt at start-up, and lists answer from them as before.
#[tokio::test]
async fn keys_are_rebuilt_at_start_up() {
    let s = TestServer::start().await;
    store_orders(&s).await;
    let token = s.token(PrincipalKind::User, &["order.ops"], "default");
    let before = list(
        &s,
        &token,
        &[("relatedParty.id", "p2,10"), ("sort", "-orderDate")],
    )
    .await;
    assert!(before.total.is_some_and(|n| n > 0), "{:?}", before.total);
    // Another version recorded: the next start-up throws every key away
    // and writes them again from the documents.
    s.store
        .bump_counter("omni:document_keys_version")
        .await
        .expect("bumped");
    s.store.migrate().await.expect("migrated");
    let after = list(
        &s,
        &token,
        &[("relatedParty.id", "p2,10"), ("sort", "-orderDate")],
    )
    .await;
    assert_eq!(after.total, before.total);
    assert_eq!(after.body, before.body);
}

/// A customer's list is its own carts only, in the database as in memory:
/// the owner condition goes with the keys (page and count).
#[tokio::test]
async fn owner_scoped_lists_count_only_the_owner_s_documents() {
    let s = TestServer::start().await;
    for i in 0..12 {
        let owner = if i % 3 == 0 { "cust-a" } else { "cust-b" };
        let created = format!("2024-03-01T00:00:{i:02}.000Z");
        let doc = Document {
            tenant: "default".into(),
            kind: "shoppingCart".into(),
            id: format!("cart-{i:02}"),
            version: 1,
            owner: Some(owner.into()),
            state: None,
            created_at: created.clone(),
            updated_at: created,
            body: json!({
                "@type": "ShoppingCart",
                "status": if i % 2 == 0 { "active" } else { "ordered" },
                "relatedParty": [{"id": owner, "role": "customer"}],
            }),
        };
        s.store
            .insert_document(&doc, &Effects::none())
            .await
            .expect("stored");
    }
    let token = s.token_for("cust-a", PrincipalKind::Customer, &[], "default");
    let mut url = Url::parse(&s.url("/tmf-api/shoppingCart/v4/shoppingCart")).expect("url");
    url.query_pairs_mut().append_pair("status", "active");
    let resp = s
        .client
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-total-count"], "2");
    let body: Value = resp.json().await.expect("json");
    let ids: Vec<&str> = body
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["cart-00", "cart-06"]);
}
