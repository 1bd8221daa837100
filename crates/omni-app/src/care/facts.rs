//! The inventory a care order body is validated against, read through the
//! inventory repositories before the pure domain runs (its
//! [`InventoryLookup`] is synchronous). The catalog facts come from the
//! context's cache (`ctx.caches.care_catalog`).

use crate::inventory::{accounts, lines};
use omni_core::care::{InventoryLookup, LineFacts};
use omni_core::inventory::{Account, Subscriber};
use omni_store::{Store, StoreError};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// The foundation account and the lines a care order body names.
#[derive(Default)]
pub(super) struct StoredInventory {
    accounts: HashMap<String, Account>,
    lines: HashMap<String, LineFacts>,
    /// The same lines whole, for acceptance's rehearsal.
    subscribers: HashMap<String, Subscriber>,
}

/// Longest id looked up: longer ones cannot exist, and validation names them.
const MAX_ID_LEN: usize = 100;

impl StoredInventory {
    /// Reads the foundation account and every line the body's change
    /// requests name (`ctn`, and `newCtn`, which must be free): the lines in
    /// one query. A record that does not decode is an error.
    pub async fn load(store: &dyn Store, tenant: &str, body: &Value) -> Result<Self, StoreError> {
        let mut facts = Self::default();
        let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let usable = |id: &String| !id.is_empty() && id.len() <= MAX_ID_LEN;
        if let Some(id) = text(body, "/careOrderRequest/foundationAccountNumber").filter(usable)
            && let Some(account) = accounts(store, tenant).find(&id).await?
        {
            facts.accounts.insert(id, account.record);
        }
        let changes = body
            .pointer("/careOrderRequest/changeRequest")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let numbers: BTreeSet<String> = changes
            .iter()
            .flat_map(|change| [text(change, "/ctn"), text(change, "/newCtn")])
            .flatten()
            .filter(usable)
            .collect();
        if !numbers.is_empty() {
            let numbers: Vec<String> = numbers.into_iter().collect();
            for (ctn, line) in lines(store, tenant).find_many(&numbers).await? {
                facts.lines.insert(ctn.clone(), LineFacts::of(&line.record));
                facts.subscribers.insert(ctn, line.record);
            }
        }
        Ok(facts)
    }

    /// The lines read, whole, by number.
    pub fn subscribers(&self) -> HashMap<String, Subscriber> {
        self.subscribers.clone()
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
