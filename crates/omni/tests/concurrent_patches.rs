//! The README promises that concurrent PATCHes without `If-Match` are
//! serialised, none lost: 32 writers PATCH one catalog offering, one
//! shopping cart and one product order at once, each changing an attribute
//! of its own. Every one is answered 200 with a version of its own, and the
//! resource keeps every change (the application layer's one retry policy,
//! with jittered backoff, on both databases).
mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use reqwest::header::ETAG;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::task::JoinSet;

const WRITERS: usize = 32;

struct Resource {
    collection: &'static str,
    roles: &'static [&'static str],
    headers: &'static [(&'static str, &'static str)],
    new: Value,
}

fn version(resp: &reqwest::Response) -> Option<i64> {
    resp.headers()
        .get(ETAG)?
        .to_str()
        .ok()?
        .trim_matches('"')
        .parse()
        .ok()
}

/// Writer `n` sets `change(n)`; afterwards `kept(resource, n)` must hold for
/// every writer.
async fn every_write_is_kept(
    resource: Resource,
    change: fn(usize) -> Value,
    kept: fn(&Value, usize) -> bool,
) {
    let server = Arc::new(TestServer::start_with_demo().await);
    let token = server.token(PrincipalKind::User, resource.roles, "default");
    let request = |method: reqwest::Method, path: String| {
        let mut r = server
            .client
            .request(method, server.url(&path))
            .bearer_auth(&token);
        for (name, value) in resource.headers {
            r = r.header(*name, *value);
        }
        r
    };
    let created = request(reqwest::Method::POST, resource.collection.to_string())
        .json(&resource.new)
        .send()
        .await
        .expect("send");
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let path = format!("{}/{id}", resource.collection);

    let mut writers = JoinSet::new();
    for n in 0..WRITERS {
        let patch = request(reqwest::Method::PATCH, path.clone())
            .header("content-type", "application/merge-patch+json")
            .body(change(n).to_string());
        writers.spawn(async move {
            let resp = patch.send().await.expect("send");
            let status = resp.status().as_u16();
            let v = version(&resp);
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            (n, status, v, body)
        });
    }
    let mut versions = BTreeSet::new();
    while let Some(done) = writers.join_next().await {
        let (n, status, v, body) = done.expect("writer");
        assert_eq!(status, 200, "writer {n}: {body}");
        assert!(
            kept(&body, n),
            "writer {n}'s answer lacks its change: {body}"
        );
        versions.insert(v.expect("an ETag on every PATCH"));
    }
    let last = WRITERS as i64 + 1;
    assert_eq!(
        versions,
        (2..=last).collect::<BTreeSet<_>>(),
        "one version per write"
    );
    let resp = request(reqwest::Method::GET, path)
        .send()
        .await
        .expect("send");
    assert_eq!(version(&resp), Some(last));
    let body: Value = resp.json().await.expect("json");
    for n in 0..WRITERS {
        assert!(kept(&body, n), "change {n} lost: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_offering_keeps_every_concurrent_change() {
    every_write_is_kept(
        Resource {
            collection: "/tmf-api/productCatalogManagement/v4/productOffering",
            roles: &["catalog.admin"],
            headers: &[],
            new: json!({"name": "Contended offering", "productOfferingCharacteristic": []}),
        },
        |n| json!({ format!("note{n}"): n }),
        |body, n| body[format!("note{n}")] == json!(n),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cart_keeps_every_concurrent_change() {
    every_write_is_kept(
        Resource {
            collection: "/tmf-api/shoppingCart/v4/shoppingCart",
            roles: &["sc.ops"],
            headers: &[("channelId", "ECOMM")],
            new: json!({"cartItem": [{"id": "1", "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}}]}),
        },
        |n| json!({ format!("note{n}"): n }),
        |body, n| body[format!("note{n}")] == json!(n),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_product_order_keeps_every_concurrent_change() {
    every_write_is_kept(
        Resource {
            collection: "/tmf-api/productOrderingManagement/v4/productOrder",
            roles: &["order.ops"],
            headers: &[],
            new: common::product_order(),
        },
        |n| json!({ format!("note{n}"): n }),
        |body, n| body[format!("note{n}")] == json!(n),
    )
    .await;
}
