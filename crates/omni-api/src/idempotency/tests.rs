//! The middleware around handlers the black-box tests cannot make fail or
//! stall on purpose: a 5xx releases the key, and an attempt whose request
//! went away still finishes and records its answer.

use super::*;
use crate::auth::Auth;
use crate::state::ApiConfig;
use axum::body::Body;
use axum::http::StatusCode;
use axum::routing::post;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

/// An app with one route, `POST /work`, whose handler is `answer(call)`
/// for its `call`th call (from 1).
async fn app(answers: fn(usize) -> (StatusCode, Duration)) -> (Router, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let store = omni_store::testing::fresh_store().await;
    let state = AppState::new(store, Auth::new(b"s", "default"), ApiConfig::default());
    let route = Router::new().route(
        "/work",
        post(move || {
            let calls = counter.clone();
            async move {
                let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
                let (status, delay) = answers(call);
                tokio::time::sleep(delay).await;
                (status, format!("answer {call}"))
            }
        }),
    );
    (wrap(route, &state).with_state(state), calls)
}

fn request(key: &str) -> Request {
    Request::post("/work")
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .expect("request")
}

async fn call(app: &Router, key: &str) -> (StatusCode, String, bool) {
    let response = app.clone().oneshot(request(key)).await.expect("infallible");
    let status = response.status();
    let replayed = response.headers().contains_key(&REPLAYED);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        replayed,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_releases_the_key_for_a_retry() {
    let (app, calls) = app(|call| match call {
        1 => (StatusCode::SERVICE_UNAVAILABLE, Duration::ZERO),
        _ => (StatusCode::CREATED, Duration::ZERO),
    })
    .await;
    let first = call(&app, "k").await;
    assert_eq!(
        first,
        (StatusCode::SERVICE_UNAVAILABLE, "answer 1".into(), false)
    );
    let retry = call(&app, "k").await;
    assert_eq!(retry, (StatusCode::CREATED, "answer 2".into(), false));
    let replay = call(&app, "k").await;
    assert_eq!(replay, (StatusCode::CREATED, "answer 2".into(), true));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_kept_and_replayed() {
    let (app, calls) = app(|_| (StatusCode::NOT_FOUND, Duration::ZERO)).await;
    assert_eq!(call(&app, "k").await.0, StatusCode::NOT_FOUND);
    let replay = call(&app, "k").await;
    assert_eq!(replay, (StatusCode::NOT_FOUND, "answer 1".into(), true));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_request_still_records_its_answer() {
    let (app, calls) = app(|_| (StatusCode::CREATED, Duration::from_millis(300))).await;
    // The client gives up long before the handler is done.
    let gave_up = tokio::time::timeout(Duration::from_millis(20), call(&app, "k")).await;
    assert!(gave_up.is_err());
    // The retry waits for the first attempt and gets its answer; the work
    // was done once.
    let retry = call(&app, "k").await;
    assert_eq!(retry, (StatusCode::CREATED, "answer 1".into(), true));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_still_running_after_the_wait_is_409_with_retry_after() {
    let calls = Arc::new(AtomicUsize::new(0));
    let store = omni_store::testing::fresh_store().await;
    let config = ApiConfig {
        idempotency: IdempotencyConfig {
            wait: Duration::from_millis(50),
            ..IdempotencyConfig::default()
        },
        ..ApiConfig::default()
    };
    let state = AppState::new(store, Auth::new(b"s", "default"), config);
    let (release, released) = tokio::sync::watch::channel(false);
    let counter = calls.clone();
    let route = Router::new().route(
        "/work",
        post(move || {
            let (calls, mut released) = (counter.clone(), released.clone());
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                // Runs until the test lets it finish.
                let _ = released.wait_for(|r| *r).await;
                StatusCode::CREATED
            }
        }),
    );
    let app = wrap(route, &state).with_state(state);
    let first = tokio::spawn({
        let app = app.clone();
        async move { call(&app, "k").await }
    });
    // Wait until the first attempt holds the key and runs.
    while calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let response = app.clone().oneshot(request("k")).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(response.headers()["retry-after"], "1");
    let _ = release.send(true);
    assert_eq!(first.await.expect("task").0, StatusCode::CREATED);
    assert!(call(&app, "k").await.2, "then the answer is replayed");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
