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
