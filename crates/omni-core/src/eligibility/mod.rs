//! TMF679 Product Offering Qualification: may this customer buy this
//! offering, in this channel, now? And may a product the customer has be
//! exchanged for another offering?
//!
//! Pure functions of the tenant's [`CatalogIndex`] and a context the caller
//! fills in (`now` included), so the cart, the TMF679 API and tests call them
//! directly. The attribute checks are the ones discovery filters on, with the
//! same keys and the same case-insensitive comparison: an offering qualifies
//! for a context exactly when a discovery search with the same channel and
//! filters could list it. As in discovery, a context value the offering does
//! not list fails the check, even when the offering lists no value at all
//! for that attribute (the demo catalog lists every one on every offering).

mod reason;
#[cfg(test)]
mod tests;

pub use reason::{Reason, ReasonCode};

use crate::discovery::{CatalogIndex, IndexedOffering};
use chrono::{DateTime, Utc};

/// `relationshipType` of a `productOfferingRelationship` that lets a product
/// be exchanged for the target offering.
pub const SWAP: &str = "swap";

/// Who is buying, where, and what they already have. Optional attributes are
/// checked only when the context names them.
#[derive(Debug, Clone, PartialEq)]
pub struct EligibilityContext {
    /// Sales channel, e.g. `ECOMM`, `ATTR`, `SelfService`.
    pub channel: String,
    /// E.g. `Consumer`, `Business`, `IRU`, `CRU` (offering `customerTypes`).
    pub customer_type: Option<String>,
    /// E.g. `Individual`, `Enterprise` (offering `customerSubTypes`).
    pub customer_sub_type: Option<String>,
    /// `Prepaid` or `Postpaid` (offering `paymentType`).
    pub payment_type: Option<String>,
    /// E.g. `low`, `medium`, `high` (offering `creditRisk`).
    pub credit_class: Option<String>,
    /// Market code, e.g. `DLS` (offering `markets`).
    pub market: Option<String>,
    /// Offerings of the products the customer already has.
    pub existing_offering_ids: Vec<String>,
    pub now: DateTime<Utc>,
}

impl EligibilityContext {
    /// A context naming only the channel and the time.
    pub fn new(channel: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            channel: channel.into(),
            customer_type: None,
            customer_sub_type: None,
            payment_type: None,
            credit_class: None,
            market: None,
            existing_offering_ids: Vec::new(),
            now,
        }
    }
}

fn not_found(offering_id: &str) -> Reason {
    Reason::new(
        ReasonCode::NotFound,
        format!("Product offering '{offering_id}' does not exist"),
    )
}

/// Every reason `offering_id` cannot be sold in `ctx`; empty means eligible.
/// An unknown offering has the single reason `NOT_FOUND`; otherwise the
/// reasons come in a fixed order: `NOT_SELLABLE`, `NOT_YET_VALID` or
/// `EXPIRED`, `CHANNEL`, `CUSTOMER_TYPE`, `CUSTOMER_SUB_TYPE`,
/// `PAYMENT_TYPE`, `CREDIT_CLASS`, `MARKET`, `REQUIRES_EXISTING_PRODUCT`.
pub fn qualify(index: &CatalogIndex, offering_id: &str, ctx: &EligibilityContext) -> Vec<Reason> {
    let Some(offering) = index.offering(offering_id) else {
        return vec![not_found(offering_id)];
    };
    let name = |what: &str| format!("Product offering '{offering_id}' {what}");
    let mut reasons = Vec::new();
    if !offering.sellable {
        reasons.push(Reason::new(
            ReasonCode::NotSellable,
            name("is not sellable (its lifecycle status is not Active or Launched, or isSellable is false)"),
        ));
    }
    if let Some(start) = offering.valid_from
        && ctx.now < start
    {
        reasons.push(Reason::new(
            ReasonCode::NotYetValid,
            name(&format!(
                "is not on sale before {}",
                crate::time::rfc3339(start)
            )),
        ));
    }
    if let Some(end) = offering.valid_to
        && ctx.now > end
    {
        reasons.push(Reason::new(
            ReasonCode::Expired,
            name(&format!(
                "was withdrawn from sale on {}",
                crate::time::rfc3339(end)
            )),
        ));
    }
    if !index.offering_has(offering_id, "channel", &ctx.channel) {
        reasons.push(Reason::new(
            ReasonCode::Channel,
            name(&format!("is not sold in channel '{}'", ctx.channel)),
        ));
    }
    let attributes = [
        (
            "custtype",
            &ctx.customer_type,
            ReasonCode::CustomerType,
            "is not offered to customer type",
        ),
        (
            "custsub",
            &ctx.customer_sub_type,
            ReasonCode::CustomerSubType,
            "is not offered to customer sub type",
        ),
        (
            "payment",
            &ctx.payment_type,
            ReasonCode::PaymentType,
            "is not offered with payment type",
        ),
        (
            "credit",
            &ctx.credit_class,
            ReasonCode::CreditClass,
            "is not offered to credit class",
        ),
        (
            "market",
            &ctx.market,
            ReasonCode::Market,
            "is not sold in market",
        ),
    ];
    for (field, value, code, what) in attributes {
        if let Some(value) = value
            && !index.offering_has(offering_id, field, value)
        {
            reasons.push(Reason::new(code, name(&format!("{what} '{value}'"))));
        }
    }
    if !has_required_product(index, offering, &ctx.existing_offering_ids) {
        reasons.push(Reason::new(
            ReasonCode::RequiresExistingProduct,
            name(&format!(
                "is sold only to customers who already have one of: {}",
                offering.requires_existing_product.join(", ")
            )),
        ));
    }
    reasons
}

/// Whether one of the customer's products satisfies the offering's
/// `requiresExistingProduct`: an entry names either the product's offering id
/// (exactly) or its `productOfferingType` (ignoring case).
fn has_required_product(
    index: &CatalogIndex,
    offering: &IndexedOffering,
    existing: &[String],
) -> bool {
    let required = &offering.requires_existing_product;
    required.is_empty()
        || existing.iter().any(|have| {
            let have_type = index.offering(have).map(|o| &*o.offering_type);
            required.iter().any(|r| {
                r == have || have_type.is_some_and(|t| !t.is_empty() && t.eq_ignore_ascii_case(r))
            })
        })
}

/// What an item of a qualification (TMF679) or of a cart (TMF663) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemAction {
    Add,
    Modify,
    Delete,
    NoChange,
}

/// Why one item may not be bought: the target offering's eligibility (an
/// added or modified item) and, when the item replaces a product of offering
/// `current` (a `modify`, or a cart's `swap`), whether that product may be
/// swapped for the target. A removal or an unchanged product always
/// qualifies. TMF679 answers and cart checks both come from here, so a swap
/// refused by one is refused by the other.
pub fn item_reasons(
    index: &CatalogIndex,
    action: ItemAction,
    target: &str,
    current: Option<&str>,
    ctx: &EligibilityContext,
) -> Vec<Reason> {
    let mut reasons = match action {
        ItemAction::Delete | ItemAction::NoChange => return Vec::new(),
        ItemAction::Add | ItemAction::Modify => qualify(index, target, ctx),
    };
    if let Some(current) = current.filter(|c| *c != target)
        && let Err(r) = may_swap(index, current, target)
        && !reasons.contains(&r)
    {
        reasons.push(r);
    }
    reasons
}

/// Whether offering `from` has a swap relationship to `to`.
fn swaps_to(index: &CatalogIndex, from: &str, to: &str) -> bool {
    index.offering(from).is_some_and(|o| {
        o.relationships
            .iter()
            .any(|r| r.target == to && r.kind.eq_ignore_ascii_case(SWAP))
    })
}

/// Whether a product of offering `from_offering_id` may be exchanged for
/// `to_offering_id` (plan change, speed change, SIM swap): either offering
/// has a `productOfferingRelationship` of type `swap` to the other. It says
/// nothing about whether the target may be sold: ask [`qualify`] for that.
///
/// `NOT_FOUND` when the target does not exist, or when `from` does not exist
/// and the target names no swap from it (a product of a retired offering may
/// still be swapped when the target says so); `SWAP_NOT_ALLOWED` otherwise.
pub fn may_swap(
    index: &CatalogIndex,
    from_offering_id: &str,
    to_offering_id: &str,
) -> Result<(), Reason> {
    if index.offering(to_offering_id).is_none() {
        return Err(not_found(to_offering_id));
    }
    if from_offering_id == to_offering_id {
        return Err(Reason::new(
            ReasonCode::SwapNotAllowed,
            format!("Product offering '{to_offering_id}' cannot be swapped for itself"),
        ));
    }
    if swaps_to(index, from_offering_id, to_offering_id)
        || swaps_to(index, to_offering_id, from_offering_id)
    {
        return Ok(());
    }
    if index.offering(from_offering_id).is_none() {
        return Err(not_found(from_offering_id));
    }
    Err(Reason::new(
        ReasonCode::SwapNotAllowed,
        format!(
            "Product offering '{from_offering_id}' cannot be swapped for '{to_offering_id}': neither has a swap relationship to the other"
        ),
    ))
}
