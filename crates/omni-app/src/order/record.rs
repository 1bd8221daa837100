//! A partner order as stored: one typed document per order (kind `order`),
//! read and written through [`crate::repo::Repo`]. Terms, fulfillment and
//! payment are stored as the domain's own types, so what the partner reads
//! back is exactly what the step recorded, and a document that does not
//! decode is an error rather than a silently missing field.

use crate::repo::{Record, Repo};
use omni_core::order::CapturedItem;
use omni_core::order::fulfillment::Fulfillment;
use omni_core::order::payment::PaymentMethod;
use omni_core::order::terms::Consent;
use omni_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stored kind of partner orders.
pub const KIND: &str = "order";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OrderState {
    /// Being captured: items, terms, fulfillment and payment may change.
    Draft,
    /// Handed to product ordering (TMF622); its state is the product order's.
    Submitted,
    Completed,
    Partial,
    Failed,
    Cancelled,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Completed => "completed",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRecord {
    pub id: String,
    pub state: OrderState,
    pub channel: String,
    #[serde(default)]
    pub related_party: Vec<Value>,
    /// The customer's type (`Consumer`, `Business`…) as its accounts say,
    /// read when the order was created: promotions for a customer type
    /// apply to orders as they do to carts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_type: Option<String>,
    /// The TMF663 cart the order was made from (`order/create` with `cartId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub items: Vec<CapturedItem>,
    /// Consents given to agreements, as `omni_core::order::terms` records them.
    #[serde(default)]
    pub consents: Vec<Consent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment: Option<Fulfillment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_order_id: Option<String>,
    /// Numbers handed to the order's new lines, by item id, once allocated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_line_numbers: Vec<(String, String)>,
    /// Each item's end state (`completed`, `failed`) once the order worker
    /// finished it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub item_states: std::collections::BTreeMap<String, String>,
    /// Why the order's completion job failed for good, while it stays failed
    /// (an operator's retry takes it back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<JobFailure>,
}

/// What the order worker recorded when it gave up on an order, so that an
/// operator's retry can put everything back as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobFailure {
    pub reason: String,
    /// The product order's state before it was failed with the order;
    /// `None` when it was already final and was left alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_order_state: Option<String>,
}

impl OrderRecord {
    /// A new draft order, created `now`.
    pub fn draft(id: String, channel: String, related_party: Vec<Value>, now: &str) -> Self {
        Self {
            id,
            state: OrderState::Draft,
            channel,
            related_party,
            customer_type: None,
            cart_id: None,
            created_at: now.to_string(),
            updated_at: now.to_string(),
            items: Vec::new(),
            consents: Vec::new(),
            fulfillment: None,
            payment: None,
            product_order_id: None,
            new_line_numbers: Vec::new(),
            item_states: Default::default(),
            failure: None,
        }
    }

    /// The order's customer: its `relatedParty` with role `customer`
    /// (creation allows at most one), whose inventory its items may touch.
    pub fn customer(&self) -> Option<&str> {
        omni_core::party::customer(&self.related_party)
    }
}

impl Record for OrderRecord {
    const KIND: &'static str = KIND;
    const NAME: &'static str = "order";

    fn id(&self) -> &str {
        &self.id
    }

    fn state(&self) -> Option<&str> {
        Some(self.state.as_str())
    }
}

/// The tenant's partner orders.
pub fn orders<'a>(store: &'a dyn Store, tenant: &'a str) -> Repo<'a, OrderRecord> {
    Repo::new(store, tenant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Documents stored before the steps' values were typed still decode,
    /// and write back as they were.
    #[test]
    fn an_order_stored_with_untyped_steps_decodes_and_keeps_its_shape() {
        let stored = json!({
            "id": "26-00000000000001", "state": "draft", "channel": "ATTR",
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "consents": [{"name": "ServiceAgreement", "version": "3.1",
                          "extensions": [], "consentedAt": "2026-01-01T00:00:00Z"}],
            "fulfillment": {"optionId": "standardShipping", "type": "shipping",
                            "name": "Standard shipping", "price": {"value": "0.00", "unit": "USD"},
                            "itemIds": ["dev"]},
            "payment": {"token": "pm_00000000000000000000000000000000", "brand": "Visa",
                        "last4": "4242", "expiryMonth": 12, "expiryYear": 2031,
                        "authorizedAmount": "49.99", "currency": "USD",
                        "authorizedAt": "2026-01-01T00:00:00Z"}
        });
        let record: OrderRecord = match serde_json::from_value(stored.clone()) {
            Ok(r) => r,
            Err(e) => panic!("an old order decodes: {e}"),
        };
        assert_eq!(record.consents.len(), 1);
        let mut again = serde_json::to_value(&record).unwrap_or_default();
        // Written back as read, plus the defaults every document has.
        if let Some(fields) = again.as_object_mut() {
            fields.remove("relatedParty");
            fields.remove("items");
        }
        assert_eq!(again, stored);
    }

    #[test]
    fn a_step_value_of_the_wrong_shape_is_an_error_not_a_gap() {
        let stored = json!({
            "id": "26-00000000000001", "state": "draft", "channel": "ATTR",
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "payment": {"token": 5}
        });
        assert!(serde_json::from_value::<OrderRecord>(stored).is_err());
    }
}
