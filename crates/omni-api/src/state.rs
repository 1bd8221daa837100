use crate::auth::Auth;
use crate::cache::DocumentCache;
use crate::discovery::CatalogIndexes;
use crate::metrics::Metrics;
use crate::webhook::WebhookConfig;
use omni_core::promotion::Promotion;
use omni_core::rules::RuleSet;
use omni_store::Store;
use std::sync::Arc;

/// Settings the HTTP layer needs, from the binary's configuration.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Base of every `href`, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Page size when a list request names no `limit`.
    pub default_limit: usize,
    /// Largest page a list returns, whatever `limit` asks for.
    pub max_limit: usize,
    /// Rate, size, concurrency and time limits of every request.
    pub limits: crate::limits::Limits,
    /// How `Idempotency-Key`s are kept.
    pub idempotency: crate::idempotency::IdempotencyConfig,
    /// Delivery of events to subscribers' callbacks.
    pub webhooks: WebhookConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            default_limit: 100,
            max_limit: 1000,
            limits: crate::limits::Limits::default(),
            idempotency: crate::idempotency::IdempotencyConfig::default(),
            webhooks: WebhookConfig::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: Arc<Auth>,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<Metrics>,
    /// Each tenant's discovery index; refreshed by [`CatalogIndexes::run`].
    pub catalog: Arc<CatalogIndexes>,
    /// Each tenant's promotions (TMF671), applied to carts.
    pub promotions: Arc<DocumentCache<Promotion>>,
    /// Each tenant's cart validation rule sets.
    pub rule_sets: Arc<DocumentCache<RuleSet>>,
    /// Wake-ups for this node's workers.
    pub job_signals: Arc<crate::workers::JobSignals>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, auth: Auth, config: ApiConfig) -> Self {
        Self {
            store,
            auth: Arc::new(auth),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            catalog: Arc::new(CatalogIndexes::default()),
            promotions: Arc::new(DocumentCache::new("promotion", "promotion", |doc| {
                Promotion::from_document(doc).ok()
            })),
            rule_sets: Arc::new(DocumentCache::new("rules", "validationRuleSet", |doc| {
                RuleSet::from_document(doc).ok()
            })),
            job_signals: Arc::default(),
        }
    }
}
