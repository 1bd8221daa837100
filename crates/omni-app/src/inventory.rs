//! The inventory as stored records: accounts, billing accounts and lines
//! (subscribers), each one document owned by the customer's party, read and
//! written through [`crate::repo::Repo`] by carts (customer facts), order
//! capture and its worker (new and changed lines) and care orders.

use crate::repo::{Record, Repo};
use omni_core::inventory::{
    ACCOUNT_KIND, Account, BILLING_ACCOUNT_KIND, BillingAccount, SUBSCRIBER_KIND, Subscriber,
};
use omni_store::Store;

impl Record for Account {
    const KIND: &'static str = ACCOUNT_KIND;
    const NAME: &'static str = "account";

    fn id(&self) -> &str {
        &self.id
    }
}

impl Record for BillingAccount {
    const KIND: &'static str = BILLING_ACCOUNT_KIND;
    const NAME: &'static str = "billing account";

    fn id(&self) -> &str {
        &self.id
    }

    fn state(&self) -> Option<&str> {
        Some(&self.status)
    }
}

impl Record for Subscriber {
    const KIND: &'static str = SUBSCRIBER_KIND;
    const NAME: &'static str = "line";

    fn id(&self) -> &str {
        &self.ctn
    }

    fn state(&self) -> Option<&str> {
        Some(self.status.as_str())
    }
}

pub fn accounts<'a>(store: &'a dyn Store, tenant: &'a str) -> Repo<'a, Account> {
    Repo::new(store, tenant)
}

pub fn billing_accounts<'a>(store: &'a dyn Store, tenant: &'a str) -> Repo<'a, BillingAccount> {
    Repo::new(store, tenant)
}

pub fn lines<'a>(store: &'a dyn Store, tenant: &'a str) -> Repo<'a, Subscriber> {
    Repo::new(store, tenant)
}
