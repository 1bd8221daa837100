//! The inventory facts validation needs: does the foundation account exist,
//! which groups it has, and whose line each CTN is. The lead implements
//! [`InventoryLookup`] over stored documents (load them, then answer);
//! [`Inventory`] implements it in memory for tests and demos.

use crate::inventory::{Account, Inventory, Subscriber, SubscriberStatus};

/// Where a line belongs, and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    pub ctn: String,
    pub account_id: String,
    pub account_group_id: Option<String>,
    pub billing_account_id: String,
    pub status: SubscriberStatus,
}

impl LineFacts {
    pub fn of(subscriber: &Subscriber) -> Self {
        Self {
            ctn: subscriber.ctn.clone(),
            account_id: subscriber.account_id.clone(),
            account_group_id: subscriber.account_group_id.clone(),
            billing_account_id: subscriber.billing_account_id.clone(),
            status: subscriber.status,
        }
    }
}

/// Read-only inventory questions a care order's validation asks.
pub trait InventoryLookup {
    /// The account (a business customer's foundation account) with this id,
    /// groups included.
    fn account(&self, id: &str) -> Option<Account>;
    /// The line with this number, whatever its status (a cancelled number
    /// still exists and is still taken).
    fn line(&self, ctn: &str) -> Option<LineFacts>;
}

impl InventoryLookup for Inventory {
    fn account(&self, id: &str) -> Option<Account> {
        self.accounts.iter().find(|a| a.id == id).cloned()
    }

    fn line(&self, ctn: &str) -> Option<LineFacts> {
        self.subscribers
            .iter()
            .find(|s| s.ctn == ctn)
            .map(LineFacts::of)
    }
}
