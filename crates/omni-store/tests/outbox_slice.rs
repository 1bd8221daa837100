//! A tenant's slice of the event stream (`outbox_slice`) is exactly the
//! whole stream (`outbox_stream`) filtered by tenant and resource kind, in
//! the same order, and a reader that keeps the last position it read never
//! misses an event of its slice, however writers interleave.

use omni_store::testing::{backend, fresh_database_url, fresh_store};
use omni_store::{ConnectOptions, Document, Effects, NewEvent, Store, StoredEvent, connect};
use serde_json::json;
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const TENANTS: [&str; 3] = ["t0", "t1", "t2"];
const KINDS: [&str; 3] = ["productOffering", "category", "place"];

fn doc(tenant: &str, kind: &str, id: &str) -> Document {
    Document {
        tenant: tenant.into(),
        kind: kind.into(),
        id: id.into(),
        version: 1,
        owner: None,
        state: None,
        created_at: "2024-01-01T00:00:00.000Z".into(),
        updated_at: "2024-01-01T00:00:00.000Z".into(),
        body: json!({"id": id}),
    }
}

fn event(tenant: &str, kind: &str, id: &str) -> NewEvent {
    NewEvent {
        event_id: format!("ev-{tenant}-{id}"),
        tenant: tenant.into(),
        event_type: "ThingCreateEvent".into(),
        resource_kind: kind.into(),
        resource_id: id.into(),
        occurred_at: "2024-01-01T00:00:00.000Z".into(),
        payload: json!({"id": id}),
    }
}

/// Writes one document with its event; `n` picks the tenant and kind so
/// that consecutive writes interleave them.
async fn write(store: &dyn Store, writer: usize, n: usize) {
    let tenant = TENANTS[n % TENANTS.len()];
    let kind = KINDS[(n / TENANTS.len()) % KINDS.len()];
    let id = format!("w{writer}-{n}");
    let effects = Effects {
        events: vec![event(tenant, kind, &id)],
        ..Effects::default()
    };
    store
        .insert_document(&doc(tenant, kind, &id), &effects)
        .await
        .expect("insert");
}

/// Writers writing `each` events at once, in tasks of their own.
async fn write_concurrently(store: &Arc<dyn Store>, writers: usize, each: usize) {
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..each {
                    write(store.as_ref(), w, n + w).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
}

/// The whole stream, every committed event.
async fn whole(store: &dyn Store) -> Vec<StoredEvent> {
    store.sequence_committed().await.expect("sequence");
    let mut all: Vec<StoredEvent> = Vec::new();
    loop {
        let after = all.last().map_or(0, |e| e.seq);
        let page = store.outbox_stream(after, 13).await.expect("stream");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

/// A slice read page by page, each page after the last position read.
async fn slice(store: &dyn Store, tenant: &str, kinds: &[&str], page: i64) -> Vec<StoredEvent> {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    let mut all: Vec<StoredEvent> = Vec::new();
    loop {
        let after = all.last().map_or(0, |e| e.seq);
        let got = store
            .outbox_slice(tenant, &kinds, after, page)
            .await
            .expect("slice");
        assert!(got.len() <= page as usize, "a page holds at most the limit");
        if got.is_empty() {
            return all;
        }
        all.extend(got);
    }
}

#[tokio::test]
async fn slices_are_the_stream_filtered_by_tenant_and_kind() {
    let store = fresh_store().await;
    write_concurrently(&store, 4, 30).await;
    let all = whole(store.as_ref()).await;
    assert_eq!(all.len(), 120);
    let selections: [&[&str]; 6] = [
        &[],
        &["productOffering"],
        &["category", "place"],
        &["place", "productOffering", "place"],
        &["productOffering", "category", "place", "service"],
        &["service"],
    ];
    for tenant in TENANTS.iter().chain(&["nobody"]) {
        for kinds in selections {
            let expected: Vec<&StoredEvent> = all
                .iter()
                .filter(|e| {
                    e.event.tenant == *tenant
                        && (kinds.is_empty() || kinds.contains(&e.event.resource_kind.as_str()))
                })
                .collect();
            for page in [1, 7, 500] {
                let got = slice(store.as_ref(), tenant, kinds, page).await;
                assert_eq!(
                    got.iter().collect::<Vec<_>>(),
                    expected,
                    "tenant {tenant}, kinds {kinds:?}, pages of {page}"
                );
            }
        }
    }
    assert!(
        store
            .outbox_slice("t0", &[], 0, 0)
            .await
            .expect("slice")
            .is_empty()
    );
}

/// A reader polling its slice while writers commit (without forcing the
/// sequencer: as a webhook listener does) ends with every event of its
/// slice, in order, none skipped.
#[tokio::test]
async fn a_polling_reader_misses_no_event_of_its_slice() {
    let store = fresh_store().await;
    let finished = Arc::new(AtomicBool::new(false));
    let writers = {
        let (store, finished) = (store.clone(), finished.clone());
        tokio::spawn(async move {
            write_concurrently(&store, 6, 40).await;
            finished.store(true, Ordering::SeqCst);
        })
    };
    let readers: Vec<_> = [&["category"][..], &[]]
        .into_iter()
        .map(|kinds| {
            let (store, finished) = (store.clone(), finished.clone());
            let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
            tokio::spawn(async move {
                let mut got: Vec<StoredEvent> = Vec::new();
                loop {
                    // Read before the slice: once the writers are done, one
                    // read after everything is numbered ends the loop.
                    let done = finished.load(Ordering::SeqCst);
                    if done {
                        store.sequence_committed().await.expect("sequence");
                    }
                    let after = got.last().map_or(0, |e| e.seq);
                    let page = store
                        .outbox_slice("t1", &kinds, after, 5)
                        .await
                        .expect("slice");
                    if done && page.is_empty() {
                        return (kinds, got);
                    }
                    got.extend(page);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            })
        })
        .collect();
    writers.await.expect("writers");
    let all = whole(store.as_ref()).await;
    for reader in readers {
        let (kinds, got) = reader.await.expect("reader");
        let expected: Vec<&StoredEvent> = all
            .iter()
            .filter(|e| {
                e.event.tenant == "t1"
                    && (kinds.is_empty() || kinds.contains(&e.event.resource_kind))
            })
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(
            got.iter().collect::<Vec<_>>(),
            expected,
            "reader of {kinds:?}"
        );
    }
}

/// Nobody forces the sequencer here: a polling reader's own reads number
/// what was committed.
#[tokio::test]
async fn polling_readers_see_new_events_by_themselves() {
    let store = fresh_store().await;
    for round in 0..3 {
        write(store.as_ref(), 0, round).await;
        let mut seen = 0;
        for _ in 0..1000 {
            seen = store
                .outbox_slice(TENANTS[round % 3], &[], 0, 10)
                .await
                .expect("slice")
                .len();
            if seen == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(seen, 1, "round {round}: the event shows in its slice");
    }
}

/// PostgreSQL takes seqs before commit: an event of the slice committed
/// late is read after what was read already, not skipped (the whole
/// stream's version of this is in outbox_stream.rs).
#[tokio::test]
async fn an_event_committed_late_comes_after_what_the_slice_read() {
    if backend() != "postgres" {
        return;
    }
    let url = fresh_database_url().await;
    let store = connect(&url, &ConnectOptions::default())
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let kinds = vec!["place".to_string()];
    let read = |after: i64| {
        let (store, kinds) = (store.clone(), kinds.clone());
        async move {
            store.sequence_committed().await.expect("sequence");
            let page = store
                .outbox_slice("t1", &kinds, after, 100)
                .await
                .expect("slice");
            let last = page.last().map_or(after, |e| e.seq);
            let ids: Vec<String> = page.into_iter().map(|e| e.event.resource_id).collect();
            (ids, last)
        }
    };
    let add = |id: &'static str| {
        let store = store.clone();
        async move {
            let effects = Effects {
                events: vec![event("t1", "place", id)],
                ..Effects::default()
            };
            store
                .insert_document(&doc("t1", "place", id), &effects)
                .await
                .expect("insert");
        }
    };
    add("a").await;
    // "b" takes its seq first but commits after "c".
    let mut slow = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql("BEGIN")
        .execute(&mut slow)
        .await
        .expect("begin");
    sqlx::query(
        "INSERT INTO outbox (event_id, tenant, event_type, resource_kind, resource_id, occurred_at, payload) \
         VALUES ('ev-b', 't1', 'ThingCreateEvent', 'place', 'b', '2024-01-01T00:00:00.000Z', '{}')",
    )
    .execute(&mut slow)
    .await
    .expect("insert");
    add("c").await;
    let (ids, last) = read(0).await;
    assert_eq!(ids, ["a", "c"]);
    sqlx::raw_sql("COMMIT")
        .execute(&mut slow)
        .await
        .expect("commit");
    let (ids, _) = read(last).await;
    assert_eq!(ids, ["b"], "the late event follows the cursor");
}
