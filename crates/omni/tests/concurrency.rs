//! Concurrent writes to one resource, black-box over HTTP: no lost update,
//! one winner among creates of the same id, deletes and conditional patches.
mod common;

use common::{CATALOG, TestServer};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::task::JoinSet;

const WRITERS: usize = 20;

fn etag_version(resp: &reqwest::Response) -> i64 {
    resp.headers()
        .get(ETAG)
        .expect("ETag")
        .to_str()
        .expect("ascii")
        .trim_matches('"')
        .parse()
        .expect("numeric ETag")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_never_lose_a_write() {
    let s = Arc::new(TestServer::start().await);
    let admin = s.admin();
    s.create(
        "productOffering",
        &admin,
        json!({"id": "hot", "name": "Contended"}),
    )
    .await;
    let url = s.url(&format!("{CATALOG}/productOffering/hot"));

    let mut tasks = JoinSet::new();
    for n in 0..WRITERS {
        let s = s.clone();
        let url = url.clone();
        let admin = admin.clone();
        tasks.spawn(async move {
            let mut patch = serde_json::Map::new();
            patch.insert(format!("attr{n}"), json!(n));
            let resp = s
                .client
                .patch(&url)
                .bearer_auth(&admin)
                .header(CONTENT_TYPE, "application/merge-patch+json")
                .body(Value::Object(patch).to_string())
                .send()
                .await
                .expect("send");
            let status = resp.status().as_u16();
            let version = etag_version(&resp);
            let body: Value = resp.json().await.expect("json");
            (n, status, version, body)
        });
    }
    let mut versions = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        let (n, status, version, body) = done.expect("task");
        assert_eq!(status, 200, "patch of attr{n}: {body}");
        // Each response shows its own write.
        assert_eq!(body[format!("attr{n}")], json!(n), "{body}");
        versions.insert(version);
    }
    // Every write produced its own version: 2..=21 after the create's 1.
    assert_eq!(
        versions,
        (2..=(WRITERS as i64 + 1)).collect::<BTreeSet<_>>()
    );

    let resp = s.client.get(&url).send().await.expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(etag_version(&resp), WRITERS as i64 + 1);
    let body: Value = resp.json().await.expect("json");
    for n in 0..WRITERS {
        assert_eq!(body[format!("attr{n}")], json!(n), "attr{n} lost: {body}");
    }
    assert_eq!(body["name"], "Contended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conditional_patches_have_one_winner() {
    let s = Arc::new(TestServer::start().await);
    let admin = s.admin();
    s.create("category", &admin, json!({"id": "c", "name": "Start"}))
        .await;
    let url = s.url(&format!("{CATALOG}/category/c"));
    let mut tasks = JoinSet::new();
    for n in 0..10 {
        let s = s.clone();
        let url = url.clone();
        let admin = admin.clone();
        tasks.spawn(async move {
            let resp = s
                .client
                .patch(&url)
                .bearer_auth(&admin)
                .header(IF_MATCH, "\"1\"")
                .header(CONTENT_TYPE, "application/merge-patch+json")
                .body(json!({"name": format!("Writer {n}")}).to_string())
                .send()
                .await
                .expect("send");
            (n, resp.status().as_u16())
        });
    }
    let mut winners = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (n, status) = done.expect("task");
        match status {
            200 => winners.push(n),
            412 => {}
            other => panic!("writer {n} got {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one If-Match \"1\" may win");
    let resp = s.client.get(&url).send().await.expect("send");
    assert_eq!(etag_version(&resp), 2);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["name"], format!("Writer {}", winners[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_id_have_one_winner() {
    let s = Arc::new(TestServer::start().await);
    let admin = s.admin();
    let url = s.url(&format!("{CATALOG}/productOffering"));
    let mut tasks = JoinSet::new();
    for n in 0..WRITERS {
        let s = s.clone();
        let url = url.clone();
        let admin = admin.clone();
        tasks.spawn(async move {
            let resp = s
                .client
                .post(&url)
                .bearer_auth(&admin)
                .json(&json!({"id": "same", "name": format!("Creator {n}")}))
                .send()
                .await
                .expect("send");
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.expect("json");
            (n, status, body)
        });
    }
    let mut created = Vec::new();
    let mut conflicts = 0;
    while let Some(done) = tasks.join_next().await {
        let (n, status, body) = done.expect("task");
        match status {
            201 => created.push((n, body)),
            409 => {
                assert_eq!(body["code"], "CONFLICT", "{body}");
                assert_eq!(body["status"], "409", "{body}");
                conflicts += 1;
            }
            other => panic!("creator {n} got {other}: {body}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one 201");
    assert_eq!(conflicts, WRITERS - 1, "the rest 409");
    let (winner, body) = &created[0];
    assert_eq!(body["name"], format!("Creator {winner}"));

    let resp = s
        .client
        .get(format!("{url}/same"))
        .send()
        .await
        .expect("send");
    assert_eq!(etag_version(&resp), 1);
    let stored: Value = resp.json().await.expect("json");
    assert_eq!(&stored, body, "the stored resource is the winner's");
    let resp = s.client.get(&url).send().await.expect("send");
    assert_eq!(resp.headers().get("x-total-count").expect("count"), "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deletes_have_one_winner() {
    let s = Arc::new(TestServer::start().await);
    let admin = s.admin();
    s.create("catalog", &admin, json!({"id": "gone", "name": "Doomed"}))
        .await;
    let url = s.url(&format!("{CATALOG}/catalog/gone"));
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        let url = url.clone();
        let admin = admin.clone();
        tasks.spawn(async move {
            s.client
                .delete(&url)
                .bearer_auth(&admin)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        statuses.push(done.expect("task"));
    }
    statuses.sort();
    let mut expected = vec![204];
    expected.extend([404; 9]);
    assert_eq!(statuses, expected);
    let resp = s.client.get(&url).send().await.expect("send");
    assert_eq!(resp.status(), 404);
}
