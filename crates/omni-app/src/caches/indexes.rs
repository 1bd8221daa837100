//! Each tenant's discovery index, kept in memory and swapped whole when the
//! tenant's catalog version changes. Every node polls the version counters,
//! so a catalog write on any node reaches every node's index.

use crate::catalog::{PLACE_KIND, VERSION_COUNTER};
use chrono::{DateTime, Utc};
use omni_core::discovery::{CatalogIndex, IndexBuilder};
use omni_store::{DocumentQuery, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub struct CatalogIndexes {
    by_tenant: RwLock<HashMap<String, Arc<CatalogIndex>>>,
    empty: Arc<CatalogIndex>,
}

impl CatalogIndexes {
    /// The tenant's current index; an empty one for a tenant with no catalog.
    pub fn get(&self, tenant: &str) -> Arc<CatalogIndex> {
        match self.by_tenant.read() {
            Ok(map) => map
                .get(tenant)
                .cloned()
                .unwrap_or_else(|| self.empty.clone()),
            Err(poisoned) => poisoned
                .into_inner()
                .get(tenant)
                .cloned()
                .unwrap_or_else(|| self.empty.clone()),
        }
    }

    fn version(&self, tenant: &str) -> Option<i64> {
        self.by_tenant.read().ok()?.get(tenant).map(|i| i.version)
    }

    fn put(&self, tenant: &str, index: CatalogIndex) {
        let index = Arc::new(index);
        match self.by_tenant.write() {
            Ok(mut map) => map.insert(tenant.to_string(), index),
            Err(poisoned) => poisoned.into_inner().insert(tenant.to_string(), index),
        };
    }

    /// Rebuilds the index of every tenant whose catalog version moved; returns
    /// the tenants rebuilt.
    pub async fn refresh(
        &self,
        store: &dyn Store,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let prefix = format!("{VERSION_COUNTER}:");
        let mut rebuilt = Vec::new();
        for (name, version) in store.counters_with_prefix(&prefix).await? {
            let tenant = &name[prefix.len()..];
            if self.version(tenant) == Some(version) {
                continue;
            }
            // The version is read before the documents: a write that lands
            // meanwhile bumps it again, and the next poll rebuilds once more.
            let started = std::time::Instant::now();
            let index = build(store, tenant, version, now).await?;
            tracing::info!(
                tenant,
                version,
                offerings = index.len(),
                build_ms = started.elapsed().as_millis() as u64,
                "discovery index rebuilt"
            );
            self.put(tenant, index);
            release_free_memory();
            rebuilt.push(tenant.to_string());
        }
        Ok(rebuilt)
    }
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

/// Building parses every document; glibc keeps the freed memory mapped unless
/// asked, which would leave the process holding the build's peak for good.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the kernel; it
    // touches no memory the program still owns.
    unsafe {
        libc::malloc_trim(0);
    }
}
