//! What every use case and worker runs with: the store, the in-memory caches
//! of read-mostly data, the clock, the settings, and the wake-ups of this
//! node's workers. One [`Context`] per process (per test server), cloned
//! cheaply into every request and task; nothing here is process-global, so
//! several servers in one process never share a cache.

use crate::caches::Caches;
use crate::clock::{Clock, SystemClock};
use crate::jobs::JobConfig;
use crate::limits::{LimitedStore, Limits};
use crate::secrets::SecretKeys;
use crate::webhook::WebhookConfig;
use omni_store::Store;
use std::sync::Arc;
use tokio::sync::Notify;

/// Default of [`AppConfig::max_scan`].
pub const MAX_SCAN: usize = 10_000;

/// Settings of the application layer, from the binary's configuration.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Base of every `href`, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Page size when a list request names no `limit`.
    pub default_limit: usize,
    /// Largest page a list returns, whatever `limit` asks for.
    pub max_limit: usize,
    /// Most documents a list filtered or sorted on an attribute that is not
    /// indexed reads into memory (see `crate::tmf::list_documents`); beyond
    /// it such a list is refused with a 400 naming the attribute.
    pub max_scan: usize,
    /// Delivery of events to subscribers' callbacks.
    pub webhooks: WebhookConfig,
    /// How background jobs are retried and when they fail for good.
    pub jobs: JobConfig,
    /// What one request may make: items, characteristics, document size.
    pub limits: Limits,
    /// Keys webhook signing secrets are stored sealed with.
    pub secrets: SecretKeys,
    /// Where every committed event is also published (NATS JetStream);
    /// `None`: nowhere.
    pub event_stream: Option<crate::event_stream::EventStreamConfig>,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            default_limit: 100,
            max_limit: 1000,
            max_scan: MAX_SCAN,
            webhooks: WebhookConfig::default(),
            jobs: JobConfig::default(),
            limits: Limits::default(),
            secrets: SecretKeys::default(),
            event_stream: None,
        }
    }
}

/// Wakes a worker as soon as this node enqueues work for it; without it the
/// worker finds the work at its next poll. Work enqueued by another node is
/// found by polling.
#[derive(Debug, Default)]
pub struct JobSignals {
    /// A partner order was submitted.
    pub orders: Notify,
    /// A care order was accepted.
    pub care: Notify,
}

#[derive(Clone)]
pub struct Context {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<AppConfig>,
    pub caches: Arc<Caches>,
    pub signals: Arc<JobSignals>,
}

impl Context {
    pub fn new(store: Arc<dyn Store>, config: AppConfig) -> Self {
        Self::with_clock(store, config, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Arc<dyn Store>, config: AppConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            // Every write of every family goes through the size check.
            store: LimitedStore::wrap(store, config.limits),
            clock,
            config: Arc::new(config),
            caches: Arc::new(Caches::default()),
            signals: Arc::default(),
        }
    }

    /// Reads the clock: once per request or job run, then passed down.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The store, as the trait object every repository takes.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}
