//! What eligibility and promotions need to know about a cart's customer,
//! read from the inventory ([`crate::inventory`]): every account, billing
//! account and line of a party is owned by the party, so three reads by
//! owner give them all. A prospect (no party, or a party with no account
//! here) is judged on the channel alone.

use crate::inventory;
use omni_core::eligibility::EligibilityContext;
use omni_core::inventory::SubscriberStatus;
use omni_store::{Store, StoreError};

/// A known customer's facts; a value is `None` where the customer's
/// accounts disagree (the cart does not say which one it is for).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFacts {
    pub party_id: String,
    pub customer_type: Option<String>,
    pub customer_sub_type: Option<String>,
    pub payment_type: Option<String>,
    pub credit_class: Option<String>,
    pub market: Option<String>,
    /// Offerings of the products on the customer's live lines.
    pub existing_offering_ids: Vec<String>,
    /// The customer's live products: product id and its offering (a cart
    /// item that modifies `product.id` changes that offering).
    pub products: Vec<(String, String)>,
}

impl CustomerFacts {
    /// Fills in what the eligibility check does not know yet.
    pub fn apply(&self, ctx: &mut EligibilityContext) {
        ctx.customer_type = self.customer_type.clone();
        ctx.customer_sub_type = self.customer_sub_type.clone();
        ctx.payment_type = self.payment_type.clone();
        ctx.credit_class = self.credit_class.clone();
        ctx.market = self.market.clone();
        ctx.existing_offering_ids = self.existing_offering_ids.clone();
    }
}

/// The one value every item agrees on, if any.
fn agreed<I: IntoIterator<Item = String>>(values: I) -> Option<String> {
    let mut values = values.into_iter();
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

/// The customer type of `party` as its accounts agree on it (what TMF671
/// promotions for a customer type look at), read from its accounts alone:
/// an order does not need the customer's lines, which grow with every order.
pub async fn customer_type(
    store: &dyn Store,
    tenant: &str,
    party: &str,
) -> Result<Option<String>, StoreError> {
    let accounts = inventory::accounts(store, tenant).owned_by(party).await?;
    Ok(agreed(accounts.into_iter().map(|a| a.record.customer_type)))
}

/// The facts of `party`, or `None` when it has no account here. A stored
/// account, billing account or line that does not decode is an error.
pub async fn load(
    store: &dyn Store,
    tenant: &str,
    party: &str,
) -> Result<Option<CustomerFacts>, StoreError> {
    let accounts = inventory::accounts(store, tenant).owned_by(party).await?;
    if accounts.is_empty() {
        return Ok(None);
    }
    let billing: Vec<_> = inventory::billing_accounts(store, tenant)
        .owned_by(party)
        .await?
        .into_iter()
        .map(|b| b.record)
        .filter(|b| b.status == "active")
        .collect();
    let lines = inventory::lines(store, tenant).owned_by(party).await?;
    let mut existing: Vec<String> = Vec::new();
    let mut products: Vec<(String, String)> = Vec::new();
    for line in lines
        .iter()
        .map(|l| &l.record)
        .filter(|l| l.status != SubscriberStatus::Cancelled)
    {
        let plan = &line.rate_plan.offering_id;
        products.push((line.primary_product_id.clone(), plan.clone()));
        products.push((line.rate_plan.product_id.clone(), plan.clone()));
        products.extend(
            line.device
                .iter()
                .filter_map(|d| Some((d.product_id.clone(), d.offering_id.clone()?))),
        );
        products.extend(
            line.sim
                .iter()
                .map(|s| (s.product_id.clone(), s.offering_id.clone())),
        );
        products.extend(
            line.features
                .iter()
                .map(|f| (f.product_id.clone(), f.offering_id.clone())),
        );
        existing.push(line.rate_plan.offering_id.clone());
        existing.extend(line.device.iter().filter_map(|d| d.offering_id.clone()));
        existing.extend(line.sim.iter().map(|s| s.offering_id.clone()));
        existing.extend(line.features.iter().map(|f| f.offering_id.clone()));
    }
    existing.sort();
    existing.dedup();
    let accounts = accounts.iter().map(|a| &a.record);
    Ok(Some(CustomerFacts {
        party_id: party.to_string(),
        customer_type: agreed(accounts.clone().map(|a| a.customer_type.clone())),
        customer_sub_type: agreed(
            accounts.map(|a| a.customer_sub_type.clone().unwrap_or_default()),
        )
        .filter(|s| !s.is_empty()),
        payment_type: agreed(
            billing
                .iter()
                .map(|b| b.rating_type.payment_type().to_string()),
        ),
        credit_class: agreed(billing.iter().map(|b| b.credit_class.clone())),
        market: agreed(billing.iter().map(|b| b.market.clone())),
        existing_offering_ids: existing,
        products,
    }))
}

#[cfg(test)]
mod tests {
    use super::agreed;

    #[test]
    fn only_a_value_all_agree_on_counts() {
        assert_eq!(agreed(Vec::<String>::new()), None);
        assert_eq!(agreed(vec!["a".to_string()]), Some("a".into()));
        assert_eq!(agreed(vec!["a".to_string(), "a".into()]), Some("a".into()));
        assert_eq!(agreed(vec!["a".to_string(), "b".into()]), None);
    }
}
