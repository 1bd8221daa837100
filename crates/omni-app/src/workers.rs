//! Everything a node runs in the background, on the context rather than on
//! any HTTP state: the job workers (one [`JobHandler`] each, all on the
//! shared runner of [`crate::jobs`]) and the periodic tasks (cache refresh,
//! sweeps), which share one loop ([`every`]). All of it stops when
//! `shutdown` turns true.

use crate::caches::POLL_INTERVAL;
use crate::context::{AppConfig, Context};
use crate::jobs::{self, JobHandler};
use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The handler of every job kind (for the workers, and for operators'
/// retries, which let the handler take back a recorded failure), as the
/// settings make them (a delivery's timeout sets the delivery worker's lease).
pub fn handlers(config: &AppConfig) -> Vec<Arc<dyn JobHandler>> {
    let mut handlers: Vec<Arc<dyn JobHandler>> = vec![
        Arc::new(crate::order::worker::OrderWorker),
        Arc::new(crate::webhook::EventDelivery::new(&config.webhooks)),
        Arc::new(crate::care::worker::CareWorker::default()),
    ];
    if let Some(stream) = &config.event_stream {
        handlers.push(Arc::new(crate::event_stream::EventPublisher::new(stream)));
    }
    handlers
}

/// Starts every background task of a node.
pub fn spawn(ctx: &Context, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    let refresher = ctx.clone();
    tasks.push(tokio::spawn(every(
        "cache refresh",
        POLL_INTERVAL,
        shutdown.clone(),
        move || {
            let ctx = refresher.clone();
            async move { ctx.caches.refresh(ctx.store(), ctx.now()).await }
        },
    )));
    tasks.push(tokio::spawn(crate::cart::expiry_task(
        ctx.clone(),
        shutdown.clone(),
    )));
    let sweeper = ctx.clone();
    tasks.push(tokio::spawn(every(
        "idempotency sweep",
        crate::idempotency::SWEEP_INTERVAL,
        shutdown.clone(),
        move || {
            let ctx = sweeper.clone();
            async move { crate::idempotency::sweep(&ctx).await.map(drop) }
        },
    )));
    for handler in handlers(&ctx.config) {
        tasks.push(tokio::spawn(jobs::run_worker(
            ctx.clone(),
            handler,
            shutdown.clone(),
        )));
    }
    tasks
}

/// Loads everything the node keeps in memory, before it serves.
pub async fn warm_up(ctx: &Context) -> Result<(), omni_store::StoreError> {
    ctx.caches.refresh(ctx.store(), ctx.now()).await
}

/// Runs `tick` every `interval` until `shutdown` turns true; a failed tick
/// is logged and the next one tries again.
pub async fn every<F, Fut, E>(
    name: &'static str,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
    mut tick: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    loop {
        if *shutdown.borrow() {
            break;
        }
        if let Err(e) = tick().await {
            tracing::warn!(task = name, error = %e, "background task failed; trying again at its next tick");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!(task = name, "background task stopped");
}
