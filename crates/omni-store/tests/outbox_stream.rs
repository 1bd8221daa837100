//! PostgreSQL takes outbox seqs before commit, so a later seq can become
//! visible first, and a reader that kept "the last seq seen" would skip the
//! earlier one for ever. The stream (`outbox_stream`) numbers events as they
//! become visible, so a slow transaction's event comes after what was
//! already read, never before it.

use omni_store::testing::{backend, fresh_database_url};
use omni_store::{ConnectOptions, Document, Effects, NewEvent, connect};
use serde_json::json;
use sqlx::Connection;

fn event(id: &str) -> NewEvent {
    NewEvent {
        event_id: format!("ev-{id}"),
        tenant: "t1".into(),
        event_type: "ThingCreateEvent".into(),
        resource_kind: "thing".into(),
        resource_id: id.into(),
        occurred_at: "2024-01-01T00:00:00.000Z".into(),
        payload: json!({"id": id}),
    }
}

fn doc(id: &str) -> Document {
    Document {
        tenant: "t1".into(),
        kind: "thing".into(),
        id: id.into(),
        version: 1,
        owner: None,
        state: None,
        created_at: "2024-01-01T00:00:00.000Z".into(),
        updated_at: "2024-01-01T00:00:00.000Z".into(),
        body: json!({"id": id}),
    }
}

/// Begins a transaction that writes an event the way the store does, and
/// leaves it open.
async fn open_writer(url: &str, id: &str) -> sqlx::PgConnection {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    sqlx::raw_sql("BEGIN")
        .execute(&mut conn)
        .await
        .expect("begin");
    sqlx::query(
        "INSERT INTO outbox (event_id, tenant, event_type, resource_kind, resource_id, occurred_at, payload) \
         VALUES ($1, 't1', 'ThingCreateEvent', 'thing', $2, '2024-01-01T00:00:00.000Z', '{}')",
    )
    .bind(format!("ev-{id}"))
    .bind(id)
    .execute(&mut conn)
    .await
    .expect("insert");
    conn
}

/// Resource ids of the stream after `after`, with the last position: every
/// event committed so far (readers that poll may see an event a moment
/// later, when the node's sequencer next runs).
async fn stream(store: &dyn omni_store::Store, after: i64) -> (Vec<String>, i64) {
    store.sequence_committed().await.expect("sequence");
    let events = store.outbox_stream(after, 100).await.expect("stream");
    let last = events.last().map_or(after, |e| e.seq);
    (
        events.into_iter().map(|e| e.event.resource_id).collect(),
        last,
    )
}

#[tokio::test]
async fn an_event_committed_late_comes_after_what_was_read() {
    let url = fresh_database_url().await;
    let store = connect(&url, &ConnectOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let write = |id: &'static str| {
        let store = store.clone();
        async move {
            let effects = Effects {
                events: vec![event(id)],
                ..Effects::default()
            };
            store
                .insert_document(&doc(id), &effects)
                .await
                .expect("insert");
        }
    };
    write("a").await;
    if backend() != "postgres" {
        // SQLite has one writer: seqs become visible in commit order.
        write("c").await;
        let (ids, last) = stream(store.as_ref(), 0).await;
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(store.outbox_stream_head().await.expect("head"), last);
        return;
    }
    // "b" takes its seq first but commits after "c".
    let mut slow = open_writer(&url, "b").await;
    write("c").await;
    let (ids, last) = stream(store.as_ref(), 0).await;
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(store.outbox_stream_head().await.expect("head"), last);
    sqlx::raw_sql("COMMIT")
        .execute(&mut slow)
        .await
        .expect("commit");
    let (ids, after_b) = stream(store.as_ref(), last).await;
    assert_eq!(
        ids,
        ["b"],
        "the late event follows the cursor, it is not behind it"
    );
    // A rolled-back event never appears; the stream goes on past it.
    let mut aborted = open_writer(&url, "d").await;
    write("e").await;
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut aborted)
        .await
        .expect("rollback");
    let (ids, _) = stream(store.as_ref(), after_b).await;
    assert_eq!(ids, ["e"]);
    // Seq order, for inspection, still shows "b" before "c".
    let by_seq: Vec<String> = store
        .outbox_after(0, 100)
        .await
        .expect("outbox")
        .into_iter()
        .map(|e| e.event.resource_id)
        .collect();
    assert_eq!(by_seq, ["a", "b", "c", "e"]);
}
