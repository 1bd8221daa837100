//! Prices and promotions of catalog offerings: one price for one basket,
//! whether it is a TMF663 cart, a partner order or a Product Discovery
//! answer (issue 13).
//!
//! ```text
//! chosen_prices   the offering's prices for the line count and payment choice
//!                 (discovery's productOfferingTotalPrice uses it too)
//! price_basket    every item of a cart or an order: its charges, the lines
//!                 counted over the basket, the tenant's promotions (TMF671)
//! basket_totals   what is due today first, then one total per price type
//! ```
//!
//! A device with an installment plan is paid either in full today or by
//! its installments, never both: [`Payment`] says which, and an item that
//! says nothing pays by installments, in carts and orders alike.

use crate::cart::{self, ItemCharge, PricedItem, Reduction};
use crate::discovery::{CatalogIndex, Price, money};
use crate::promotion::{self, LinePrice, PricedLine, Promotion, PromotionContext};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::ops::Deref;

/// How a device is paid for: the `paymentOption` characteristic of a cart
/// item or an order item (`full` or `installment`, [`crate::formats::PAYMENT_OPTIONS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Payment {
    /// The default: by the offering's installments where it has them.
    #[default]
    Installments,
    /// The full price today.
    Full,
}

impl Payment {
    /// The characteristic that carries the choice, in carts and orders.
    pub const CHARACTERISTIC: &'static str = "paymentOption";

    /// The choice a characteristic's value makes; absent means the default.
    /// (Its format is checked where characteristics are checked.)
    pub fn from_choice(value: Option<&str>) -> Self {
        match value {
            Some(v) if v.eq_ignore_ascii_case("full") => Self::Full,
            _ => Self::Installments,
        }
    }
}

/// The prices one unit of an offering is charged when `lines` lines are
/// bought, paid as `payment`: the prices of that line tier, and of an
/// offering with installments either the installments and whatever they do
/// not replace (the one-time prices named by their `installmentOf`
/// relationship, or every one-time price when none is named), or the full
/// price and no installments.
pub fn chosen_prices<P: Deref<Target = Price>>(
    prices: &[P],
    lines: u32,
    payment: Payment,
) -> Vec<&Price> {
    let tier = tier_prices(prices, lines);
    let installments: Vec<&Price> = tier
        .iter()
        .copied()
        .filter(|p| p.price_type() == "installment")
        .collect();
    if installments.is_empty() {
        return tier;
    }
    match payment {
        Payment::Full => tier
            .into_iter()
            .filter(|p| p.price_type() != "installment")
            .collect(),
        Payment::Installments => {
            let replaced: Vec<&str> = installments
                .iter()
                .flat_map(|p| p.installment_of().iter().map(String::as_str))
                .collect();
            tier.into_iter()
                .filter(|p| {
                    if replaced.is_empty() {
                        p.price_type() != "oneTime"
                    } else {
                        !replaced.contains(&p.id())
                    }
                })
                .collect()
        }
    }
}

/// Every price of the line tier that applies to `lines` lines (every way
/// to pay): above an offer's last tier, that tier's per-line prices
/// ([`crate::discovery::pricing::tier_lines`]).
pub fn tier_prices<P: Deref<Target = Price>>(prices: &[P], lines: u32) -> Vec<&Price> {
    let tier = crate::discovery::pricing::tier_lines(prices, lines);
    prices
        .iter()
        .map(|p| &**p)
        .filter(|p| p.applies_to_lines(tier))
        .collect()
}

/// Whether paying for the offering this way is financing it.
pub fn financed(index: &CatalogIndex, offering_id: &str, payment: Payment) -> bool {
    payment == Payment::Installments
        && index
            .offering(offering_id)
            .is_some_and(|o| o.prices.iter().any(|p| p.price_type() == "installment"))
}

/// One unit's charges of an offering for `lines` lines: its own prices and,
/// for a bundle, those of its default parts (as discovery totals it).
pub fn offering_charges(
    index: &CatalogIndex,
    offering_id: &str,
    lines: u32,
    payment: Payment,
) -> Vec<ItemCharge> {
    let Some(o) = index.offering(offering_id) else {
        return Vec::new();
    };
    let all: Vec<&Price> = o
        .prices
        .iter()
        .chain(&o.part_prices)
        .map(|p| &**p)
        .collect();
    chosen_prices(&all, lines, payment)
        .into_iter()
        .map(|p| ItemCharge {
            price_id: p.id().to_string(),
            name: p.name().to_string(),
            price_type: p.price_type().to_string(),
            period: p.period().map(str::to_string),
            unit_amount: p.amount,
            currency: p.unit().to_string(),
        })
        .collect()
}

/// One item of a basket (a cart item, an order item), as pricing sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct BasketItem<'a> {
    pub item_id: &'a str,
    pub offering_id: Option<&'a str>,
    pub quantity: u32,
    pub payment: Payment,
    /// Whether the item sells something: added or modified, and not the
    /// customer's own device. A removal or an unchanged product costs nothing.
    pub charged: bool,
    pub start_date: Option<NaiveDate>,
    /// Parked items (saved for later) are priced but not in the totals.
    pub active: bool,
}

/// Prices every item of a basket: a multi-line price tier is chosen by the
/// number of lines of that offering the basket buys (the sum of the active
/// charged items' quantities), so three items of a plan and one item of
/// quantity three cost the same; then the tenant's promotions apply.
pub fn price_basket(
    index: &CatalogIndex,
    promotions: &[Promotion],
    items: &[BasketItem<'_>],
    buyer: Buyer<'_>,
) -> Vec<PricedItem> {
    let mut lines: HashMap<&str, u32> = HashMap::new();
    for item in items.iter().filter(|i| i.active && i.charged) {
        if let Some(id) = item.offering_id {
            *lines.entry(id).or_default() += item.quantity.max(1);
        }
    }
    let mut priced: Vec<PricedItem> = items
        .iter()
        .map(|item| PricedItem {
            quantity: item.quantity.max(1),
            charges: match item.offering_id {
                Some(id) if item.charged => {
                    let n = lines.get(id).copied().unwrap_or(item.quantity.max(1));
                    offering_charges(index, id, n, item.payment)
                }
                _ => Vec::new(),
            },
            reductions: Vec::new(),
            start_date: item.start_date,
            active: item.active,
        })
        .collect();
    let reduced: Vec<Line<'_>> = items
        .iter()
        .zip(priced.iter())
        .filter(|(i, p)| i.offering_id.is_some() && !p.charges.is_empty())
        .map(|(i, p)| Line {
            item_id: i.item_id,
            offering_id: i.offering_id.unwrap_or_default(),
            priced: p,
        })
        .collect();
    let now = buyer.now;
    let coupons = buyer.coupon_codes.clone();
    let reductions = promotion_reductions(index, promotions, &reduced, buyer);
    for (item_id, reduction) in reductions {
        if let Some(n) = items.iter().position(|i| i.item_id == item_id) {
            priced[n].reductions.push(reduction);
        }
    }
    for (item, p) in items.iter().zip(priced.iter_mut()) {
        if let Some(o) = item.offering_id.and_then(|id| index.offering(id))
            && !p.charges.is_empty()
        {
            let own = offer_reductions(&o.immediate, &o.potential, p, &coupons, now);
            p.reductions.extend(own);
        }
    }
    priced
}

/// The offering's own promotions (the catalog's `immediatePromotion`, and a
/// `potentialPromotion` whose only condition is a coupon the buyer entered),
/// as Product Discovery applies them to the offer's totals: in turn, each on
/// what the earlier ones left of the price type it reduces, never below zero.
fn offer_reductions(
    immediate: &[crate::discovery::pricing::Promotion],
    potential: &[crate::discovery::pricing::Promotion],
    item: &PricedItem,
    coupons: &[String],
    now: DateTime<Utc>,
) -> Vec<Reduction> {
    let quantity = Decimal::from(item.quantity);
    let unlocked = potential.iter().filter(|p| {
        p.other_conditions.is_empty()
            && p.coupon
                .as_deref()
                .is_some_and(|c| coupons.iter().any(|have| have.eq_ignore_ascii_case(c)))
    });
    let mut reductions: Vec<Reduction> = Vec::new();
    for promo in immediate.iter().chain(unlocked).filter(|p| p.valid_at(now)) {
        let Some(charge) = item
            .charges
            .iter()
            .find(|c| c.price_type == promo.applies_to)
        else {
            continue;
        };
        let charged: Decimal = item
            .charges
            .iter()
            .filter(|c| c.price_type == charge.price_type && c.period == charge.period)
            .map(|c| c.unit_amount * quantity)
            .sum();
        let taken: Decimal = item
            .reductions
            .iter()
            .chain(&reductions)
            .filter(|r| r.price_type == charge.price_type && r.period == charge.period)
            .map(|r| r.amount)
            .sum();
        let left = (charged - taken).max(Decimal::ZERO);
        let Some(amount) = promo.discount(left, quantity) else {
            continue;
        };
        reductions.push(Reduction {
            promotion_id: promo.id.clone(),
            name: promo.name.clone(),
            price_type: charge.price_type.clone(),
            period: charge.period.clone(),
            amount,
            duration_months: None,
        });
    }
    reductions
}

/// The basket's totals as TMF663 `cartTotalPrice` shows them and orders
/// repeat: what is due today first (`@UpfrontTotalPrice`, when the basket
/// charges anything once), then one total per price type and period.
pub fn basket_totals(priced: &[PricedItem], today: NaiveDate) -> Vec<Value> {
    let mut totals = Vec::new();
    if let Some((due, currency)) = cart::upfront_due(priced, today) {
        totals.push(json!({
            "@type": "@UpfrontTotalPrice",
            "name": "Due today",
            "priceType": "oneTime",
            "price": {"taxIncludedAmount": {"unit": currency, "value": money(due)}},
        }));
    }
    totals.extend(cart::cart_totals(priced).to_json());
    totals
}

/// A priced line a promotion may reduce.
pub struct Line<'a> {
    pub item_id: &'a str,
    pub offering_id: &'a str,
    pub priced: &'a PricedItem,
}

/// Who buys and where, for promotion eligibility.
pub struct Buyer<'a> {
    pub channel: &'a str,
    pub customer_type: Option<&'a str>,
    pub coupon_codes: Vec<String>,
    pub now: DateTime<Utc>,
}

/// The reductions the tenant's promotions give each line, by item id.
pub fn promotion_reductions(
    index: &CatalogIndex,
    promotions: &[Promotion],
    lines: &[Line<'_>],
    buyer: Buyer<'_>,
) -> Vec<(String, Reduction)> {
    let priced: Vec<PricedLine> = lines
        .iter()
        .filter(|l| l.priced.active)
        .map(|l| PricedLine {
            item_id: l.item_id.to_string(),
            offering_id: l.offering_id.to_string(),
            categories: index
                .offering(l.offering_id)
                .map(|o| o.categories.to_vec())
                .unwrap_or_default(),
            quantity: l.priced.quantity,
            prices: l
                .priced
                .charges
                .iter()
                .map(|c| LinePrice {
                    price_type: c.price_type.clone(),
                    period: c.period.clone(),
                    unit_amount: c.unit_amount,
                    unit: c.currency.clone(),
                })
                .collect(),
        })
        .collect();
    let context = PromotionContext {
        channel: buyer.channel.to_string(),
        customer_type: buyer.customer_type.map(str::to_string),
        coupon_codes: buyer.coupon_codes,
        now: buyer.now,
    };
    promotion::apply(&priced, promotions, &context)
        .into_iter()
        .map(|applied| {
            (
                applied.item_id,
                Reduction {
                    promotion_id: applied.promotion_id,
                    name: applied.name,
                    price_type: applied.price_type,
                    period: applied.period,
                    amount: applied.amount.max(Decimal::ZERO),
                    duration_months: applied.duration_months,
                },
            )
        })
        .collect()
}
