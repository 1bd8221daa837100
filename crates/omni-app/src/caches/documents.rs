//! Per-tenant caches of small document collections (promotions, validation
//! rule sets) that requests read on every call: reloaded when the tenant's
//! version counter moves, like the discovery index. A document that no
//! longer parses is left out by `parse` (which logs it).

use omni_store::{DocumentQuery, Store, StoreError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A tenant's parsed documents at a version.
type Versioned<T> = (i64, Arc<Vec<T>>);

pub struct DocumentCache<T> {
    /// Counter prefix, e.g. `promotion` for `promotion:<tenant>`.
    counter: &'static str,
    kind: &'static str,
    parse: fn(&Value) -> Option<T>,
    by_tenant: RwLock<HashMap<String, Versioned<T>>>,
}

impl<T: Send + Sync + 'static> DocumentCache<T> {
    pub fn new(counter: &'static str, kind: &'static str, parse: fn(&Value) -> Option<T>) -> Self {
        Self {
            counter,
            kind,
            parse,
            by_tenant: RwLock::new(HashMap::new()),
        }
    }

    /// The tenant's documents, parsed; empty when it has none.
    pub fn get(&self, tenant: &str) -> Arc<Vec<T>> {
        let map = match self.by_tenant.read() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.get(tenant).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Reloads every tenant whose counter moved.
    pub async fn refresh(&self, store: &dyn Store) -> Result<(), StoreError> {
        let prefix = format!("{}:", self.counter);
        for (name, version) in store.counters_with_prefix(&prefix).await? {
            let tenant = &name[prefix.len()..];
            let current = match self.by_tenant.read() {
                Ok(m) => m.get(tenant).map(|(v, _)| *v),
                Err(poisoned) => poisoned.into_inner().get(tenant).map(|(v, _)| *v),
            };
            if current == Some(version) {
                continue;
            }
            let docs = store
                .list_documents(&DocumentQuery {
                    tenant: tenant.to_string(),
                    kind: self.kind.to_string(),
                    owner: None,
                    page: None,
                })
                .await?;
            let parsed: Vec<T> = docs.iter().filter_map(|d| (self.parse)(&d.body)).collect();
            tracing::info!(
                tenant,
                kind = self.kind,
                version,
                count = parsed.len(),
                "cache reloaded"
            );
            let mut map = match self.by_tenant.write() {
                Ok(m) => m,
                Err(poisoned) => poisoned.into_inner(),
            };
            map.insert(tenant.to_string(), (version, Arc::new(parsed)));
        }
        Ok(())
    }
}
