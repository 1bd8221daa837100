//! What a partner order costs, as its answers show it: each item priced
//! from the catalog index (a device in full or by installments), the
//! tenant's promotions applied through `omni_core::pricing`, and the
//! order's totals with what is due today first.

use chrono::{DateTime, Utc};
use omni_core::cart::{self, PricedItem};
use omni_core::discovery::{CatalogIndex, money};
use omni_core::order::{Action, CapturedItem};
use omni_core::pricing::{self, Buyer, Line};
use omni_core::promotion::Promotion;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// A device item pays by installments unless it says `paymentOption` full.
pub fn financed(item: &CapturedItem, index: &CatalogIndex) -> bool {
    item.offering_type == "Mobile_Device"
        && !item.flag("isBYOD")
        && item.characteristic("paymentOption") != Some("full")
        && item
            .offering_id
            .as_deref()
            .and_then(|id| index.offering(id))
            .is_some_and(|o| o.prices.iter().any(|p| p.price_type == "installment"))
}

/// What the item costs: nothing unless it adds something the customer does
/// not already own; a device is paid either in full or by installments.
pub fn priced_item(item: &CapturedItem, index: &CatalogIndex) -> PricedItem {
    let charged = (item.has(Action::Add) || item.has(Action::Modify)) && !item.flag("isBYOD");
    let mut charges = match (&item.offering_id, charged) {
        (Some(id), true) => pricing::offering_charges(index, id, 1),
        _ => Vec::new(),
    };
    if charges.iter().any(|c| c.price_type == "installment") {
        let keep = if financed(item, index) {
            |t: &str| t != "oneTime"
        } else {
            |t: &str| t != "installment"
        };
        charges.retain(|c| keep(&c.price_type));
    }
    PricedItem {
        quantity: 1,
        charges,
        reductions: Vec::new(),
        start_date: None,
        active: true,
    }
}

/// Prices every item, with the tenant's promotions applied.
pub fn price_items(
    items: &[CapturedItem],
    index: &CatalogIndex,
    promotions: &[Promotion],
    channel: &str,
    now: DateTime<Utc>,
) -> Vec<PricedItem> {
    let mut priced: Vec<PricedItem> = items.iter().map(|i| priced_item(i, index)).collect();
    let lines: Vec<Line<'_>> = items
        .iter()
        .zip(priced.iter())
        .filter(|(i, p)| i.offering_id.is_some() && !p.charges.is_empty())
        .map(|(i, p)| Line {
            item_id: &i.id,
            offering_id: i.offering_id.as_deref().unwrap_or_default(),
            priced: p,
        })
        .collect();
    let coupons = items
        .iter()
        .filter_map(|i| i.characteristic("couponCode").map(str::to_string))
        .collect();
    let buyer = Buyer {
        channel,
        customer_type: None,
        coupon_codes: coupons,
        now,
    };
    let reductions = pricing::promotion_reductions(index, promotions, &lines, buyer);
    for (item_id, reduction) in reductions {
        if let Some(n) = items.iter().position(|i| i.id == item_id) {
            priced[n].reductions.push(reduction);
        }
    }
    priced
}

/// Amount due today over all items, in the catalog's currency.
pub fn due_today(priced: &[PricedItem], now: DateTime<Utc>) -> (Decimal, String) {
    cart::upfront_due(priced, now.date_naive()).unwrap_or((Decimal::ZERO, "USD".to_string()))
}

/// Items as the partner sent them, with their prices.
pub fn render_items(items: &[CapturedItem], priced: &[PricedItem]) -> Vec<Value> {
    items
        .iter()
        .zip(priced)
        .map(|(item, p)| {
            let mut body = item.body.clone();
            body["itemPrice"] = Value::Array(cart::item_charges(p));
            body["itemTotalPrice"] = Value::Array(cart::item_totals(p).to_json());
            body
        })
        .collect()
}

/// Order totals, what is due today first.
pub fn render_totals(priced: &[PricedItem], now: DateTime<Utc>) -> Vec<Value> {
    let (due, currency) = due_today(priced, now);
    let mut totals = vec![json!({
        "@type": "@UpfrontTotalPrice",
        "name": "Due today",
        "priceType": "oneTime",
        "price": {"taxIncludedAmount": {"unit": currency, "value": money(due)}},
    })];
    totals.extend(cart::cart_totals(priced).to_json());
    totals
}
