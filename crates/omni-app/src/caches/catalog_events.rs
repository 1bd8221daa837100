//! What changed in a tenant's catalog since a stream position, read from the
//! catalog's own events (every TMF620 write emits them in its transaction):
//! the two catalog caches fold these changes in instead of reading the
//! whole catalog again. A bulk load writes no events; it bumps
//! [`crate::catalog::LOAD_COUNTER`] instead, and the caches read in full.

use crate::catalog::OFFERING_KIND;
use omni_store::{Store, StoreError};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

pub const PRICE_KIND: &str = "productOfferingPrice";
pub const CATEGORY_KIND: &str = "category";
/// Events and documents read at a time.
const PAGE: usize = 500;

/// The catalog documents named by events after a position.
#[derive(Debug, Default)]
pub struct CatalogEvents {
    pub offerings: BTreeSet<String>,
    pub prices: BTreeSet<String>,
    /// A category changed: offerings are filed under its ancestors.
    pub categories: bool,
    /// The position of the last event read.
    pub position: i64,
}

/// The tenant's catalog changes after stream position `after`, including
/// every write committed before the call; `None` when more than `limit`
/// offerings, or prices, changed (reading in full is then cheaper).
pub async fn since(
    store: &dyn Store,
    tenant: &str,
    after: i64,
    limit: usize,
) -> Result<Option<CatalogEvents>, StoreError> {
    // The caller read the catalog version first: every write it counts has
    // committed, and numbering now makes their events readable.
    store.sequence_committed().await?;
    let kinds = [OFFERING_KIND, PRICE_KIND, CATEGORY_KIND].map(String::from);
    let mut found = CatalogEvents {
        position: after,
        ..CatalogEvents::default()
    };
    loop {
        let page = store
            .outbox_slice(tenant, &kinds, found.position, PAGE as i64)
            .await?;
        let Some(last) = page.last().map(|e| e.seq) else {
            return Ok(Some(found));
        };
        for event in page {
            match event.event.resource_kind.as_str() {
                OFFERING_KIND => {
                    found.offerings.insert(event.event.resource_id);
                }
                PRICE_KIND => {
                    found.prices.insert(event.event.resource_id);
                }
                _ => found.categories = true,
            }
        }
        found.position = last;
        if found.offerings.len() > limit || found.prices.len() > limit {
            return Ok(None);
        }
    }
}

/// The current bodies of the documents of `kind` among `ids`, by id.
pub async fn by_id(
    store: &dyn Store,
    tenant: &str,
    kind: &str,
    ids: &[String],
) -> Result<HashMap<String, Value>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(PAGE) {
        for doc in store.get_documents(tenant, kind, chunk).await? {
            out.insert(doc.id, doc.body);
        }
    }
    Ok(out)
}
