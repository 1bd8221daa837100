//! How a partner order reads: the facts its steps decide on, what it costs,
//! its `validation` (what it still needs before it may be submitted), and
//! the whole order as `GET /order/{id}` answers it. Everything comes from
//! one [`CatalogView`]: the tenant's catalog index and promotions as of the
//! request's instant, so every part of one answer agrees.

use super::STORE_KIND;
use super::prices;
use super::record::{OrderRecord, OrderState};
use crate::context::Context;
use crate::error::AppResult;
use crate::repo::{Record, decode};
use chrono::{DateTime, Utc};
use omni_core::cart::PricedItem;
use omni_core::discovery::CatalogIndex;
use omni_core::order::fulfillment::{self, FulfillmentOptions};
use omni_core::order::readiness::{self, ReadinessInput, Validation};
use omni_core::order::terms;
use omni_core::order::{CapturedItem, ItemFacts};
use omni_core::promotion::Promotion;
use omni_store::DocumentQuery;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::sync::Arc;

/// The tenant's catalog and promotions, as of `now`.
pub struct CatalogView {
    pub index: Arc<CatalogIndex>,
    pub promotions: Arc<Vec<Promotion>>,
    pub now: DateTime<Utc>,
}

impl CatalogView {
    pub fn new(ctx: &Context, tenant: &str, now: DateTime<Utc>) -> Self {
        Self {
            index: ctx.caches.catalog.get(tenant),
            promotions: ctx.caches.promotions.get(tenant),
            now,
        }
    }

    /// What the terms, fulfillment and readiness steps know of each item.
    pub fn item_facts(&self, items: &[CapturedItem]) -> Vec<ItemFacts> {
        items
            .iter()
            .map(|i| {
                let mut f = ItemFacts {
                    item_id: i.id.clone(),
                    action: i
                        .body
                        .get("action")
                        .and_then(Value::as_str)
                        .unwrap_or("add")
                        .to_string(),
                    offering_type: i.offering_type.clone(),
                    offering_id: i.offering_id.clone(),
                    byod: i.flag("isBYOD"),
                    esim: i.flag("eSIM_Enabled")
                        || i.offering_id
                            .as_deref()
                            .and_then(|id| self.index.offering(id))
                            .is_some_and(|o| o.is_esim()),
                    financed: prices::financed(i, &self.index),
                    new_line: i.subscriber_number.is_none(),
                    physical: false,
                };
                f.physical = f.ships_by_default();
                f
            })
            .collect()
    }

    /// Every item priced, promotions applied.
    pub fn price(&self, record: &OrderRecord) -> Vec<PricedItem> {
        prices::price_items(
            &record.items,
            &self.index,
            &self.promotions,
            (&record.channel, record.customer_type.as_deref()),
            self.now,
        )
    }

    /// What the customer pays today: one-time charges after promotions,
    /// plus the chosen fulfillment's price.
    pub fn due_today(&self, record: &OrderRecord) -> (Decimal, String) {
        let (due, currency) = prices::due_today(&self.price(record), self.now);
        let shipping = record
            .fulfillment
            .as_ref()
            .map_or(Decimal::ZERO, |f| f.price.value);
        (due + shipping, currency)
    }

    /// The order's `validation`, from everything it holds now.
    pub fn validation(&self, record: &OrderRecord) -> Validation {
        let item_facts = self.item_facts(&record.items);
        let offered = terms::required_agreements(&item_facts);
        let (due, currency) = self.due_today(record);
        readiness::validate(&ReadinessInput {
            item_count: record.items.len(),
            item_problems: Vec::new(),
            agreements: terms::agreement_states(&offered, &record.consents),
            fulfillment_needed: item_facts.iter().any(|f| f.physical),
            fulfillment_chosen: record.fulfillment.is_some(),
            amount_due_today: due,
            currency,
            payment_authorized: record.payment.as_ref().map(|p| p.authorized_amount),
            submitted: record.state != OrderState::Draft,
        })
    }

    pub fn validation_json(&self, record: &OrderRecord) -> Value {
        json!(self.validation(record))
    }

    /// The ways to fulfil the order's physical items.
    pub fn options(
        &self,
        record: &OrderRecord,
        stores: &[fulfillment::Store],
    ) -> FulfillmentOptions {
        fulfillment::options(&self.item_facts(&record.items), stores)
    }

    /// The order as `GET /order/{id}` answers it.
    pub fn render(&self, record: &OrderRecord) -> Value {
        let priced = self.price(record);
        let mut body = json!({
            "id": record.id,
            "state": record.state.as_str(),
            "channel": record.channel,
            "relatedParty": record.related_party,
            "createdAt": record.created_at,
            "updatedAt": record.updated_at,
            "items": prices::render_items(&record.items, &priced),
            "orderTotalPrice": prices::render_totals(&priced, self.now),
            "agreements": record.consents,
            "validation": self.validation(record),
        });
        if let Some(f) = &record.fulfillment {
            body["fulfillment"] = json!(f);
        }
        if let Some(p) = &record.payment {
            body["payment"] = json!(p);
        }
        if let Some(id) = &record.product_order_id {
            body["productOrder"] = json!({"id": id});
        }
        if let Some(cart) = &record.cart_id {
            body["cartId"] = json!(cart);
        }
        if !record.new_line_numbers.is_empty() {
            body["newLines"] = record
                .new_line_numbers
                .iter()
                .map(|(item, number)| json!({"productOrderItemId": item, "subscriberNumber": number}))
                .collect();
        }
        if !record.item_states.is_empty() {
            // What each item left in the inventory, once the order finished.
            let outcomes = omni_core::order::apply::outcomes(
                &record.items,
                &record.new_line_numbers,
                &record.id,
            );
            if let Some(items) = body["items"].as_array_mut() {
                for (item, outcome) in items.iter_mut().zip(outcomes) {
                    let state = record.item_states.get(&outcome.item_id);
                    item["state"] = json!(state);
                    if state.map(String::as_str) == Some("completed") {
                        if let Some(n) = outcome.subscriber_number {
                            item["subscriberNumber"] = json!(n);
                        }
                        if let Some(p) = outcome.product_id {
                            item["productId"] = json!(p);
                        }
                    }
                }
            }
        }
        if let Some(failure) = &record.failure {
            body["failureReason"] = json!(failure.reason);
        }
        body
    }
}

impl Record for fulfillment::Store {
    const KIND: &'static str = STORE_KIND;
    const NAME: &'static str = "store";

    fn id(&self) -> &str {
        &self.id
    }
}

/// The tenant's pick-up stores (at most 200); one that does not decode
/// fails the request rather than silently vanishing from the options.
pub async fn stores(ctx: &Context, tenant: &str) -> AppResult<Vec<fulfillment::Store>> {
    let docs = ctx
        .store
        .list_documents(&DocumentQuery {
            tenant: tenant.to_string(),
            kind: STORE_KIND.into(),
            owner: None,
            page: Some((0, 200)),
        })
        .await?;
    docs.iter()
        .map(|doc| Ok(decode::<fulfillment::Store>(doc)?.record))
        .collect()
}
