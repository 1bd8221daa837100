//! The catalog, inventory and address facts an order's items are checked
//! against (the add-items page, seed 000), read from storage once per
//! request, a few queries in all, before the pure checks of
//! `omni_core::order::capture` run.

use crate::catalog::PLACE_KIND;
use crate::error::AppResult;
use crate::inventory;
use chrono::{DateTime, Utc};
use omni_core::discovery::CatalogIndex;
use omni_core::eligibility::{self, EligibilityContext};
use omni_core::inventory::{Account, BillingAccount, Owner, Subscriber};
use omni_core::order::{CaptureFacts, CapturedItem};
use omni_store::Store;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

pub struct StoredFacts<'a> {
    pub index: &'a CatalogIndex,
    pub channel: String,
    pub now: DateTime<Utc>,
    pub billing: HashMap<String, BillingAccount>,
    pub accounts: HashMap<String, Account>,
    pub subscribers: HashMap<String, Subscriber>,
    pub places: BTreeSet<String>,
    /// The order's customer party (`None`: the order names none).
    pub customer: Option<String>,
}

fn texts(items: &[Value], pointer: &str) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|i| i.pointer(pointer).and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Ids no longer than `max`: longer ones name nothing, and are not looked up.
fn plausible(ids: BTreeSet<String>, max: usize) -> Vec<String> {
    ids.into_iter().filter(|id| id.len() <= max).collect()
}

impl<'a> StoredFacts<'a> {
    /// Reads every line, billing account, account and place that the
    /// request's items or the order's earlier items name. A stored record
    /// that does not decode fails the request (it is logged where decoded).
    pub async fn load(
        store: &dyn Store,
        tenant: &str,
        index: &'a CatalogIndex,
        channel: &str,
        request_items: &[Value],
        earlier: &[CapturedItem],
        now: DateTime<Utc>,
    ) -> AppResult<Self> {
        let mut ctns = texts(request_items, "/subscriberNumber");
        ctns.extend(earlier.iter().filter_map(|i| i.subscriber_number.clone()));
        let mut billing_ids = texts(request_items, "/billingAccount/id");
        billing_ids.extend(earlier.iter().filter_map(|i| i.billing_account_id.clone()));

        let subscribers: HashMap<String, Subscriber> = inventory::lines(store, tenant)
            .find_many(&plausible(ctns, 20))
            .await?
            .into_iter()
            .map(|(ctn, s)| (ctn, s.record))
            .collect();
        billing_ids.extend(subscribers.values().map(|s| s.billing_account_id.clone()));
        let billing: HashMap<String, BillingAccount> = inventory::billing_accounts(store, tenant)
            .find_many(&plausible(billing_ids, 100))
            .await?
            .into_iter()
            .map(|(id, b)| (id, b.record))
            .collect();
        let mut account_ids: BTreeSet<String> =
            billing.values().map(|b| b.account_id.clone()).collect();
        account_ids.extend(subscribers.values().map(|s| s.account_id.clone()));
        let accounts = inventory::accounts(store, tenant)
            .find_many(&account_ids.into_iter().collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|(id, a)| (id, a.record))
            .collect();

        let places: BTreeSet<String> = request_items
            .iter()
            .filter_map(|i| i.pointer("/product/place"))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|p| p.get("id").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let places = store
            .get_documents(tenant, PLACE_KIND, &plausible(places, 100))
            .await?
            .into_iter()
            .map(|doc| doc.id)
            .collect();
        Ok(Self {
            index,
            channel: channel.to_string(),
            now,
            billing,
            accounts,
            subscribers,
            places,
            customer: None,
        })
    }

    /// The facts of an order whose customer party is `customer`: the one
    /// whose inventory its items may touch.
    pub fn owned_by(mut self, customer: Option<&str>) -> Self {
        self.customer = customer.map(str::to_string);
        self
    }

    /// Who is buying: from the billing account and its account.
    pub fn context(
        &self,
        billing: Option<&BillingAccount>,
        line: Option<&Subscriber>,
    ) -> EligibilityContext {
        let mut ctx = EligibilityContext::new(self.channel.clone(), self.now);
        if let Some(b) = billing {
            ctx.payment_type = Some(b.rating_type.payment_type().to_string());
            ctx.credit_class = Some(b.credit_class.clone());
            ctx.market = Some(b.market.clone());
            if let Some(a) = self.accounts.get(&b.account_id) {
                ctx.customer_type = Some(a.customer_type.clone());
                ctx.customer_sub_type = a.customer_sub_type.clone();
            }
        }
        if let Some(s) = line {
            ctx.existing_offering_ids
                .push(s.rate_plan.offering_id.clone());
            ctx.existing_offering_ids
                .extend(s.device.iter().filter_map(|d| d.offering_id.clone()));
            ctx.existing_offering_ids
                .extend(s.sim.iter().map(|x| x.offering_id.clone()));
            ctx.existing_offering_ids
                .extend(s.features.iter().map(|f| f.offering_id.clone()));
        }
        ctx
    }
}

impl CaptureFacts for StoredFacts<'_> {
    fn offering_type(&self, offering_id: &str) -> Option<String> {
        self.index
            .offering(offering_id)
            .map(|o| o.offering_type.to_string())
    }

    fn ineligible(
        &self,
        offering_id: &str,
        billing: Option<&BillingAccount>,
        line: Option<&Subscriber>,
    ) -> Vec<String> {
        let ctx = self.context(billing, line);
        eligibility::qualify(self.index, offering_id, &ctx)
            .into_iter()
            .map(|r| format!("{}: {}", r.code, r.label))
            .collect()
    }

    fn billing_account(&self, id: &str) -> Option<&BillingAccount> {
        self.billing.get(id)
    }

    fn subscriber(&self, ctn: &str) -> Option<&Subscriber> {
        self.subscribers.get(ctn)
    }

    fn place_exists(&self, place_id: &str) -> bool {
        self.places.contains(place_id)
    }

    fn owner(&self) -> Owner<'_> {
        self.customer.as_deref().map_or(Owner::Nobody, Owner::Party)
    }

    fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }
}
