//! What workers that process jobs in batches rely on: reading many
//! documents in one query, and a write that also ends the job it did, or
//! fails whole when the job's lease was lost.

use omni_store::testing::fresh_store;
use omni_store::{
    Document, DocumentWrite, Effects, JobClaim, JobDone, JobStatus, NewEvent, NewJob, StoreError,
};
use serde_json::json;

const T0: &str = "2024-01-01T00:00:00.000Z";

fn doc(tenant: &str, kind: &str, id: &str) -> Document {
    Document {
        tenant: tenant.into(),
        kind: kind.into(),
        id: id.into(),
        version: 1,
        owner: None,
        state: None,
        created_at: T0.into(),
        updated_at: T0.into(),
        body: json!({"id": id}),
    }
}

#[tokio::test]
async fn many_documents_are_read_at_once() {
    let store = fresh_store().await;
    let docs: Vec<Document> = (0..300)
        .map(|i| doc("t1", "thing", &format!("d{i:03}")))
        .chain([doc("t2", "thing", "d001"), doc("t1", "other", "d002")])
        .collect();
    store.put_documents(&docs).await.expect("put");

    // Lengths that are and are not powers of two, over the chunk size,
    // with a repeated id and ids that name nothing.
    for n in [1usize, 3, 8, 257, 300] {
        let mut ids: Vec<String> = (0..n).map(|i| format!("d{i:03}")).collect();
        ids.push("d000".into());
        ids.push("missing".into());
        let mut got = store
            .get_documents("t1", "thing", &ids)
            .await
            .expect("get many");
        got.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(got.len(), n, "{n} ids, each once");
        assert!(got.iter().zip(&docs[..n]).all(|(g, w)| g == w), "{n} ids");
    }
    assert!(
        store
            .get_documents("t1", "thing", &[])
            .await
            .expect("none")
            .is_empty()
    );
}

fn event(id: &str) -> NewEvent {
    NewEvent {
        event_id: format!("ev-{id}-{}", uuid::Uuid::new_v4()),
        tenant: "t1".into(),
        event_type: "ThingChangeEvent".into(),
        resource_kind: "thing".into(),
        resource_id: id.into(),
        occurred_at: T0.into(),
        payload: json!({"id": id}),
    }
}

async fn claim(store: &dyn omni_store::Store, worker: &str, now: &str, until: &str) -> usize {
    store
        .claim_jobs(&JobClaim {
            kind: "work".into(),
            worker: worker.into(),
            now: now.into(),
            lease_until: until.into(),
            max: 10,
        })
        .await
        .expect("claim")
        .len()
}

#[tokio::test]
async fn a_write_ends_its_job_or_fails_whole_when_the_lease_was_lost() {
    let store = fresh_store().await;
    store
        .put_documents(&[doc("t1", "thing", "a")])
        .await
        .expect("put");
    for id in ["j1", "j2"] {
        store
            .enqueue_job(&NewJob {
                id: id.into(),
                tenant: "t1".into(),
                kind: "work".into(),
                payload: json!({}),
                run_at: T0.into(),
                now: T0.into(),
            })
            .await
            .expect("enqueue");
    }
    let leases_end = "2024-01-01T00:00:30.000Z";
    assert_eq!(claim(store.as_ref(), "w1", T0, leases_end).await, 2);
    let write = |version: i64, job: &str, worker: &str| {
        let mut d = doc("t1", "thing", "a");
        d.version = version;
        d.body = json!({"id": "a", "by": job});
        (
            vec![DocumentWrite::Update(d)],
            Effects {
                events: vec![event("a")],
                finish_jobs: vec![JobDone::done(job, worker, T0)],
                ..Effects::none()
            },
        )
    };

    // Held: the document, its event and the job's end commit together.
    let (writes, effects) = write(2, "j1", "w1");
    store
        .write_documents(&writes, &effects)
        .await
        .expect("write and finish");
    let j1 = store.get_job("j1").await.expect("get").expect("j1");
    assert_eq!(j1.status, JobStatus::Done);
    assert_eq!(j1.lease_owner, None);

    // Lost: w1's lease on j2 ran out and w2 claimed it; w1's write stores nothing.
    let later = "2024-01-01T00:01:00.000Z";
    assert_eq!(
        claim(store.as_ref(), "w2", later, "2024-01-01T00:01:30.000Z").await,
        1
    );
    let events_before = store.outbox_after(0, 100).await.expect("outbox").len();
    let (writes, effects) = write(3, "j2", "w1");
    let lost = store.write_documents(&writes, &effects).await;
    assert!(
        matches!(&lost, Err(StoreError::LeaseLost { id }) if id == "j2"),
        "{lost:?}"
    );
    let a = store
        .get_document("t1", "thing", "a")
        .await
        .expect("get")
        .expect("a");
    assert_eq!((a.version, &a.body["by"]), (2, &json!("j1")));
    assert_eq!(
        store.outbox_after(0, 100).await.expect("outbox").len(),
        events_before
    );
    let j2 = store.get_job("j2").await.expect("get").expect("j2");
    assert_eq!(
        (j2.status, j2.lease_owner.as_deref()),
        (JobStatus::Pending, Some("w2"))
    );

    // The worker holding the lease can.
    let (writes, effects) = write(3, "j2", "w2");
    store
        .write_documents(&writes, &effects)
        .await
        .expect("w2 writes");
    assert_eq!(
        store.get_job("j2").await.expect("get").expect("j2").status,
        JobStatus::Done
    );
}
