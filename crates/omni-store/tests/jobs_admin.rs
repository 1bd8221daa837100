//! What the job runner and its operators rely on: a claim that ends "later"
//! does not count as an attempt, a write can end its job as failed together
//! with the failure it records, failed jobs are listed and counted, and an
//! operator's retry makes a failed job due again with its attempts reset.
//! Also: one write that inserts a document under a new key and deletes the
//! old one (a line moving to a new number) is atomic.

use omni_store::testing::fresh_store;
use omni_store::{
    Document, DocumentWrite, Effects, JobClaim, JobDone, JobOutcome, JobQuery, JobStatus, NewJob,
    StoreError,
};
use serde_json::json;

const T0: &str = "2024-01-01T00:00:00.000Z";
const T1: &str = "2024-01-01T00:01:00.000Z";
const T2: &str = "2024-01-01T00:02:00.000Z";

fn job(id: &str, tenant: &str, kind: &str) -> NewJob {
    NewJob {
        id: id.into(),
        tenant: tenant.into(),
        kind: kind.into(),
        payload: json!({"n": id}),
        run_at: T0.into(),
        now: T0.into(),
    }
}

fn claim(kind: &str, now: &str) -> JobClaim {
    JobClaim {
        kind: kind.into(),
        worker: "w".into(),
        now: now.into(),
        lease_until: "2024-01-01T01:00:00.000Z".into(),
        max: 10,
    }
}

fn doc(id: &str, version: i64) -> Document {
    Document {
        tenant: "t".into(),
        kind: "line".into(),
        id: id.into(),
        version,
        owner: None,
        state: None,
        created_at: T0.into(),
        updated_at: T0.into(),
        body: json!({"id": id}),
    }
}

#[tokio::test]
async fn a_later_outcome_does_not_count_as_an_attempt() {
    let store = fresh_store().await;
    store
        .enqueue_job(&job("j1", "t", "k"))
        .await
        .expect("enqueue");
    let claimed = store.claim_jobs(&claim("k", T0)).await.expect("claim");
    assert_eq!(claimed[0].attempts, 1);
    let later = JobOutcome::Later {
        now: T0.into(),
        run_at: T1.into(),
        note: "waiting".into(),
    };
    assert!(store.finish_job("j1", "w", &later).await.expect("later"));
    let j = store.get_job("j1").await.expect("get").expect("job");
    assert_eq!(
        (j.attempts, j.status, j.run_at.as_str()),
        (0, JobStatus::Pending, T1)
    );
    assert_eq!(j.last_error.as_deref(), Some("waiting"));
    // Not due before T1; a retry does count.
    assert!(
        store
            .claim_jobs(&claim("k", T0))
            .await
            .expect("claim")
            .is_empty()
    );
    store.claim_jobs(&claim("k", T1)).await.expect("claim");
    let retry = JobOutcome::Retry {
        now: T1.into(),
        run_at: T1.into(),
        error: "boom".into(),
    };
    assert!(store.finish_job("j1", "w", &retry).await.expect("retry"));
    assert_eq!(
        store
            .get_job("j1")
            .await
            .expect("get")
            .expect("job")
            .attempts,
        1
    );
}

#[tokio::test]
async fn failed_jobs_are_listed_counted_and_retried() {
    let store = fresh_store().await;
    for (id, tenant) in [("a", "t"), ("b", "t"), ("c", "other")] {
        store
            .enqueue_job(&job(id, tenant, "k"))
            .await
            .expect("enqueue");
    }
    store
        .enqueue_job(&job("d", "t", "k2"))
        .await
        .expect("enqueue");
    store.claim_jobs(&claim("k", T0)).await.expect("claim");
    // "a" fails in a write that records the failure on its document.
    let effects = Effects {
        finish_jobs: vec![JobDone {
            failed: Some("the line is gone".into()),
            ..JobDone::done("a", "w", T1)
        }],
        ..Effects::none()
    };
    store
        .write_documents(&[DocumentWrite::Insert(doc("x", 1))], &effects)
        .await
        .expect("fail with its record");
    let fail = JobOutcome::Failed {
        now: T2.into(),
        error: "corrupt".into(),
    };
    assert!(store.finish_job("c", "w", &fail).await.expect("fail"));

    let failed = |tenant: Option<&str>| JobQuery {
        tenant: tenant.map(str::to_string),
        status: Some(JobStatus::Failed),
        limit: 10,
        ..JobQuery::default()
    };
    let mine = store.list_jobs(&failed(Some("t"))).await.expect("list");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, "a");
    assert_eq!(mine[0].last_error.as_deref(), Some("the line is gone"));
    let all = store.list_jobs(&failed(None)).await.expect("list");
    assert_eq!(
        all.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        ["c", "a"],
        "newest change first"
    );

    let counts = store.count_jobs().await.expect("count");
    let count = |kind: &str, status: JobStatus| {
        counts
            .iter()
            .find(|c| c.kind == kind && c.status == status)
            .map_or(0, |c| c.count)
    };
    assert_eq!(count("k", JobStatus::Failed), 2);
    assert_eq!(count("k", JobStatus::Pending), 1);
    assert_eq!(count("k2", JobStatus::Pending), 1);

    // Another tenant's job, or one that is not failed, is not retried.
    assert!(!store.retry_job(Some("t"), "c", T2).await.expect("retry"));
    assert!(!store.retry_job(Some("t"), "b", T2).await.expect("retry"));
    assert!(store.retry_job(Some("t"), "a", T2).await.expect("retry"));
    let a = store.get_job("a").await.expect("get").expect("job");
    assert_eq!(
        (a.status, a.attempts, a.run_at.as_str()),
        (JobStatus::Pending, 0, T2)
    );
    assert_eq!(
        a.last_error.as_deref(),
        Some("the line is gone"),
        "why it failed stays visible"
    );
    assert!(
        store
            .claim_jobs(&claim("k", T2))
            .await
            .expect("claim")
            .iter()
            .any(|j| j.id == "a")
    );
}

#[tokio::test]
async fn a_move_to_a_new_key_is_one_write() {
    let store = fresh_store().await;
    store.put_documents(&[doc("old", 1)]).await.expect("put");
    let old = store
        .get_document("t", "line", "old")
        .await
        .expect("get")
        .expect("doc");
    let moved = DocumentWrite::Insert(doc("new", 1));
    // A stale version of the old key fails the whole write: nothing moves.
    let stale = DocumentWrite::Delete {
        key: old.key(),
        version: old.version + 1,
    };
    let err = store
        .write_documents(&[moved.clone(), stale], &Effects::none())
        .await
        .expect_err("stale delete");
    assert!(matches!(err, StoreError::VersionConflict { .. }), "{err:?}");
    assert!(
        store
            .get_document("t", "line", "new")
            .await
            .expect("get")
            .is_none()
    );

    let delete = DocumentWrite::Delete {
        key: old.key(),
        version: old.version,
    };
    store
        .write_documents(&[moved, delete], &Effects::none())
        .await
        .expect("move");
    assert!(
        store
            .get_document("t", "line", "old")
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        store
            .get_document("t", "line", "new")
            .await
            .expect("get")
            .is_some()
    );
}
