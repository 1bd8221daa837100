//! What every handler and middleware reaches: the application context (the
//! use cases' store, caches, clock and settings), token verification, the
//! HTTP layer's own settings and its metrics.

use crate::auth::Auth;
use crate::metrics::Metrics;
use omni_app::{AppConfig, Context};
use omni_store::Store;
use std::sync::Arc;

/// Settings of the HTTP layer, from the binary's configuration.
#[derive(Debug, Clone, Default)]
pub struct ApiConfig {
    /// The application layer's settings (public URL, list sizes, webhooks,
    /// job retries).
    pub app: AppConfig,
    /// Rate, size, concurrency and time limits of every request.
    pub limits: crate::limits::Limits,
    /// How `Idempotency-Key`s are kept.
    pub idempotency: crate::idempotency::IdempotencyConfig,
    /// CORS origins and the metrics token.
    pub http: crate::hygiene::HttpConfig,
}

#[derive(Clone)]
pub struct AppState {
    /// What the use cases run with.
    pub ctx: Context,
    pub auth: Arc<Auth>,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, auth: Auth, config: ApiConfig) -> Self {
        Self::with_context(Context::new(store, config.app.clone()), auth, config)
    }

    /// On a context made elsewhere (a test's clock, a worker's context).
    pub fn with_context(ctx: Context, auth: Auth, config: ApiConfig) -> Self {
        Self {
            ctx,
            auth: Arc::new(auth),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }
}
