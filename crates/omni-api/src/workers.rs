//! The background work every node runs: all of it is `omni_app::workers`
//! now (caches, cart expiry, idempotency sweep, the order, care and
//! delivery job workers), on the state's context. All of it stops when
//! `shutdown` turns true.

use crate::state::AppState;
use omni_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub fn spawn(state: &AppState, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    omni_app::workers::spawn(&state.ctx, shutdown)
}

/// Loads everything the workers keep in memory once, before serving.
pub async fn warm_up(state: &AppState, _store: &dyn Store) -> Result<(), omni_store::StoreError> {
    omni_app::workers::warm_up(&state.ctx).await
}
