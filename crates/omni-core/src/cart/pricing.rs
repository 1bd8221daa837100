//! Cart prices: each item's charges from the catalog prices times its
//! quantity, its totals per price type and period after promotions, and the
//! cart's totals over its active items, with what is due now first.

use crate::discovery::money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// One catalog price as it applies to a cart item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCharge {
    pub price_id: String,
    pub name: String,
    pub price_type: String,
    pub period: Option<String>,
    /// Amount of one unit.
    pub unit_amount: Decimal,
    pub currency: String,
}

/// An item ready for totals: its charges, quantity, and the reductions
/// promotions give it as `(promotion id, name, price type, period, amount)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedItem {
    pub quantity: u32,
    pub charges: Vec<ItemCharge>,
    pub reductions: Vec<Reduction>,
    /// Items starting later are not due now.
    pub start_date: Option<NaiveDate>,
    /// Only active items count in the cart's totals.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reduction {
    pub promotion_id: String,
    pub name: String,
    pub price_type: String,
    pub period: Option<String>,
    /// Positive: how much is taken off the whole line.
    pub amount: Decimal,
    pub duration_months: Option<u32>,
}

/// Sums per (price type, period), in first-seen order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub groups: Vec<TotalGroup>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TotalGroup {
    pub price_type: String,
    pub period: Option<String>,
    pub currency: String,
    pub amount: Decimal,
    pub reductions: Vec<Reduction>,
}

impl Totals {
    fn add(
        &mut self,
        price_type: &str,
        period: &Option<String>,
        currency: &str,
        amount: Decimal,
    ) -> &mut TotalGroup {
        let at = match self
            .groups
            .iter()
            .position(|g| g.price_type == price_type && &g.period == period)
        {
            Some(at) => at,
            None => {
                self.groups.push(TotalGroup {
                    price_type: price_type.to_string(),
                    period: period.clone(),
                    currency: currency.to_string(),
                    amount: Decimal::ZERO,
                    reductions: Vec::new(),
                });
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[at];
        group.amount += amount;
        group
    }
}

/// The `itemPrice` array: each charge times the quantity.
pub fn item_charges(item: &PricedItem) -> Vec<Value> {
    let quantity = Decimal::from(item.quantity);
    item.charges
        .iter()
        .map(|c| {
            let mut price = json!({
                "@type": "CartPrice",
                "name": c.name,
                "priceType": c.price_type,
                "price": {"taxIncludedAmount": {"unit": c.currency, "value": money(c.unit_amount * quantity)}},
                "productOfferingPrice": {"id": c.price_id, "name": c.name},
            });
            if let Some(p) = &c.period {
                price["recurringChargePeriod"] = json!(p);
            }
            price
        })
        .collect()
}

/// An item's totals per price type and period, reductions applied (never
/// below zero).
pub fn item_totals(item: &PricedItem) -> Totals {
    let quantity = Decimal::from(item.quantity);
    let mut totals = Totals::default();
    for c in &item.charges {
        totals.add(
            &c.price_type,
            &c.period,
            &c.currency,
            c.unit_amount * quantity,
        );
    }
    for r in &item.reductions {
        if let Some(g) = totals
            .groups
            .iter_mut()
            .find(|g| g.price_type == r.price_type && g.period == r.period)
        {
            let cut = r.amount.min(g.amount).max(Decimal::ZERO);
            g.amount -= cut;
            g.reductions.push(Reduction {
                amount: cut,
                ..r.clone()
            });
        }
    }
    totals
}

/// What the active items starting today or earlier (or with no start date)
/// charge once: the amount to pay now.
pub fn upfront_due(items: &[PricedItem], today: NaiveDate) -> Option<(Decimal, String)> {
    let mut due = None::<(Decimal, String)>;
    for item in items
        .iter()
        .filter(|i| i.active && i.start_date.is_none_or(|d| d <= today))
    {
        for g in item_totals(item)
            .groups
            .iter()
            .filter(|g| g.price_type == "oneTime")
        {
            let entry = due.get_or_insert((Decimal::ZERO, g.currency.clone()));
            entry.0 += g.amount;
        }
    }
    due
}

/// The cart's totals over its active items.
pub fn cart_totals(items: &[PricedItem]) -> Totals {
    let mut totals = Totals::default();
    for item in items.iter().filter(|i| i.active) {
        for g in item_totals(item).groups {
            let group = totals.add(&g.price_type, &g.period, &g.currency, g.amount);
            group.reductions.extend(g.reductions);
        }
    }
    totals
}

impl Totals {
    /// TMF663 `CartPrice` objects, one per group, reductions as `priceAlteration`.
    pub fn to_json(&self) -> Vec<Value> {
        self.groups
            .iter()
            .map(|g| {
                let mut price = json!({
                    "@type": "CartPrice",
                    "priceType": g.price_type,
                    "price": {"taxIncludedAmount": {"unit": g.currency, "value": money(g.amount)}},
                });
                if let Some(p) = &g.period {
                    price["recurringChargePeriod"] = json!(p);
                }
                if !g.reductions.is_empty() {
                    price["priceAlteration"] = Value::Array(
                        g.reductions
                            .iter()
                            .map(|r| {
                                let mut a = json!({
                                    "@type": "PriceAlteration",
                                    "name": r.name,
                                    "priceType": r.price_type,
                                    "price": {"taxIncludedAmount": {"unit": g.currency, "value": money(-r.amount)}},
                                    "promotionId": r.promotion_id,
                                });
                                if let Some(p) = &r.period {
                                    a["recurringChargePeriod"] = json!(p);
                                }
                                if let Some(m) = r.duration_months {
                                    a["applicationDuration"] = json!(m);
                                }
                                a
                            })
                            .collect(),
                    );
                }
                price
            })
            .collect()
    }
}
