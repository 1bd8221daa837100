//! Read-mostly data every node keeps in memory and refreshes when its
//! tenant's version counter moves (bumped in the transaction of every write
//! to it): the discovery index of each tenant's catalog, the catalog facts
//! care orders are checked against, promotions and cart rule sets. Requests
//! read them without touching the database; a background task on every node
//! polls the counters ([`Caches::refresh`]), so a write on any node reaches
//! every node's caches within one poll.

mod care_catalog;
mod catalog_events;
mod documents;
mod indexes;

pub use care_catalog::CareCatalogCache;
pub use documents::DocumentCache;
pub use indexes::{CatalogIndexes, set_memory_release};

use omni_core::promotion::Promotion;
use omni_core::rules::RuleSet;
use omni_store::{Store, StoreError};
use std::time::Duration;

/// How often every node checks for changes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

pub struct Caches {
    /// Each tenant's discovery index (carts, orders and qualification read
    /// offerings and prices from it too).
    pub catalog: CatalogIndexes,
    /// Each tenant's offerings as care orders check them.
    pub care_catalog: CareCatalogCache,
    /// Each tenant's promotions (TMF671), applied to carts and orders.
    pub promotions: DocumentCache<Promotion>,
    /// Each tenant's cart validation rule sets.
    pub rule_sets: DocumentCache<RuleSet>,
    /// Product orders completed in each past minute, by tenant and the
    /// minute's start (`operations::completed_per_minute`): a minute that
    /// has passed does not change, so it is counted once, not at every
    /// refresh of the operations dashboard.
    pub completed_minutes:
        std::sync::Mutex<std::collections::HashMap<(String, chrono::DateTime<chrono::Utc>), u64>>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            catalog: CatalogIndexes::default(),
            care_catalog: CareCatalogCache::default(),
            promotions: DocumentCache::new(
                crate::promotion::VERSION_COUNTER,
                "promotion",
                crate::promotion::parse_stored,
            ),
            rule_sets: DocumentCache::new(
                crate::rules::VERSION_COUNTER,
                omni_core::rules::RULE_SET_KIND,
                crate::rules::parse_stored,
            ),
            completed_minutes: std::sync::Mutex::default(),
        }
    }
}

impl Caches {
    /// Reloads whatever changed since the last call; the first call loads
    /// everything (before a server starts serving).
    pub async fn refresh(
        &self,
        store: &dyn Store,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        self.catalog.refresh(store, now).await?;
        self.promotions.refresh(store).await?;
        self.rule_sets.refresh(store).await?;
        Ok(())
    }
}
