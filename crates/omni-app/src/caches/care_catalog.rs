//! The catalog facts care orders are validated and applied against (each
//! offering's type, the plans a feature fits, its conflict group), kept per
//! tenant and brought up to the tenant's catalog version at every read.
//! After a TMF620 write only the offerings its events name are read again
//! ([`super::catalog_events`]); after a bulk load, or past
//! [`super::indexes::CHANGED_LIMIT`] changes, every offering is, a page at a
//! time. Owned by the context, so two servers in one process never share
//! facts.

use super::catalog_events;
use crate::catalog::{LOAD_COUNTER, OFFERING_KIND, VERSION_COUNTER};
use omni_core::care::CatalogFacts;
use omni_store::{Store, StoreError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A tenant's facts and what they were read at.
#[derive(Clone)]
struct Entry {
    version: i64,
    /// The stream position of the last catalog event folded in.
    position: i64,
    loads: i64,
    facts: Arc<CatalogFacts>,
}

#[derive(Default)]
pub struct CareCatalogCache {
    by_tenant: Mutex<HashMap<String, Entry>>,
}

/// Offerings read at a time when reading in full.
const PAGE: i64 = 5000;

impl CareCatalogCache {
    /// The tenant's facts at its current catalog version (one counter read
    /// when they are current).
    pub async fn get(
        &self,
        store: &dyn Store,
        tenant: &str,
    ) -> Result<Arc<CatalogFacts>, StoreError> {
        let version = store
            .read_counter(&format!("{VERSION_COUNTER}:{tenant}"))
            .await?;
        let cached = self
            .by_tenant
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(tenant)
            .cloned();
        if let Some(entry) = &cached
            && entry.version == version
        {
            return Ok(entry.facts.clone());
        }
        let loads = store
            .read_counter(&format!("{LOAD_COUNTER}:{tenant}"))
            .await?;
        let entry = match cached {
            Some(entry) if entry.loads == loads => fold(store, tenant, entry, version).await?,
            _ => None,
        };
        let entry = match entry {
            Some(entry) => entry,
            None => read_all(store, tenant, version, loads).await?,
        };
        let facts = entry.facts.clone();
        self.by_tenant
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tenant.to_string(), entry);
        Ok(facts)
    }
}

/// The offerings named by catalog events since `entry` was read, read again.
async fn fold(
    store: &dyn Store,
    tenant: &str,
    entry: Entry,
    version: i64,
) -> Result<Option<Entry>, StoreError> {
    let room = super::indexes::CHANGED_LIMIT.saturating_sub(entry.facts.changed());
    let Some(events) = catalog_events::since(store, tenant, entry.position, room).await? else {
        return Ok(None);
    };
    let ids: Vec<String> = events.offerings.into_iter().collect();
    let mut docs = catalog_events::by_id(store, tenant, OFFERING_KIND, &ids).await?;
    let changes: Vec<(String, Option<Value>)> = ids
        .into_iter()
        .map(|id| {
            let doc = docs.remove(&id);
            (id, doc)
        })
        .collect();
    Ok(Some(Entry {
        version,
        position: events.position,
        loads: entry.loads,
        facts: Arc::new(entry.facts.with_changes(changes)),
    }))
}

/// Every offering of the tenant, a page at a time.
async fn read_all(
    store: &dyn Store,
    tenant: &str,
    version: i64,
    loads: i64,
) -> Result<Entry, StoreError> {
    // The stream's head before the documents: later changes are folded in.
    let position = store.outbox_stream_head().await?;
    let mut facts = CatalogFacts::default();
    let mut after: Option<(String, String)> = None;
    loop {
        let page = store
            .document_bodies(tenant, OFFERING_KIND, after.as_ref(), PAGE)
            .await?;
        let full = page.len() as i64 == PAGE;
        after = page.last().map(|r| (r.created_at.clone(), r.id.clone()));
        for row in page {
            if let Some(o) = serde_json::from_str::<Value>(&row.body)
                .ok()
                .as_ref()
                .and_then(omni_core::care::OfferingFacts::from_json)
            {
                facts.insert(o);
            }
        }
        if !full {
            break;
        }
    }
    Ok(Entry {
        version,
        position,
        loads,
        facts: Arc::new(facts),
    })
}
