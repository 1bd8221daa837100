//! Offer prices and their totals. Money is `Decimal` throughout; amounts are
//! written as decimal strings with two places.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Value, json};

pub use super::price::Price;
use super::price::decimal;

#[derive(Debug, Clone, PartialEq)]
pub enum Benefit {
    Amount(Decimal),
    Percent(Decimal),
    /// A benefit that does not change the price (e.g. a reward card).
    None,
}

#[derive(Debug, Clone)]
pub struct Promotion {
    pub id: String,
    pub name: String,
    pub applies_to: String,
    pub benefit: Benefit,
    pub starts: Option<DateTime<Utc>>,
    pub ends: Option<DateTime<Utc>>,
    /// Potential promotions: the coupon code that unlocks it, if that is a condition.
    pub coupon: Option<String>,
    /// Potential promotions: every condition discovery can check holds for the request.
    pub other_conditions: Vec<(String, Value)>,
    pub qualification_message: Option<Value>,
    pub raw: Box<RawValue>,
}

impl Promotion {
    pub fn from_json(raw: &Value) -> Option<Self> {
        let benefit = match (
            decimal(raw.get("discountAmount")),
            decimal(raw.get("discountPercent")),
        ) {
            (Some(a), _) => Benefit::Amount(a),
            (None, Some(p)) => Benefit::Percent(p),
            _ => Benefit::None,
        };
        let benefit = if raw.get("benefitType").and_then(Value::as_str) == Some("discount") {
            benefit
        } else {
            Benefit::None
        };
        let mut coupon = None;
        let mut other_conditions = Vec::new();
        if let Some(Value::Object(conds)) = raw.get("conditions") {
            for (k, v) in conds {
                if k == "couponCode" {
                    coupon = v.as_str().map(str::to_string);
                } else {
                    other_conditions.push((k.clone(), v.clone()));
                }
            }
        }
        Some(Self {
            id: raw.get("id")?.as_str()?.to_string(),
            name: raw
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            applies_to: raw
                .get("appliesTo")
                .and_then(Value::as_str)
                .unwrap_or("oneTime")
                .to_string(),
            benefit,
            starts: instant(raw.pointer("/validFor/startDateTime")),
            ends: instant(raw.pointer("/validFor/endDateTime")),
            coupon,
            other_conditions,
            qualification_message: raw.get("qualificationMessage").cloned(),
            raw: to_raw(raw)?,
        })
    }

    pub fn valid_at(&self, now: DateTime<Utc>) -> bool {
        self.starts.is_none_or(|s| s <= now) && self.ends.is_none_or(|e| now <= e)
    }

    /// What the promotion takes off `left` (what earlier promotions left of
    /// the price type it reduces) for `units` lines or units: an amount per
    /// unit, or a percentage rounded to the cent; never more than `left`.
    /// `None`: a benefit that changes no price. Discovery's totals and the
    /// basket pricing of carts and orders both reduce by it.
    pub fn discount(&self, left: Decimal, units: Decimal) -> Option<Decimal> {
        match self.benefit {
            Benefit::Amount(a) => Some((a * units).min(left)),
            Benefit::Percent(p) => Some((left * p / Decimal::from(100)).round_dp(2).min(left)),
            Benefit::None => None,
        }
    }
}

fn to_raw(v: &Value) -> Option<Box<RawValue>> {
    RawValue::from_string(v.to_string()).ok()
}

fn instant(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(crate::time::parse_rfc3339)
}

/// What a request changes about prices.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceContext {
    /// Lines or devices being bought (`deviceCount`), at least 1.
    pub lines: u32,
    /// Coupon or referral code the buyer entered.
    pub coupon: Option<String>,
    pub losg_type: Option<String>,
    pub offer_types: Vec<String>,
    /// How a device is paid for (`paymentOption`): the totals are then what
    /// a cart or an order charges; `None` lists every way to pay.
    pub payment: Option<crate::pricing::Payment>,
    pub now: DateTime<Utc>,
}

impl PriceContext {
    pub fn default_at(now: DateTime<Utc>) -> Self {
        Self {
            lines: 1,
            coupon: None,
            losg_type: None,
            offer_types: Vec::new(),
            payment: None,
            now,
        }
    }

    pub fn is_default(&self) -> bool {
        self.lines == 1
            && self.coupon.is_none()
            && self.losg_type.is_none()
            && self.offer_types.is_empty()
            && self.payment.is_none()
    }

    /// A potential promotion becomes immediate when its coupon was entered and
    /// every other condition is one discovery can check and does hold.
    fn unlocks(&self, promo: &Promotion) -> bool {
        let Some(code) = &promo.coupon else {
            return false;
        };
        if self
            .coupon
            .as_deref()
            .is_none_or(|c| !c.eq_ignore_ascii_case(code))
        {
            return false;
        }
        promo
            .other_conditions
            .iter()
            .all(|(k, v)| match k.as_str() {
                "losgTypes" => self.losg_type.as_ref().is_some_and(|l| contains_text(v, l)),
                "offerTypes" => self.offer_types.iter().any(|t| contains_text(v, t)),
                "minLines" => v.as_u64().is_some_and(|m| u64::from(self.lines) >= m),
                _ => false,
            })
    }
}

fn contains_text(list: &Value, wanted: &str) -> bool {
    list.as_array().is_some_and(|items| {
        items
            .iter()
            .any(|i| i.as_str().is_some_and(|s| s.eq_ignore_ascii_case(wanted)))
    })
}

/// The priced view of one offering for one request.
#[derive(Debug, Clone)]
pub struct Pricing {
    pub prices: Vec<Box<RawValue>>,
    pub totals: Vec<Value>,
    pub immediate: Vec<Box<RawValue>>,
    pub potential: Vec<Box<RawValue>>,
    pub qualification: Vec<Value>,
}

struct Group {
    price_type: String,
    period: Option<String>,
    unit: String,
    amount: Decimal,
    alterations: Vec<Value>,
}

/// The line count whose tier prices apply to `lines` lines: `lines` itself,
/// or, above the highest tier, that tier's top. The page's `deviceCount`
/// example is 20 while tiers may stop at 10; beyond the last tier each line
/// is charged the last tier's per-line price, rather than the offer having
/// no price at all.
pub fn tier_lines<P: std::ops::Deref<Target = Price>>(prices: &[P], lines: u32) -> u32 {
    let lines = lines.max(1);
    let tiered = || {
        prices
            .iter()
            .filter(|p| p.line_min().is_some() || p.line_max().is_some())
    };
    if tiered().any(|p| p.applies_to_lines(lines)) {
        return lines;
    }
    match tiered().map(|p| p.line_max()).max() {
        // Every tier is bounded (`None` sorts first) and all end below `lines`.
        Some(Some(top)) if top < lines && tiered().all(|p| p.line_max().is_some()) => top,
        _ => lines,
    }
}

pub fn price<P: std::ops::Deref<Target = Price>>(
    prices: &[P],
    immediate: &[Promotion],
    potential: &[Promotion],
    ctx: &PriceContext,
) -> Pricing {
    let lines = Decimal::from(ctx.lines.max(1));
    let chosen = crate::pricing::tier_prices(prices, ctx.lines);
    // With a payment choice the totals are what a cart or an order charges
    // for this offer (one price: `crate::pricing::chosen_prices`); without,
    // they list every way to pay, the full price beside the installments.
    let charged = match ctx.payment {
        Some(payment) => crate::pricing::chosen_prices(prices, ctx.lines, payment),
        None => chosen.clone(),
    };
    let mut groups: Vec<Group> = Vec::new();
    for p in &charged {
        let amount = p.amount * lines;
        match groups
            .iter_mut()
            .find(|g| g.price_type == p.price_type() && g.period.as_deref() == p.period())
        {
            Some(g) => g.amount += amount,
            None => groups.push(Group {
                price_type: p.price_type().to_string(),
                period: p.period().map(str::to_string),
                unit: p.unit().to_string(),
                amount,
                alterations: Vec::new(),
            }),
        }
    }
    let mut applied: Vec<&Promotion> = immediate.iter().filter(|p| p.valid_at(ctx.now)).collect();
    let mut still_potential = Vec::new();
    let mut qualification = Vec::new();
    for promo in potential.iter().filter(|p| p.valid_at(ctx.now)) {
        if ctx.unlocks(promo) {
            applied.push(promo);
            qualification.push(json!({"promotionId": promo.id, "status": "qualified",
                "message": format!("Code {} applied: {}", promo.coupon.as_deref().unwrap_or(""), promo.name)}));
        } else {
            still_potential.push(promo.raw.clone());
            if let Some(msg) = &promo.qualification_message {
                qualification.push(
                    json!({"promotionId": promo.id, "status": "notQualified", "message": msg}),
                );
            }
        }
    }
    for promo in &applied {
        let Some(group) = groups.iter_mut().find(|g| g.price_type == promo.applies_to) else {
            continue;
        };
        let Some(discount) = promo.discount(group.amount, lines) else {
            continue;
        };
        group.amount -= discount;
        group.alterations.push(json!({
            "id": promo.id, "name": promo.name, "priceType": promo.applies_to,
            "price": {"unit": group.unit, "value": money(-discount)},
        }));
    }
    let totals = groups
        .into_iter()
        .map(|g| {
            let mut t = json!({
                "@type": "ProductOfferingTotalPrice",
                "priceType": g.price_type,
                "price": {"unit": g.unit, "value": money(g.amount)},
            });
            if let Some(p) = g.period {
                t["recurringChargePeriod"] = json!(p);
            }
            if !g.alterations.is_empty() {
                t["priceAlteration"] = Value::Array(g.alterations);
            }
            t
        })
        .collect();
    Pricing {
        prices: chosen.iter().map(|p| p.raw.clone()).collect(),
        totals,
        immediate: applied.iter().map(|p| p.raw.clone()).collect(),
        potential: still_potential,
        qualification,
    }
}

/// Two decimal places, rounded half away from zero.
pub fn money(d: Decimal) -> String {
    let mut r = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r.to_string()
}
