//! The Store contract, run against whichever backend OMNI_TEST_BACKEND names.

use omni_store::testing::fresh_store;
use omni_store::{
    Document, DocumentQuery, Effects, JobClaim, JobOutcome, JobStatus, NewEvent, NewJob, StoreError,
};
use serde_json::json;
use std::collections::HashSet;

fn doc(tenant: &str, id: &str, created: &str) -> Document {
    Document {
        tenant: tenant.into(),
        kind: "thing".into(),
        id: id.into(),
        version: 1,
        owner: None,
        state: Some("active".into()),
        created_at: created.into(),
        updated_at: created.into(),
        body: json!({"id": id, "name": format!("thing {id}")}),
    }
}

fn event(id: &str) -> NewEvent {
    NewEvent {
        event_id: format!("ev-{id}-{}", uuid::Uuid::new_v4()),
        tenant: "t1".into(),
        event_type: "ThingCreateEvent".into(),
        resource_kind: "thing".into(),
        resource_id: id.into(),
        occurred_at: "2024-01-01T00:00:00.000Z".into(),
        payload: json!({"id": id}),
    }
}

#[tokio::test]
async fn insert_get_and_duplicate() {
    let store = fresh_store().await;
    let d = doc("t1", "a", "2024-01-01T00:00:00.000Z");
    store
        .insert_document(&d, &Effects::events(vec![event("a")]))
        .await
        .expect("insert");
    assert_eq!(
        store.get_document("t1", "thing", "a").await.expect("get"),
        Some(d.clone())
    );
    let again = store.insert_document(&d, &Effects::none()).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists { .. })),
        "{again:?}"
    );
    // Other tenants do not see it.
    assert_eq!(
        store.get_document("t2", "thing", "a").await.expect("get"),
        None
    );
}

#[tokio::test]
async fn update_checks_the_version() {
    let store = fresh_store().await;
    let mut d = doc("t1", "a", "2024-01-01T00:00:00.000Z");
    store
        .insert_document(&d, &Effects::none())
        .await
        .expect("insert");
    d.version = 2;
    d.body = json!({"id": "a", "name": "renamed"});
    store
        .update_document(&d, &Effects::none())
        .await
        .expect("update from version 1");
    // A writer still holding version 1 loses.
    let stale = store.update_document(&d, &Effects::none()).await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { expected: 1, .. })),
        "{stale:?}"
    );
    let read = store
        .get_document("t1", "thing", "a")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(read.version, 2);
    assert_eq!(read.body["name"], "renamed");
}

#[tokio::test]
async fn a_failed_write_writes_no_event() {
    let store = fresh_store().await;
    let d = doc("t1", "a", "2024-01-01T00:00:00.000Z");
    store
        .insert_document(&d, &Effects::events(vec![event("a")]))
        .await
        .expect("insert");
    let _ = store
        .insert_document(&d, &Effects::events(vec![event("a")]))
        .await;
    let mut stale = d.clone();
    stale.version = 5;
    let _ = store
        .update_document(&stale, &Effects::events(vec![event("a")]))
        .await;
    let events = store.outbox_after(0, 100).await.expect("outbox");
    assert_eq!(
        events.len(),
        1,
        "only the successful insert's event is kept"
    );
}

#[tokio::test]
async fn delete_with_and_without_version() {
    let store = fresh_store().await;
    let d = doc("t1", "a", "2024-01-01T00:00:00.000Z");
    store
        .insert_document(&d, &Effects::none())
        .await
        .expect("insert");
    let wrong = store
        .delete_document(&d.key(), Some(7), &Effects::none())
        .await;
    assert!(matches!(wrong, Err(StoreError::VersionConflict { .. })));
    store
        .delete_document(&d.key(), Some(1), &Effects::none())
        .await
        .expect("delete");
    let gone = store
        .delete_document(&d.key(), None, &Effects::none())
        .await;
    assert!(matches!(gone, Err(StoreError::NotFound { .. })));
}

#[tokio::test]
async fn list_pages_in_creation_order_within_a_tenant() {
    let store = fresh_store().await;
    for (i, id) in ["c", "a", "b"].iter().enumerate() {
        store
            .insert_document(
                &doc("t1", id, &format!("2024-01-0{}T00:00:00.000Z", i + 1)),
                &Effects::none(),
            )
            .await
            .expect("insert");
    }
    store
        .insert_document(
            &doc("t2", "z", "2024-01-01T00:00:00.000Z"),
            &Effects::none(),
        )
        .await
        .expect("insert");
    let mut q = DocumentQuery {
        tenant: "t1".into(),
        kind: "thing".into(),
        ..DocumentQuery::default()
    };
    assert_eq!(store.count_documents(&q).await.expect("count"), 3);
    let all: Vec<String> = store
        .list_documents(&q)
        .await
        .expect("list")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(all, ["c", "a", "b"]);
    q.page = Some((1, 1));
    let page: Vec<String> = store
        .list_documents(&q)
        .await
        .expect("list")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(page, ["a"]);
}

#[tokio::test]
async fn put_documents_upserts() {
    let store = fresh_store().await;
    let mut d = doc("t1", "a", "2024-01-01T00:00:00.000Z");
    store.put_documents(&[d.clone()]).await.expect("put");
    d.body["name"] = json!("again");
    store.put_documents(&[d]).await.expect("put again");
    let read = store
        .get_document("t1", "thing", "a")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(read.body["name"], "again");
    assert_eq!(read.version, 2);
}

/// A bulk put of more rows than one statement takes (several statements
/// of several sizes), naming one id twice and mixing in a kind with search
/// keys: every document is there once, a repeated one at its second body
/// and version, an earlier one replaced keeping its creation time.
#[tokio::test]
async fn put_documents_in_bulk() {
    let store = fresh_store().await;
    let earlier = doc("t1", "thing-0007", "2023-01-01T00:00:00.000Z");
    store.put_documents(&[earlier]).await.expect("first put");
    let time = "2024-01-01T00:00:00.000Z";
    let mut docs: Vec<Document> = (0..700)
        .map(|i| doc("t1", &format!("thing-{i:04}"), time))
        .collect();
    let mut twice = doc("t1", "thing-0300", time);
    twice.body["name"] = json!("second");
    docs.insert(450, twice);
    let mut cart = doc("t1", "cart-1", time);
    cart.kind = "shoppingCart".into();
    docs.insert(10, cart);
    store.put_documents(&docs).await.expect("bulk put");

    let all = store
        .list_documents(&DocumentQuery {
            tenant: "t1".into(),
            kind: "thing".into(),
            owner: None,
            page: None,
        })
        .await
        .expect("list");
    assert_eq!(all.len(), 700);
    let find = |id: &str| all.iter().find(|d| d.id == id).expect("stored");
    assert_eq!(find("thing-0300").body["name"], "second");
    assert_eq!(find("thing-0300").version, 2);
    assert_eq!(find("thing-0299").version, 1);
    assert_eq!(find("thing-0007").version, 2);
    assert_eq!(find("thing-0007").created_at, "2023-01-01T00:00:00.000Z");
    assert!(
        store
            .get_document("t1", "shoppingCart", "cart-1")
            .await
            .expect("get")
            .is_some()
    );

    // Read back a page at a time, in creation order, each once.
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let page = store
            .document_bodies("t1", "thing", after.as_ref(), 64)
            .await
            .expect("page");
        seen.extend(page.iter().map(|r| r.id.clone()));
        match page.last() {
            Some(last) if page.len() == 64 => {
                after = Some((last.created_at.clone(), last.id.clone()));
            }
            _ => break,
        }
    }
    assert_eq!(seen.len(), 700);
    assert_eq!(seen[0], "thing-0007", "the earliest created comes first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 700);
}

#[tokio::test]
async fn writes_bump_counters_in_their_transaction() {
    let store = fresh_store().await;
    let bump = Effects {
        bump: vec!["catalog:t1".into()],
        ..Effects::none()
    };
    let mut d = doc("t1", "a", "2024-01-01T00:00:00.000Z");
    store.insert_document(&d, &bump).await.expect("insert");
    assert!(store.insert_document(&d, &bump).await.is_err());
    assert_eq!(
        store.read_counter("catalog:t1").await.expect("read"),
        1,
        "a failed write bumps nothing"
    );
    d.version = 2;
    store.update_document(&d, &bump).await.expect("update");
    store
        .delete_document(&d.key(), None, &bump)
        .await
        .expect("delete");
    store.bump_counter("catalog:t2").await.expect("bump");
    store.bump_counter("catalogue").await.expect("bump");
    store.bump_counter("cat%log:x").await.expect("bump");
    let all = store
        .counters_with_prefix("catalog:")
        .await
        .expect("prefix");
    assert_eq!(
        all,
        vec![("catalog:t1".to_string(), 3), ("catalog:t2".to_string(), 1)]
    );
    assert!(
        store
            .counters_with_prefix("cat%")
            .await
            .expect("prefix")
            .iter()
            .all(|(n, _)| n.starts_with("cat%"))
    );
}

#[tokio::test]
async fn counters_count() {
    let store = fresh_store().await;
    assert_eq!(store.read_counter("x").await.expect("read"), 0);
    assert_eq!(store.bump_counter("x").await.expect("bump"), 1);
    assert_eq!(store.bump_counter("x").await.expect("bump"), 2);
    assert_eq!(store.read_counter("x").await.expect("read"), 2);
}

fn job(id: &str, run_at: &str) -> NewJob {
    NewJob {
        id: id.into(),
        tenant: "t1".into(),
        kind: "work".into(),
        payload: json!({"n": id}),
        run_at: run_at.into(),
        now: "2024-01-01T00:00:00.000Z".into(),
    }
}

fn claim(worker: &str, now: &str, lease_until: &str, max: i64) -> JobClaim {
    JobClaim {
        kind: "work".into(),
        worker: worker.into(),
        now: now.into(),
        lease_until: lease_until.into(),
        max,
    }
}

#[tokio::test]
async fn jobs_are_leased_once_and_reclaimed_after_the_lease() {
    let store = fresh_store().await;
    store
        .enqueue_job(&job("j1", "2024-01-01T00:00:00.000Z"))
        .await
        .expect("enqueue");
    store
        .enqueue_job(&job("j2", "2030-01-01T00:00:00.000Z"))
        .await
        .expect("enqueue");
    let now = "2024-01-01T00:00:10.000Z";
    let first = store
        .claim_jobs(&claim("w1", now, "2024-01-01T00:01:00.000Z", 10))
        .await
        .expect("claim");
    assert_eq!(
        first.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["j1"],
        "j2 is not due"
    );
    let second = store
        .claim_jobs(&claim("w2", now, "2024-01-01T00:01:00.000Z", 10))
        .await
        .expect("claim");
    assert!(second.is_empty(), "a leased job is not claimed twice");
    // w1 dies; after its lease w2 gets the job, and w1 can no longer finish it.
    let later = "2024-01-01T00:02:00.000Z";
    let retaken = store
        .claim_jobs(&claim("w2", later, "2024-01-01T00:03:00.000Z", 10))
        .await
        .expect("claim");
    assert_eq!(retaken.len(), 1);
    assert_eq!(retaken[0].attempts, 2);
    let done = JobOutcome::Done { now: later.into() };
    assert!(!store.finish_job("j1", "w1", &done).await.expect("finish"));
    assert!(store.finish_job("j1", "w2", &done).await.expect("finish"));
    let j = store.get_job("j1").await.expect("get").expect("exists");
    assert_eq!(j.status, JobStatus::Done);
    assert!(
        store
            .claim_jobs(&claim(
                "w3",
                "2031-01-01T00:00:00.000Z",
                "2031-01-01T00:01:00.000Z",
                10
            ))
            .await
            .expect("claim")
            .iter()
            .all(|j| j.id == "j2")
    );
}

#[tokio::test]
async fn retried_jobs_wait_for_their_time() {
    let store = fresh_store().await;
    store
        .enqueue_job(&job("j1", "2024-01-01T00:00:00.000Z"))
        .await
        .expect("enqueue");
    let now = "2024-01-01T00:00:10.000Z";
    store
        .claim_jobs(&claim("w1", now, "2024-01-01T00:01:00.000Z", 1))
        .await
        .expect("claim");
    let retry = JobOutcome::Retry {
        now: now.into(),
        run_at: "2024-01-01T00:05:00.000Z".into(),
        error: "boom".into(),
    };
    assert!(store.finish_job("j1", "w1", &retry).await.expect("finish"));
    assert!(
        store
            .claim_jobs(&claim(
                "w1",
                "2024-01-01T00:04:00.000Z",
                "2024-01-01T00:06:00.000Z",
                1
            ))
            .await
            .expect("claim")
            .is_empty()
    );
    let again = store
        .claim_jobs(&claim(
            "w1",
            "2024-01-01T00:05:00.000Z",
            "2024-01-01T00:06:00.000Z",
            1,
        ))
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].last_error.as_deref(), Some("boom"));
}

/// Many workers claiming at once never share a job.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_never_overlap() {
    let store = fresh_store().await;
    for i in 0..200 {
        store
            .enqueue_job(&job(&format!("j{i:03}"), "2024-01-01T00:00:00.000Z"))
            .await
            .expect("enqueue");
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_jobs(&claim(
                        &format!("w{w}"),
                        "2024-01-01T00:00:10.000Z",
                        "2024-01-01T01:00:00.000Z",
                        7,
                    ))
                    .await
                    .expect("claim");
                if got.is_empty() {
                    break mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for t in tasks {
        for id in t.await.expect("task") {
            total += 1;
            seen.insert(id);
        }
    }
    assert_eq!(total, 200, "every job claimed exactly once");
    assert_eq!(seen.len(), 200);
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let store = fresh_store().await;
    store.migrate().await.expect("second migrate");
    store.ping().await.expect("ping");
}

#[tokio::test]
async fn expired_documents_are_deleted_once_with_their_event() {
    let store = fresh_store().await;
    let expiring = |t: &str| Effects {
        expires_at: Some(Some(t.to_string())),
        ..Effects::none()
    };
    let mut old = doc("t1", "old", "2024-01-01T00:00:00.000Z");
    store
        .insert_document(&old, &expiring("2024-02-01T00:00:00.000Z"))
        .await
        .expect("insert");
    store
        .insert_document(
            &doc("t2", "young", "2024-01-01T00:00:00.000Z"),
            &expiring("2024-09-01T00:00:00.000Z"),
        )
        .await
        .expect("insert");
    store
        .insert_document(
            &doc("t1", "forever", "2024-01-01T00:00:00.000Z"),
            &Effects::none(),
        )
        .await
        .expect("insert");
    // Touching a document can move its expiry.
    old.version = 2;
    store
        .update_document(&old, &expiring("2024-03-01T00:00:00.000Z"))
        .await
        .expect("update");
    fn event(d: &Document) -> NewEvent {
        NewEvent {
            event_id: format!("gone-{}", d.id),
            tenant: d.tenant.clone(),
            event_type: "ThingDeleteEvent".into(),
            resource_kind: d.kind.clone(),
            resource_id: d.id.clone(),
            occurred_at: "2024-06-01T00:00:00.000Z".into(),
            payload: json!({"id": d.id}),
        }
    }
    assert!(
        store
            .delete_expired("thing", "2024-02-15T00:00:00.000Z", 10, event)
            .await
            .expect("sweep")
            .is_empty()
    );
    let gone = store
        .delete_expired("thing", "2024-06-01T00:00:00.000Z", 10, event)
        .await
        .expect("sweep");
    assert_eq!(
        gone.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
        ["old"]
    );
    assert!(
        store
            .delete_expired("thing", "2024-06-01T00:00:00.000Z", 10, event)
            .await
            .expect("sweep")
            .is_empty()
    );
    assert!(
        store
            .get_document("t1", "thing", "old")
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        store
            .get_document("t2", "thing", "young")
            .await
            .expect("get")
            .is_some()
    );
    let events = store.outbox_after(0, 100).await.expect("outbox");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event.event_type == "ThingDeleteEvent")
            .count(),
        1
    );
}

#[tokio::test]
async fn multi_document_writes_are_all_or_nothing() {
    use omni_store::DocumentWrite;
    let store = fresh_store().await;
    let t = "2024-01-01T00:00:00.000Z";
    store
        .insert_document(&doc("t1", "a", t), &Effects::none())
        .await
        .expect("insert a");
    let mut a2 = doc("t1", "a", t);
    a2.version = 2;
    a2.body = json!({"id": "a", "name": "changed"});
    let job = NewJob {
        id: "job-ab".into(),
        tenant: "t1".into(),
        kind: "thing.follow-up".into(),
        payload: json!({}),
        run_at: t.into(),
        now: t.into(),
    };
    let effects = Effects {
        events: vec![event("b")],
        jobs: vec![job],
        ..Effects::none()
    };
    // The update is stale (expects version 2 stored): nothing is written.
    let mut stale = a2.clone();
    stale.version = 3;
    let refused = store
        .write_documents(
            &[
                DocumentWrite::Insert(doc("t1", "b", t)),
                DocumentWrite::Update(stale),
            ],
            &effects,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::VersionConflict { .. })),
        "{refused:?}"
    );
    assert_eq!(
        store.get_document("t1", "thing", "b").await.expect("get"),
        None
    );
    assert!(store.get_job("job-ab").await.expect("job").is_none());
    assert!(store.outbox_after(0, 10).await.expect("outbox").is_empty());

    store
        .write_documents(
            &[
                DocumentWrite::Insert(doc("t1", "b", t)),
                DocumentWrite::Update(a2.clone()),
            ],
            &effects,
        )
        .await
        .expect("write both");
    assert_eq!(
        store.get_document("t1", "thing", "a").await.expect("get"),
        Some(a2)
    );
    assert!(
        store
            .get_document("t1", "thing", "b")
            .await
            .expect("get")
            .is_some()
    );
    assert_eq!(
        store
            .get_job("job-ab")
            .await
            .expect("job")
            .map(|j| j.status),
        Some(JobStatus::Pending)
    );
    assert_eq!(store.outbox_after(0, 10).await.expect("outbox").len(), 1);
}

/// What one concurrent writer tries, and the outcome it must get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Ok,
    AlreadyExists,
    VersionConflict,
    NotFound,
}

fn outcome(result: &Result<(), StoreError>) -> Expect {
    match result {
        Ok(()) => Expect::Ok,
        Err(StoreError::AlreadyExists { .. }) => Expect::AlreadyExists,
        Err(StoreError::VersionConflict { .. }) => Expect::VersionConflict,
        Err(StoreError::NotFound { .. }) => Expect::NotFound,
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// Many writers at once (on SQLite they share group commits), a third of
/// them failing: each gets exactly its own outcome, and only the writes that
/// succeeded leave documents, events, jobs and counter bumps behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_get_exactly_their_own_outcome() {
    let store = fresh_store().await;
    let t = "2024-01-01T00:00:00.000Z";
    for i in 0..20 {
        store
            .insert_document(&doc("t1", &format!("old{i}"), t), &Effects::none())
            .await
            .expect("seed");
    }
    let mut tasks = Vec::new();
    for i in 0..240usize {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let tag = format!("w{i}");
            let effects = Effects {
                events: vec![event(&tag)],
                jobs: vec![NewJob {
                    id: format!("job-{tag}"),
                    ..job("x", t)
                }],
                bump: vec![format!("bumps:{tag}")],
                ..Effects::none()
            };
            let old = format!("old{}", i % 20);
            let (expected, result) = match i % 6 {
                // A new document, and a second insert of a seeded one.
                0 => (
                    Expect::Ok,
                    store.insert_document(&doc("t1", &tag, t), &effects).await,
                ),
                1 => (
                    Expect::AlreadyExists,
                    store.insert_document(&doc("t1", &old, t), &effects).await,
                ),
                // A stale update (the seeded documents stay at version 1).
                2 => {
                    let mut stale = doc("t1", &old, t);
                    stale.version = 3;
                    (
                        Expect::VersionConflict,
                        store.update_document(&stale, &effects).await,
                    )
                }
                // Deleting what does not exist, at any version.
                3 => {
                    let missing = doc("t1", &format!("missing-{tag}"), t).key();
                    (
                        Expect::NotFound,
                        store.delete_document(&missing, None, &effects).await,
                    )
                }
                4 => {
                    let missing = doc("t1", &format!("missing-{tag}"), t).key();
                    (
                        Expect::VersionConflict,
                        store.delete_document(&missing, Some(1), &effects).await,
                    )
                }
                // Two new documents in one write, the second a duplicate of the
                // first: all or nothing.
                _ => {
                    use omni_store::DocumentWrite;
                    let both = [
                        DocumentWrite::Insert(doc("t1", &tag, t)),
                        DocumentWrite::Insert(doc("t1", &tag, t)),
                    ];
                    (
                        Expect::AlreadyExists,
                        store.write_documents(&both, &effects).await,
                    )
                }
            };
            (i, tag, expected, outcome(&result))
        }));
    }
    let mut succeeded = HashSet::new();
    for task in tasks {
        let (i, tag, expected, got) = task.await.expect("task");
        assert_eq!(got, expected, "writer {i} got another's outcome");
        if got == Expect::Ok {
            succeeded.insert(tag);
        }
    }
    assert_eq!(succeeded.len(), 40);

    let events = store.outbox_after(0, 1000).await.expect("outbox");
    let with_events: HashSet<String> = events.iter().map(|e| e.event.resource_id.clone()).collect();
    assert_eq!(
        with_events, succeeded,
        "events only of the writes that committed"
    );
    for i in 0..240 {
        let tag = format!("w{i}");
        let kept = succeeded.contains(&tag);
        assert_eq!(
            store
                .get_job(&format!("job-{tag}"))
                .await
                .expect("job")
                .is_some(),
            kept,
            "job of {tag}"
        );
        assert_eq!(
            store
                .read_counter(&format!("bumps:{tag}"))
                .await
                .expect("counter"),
            i64::from(kept),
            "counter of {tag}"
        );
        assert_eq!(
            store
                .get_document("t1", "thing", &tag)
                .await
                .expect("get")
                .is_some(),
            kept,
            "document {tag}"
        );
    }
    for i in 0..20 {
        let old = store
            .get_document("t1", "thing", &format!("old{i}"))
            .await
            .expect("get")
            .expect("seeded document stays");
        assert_eq!(old.version, 1);
    }
}

/// Writes that commit together are all visible once their callers hear so,
/// to readers on other connections too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_concurrent_write_is_visible() {
    let store = fresh_store().await;
    let t = "2024-01-01T00:00:00.000Z";
    let mut tasks = Vec::new();
    for i in 0..100 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let id = format!("c{i:03}");
            let effects = Effects {
                events: vec![event(&id)],
                bump: vec!["shared".into()],
                ..Effects::none()
            };
            store
                .insert_document(&doc("t1", &id, t), &effects)
                .await
                .expect("insert");
            // Acknowledged means committed: readable at once.
            assert!(
                store
                    .get_document("t1", "thing", &id)
                    .await
                    .expect("get")
                    .is_some(),
                "{id} not visible after its insert answered"
            );
            let counted = store.bump_counter("acks").await.expect("bump");
            assert!(counted >= 1);
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let all = DocumentQuery {
        tenant: "t1".into(),
        kind: "thing".into(),
        ..DocumentQuery::default()
    };
    assert_eq!(store.count_documents(&all).await.expect("count"), 100);
    assert_eq!(store.read_counter("shared").await.expect("read"), 100);
    assert_eq!(store.read_counter("acks").await.expect("read"), 100);
    let events = store.outbox_after(0, 1000).await.expect("outbox");
    assert_eq!(events.len(), 100);
    // Sequence numbers are unique and increasing in outbox order.
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
}
