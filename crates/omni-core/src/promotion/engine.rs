//! Applying promotions to a priced cart. Pure and deterministic: the same
//! lines, promotions (in any order) and context give the same reductions.
//!
//! The rules (see the module documentation of [`super`] for the why):
//! 1. Candidates are the live promotions valid at `now` with a pattern valid
//!    at `now` whose criteria hold for the whole cart and context; each uses
//!    its first such pattern by (`priority`, position).
//! 2. Candidates apply in ascending (pattern priority, promotion id, pattern
//!    position); a missing priority sorts last.
//! 3. Each action reduces the prices of its `priceType` on its target items:
//!    an amount per unit (× quantity), or a percentage of what is left of the
//!    price, rounded to the cent (half away from zero). A reduction never
//!    exceeds what is left of the price, so no price goes below zero.
//! 4. An exclusive promotion skips items an earlier promotion reduced, and
//!    items it reduced are closed to later promotions.

use super::model::{Action, Benefit, Criterion, Logic, Membership, Pattern, Promotion, Target};
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

/// One cart item with its prices, as the cart prices it.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedLine {
    pub item_id: String,
    pub offering_id: String,
    pub categories: Vec<String>,
    pub quantity: u32,
    pub prices: Vec<LinePrice>,
}

/// One price of a cart item, per unit.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePrice {
    /// `oneTime`, `recurring` or `installment`.
    pub price_type: String,
    /// Charge period of recurring and installment prices, e.g. `month`.
    pub period: Option<String>,
    pub unit_amount: Decimal,
    /// Currency, e.g. `USD`.
    pub unit: String,
}

/// What the cart knows beyond its items.
#[derive(Debug, Clone, PartialEq)]
pub struct PromotionContext {
    pub channel: String,
    pub customer_type: Option<String>,
    pub coupon_codes: Vec<String>,
    pub now: DateTime<Utc>,
}

/// One reduction of one price (type and period) of one cart item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPromotion {
    pub promotion_id: String,
    pub name: String,
    pub item_id: String,
    pub price_type: String,
    pub period: Option<String>,
    /// Currency of the reduced price.
    pub unit: String,
    /// The reduction, positive, for the whole line (unit × quantity), per
    /// charge for recurring and installment prices.
    pub amount: Decimal,
    /// How many months a recurring or installment reduction lasts; `None`
    /// for one-time prices or as long as the price.
    pub duration_months: Option<u32>,
}

/// The reductions the promotions give the cart, in the order they apply:
/// by promotion (rule 2), then action, then line, then price as listed.
/// Reductions of one promotion on the same price with the same duration
/// are summed into one entry. The result does not depend on the order of
/// `promotions`, given that their ids are unique (as stored ones are).
pub fn apply(
    lines: &[PricedLine],
    promotions: &[Promotion],
    ctx: &PromotionContext,
) -> Vec<AppliedPromotion> {
    let mut candidates: Vec<(&Promotion, &Pattern)> = promotions
        .iter()
        .filter(|p| p.is_live(ctx.now))
        .filter_map(|p| matching_pattern(p, lines, ctx).map(|pattern| (p, pattern)))
        .collect();
    candidates.sort_by(|(a, pa), (b, pb)| {
        (pa.rank(), a.id.as_str(), pa.index).cmp(&(pb.rank(), b.id.as_str(), pb.index))
    });

    let mut charges: Vec<Vec<Charge>> = lines.iter().map(charges_of).collect();
    // Items some promotion reduced, and items an exclusive one closed.
    let mut reduced = vec![false; lines.len()];
    let mut closed = vec![false; lines.len()];
    let mut out: Vec<AppliedPromotion> = Vec::new();
    for (promotion, pattern) in candidates {
        let selected = selected_items(pattern, lines, ctx);
        let mut touched = vec![false; lines.len()];
        for action in &pattern.actions {
            let open: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    // Closed by an exclusive promotion, or reduced by another
                    // while this one is exclusive.
                    let taken = closed[i] || (promotion.exclusive && reduced[i]);
                    !taken
                        && targets(action, &lines[i], selected[i])
                        && lines[i].quantity > 0
                        && charges[i]
                            .iter()
                            .any(|c| c.reducible_by(action) && c.left > Decimal::ZERO)
                })
                .collect();
            for (i, units) in allocate(action, lines, &charges, open) {
                let quantity = Decimal::from(lines[i].quantity);
                for charge in charges[i].iter_mut().filter(|c| c.reducible_by(action)) {
                    let units = Decimal::from(units);
                    let wanted = match &action.benefit {
                        Benefit::AmountOff { amount, .. } => amount.saturating_mul(units),
                        Benefit::PercentOff(percent) => {
                            let share = if units == quantity {
                                charge.left
                            } else {
                                charge.left.saturating_mul(units) / quantity
                            };
                            cents(share.saturating_mul(*percent) / Decimal::ONE_HUNDRED)
                        }
                    };
                    let amount = wanted.min(charge.left);
                    if amount <= Decimal::ZERO {
                        continue;
                    }
                    charge.left -= amount;
                    touched[i] = true;
                    record(&mut out, promotion, &lines[i], charge, action, amount);
                }
            }
        }
        for (i, t) in touched.into_iter().enumerate() {
            if t {
                reduced[i] = true;
                closed[i] |= promotion.exclusive;
            }
        }
    }
    out
}

/// What is left of one price group (type, period, currency) of one line.
#[derive(Debug, Clone)]
struct Charge {
    price_type: String,
    period: Option<String>,
    unit: String,
    /// Sum of the unit amounts of the group's prices.
    unit_amount: Decimal,
    /// The line's amount (unit × quantity) less the reductions so far.
    left: Decimal,
}

impl Charge {
    fn reducible_by(&self, action: &Action) -> bool {
        self.price_type == action.price_type
            && match &action.benefit {
                Benefit::AmountOff { unit, .. } => &self.unit == unit,
                Benefit::PercentOff(_) => true,
            }
    }
}

fn charges_of(line: &PricedLine) -> Vec<Charge> {
    let quantity = Decimal::from(line.quantity);
    let mut out: Vec<Charge> = Vec::new();
    for price in &line.prices {
        let amount = price.unit_amount.saturating_mul(quantity);
        match out.iter_mut().find(|c| {
            c.price_type == price.price_type && c.period == price.period && c.unit == price.unit
        }) {
            Some(c) => {
                c.unit_amount = c.unit_amount.saturating_add(price.unit_amount);
                c.left = c.left.saturating_add(amount);
            }
            None => out.push(Charge {
                price_type: price.price_type.clone(),
                period: price.period.clone(),
                unit: price.unit.clone(),
                unit_amount: price.unit_amount,
                left: amount,
            }),
        }
    }
    out
}

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn record(
    out: &mut Vec<AppliedPromotion>,
    promotion: &Promotion,
    line: &PricedLine,
    charge: &Charge,
    action: &Action,
    amount: Decimal,
) {
    let duration_months = match charge.price_type.as_str() {
        "oneTime" => None,
        _ => action.duration_months,
    };
    let same = out.iter_mut().find(|a| {
        a.promotion_id == promotion.id
            && a.item_id == line.item_id
            && a.price_type == charge.price_type
            && a.period == charge.period
            && a.unit == charge.unit
            && a.duration_months == duration_months
    });
    match same {
        Some(a) => a.amount = a.amount.saturating_add(amount),
        None => out.push(AppliedPromotion {
            promotion_id: promotion.id.clone(),
            name: promotion.name.clone(),
            item_id: line.item_id.clone(),
            price_type: charge.price_type.clone(),
            period: charge.period.clone(),
            unit: charge.unit.clone(),
            amount,
            duration_months,
        }),
    }
}

/// The pattern a promotion applies: the first by (priority, position) that
/// is valid at `now` and whose criteria hold.
fn matching_pattern<'a>(
    promotion: &'a Promotion,
    lines: &[PricedLine],
    ctx: &PromotionContext,
) -> Option<&'a Pattern> {
    let mut patterns: Vec<&Pattern> = promotion.patterns.iter().collect();
    patterns.sort_by_key(|p| (p.rank(), p.index));
    patterns
        .into_iter()
        .find(|p| p.valid_for.contains(ctx.now) && pattern_holds(p, lines, ctx))
}

fn combine(logic: Logic, mut results: impl Iterator<Item = bool>) -> bool {
    match logic {
        Logic::All => results.all(|r| r),
        Logic::Any => results.any(|r| r),
    }
}

fn pattern_holds(pattern: &Pattern, lines: &[PricedLine], ctx: &PromotionContext) -> bool {
    combine(
        pattern.logic,
        pattern.groups.iter().map(|g| {
            combine(
                g.logic,
                g.criteria.iter().map(|c| criterion_holds(c, lines, ctx)),
            )
        }),
    )
}

fn one_of(values: &[String], wanted: &str) -> bool {
    values.iter().any(|v| v.eq_ignore_ascii_case(wanted.trim()))
}

fn of_offerings(line: &PricedLine, ids: &[String]) -> bool {
    ids.contains(&line.offering_id)
}

fn in_categories(line: &PricedLine, ids: &[String]) -> bool {
    line.categories.iter().any(|c| ids.contains(c))
}

fn present(lines: &[PricedLine], test: impl Fn(&PricedLine) -> bool) -> bool {
    lines.iter().any(|l| l.quantity > 0 && test(l))
}

fn quantity(lines: &[PricedLine], test: impl Fn(&PricedLine) -> bool) -> u64 {
    lines
        .iter()
        .filter(|l| test(l))
        .map(|l| u64::from(l.quantity))
        .sum()
}

fn criterion_holds(criterion: &Criterion, lines: &[PricedLine], ctx: &PromotionContext) -> bool {
    let member = |op: Membership, found: bool| match op {
        Membership::In => found,
        Membership::NotIn => !found,
    };
    match criterion {
        Criterion::Offering { op, ids } => member(*op, present(lines, |l| of_offerings(l, ids))),
        Criterion::Category { op, ids } => member(*op, present(lines, |l| in_categories(l, ids))),
        Criterion::OfferingQuantity { ids, op, value } => {
            op.holds(quantity(lines, |l| of_offerings(l, ids)), *value)
        }
        Criterion::CategoryQuantity { ids, op, value } => {
            op.holds(quantity(lines, |l| in_categories(l, ids)), *value)
        }
        Criterion::Channel { op, values } => member(*op, one_of(values, &ctx.channel)),
        Criterion::CustomerType { op, values } => member(
            *op,
            ctx.customer_type
                .as_deref()
                .is_some_and(|t| one_of(values, t)),
        ),
        Criterion::CouponCode { codes } => ctx.coupon_codes.iter().any(|c| one_of(codes, c)),
    }
}

/// The items the pattern's criteria matched: those named by item criteria
/// that hold (`=` offering or category lists, quantity criteria) in groups
/// that hold; every item when the pattern has no item criteria.
fn selected_items(pattern: &Pattern, lines: &[PricedLine], ctx: &PromotionContext) -> Vec<bool> {
    if !pattern.names_items() {
        return vec![true; lines.len()];
    }
    let mut selected = vec![false; lines.len()];
    let holding_groups = pattern.groups.iter().filter(|g| {
        combine(
            g.logic,
            g.criteria.iter().map(|c| criterion_holds(c, lines, ctx)),
        )
    });
    for criterion in holding_groups
        .flat_map(|g| &g.criteria)
        .filter(|c| criterion_holds(c, lines, ctx))
    {
        for (i, line) in lines.iter().enumerate() {
            selected[i] |= match criterion {
                Criterion::Offering {
                    op: Membership::In,
                    ids,
                }
                | Criterion::OfferingQuantity { ids, .. } => of_offerings(line, ids),
                Criterion::Category {
                    op: Membership::In,
                    ids,
                }
                | Criterion::CategoryQuantity { ids, .. } => in_categories(line, ids),
                _ => false,
            };
        }
    }
    selected
}

fn targets(action: &Action, line: &PricedLine, selected: bool) -> bool {
    match &action.target {
        Target::MatchingItems => selected,
        Target::Offering(id) => &line.offering_id == id,
        Target::Category(id) => line.categories.contains(id),
    }
}

/// Units of each open line the action covers: all of them, or with
/// `maxQuantity` that many across the cart, cheapest unit price first (ties:
/// the earlier line).
fn allocate(
    action: &Action,
    lines: &[PricedLine],
    charges: &[Vec<Charge>],
    mut open: Vec<usize>,
) -> Vec<(usize, u32)> {
    let Some(max) = action.max_quantity else {
        return open.into_iter().map(|i| (i, lines[i].quantity)).collect();
    };
    let unit_price = |i: usize| -> Decimal {
        charges[i]
            .iter()
            .filter(|c| c.reducible_by(action))
            .fold(Decimal::ZERO, |sum, c| sum.saturating_add(c.unit_amount))
    };
    open.sort_by(|&a, &b| unit_price(a).cmp(&unit_price(b)).then(a.cmp(&b)));
    let mut left = max;
    let mut out = Vec::new();
    for i in open {
        if left == 0 {
            break;
        }
        let units = lines[i].quantity.min(left);
        left -= units;
        out.push((i, units));
    }
    // Apply in line order, like actions without a limit.
    out.sort_by_key(|&(i, _)| i);
    out
}
