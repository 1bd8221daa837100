//! The catalog facts care orders are validated and applied against (each
//! offering's type, the plans a feature fits, its conflict group), built
//! from the tenant's offerings once per catalog version and kept until the
//! version moves. Owned by the context, so two servers in one process never
//! share facts.

use crate::catalog::{OFFERING_KIND, VERSION_COUNTER};
use omni_core::care::{CatalogFacts, OfferingFacts};
use omni_store::{Store, StoreError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct CareCatalogCache {
    /// Per tenant: the catalog version the facts were built at.
    by_tenant: Mutex<HashMap<String, (i64, Arc<CatalogFacts>)>>,
}

impl CareCatalogCache {
    /// The tenant's facts at its current catalog version (one counter read
    /// when they are current; the offerings are read only after a change).
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
        if let Some((v, facts)) = cached
            && v == version
        {
            return Ok(facts);
        }
        let facts = Arc::new(read_facts(store, tenant).await?);
        self.by_tenant
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tenant.to_string(), (version, facts.clone()));
        Ok(facts)
    }
}

/// Offerings read a page at a time.
const PAGE: i64 = 5000;

/// The facts of every offering of the tenant, read a page of stored text at
/// a time and each parsed on its own: a catalog of a million offers parsed
/// whole would hold gigabytes of JSON trees for the few facts kept of each.
async fn read_facts(store: &dyn Store, tenant: &str) -> Result<CatalogFacts, StoreError> {
    let mut facts = CatalogFacts::default();
    let mut after = None;
    loop {
        let page = store
            .document_bodies(tenant, OFFERING_KIND, after.as_ref(), PAGE)
            .await?;
        for row in &page {
            let doc: Value = serde_json::from_str(&row.body)
                .map_err(|e| StoreError::Corrupt(format!("offering {}: {e}", row.id)))?;
            if let Some(o) = OfferingFacts::from_json(&doc) {
                facts.insert(o);
            }
        }
        if (page.len() as i64) < PAGE {
            return Ok(facts);
        }
        after = page.last().map(|r| (r.created_at.clone(), r.id.clone()));
    }
}
