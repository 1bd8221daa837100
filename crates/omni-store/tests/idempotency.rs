//! The idempotency records' contract, on whichever backend OMNI_TEST_BACKEND names.

use omni_store::testing::fresh_store;
use omni_store::{IdempotencyReservation, IdempotencyScope, Reservation, StoredResponse};
use std::collections::HashSet;

fn scope(key: &str) -> IdempotencyScope {
    IdempotencyScope {
        tenant: "t1".into(),
        principal: "user:agent".into(),
        key: key.into(),
    }
}

/// A reservation at minute `now` (of one hour), leased for `lease` minutes,
/// expiring at minute 50.
fn reservation(
    key: &str,
    fingerprint: &str,
    owner: &str,
    now: u32,
    lease: u32,
) -> IdempotencyReservation {
    let at = |m: u32| format!("2024-01-01T10:{m:02}:00.000Z");
    IdempotencyReservation {
        scope: scope(key),
        fingerprint: fingerprint.into(),
        owner: owner.into(),
        now: at(now),
        lease_until: at(now + lease),
        expires_at: at(50),
    }
}

fn response(body: &str) -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("location".into(), "/x/1".into()),
        ],
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test]
async fn the_first_reservation_wins_and_others_see_its_response() {
    let store = fresh_store().await;
    let first = store
        .reserve_idempotency(&reservation("k", "f1", "a", 0, 5))
        .await
        .expect("reserve");
    assert_eq!(first, Reservation::Reserved);
    // A second attempt sees the running record, whatever it asks.
    for fingerprint in ["f1", "f2"] {
        let second = store
            .reserve_idempotency(&reservation("k", fingerprint, "b", 1, 5))
            .await
            .expect("reserve");
        let Reservation::Existing(record) = second else {
            panic!("the key is taken: {second:?}");
        };
        assert_eq!(
            (record.owner.as_str(), record.fingerprint.as_str()),
            ("a", "f1")
        );
        assert_eq!(record.response, None);
    }
    // Only the owner finishes it.
    assert!(
        !store
            .finish_idempotency(&scope("k"), "b", &response("{}"))
            .await
            .expect("finish")
    );
    assert!(
        store
            .finish_idempotency(&scope("k"), "a", &response("{\"id\":1}"))
            .await
            .expect("finish")
    );
    let again = store
        .reserve_idempotency(&reservation("k", "f1", "c", 2, 5))
        .await
        .expect("reserve");
    let Reservation::Existing(record) = again else {
        panic!("finished key: {again:?}");
    };
    assert_eq!(record.response, Some(response("{\"id\":1}")));
    let read = store.get_idempotency(&scope("k")).await.expect("get");
    assert_eq!(read, Some(record));
    // Another principal's key of the same name is another key.
    let mut other = reservation("k", "f1", "d", 2, 5);
    other.scope.principal = "user:someone-else".into();
    assert_eq!(
        store.reserve_idempotency(&other).await.expect("reserve"),
        Reservation::Reserved
    );
}

#[tokio::test]
async fn a_released_key_runs_again() {
    let store = fresh_store().await;
    let r = reservation("k", "f1", "a", 0, 5);
    assert_eq!(
        store.reserve_idempotency(&r).await.expect("reserve"),
        Reservation::Reserved
    );
    assert!(
        !store
            .release_idempotency(&scope("k"), "b")
            .await
            .expect("release")
    );
    assert!(
        store
            .release_idempotency(&scope("k"), "a")
            .await
            .expect("release")
    );
    assert_eq!(store.get_idempotency(&scope("k")).await.expect("get"), None);
    let retry = reservation("k", "f1", "b", 1, 5);
    assert_eq!(
        store.reserve_idempotency(&retry).await.expect("reserve"),
        Reservation::Reserved
    );
    // A finished key is never released.
    assert!(
        store
            .finish_idempotency(&scope("k"), "b", &response("{}"))
            .await
            .expect("finish")
    );
    assert!(
        !store
            .release_idempotency(&scope("k"), "b")
            .await
            .expect("release")
    );
}

#[tokio::test]
async fn a_lapsed_lease_is_taken_over_only_by_the_same_request() {
    let store = fresh_store().await;
    let r = reservation("k", "f1", "a", 0, 5);
    assert_eq!(
        store.reserve_idempotency(&r).await.expect("reserve"),
        Reservation::Reserved
    );
    // At minute 6 the lease (until 5) has passed: a different request is
    // still refused, the same one takes over.
    let different = store
        .reserve_idempotency(&reservation("k", "f2", "b", 6, 5))
        .await
        .expect("reserve");
    assert!(
        matches!(different, Reservation::Existing(ref x) if x.owner == "a"),
        "{different:?}"
    );
    let same = store
        .reserve_idempotency(&reservation("k", "f1", "c", 6, 5))
        .await
        .expect("reserve");
    assert_eq!(same, Reservation::Reserved);
    // The old attempt can no longer finish it.
    assert!(
        !store
            .finish_idempotency(&scope("k"), "a", &response("{}"))
            .await
            .expect("finish")
    );
    assert!(
        store
            .finish_idempotency(&scope("k"), "c", &response("{}"))
            .await
            .expect("finish")
    );
}

#[tokio::test]
async fn an_expired_key_is_not_honoured_and_is_swept() {
    let store = fresh_store().await;
    let r = reservation("k", "f1", "a", 0, 5);
    assert_eq!(
        store.reserve_idempotency(&r).await.expect("reserve"),
        Reservation::Reserved
    );
    assert!(
        store
            .finish_idempotency(&scope("k"), "a", &response("{}"))
            .await
            .expect("finish")
    );
    // Minute 50 is the expiry: from then on even a different request gets the key.
    let later = reservation("k", "f2", "b", 50, 5);
    assert_eq!(
        store.reserve_idempotency(&later).await.expect("reserve"),
        Reservation::Reserved
    );
    let read = store
        .get_idempotency(&scope("k"))
        .await
        .expect("get")
        .expect("record");
    assert_eq!((read.fingerprint.as_str(), read.response), ("f2", None));

    // The sweep removes expired records only, `limit` at a time.
    for key in ["x1", "x2", "x3"] {
        let r = reservation(key, "f", "a", 0, 5);
        store.reserve_idempotency(&r).await.expect("reserve");
    }
    let mut fresh = reservation("y", "f", "a", 0, 5);
    fresh.expires_at = "2024-01-02T00:00:00.000Z".into();
    store.reserve_idempotency(&fresh).await.expect("reserve");
    let now = "2024-01-01T11:00:00.000Z";
    assert_eq!(
        store
            .delete_expired_idempotency(now, 2)
            .await
            .expect("sweep"),
        2
    );
    // "k" and the x's expired at minute 50; the second sweep takes the other two.
    assert_eq!(
        store
            .delete_expired_idempotency(now, 10)
            .await
            .expect("sweep"),
        2
    );
    assert_eq!(
        store
            .delete_expired_idempotency(now, 10)
            .await
            .expect("sweep"),
        0
    );
    assert!(
        store
            .get_idempotency(&scope("y"))
            .await
            .expect("get")
            .is_some()
    );
    assert!(
        store
            .get_idempotency(&scope("x1"))
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reservations_have_one_winner() {
    let store = fresh_store().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let r = reservation("race", "f1", &format!("owner-{i}"), 0, 5);
            store.reserve_idempotency(&r).await.expect("reserve")
        }));
    }
    let mut winners = 0;
    let mut owners = HashSet::new();
    for t in tasks {
        match t.await.expect("task") {
            Reservation::Reserved => winners += 1,
            Reservation::Existing(record) => {
                owners.insert(record.owner);
            }
        }
    }
    assert_eq!(winners, 1);
    assert_eq!(
        owners.len(),
        1,
        "every loser saw the one winner: {owners:?}"
    );
}
