//! The inventory and catalog facts a care order is checked and applied
//! against, read from storage before the pure domain runs (its
//! [`InventoryLookup`] and [`CareCatalog`] are synchronous).

use crate::catalog::VERSION_COUNTER;
use crate::error::ApiError;
use omni_core::care::{CatalogFacts, InventoryLookup, LineFacts, MAX_CHANGE_REQUESTS};
use omni_core::inventory::{ACCOUNT_KIND, Account, SUBSCRIBER_KIND, Subscriber};
use omni_store::{DocumentQuery, Store, StoreError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// A stored inventory record, decoded; `None` when absent.
pub async fn decode<T: serde::de::DeserializeOwned>(
    store: &dyn Store,
    tenant: &str,
    kind: &str,
    id: &str,
) -> Result<Option<(T, i64)>, ApiError> {
    let Some(doc) = store.get_document(tenant, kind, id).await? else {
        return Ok(None);
    };
    match serde_json::from_value(doc.body) {
        Ok(v) => Ok(Some((v, doc.version))),
        Err(e) => {
            tracing::error!(kind, id, error = %e, "stored record does not decode");
            Err(ApiError::unavailable("stored data could not be read"))
        }
    }
}

/// The documents a care order body names, loaded up front.
#[derive(Default)]
pub struct StoredInventory {
    accounts: HashMap<String, Account>,
    lines: HashMap<String, LineFacts>,
}

/// Longest id looked up: longer ones cannot exist, and validation names them.
const MAX_ID_LEN: usize = 100;

impl StoredInventory {
    /// Reads the foundation account and every line the body's change
    /// requests name (`ctn`, and `newCtn`, which must be free).
    pub async fn load(store: &dyn Store, tenant: &str, body: &Value) -> Result<Self, ApiError> {
        let mut facts = Self::default();
        let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        if let Some(id) = text(body, "/careOrderRequest/foundationAccountNumber")
            .filter(|id| !id.is_empty() && id.len() <= MAX_ID_LEN)
            && let Some((a, _)) = decode::<Account>(store, tenant, ACCOUNT_KIND, &id).await?
        {
            facts.accounts.insert(id, a);
        }
        let changes = body
            .pointer("/careOrderRequest/changeRequest")
            .and_then(Value::as_array)
            .map(|list| &list[..list.len().min(MAX_CHANGE_REQUESTS)])
            .unwrap_or_default();
        for change in changes {
            for ctn in [text(change, "/ctn"), text(change, "/newCtn")]
                .into_iter()
                .flatten()
                .filter(|c| !c.is_empty() && c.len() <= MAX_ID_LEN)
            {
                if facts.lines.contains_key(&ctn) {
                    continue;
                }
                if let Some((s, _)) =
                    decode::<Subscriber>(store, tenant, SUBSCRIBER_KIND, &ctn).await?
                {
                    facts.lines.insert(ctn, LineFacts::of(&s));
                }
            }
        }
        Ok(facts)
    }
}

impl InventoryLookup for StoredInventory {
    fn account(&self, id: &str) -> Option<Account> {
        self.accounts.get(id).cloned()
    }

    fn line(&self, ctn: &str) -> Option<LineFacts> {
        self.lines.get(ctn).cloned()
    }
}

/// Per store and tenant: the catalog version the facts were built at.
type FactsCache = HashMap<(usize, String), (i64, Arc<CatalogFacts>)>;

/// Catalog facts are rebuilt only when the tenant's catalog version moves;
/// keyed by store too, so several servers in one process (tests) never
/// share facts.
static CATALOG_FACTS: LazyLock<Mutex<FactsCache>> = LazyLock::new(Default::default);

/// The tenant's catalog facts at its current catalog version.
pub async fn catalog_facts(
    store: &Arc<dyn Store>,
    tenant: &str,
) -> Result<Arc<CatalogFacts>, StoreError> {
    let version = store
        .read_counter(&format!("{VERSION_COUNTER}:{tenant}"))
        .await?;
    let key = (Arc::as_ptr(store) as *const () as usize, tenant.to_string());
    let cached = CATALOG_FACTS
        .lock()
        .ok()
        .and_then(|map| map.get(&key).cloned());
    if let Some((v, facts)) = cached
        && v == version
    {
        return Ok(facts);
    }
    let docs = store
        .list_documents(&DocumentQuery {
            tenant: tenant.to_string(),
            kind: "productOffering".into(),
            owner: None,
            page: None,
        })
        .await?;
    let bodies: Vec<Value> = docs.into_iter().map(|d| d.body).collect();
    let facts = Arc::new(CatalogFacts::from_offerings(&bodies));
    if let Ok(mut map) = CATALOG_FACTS.lock() {
        map.insert(key, (version, facts.clone()));
    }
    Ok(facts)
}
