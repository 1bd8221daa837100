//! Each tenant's discovery index, kept in memory and brought up to date when
//! the tenant's catalog version moves. Every node polls the version
//! counters, so a catalog write on any node reaches every node's index.
//!
//! How an index follows the catalog (issue 17: a million offers):
//! 1. At start-up, after a bulk load (`omni load` bumps `catalogLoad`), after
//!    a category change, or once the changes since the last build pass
//!    [`CHANGED_LIMIT`], the index is built in full from the documents.
//! 2. Otherwise the catalog's own events tell what changed: the tenant's
//!    slice of the event stream (offerings, prices, categories) after the
//!    position the index has read. The changed offerings, those that depend
//!    on a changed price or part, and the prices they name are read by id
//!    and folded into the index's small layer of changes
//!    ([`CatalogIndex::with_changes`]); the large base layer is shared, not
//!    copied. The cost is the size of the change, not of the catalog.

use super::catalog_events::{self, PRICE_KIND, by_id};
use crate::catalog::{LOAD_COUNTER, OFFERING_KIND, PLACE_KIND, VERSION_COUNTER};
use chrono::{DateTime, Utc};
use omni_core::discovery::{CatalogChanges, CatalogIndex, IndexBuilder};
use omni_store::{DocumentQuery, Store, StoreError};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

/// Offerings changed since the last full build past which the next change
/// builds in full: every change rebuilds the layer of changes, so its cost
/// grows with it.
pub const CHANGED_LIMIT: usize = 5_000;

/// A tenant's index and how far it has read.
#[derive(Clone)]
struct Entry {
    index: Arc<CatalogIndex>,
    /// The stream position of the last catalog event folded in.
    position: i64,
    /// The tenant's bulk-load counter when the index was built in full.
    loads: i64,
}

#[derive(Default)]
pub struct CatalogIndexes {
    by_tenant: RwLock<HashMap<String, Entry>>,
    empty: Arc<CatalogIndex>,
}

impl CatalogIndexes {
    /// The tenant's current index; an empty one for a tenant with no catalog.
    pub fn get(&self, tenant: &str) -> Arc<CatalogIndex> {
        self.entry(tenant)
            .map_or_else(|| self.empty.clone(), |e| e.index)
    }

    fn entry(&self, tenant: &str) -> Option<Entry> {
        let map = self.by_tenant.read().unwrap_or_else(|p| p.into_inner());
        map.get(tenant).cloned()
    }

    fn put(&self, tenant: &str, entry: Entry) {
        let mut map = self.by_tenant.write().unwrap_or_else(|p| p.into_inner());
        map.insert(tenant.to_string(), entry);
    }

    /// Brings up to date the index of every tenant whose catalog version
    /// moved; returns the tenants updated.
    pub async fn refresh(
        &self,
        store: &dyn Store,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{VERSION_COUNTER}:");
        let mut updated = Vec::new();
        for (name, version) in store.counters_with_prefix(&prefix).await? {
            let tenant = &name[prefix.len()..];
            let current = self.entry(tenant);
            if current.as_ref().map(|e| e.index.version) == Some(version) {
                continue;
            }
            // The counters are read before the events and documents: a write
            // that lands meanwhile bumps the version again, and the next poll
            // reads it.
            let loads = store
                .read_counter(&format!("{LOAD_COUNTER}:{tenant}"))
                .await?;
            let started = std::time::Instant::now();
            let folded = match current {
                Some(entry) if entry.loads == loads => {
                    fold(store, tenant, entry, version, now).await?
                }
                _ => None,
            };
            let full = folded.is_none();
            let entry = match folded {
                Some(entry) => entry,
                None => {
                    // The stream's head before the documents: the changes
                    // after it are folded in at the next poll.
                    let position = store.outbox_stream_head().await?;
                    let index = Arc::new(build(store, tenant, version, now).await?);
                    Entry {
                        index,
                        position,
                        loads,
                    }
                }
            };
            tracing::info!(
                tenant,
                version,
                offerings = entry.index.len(),
                changed = entry.index.changed(),
                ms = started.elapsed().as_millis() as u64,
                "discovery index {}",
                if full {
                    "built in full"
                } else {
                    "changes folded in"
                }
            );
            self.put(tenant, entry);
            if full {
                release_free_memory();
            }
            updated.push(tenant.to_string());
        }
        Ok(updated)
    }
}

/// Folds the tenant's catalog events after `entry.position` into its index;
/// `None` when they call for a full build (a category changed, or too many
/// offerings did).
async fn fold(
    store: &dyn Store,
    tenant: &str,
    entry: Entry,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Option<Entry>, StoreError> {
    let room = CHANGED_LIMIT.saturating_sub(entry.index.changed());
    let Some(events) = catalog_events::since(store, tenant, entry.position, room).await? else {
        return Ok(None);
    };
    if events.categories {
        return Ok(None);
    }
    let offerings: Vec<String> = events.offerings.into_iter().collect();
    let prices: Vec<String> = events.prices.into_iter().collect();
    let mut affected: BTreeSet<String> = entry
        .index
        .dependents(&offerings, &prices)
        .into_iter()
        .collect();
    affected.extend(offerings);
    if affected.len() > room {
        return Ok(None);
    }
    let affected: Vec<String> = affected.into_iter().collect();
    let mut found = by_id(store, tenant, OFFERING_KIND, &affected).await?;
    let mut named: BTreeSet<String> = prices.iter().cloned().collect();
    for doc in found.values() {
        if let Some(Value::Array(refs)) = doc.get("productOfferingPrice") {
            named.extend(
                refs.iter()
                    .filter_map(|r| Some(r.get("id")?.as_str()?.to_string())),
            );
        }
    }
    let named: Vec<String> = named.into_iter().collect();
    let price_docs = by_id(store, tenant, PRICE_KIND, &named).await?;
    let changes = CatalogChanges {
        version,
        offerings: affected
            .iter()
            .map(|id| (id.clone(), found.remove(id)))
            .collect(),
        removed_prices: prices
            .into_iter()
            .filter(|id| !price_docs.contains_key(id))
            .collect(),
        prices: price_docs.into_values().collect(),
    };
    let index = entry.index.clone();
    let index = tokio::task::spawn_blocking(move || index.with_changes(changes, now))
        .await
        .map_err(|e| StoreError::Corrupt(format!("index update failed: {e}")))?;
    Ok(Some(Entry {
        index: Arc::new(index),
        position: events.position,
        loads: entry.loads,
    }))
}

/// Large collections are read a page at a time, the next page fetched while
/// the current one is parsed, so a big catalog never sits in memory twice.
const PAGE: i64 = 5000;

async fn build(
    store: &dyn Store,
    tenant: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<CatalogIndex, StoreError> {
    let mut builder = IndexBuilder::new(now);
    let all = |kind: &str| DocumentQuery {
        tenant: tenant.to_string(),
        kind: kind.to_string(),
        owner: None,
        page: None,
    };
    let bodies =
        |docs: Vec<omni_store::Document>| docs.into_iter().map(|d| d.body).collect::<Vec<_>>();
    builder.add_categories(&bodies(store.list_documents(&all("category")).await?));
    builder.add_places(&bodies(store.list_documents(&all(PLACE_KIND)).await?));
    for (kind, prices) in [("productOfferingPrice", true), ("productOffering", false)] {
        let mut page = store.document_bodies(tenant, kind, None, PAGE).await?;
        while !page.is_empty() {
            let full = page.len() as i64 == PAGE;
            let last = page.last().map(|r| (r.created_at.clone(), r.id.clone()));
            let texts: Vec<String> = page.into_iter().map(|r| r.body).collect();
            let work = tokio::task::spawn_blocking(move || {
                if prices {
                    builder.add_price_texts(&texts);
                } else {
                    builder.add_offering_texts(&texts);
                }
                builder
            });
            let next = async {
                match (&last, full) {
                    (Some(after), true) => {
                        store.document_bodies(tenant, kind, Some(after), PAGE).await
                    }
                    _ => Ok(Vec::new()),
                }
            };
            let (done, next) = tokio::join!(work, next);
            builder = done.map_err(|e| StoreError::Corrupt(format!("index build failed: {e}")))?;
            page = next?;
        }
    }
    let index = tokio::task::spawn_blocking(move || builder.finish(version))
        .await
        .map_err(|e| StoreError::Corrupt(format!("index build failed: {e}")))?;
    Ok(index)
}

/// How the process returns its allocator's free pages to the kernel, set
/// once by the binary, which chose the allocator (`omni` uses mimalloc, for
/// which glibc's `malloc_trim` below does nothing).
static RELEASE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what [`release_free_memory`] calls; the first call wins.
pub fn set_memory_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// A full build parses every document; an allocator keeps the freed memory
/// mapped unless asked, which would leave the process holding the build's
/// peak for a long while.
fn release_free_memory() {
    if let Some(release) = RELEASE.get() {
        release();
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the kernel; it
    // touches no memory the program still owns.
    unsafe {
        libc::malloc_trim(0);
    }
}
