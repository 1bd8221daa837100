//! What a partner order costs, as its answers show it: each item priced
//! from the catalog index (a device in full or by installments), the
//! tenant's promotions applied through `omni_core::pricing`, and the
//! order's totals with what is due today first.

use chrono::{DateTime, Utc};
use omni_core::cart::{self, PricedItem};
use omni_core::discovery::CatalogIndex;
use omni_core::order::CapturedItem;
use omni_core::pricing::{self, BasketItem, Buyer, Payment};
use omni_core::promotion::Promotion;
use rust_decimal::Decimal;
use serde_json::Value;

/// How the item's device is paid for: its `paymentOption`, else by
/// installments (the default carts take too).
pub fn payment(item: &CapturedItem) -> Payment {
    Payment::from_choice(item.characteristic(Payment::CHARACTERISTIC))
}

/// A device item bought on the offering's installments.
pub fn financed(item: &CapturedItem, index: &CatalogIndex) -> bool {
    item.offering_type == "Mobile_Device"
        && !item.flag("isBYOD")
        && item
            .offering_id
            .as_deref()
            .is_some_and(|id| pricing::financed(index, id, payment(item)))
}

/// Every item priced by the one basket pricing that carts use too
/// ([`pricing::price_basket`]): an item costs something only when it adds
/// or changes what the customer has, and a customer's own device nothing.
pub fn price_items(
    items: &[CapturedItem],
    index: &CatalogIndex,
    promotions: &[Promotion],
    buyer: (&str, Option<&str>),
    now: DateTime<Utc>,
) -> Vec<PricedItem> {
    let basket: Vec<BasketItem<'_>> = items
        .iter()
        .map(|i| BasketItem {
            item_id: &i.id,
            offering_id: i.offering_id.as_deref(),
            quantity: 1,
            payment: payment(i),
            charged: i.adds() && !i.flag("isBYOD"),
            start_date: None,
            active: true,
        })
        .collect();
    let coupons = items
        .iter()
        .filter_map(|i| i.characteristic("couponCode").map(str::to_string))
        .collect();
    let (channel, customer_type) = buyer;
    let buyer = Buyer {
        channel,
        customer_type,
        coupon_codes: coupons,
        now,
    };
    pricing::price_basket(index, promotions, &basket, buyer)
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

/// Order totals, what is due today first: the same totals a cart of
/// these items shows.
pub fn render_totals(priced: &[PricedItem], now: DateTime<Utc>) -> Vec<Value> {
    pricing::basket_totals(priced, now.date_naive())
}
