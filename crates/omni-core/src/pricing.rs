//! Prices and promotions of catalog offerings, shared by carts and orders so
//! that an offer costs the same wherever it is bought: an offering's charges
//! come from the catalog index, and the tenant's promotions reduce the lines
//! of a basket.

use crate::cart::{ItemCharge, PricedItem, Reduction};
use crate::discovery::CatalogIndex;
use crate::promotion::{self, LinePrice, PricedLine, Promotion, PromotionContext};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The offering's charges for `quantity` units (prices that apply to that many lines).
pub fn offering_charges(index: &CatalogIndex, offering_id: &str, quantity: u32) -> Vec<ItemCharge> {
    let Some(o) = index.offering(offering_id) else {
        return Vec::new();
    };
    o.prices
        .iter()
        .filter(|p| p.applies_to_lines(quantity))
        .map(|p| ItemCharge {
            price_id: p.id.clone(),
            name: p.name.clone(),
            price_type: p.price_type.clone(),
            period: p.period.clone(),
            unit_amount: p.amount,
            currency: p.unit.clone(),
        })
        .collect()
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
                .map(|o| o.categories.clone())
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
