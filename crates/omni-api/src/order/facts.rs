//! The catalog, inventory and address facts an order's items are checked
//! against, read from storage once per request before the pure checks run.

use crate::error::ApiError;
use omni_core::discovery::CatalogIndex;
use omni_core::eligibility::{self, EligibilityContext};
use omni_core::inventory::{
    ACCOUNT_KIND, Account, BILLING_ACCOUNT_KIND, BillingAccount, SUBSCRIBER_KIND, Subscriber,
};
use omni_core::order::{CaptureFacts, CapturedItem};
use omni_store::Store;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

pub struct StoredFacts<'a> {
    pub index: &'a CatalogIndex,
    pub channel: String,
    pub now: chrono::DateTime<chrono::Utc>,
    pub billing: HashMap<String, BillingAccount>,
    pub accounts: HashMap<String, Account>,
    pub subscribers: HashMap<String, Subscriber>,
    pub places: BTreeSet<String>,
}

fn texts<'v>(items: &'v [Value], pointer: &str) -> impl Iterator<Item = String> + 'v {
    let pointer = pointer.to_string();
    items
        .iter()
        .filter_map(move |i| i.pointer(&pointer).and_then(Value::as_str))
        .map(str::to_string)
}

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
            tracing::error!(kind, id, error = %e, "stored inventory record does not decode");
            Err(ApiError::unavailable("stored data could not be read"))
        }
    }
}

impl<'a> StoredFacts<'a> {
    /// Reads every billing account, subscriber, account and place that the
    /// request's items or the order's earlier items name.
    pub async fn load(
        store: &dyn Store,
        tenant: &str,
        index: &'a CatalogIndex,
        channel: &str,
        request_items: &[Value],
        earlier: &[CapturedItem],
    ) -> Result<Self, ApiError> {
        let mut ctns: BTreeSet<String> = texts(request_items, "/subscriberNumber").collect();
        ctns.extend(earlier.iter().filter_map(|i| i.subscriber_number.clone()));
        let mut billing_ids: BTreeSet<String> =
            texts(request_items, "/billingAccount/id").collect();
        billing_ids.extend(earlier.iter().filter_map(|i| i.billing_account_id.clone()));
        let mut facts = Self {
            index,
            channel: channel.to_string(),
            now: chrono::Utc::now(),
            billing: HashMap::new(),
            accounts: HashMap::new(),
            subscribers: HashMap::new(),
            places: BTreeSet::new(),
        };
        for ctn in ctns.iter().filter(|c| c.len() <= 20) {
            if let Some((s, _)) = decode::<Subscriber>(store, tenant, SUBSCRIBER_KIND, ctn).await? {
                billing_ids.insert(s.billing_account_id.clone());
                facts.subscribers.insert(ctn.clone(), s);
            }
        }
        for id in billing_ids.iter().filter(|b| b.len() <= 100) {
            if let Some((b, _)) =
                decode::<BillingAccount>(store, tenant, BILLING_ACCOUNT_KIND, id).await?
            {
                if !facts.accounts.contains_key(&b.account_id)
                    && let Some((a, _)) =
                        decode::<Account>(store, tenant, ACCOUNT_KIND, &b.account_id).await?
                {
                    facts.accounts.insert(a.id.clone(), a);
                }
                facts.billing.insert(id.clone(), b);
            }
        }
        let places: BTreeSet<String> = request_items
            .iter()
            .filter_map(|i| i.pointer("/product/place"))
            .filter_map(|p| p.as_array())
            .flat_map(|list| list.iter())
            .filter_map(|p| p.get("id").and_then(Value::as_str))
            .filter(|p| p.len() <= 100)
            .map(str::to_string)
            .collect();
        for place in places {
            if store
                .get_document(tenant, crate::catalog::PLACE_KIND, &place)
                .await?
                .is_some()
            {
                facts.places.insert(place);
            }
        }
        Ok(facts)
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
            .map(|o| o.offering_type.clone())
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
}
