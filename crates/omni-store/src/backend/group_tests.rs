//! The group writer's batches, made deterministic: while another connection
//! holds SQLite's write lock, the writer is stuck in a first batch, and every
//! write queued meanwhile lands in the next one.

use super::ops::{Output, WriteOp};
use super::sqlite_writer::{GroupWriter, receive};
use crate::testing::DATABASE_PREFIX;
use crate::{ConnectOptions, Document, Effects, NewEvent, Store, StoreError, connect};
use serde_json::json;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::str::FromStr;
use std::sync::Arc;

const T: &str = "2024-01-01T00:00:00.000Z";

fn doc(id: &str, version: i64) -> Document {
    Document {
        tenant: "t1".into(),
        kind: "thing".into(),
        id: id.into(),
        version,
        owner: None,
        state: None,
        created_at: T.into(),
        updated_at: T.into(),
        body: json!({"id": id}),
    }
}

fn with_event(id: &str) -> Effects {
    Effects::events(vec![NewEvent {
        event_id: format!("ev-{id}-{}", uuid::Uuid::new_v4()),
        tenant: "t1".into(),
        event_type: "ThingEvent".into(),
        resource_kind: "thing".into(),
        resource_id: id.into(),
        occurred_at: T.into(),
        payload: json!({"id": id}),
    }])
}

/// A migrated SQLite store and a second group writer on the same file.
async fn setup() -> (Arc<dyn Store>, GroupWriter, String) {
    let path = std::env::temp_dir().join(format!(
        "{DATABASE_PREFIX}{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("sqlite:{}", path.display());
    let store = connect(&url, &ConnectOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let options = SqliteConnectOptions::from_str(&url)
        .expect("url")
        .busy_timeout(std::time::Duration::from_secs(10));
    let writer = GroupWriter::start(options, super::SQLITE.claim_jobs)
        .await
        .expect("writer");
    (store, writer, url)
}

/// Runs `ops` in one batch and answers their outcomes in order.
async fn queue_all(
    writer: &GroupWriter,
    url: &str,
    ops: Vec<WriteOp>,
) -> Vec<crate::Result<Output>> {
    let mut lock = SqliteConnection::connect(url).await.expect("connect");
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut lock)
        .await
        .expect("lock");
    let blocked = writer
        .enqueue(WriteOp::Put { docs: Vec::new() })
        .await
        .expect("queued");
    // Time for the writer to take the blocked write and wait for the lock.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut answers = Vec::new();
    for op in ops {
        answers.push(writer.enqueue(op).await.expect("queued"));
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut lock)
        .await
        .expect("unlock");
    receive(blocked).await.expect("blocked write");
    let mut results = Vec::new();
    for answer in answers {
        results.push(receive(answer).await);
    }
    results
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_write_in_a_batch_is_undone_alone() {
    let (store, writer, url) = setup().await;
    let results = queue_all(
        &writer,
        &url,
        vec![
            WriteOp::insert(&doc("a", 1), &with_event("a")),
            WriteOp::insert(&doc("a", 1), &with_event("a-again")),
            WriteOp::update(&doc("a", 3), &with_event("a-stale")),
            WriteOp::update(&doc("a", 2), &with_event("a-updated")),
            WriteOp::delete(&doc("gone", 1).key(), None, &with_event("gone")),
            WriteOp::insert(&doc("b", 1), &with_event("b")),
        ],
    )
    .await;
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| match r {
            Ok(_) => "ok",
            Err(StoreError::AlreadyExists { .. }) => "exists",
            Err(StoreError::VersionConflict { .. }) => "conflict",
            Err(StoreError::NotFound { .. }) => "not found",
            Err(_) => "other",
        })
        .collect();
    assert_eq!(kinds, ["ok", "exists", "conflict", "ok", "not found", "ok"]);
    let a = store.get_document("t1", "thing", "a").await.expect("get");
    assert_eq!(a.map(|d| d.version), Some(2));
    let events: Vec<String> = store
        .outbox_after(0, 100)
        .await
        .expect("outbox")
        .into_iter()
        .map(|e| e.event.resource_id)
        .collect();
    assert_eq!(events, ["a", "a-updated", "b"]);
}

/// A COMMIT that fails (here a deferred foreign key, checked only at commit)
/// fails every write of its batch, and the writer goes on afterwards.
#[tokio::test(flavor = "current_thread")]
async fn a_failed_commit_fails_every_write_of_the_batch() {
    let (store, writer, url) = setup().await;
    let mut conn = SqliteConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(
        "CREATE TABLE parent (id TEXT PRIMARY KEY); \
         CREATE TABLE child (pid TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED); \
         CREATE TRIGGER poison AFTER INSERT ON documents WHEN NEW.id = 'poison' \
         BEGIN INSERT INTO child VALUES ('missing'); END;",
    )
    .execute(&mut conn)
    .await
    .expect("poison");
    drop(conn);
    let results = queue_all(
        &writer,
        &url,
        vec![
            WriteOp::insert(&doc("a", 1), &with_event("a")),
            WriteOp::insert(&doc("poison", 1), &with_event("poison")),
            WriteOp::insert(&doc("a", 1), &with_event("a-again")),
        ],
    )
    .await;
    assert!(
        matches!(&results[0], Err(StoreError::Database(e)) if e.to_string().contains("FOREIGN KEY")),
        "{:?}",
        results[0]
    );
    assert!(
        matches!(&results[1], Err(StoreError::Database(_))),
        "{:?}",
        results[1]
    );
    // Its own failure is still the truth for the third write.
    assert!(
        matches!(&results[2], Err(StoreError::AlreadyExists { .. })),
        "{:?}",
        results[2]
    );
    assert_eq!(
        store.get_document("t1", "thing", "a").await.expect("get"),
        None
    );
    assert!(store.outbox_after(0, 10).await.expect("outbox").is_empty());
    // The writer reopens its connection and carries on.
    writer
        .submit(WriteOp::insert(&doc("b", 1), &with_event("b")))
        .await
        .expect("insert after the failed batch")
        .done()
        .expect("done");
    assert!(
        store
            .get_document("t1", "thing", "b")
            .await
            .expect("get")
            .is_some()
    );
}

/// `sqlite::memory:` (one connection, no group writer) takes concurrent
/// writes and reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_memory_database_takes_concurrent_writes_and_reads() {
    let store = connect("sqlite::memory:", &ConnectOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let id = format!("m{i}");
            store
                .insert_document(&doc(&id, 1), &with_event(&id))
                .await
                .expect("insert");
            store.get_document("t1", "thing", &id).await.expect("get")
        }));
    }
    for task in tasks {
        assert!(task.await.expect("task").is_some());
    }
    assert_eq!(store.outbox_after(0, 100).await.expect("outbox").len(), 20);
}
