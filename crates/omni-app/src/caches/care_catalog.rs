//! The catalog facts care orders are validated and applied against (each
//! offering's type, the plans a feature fits, its conflict group), built
//! from the tenant's offerings once per catalog version and kept until the
//! version moves. Owned by the context, so two servers in one process never
//! share facts.

use crate::catalog::{OFFERING_KIND, VERSION_COUNTER};
use omni_core::care::CatalogFacts;
use omni_store::{DocumentQuery, Store, StoreError};
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
        let docs = store
            .list_documents(&DocumentQuery {
                tenant: tenant.to_string(),
                kind: OFFERING_KIND.into(),
                owner: None,
                page: None,
            })
            .await?;
        let bodies: Vec<Value> = docs.into_iter().map(|d| d.body).collect();
        let facts = Arc::new(CatalogFacts::from_offerings(&bodies));
        self.by_tenant
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tenant.to_string(), (version, facts.clone()));
        Ok(facts)
    }
}
