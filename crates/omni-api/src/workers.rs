//! The background work every node runs: `omni_app::workers` (caches, cart
//! expiry, idempotency sweep, job workers) and what has not moved there
//! yet. All of it stops when `shutdown` turns true.

use crate::state::AppState;
use omni_store::Store;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// `_store` is the context's store; the parameter stays until the care
/// worker moves to `omni_app::workers` too.
pub fn spawn(
    state: &AppState,
    _store: Arc<dyn Store>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = omni_app::workers::spawn(&state.ctx, shutdown.clone());
    tasks.extend([tokio::spawn(crate::care::worker::run(
        state.clone(),
        shutdown.clone(),
    ))]);
    tasks
}

/// The loop of a job worker: run `step` (claim and process what is due)
/// until it finds nothing, then wait for `signal`, `idle` or shutdown.
pub async fn poll_jobs<F, Fut>(
    what: &str,
    idle: std::time::Duration,
    signal: &tokio::sync::Notify,
    mut shutdown: watch::Receiver<bool>,
    mut step: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize, omni_store::StoreError>>,
{
    loop {
        if *shutdown.borrow() {
            return;
        }
        let busy = match step().await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "claiming {what} jobs failed");
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = signal.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Loads everything the workers keep in memory once, before serving.
pub async fn warm_up(state: &AppState, _store: &dyn Store) -> Result<(), omni_store::StoreError> {
    omni_app::workers::warm_up(&state.ctx).await
}
