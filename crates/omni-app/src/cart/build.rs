//! From a posted (or merged) cart to the stored, priced cart, in the order
//! of the shopping cart page (TMF663):
//!
//! 1. the resource's own shape, then the related parties (who owns it);
//! 2. each item's defaults and checks ([`super::items`]), then the
//!    relationships between items;
//! 3. eligibility of every added or modified offering (the page's
//!    "Offerings with ids: … are ineligible!");
//! 4. service qualification: an item whose address cannot be served is
//!    parked (`savedForLater`);
//! 5. the tenant's validation rule sets;
//! 6. prices from the catalog, promotions, totals and the cart's validity.
//!
//! Everything here is decided from what [`Basis`] holds; nothing is read or
//! written, and the time is the request's.

use super::access::Access;
use super::customer::CustomerFacts;
use super::items::{self, offering_id};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use omni_core::cart::{self, PricedItem, SHOPPING_CART};
use omni_core::discovery::CatalogIndex;
use omni_core::document::{FieldError, Mode};
use omni_core::eligibility::{self, EligibilityContext, ItemAction};
use omni_core::pricing;
use omni_core::promotion::Promotion;
use omni_core::rules::{self, RuleSet};
use serde_json::{Value, json};

/// What a cart is built against.
pub struct Basis<'a> {
    pub index: &'a CatalogIndex,
    pub channel: &'a str,
    pub access: &'a Access,
    pub promotions: &'a [Promotion],
    pub rule_sets: &'a [RuleSet],
    /// The facts of the customer the cart names, when it has an account here.
    pub customer: Option<&'a CustomerFacts>,
    /// Quotes only ([`super::quote`]): what is assumed of a buyer the cart
    /// names no party for (the customer type a catalog manager previews);
    /// `None` for every stored cart, whose prospects are judged on the
    /// channel alone.
    pub assumed: Option<&'a CustomerFacts>,
    /// The request's time: the cart's validity, eligibility, promotions.
    pub now: DateTime<Utc>,
}

impl Basis<'_> {
    /// The loaded facts, if they are those of `party`; for a cart without
    /// a party, what a quote assumes (nothing, for a stored cart).
    fn facts_of(&self, party: Option<&str>) -> Option<&CustomerFacts> {
        match party {
            Some(party) => self.customer.filter(|f| f.party_id == party),
            None => self.assumed,
        }
    }
}

/// A built cart: its body (without `id`/`href`), owner and expiry.
pub struct Built {
    pub body: Value,
    pub owner: Option<String>,
    pub expires_at: String,
}

/// Status marker of an item parked because its address cannot be served
/// (told apart from an item the buyer parked, which stays parked).
const SERVICE_UNAVAILABLE: &str = "savedForLater:serviceUnavailable";

pub fn build(input: Value, basis: &Basis<'_>) -> AppResult<Built> {
    SHOPPING_CART
        .validate(&input, Mode::Create)
        .map_err(AppError::fields)?;
    // Whether a cart was ordered, and as which order, only an order says
    // (`crate::order::from_cart`).
    for member in [
        crate::order::from_cart::CART_STATUS,
        crate::order::from_cart::CART_ORDER,
    ] {
        if input.get(member).is_some() {
            return Err(AppError::field(
                member,
                "is set by the server when the cart becomes an order (order/create with cartId)",
            ));
        }
    }
    let mut cart = input;
    let owner = basis.access.related_parties(&mut cart)?;
    let mut items: Vec<Value> = match cart.get("cartItem") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    items::normalise(&mut items)?;
    let relationship_errors = cart::check_relationships(&items);
    if !relationship_errors.is_empty() {
        return Err(AppError::fields(relationship_errors));
    }
    check_eligibility(&items, basis, owner.as_deref())?;
    // Rules and relationships speak of item types: take them from the catalog.
    for item in items.iter_mut() {
        if let Some(o) = offering_id(item).and_then(|id| basis.index.offering(id))
            && !o.offering_type.is_empty()
        {
            item["productOffering"]["@referredType"] = json!(o.offering_type);
        }
    }
    let statuses = service_statuses(&items, basis);
    cart["cartItem"] = Value::Array(items.clone());
    let violations = rules::evaluate(basis.rule_sets, &cart, basis.channel);
    if !violations.is_empty() {
        let details: Vec<FieldError> = violations
            .iter()
            .map(|v| FieldError::new(v.property.clone(), v.to_string()))
            .collect();
        return Err(AppError::fields(details));
    }

    let priced = price(&items, &statuses, basis, owner.as_deref());
    for ((item, status), p) in items.iter_mut().zip(&statuses).zip(&priced) {
        if *status == SERVICE_UNAVAILABLE {
            item["status"] = json!(cart::SAVED_FOR_LATER);
            item["statusReason"] =
                json!("The service address cannot be served with this offer, or none was given");
        } else {
            item["status"] = json!(status);
            if let Some(map) = item.as_object_mut() {
                map.remove("statusReason");
            }
        }
        item["itemPrice"] = Value::Array(cart::item_charges(p));
        item["itemTotalPrice"] = Value::Array(cart::item_totals(p).to_json());
        if let Some(o) = offering_id(item).and_then(|id| basis.index.offering(id)) {
            item["productOffering"]["name"] = json!(o.name);
        }
    }
    let totals = pricing::basket_totals(&priced, basis.now.date_naive());
    let days = if items.is_empty() {
        cart::EMPTY_DAYS
    } else {
        cart::ACTIVE_DAYS
    };
    let end = basis.now + Duration::days(days);
    cart["cartItem"] = Value::Array(items);
    cart["cartTotalPrice"] = Value::Array(totals);
    cart["validFor"] = json!({
        "startDateTime": omni_core::time::rfc3339(basis.now),
        "endDateTime": omni_core::time::rfc3339(end),
    });
    if let Value::Object(map) = &mut cart {
        map.entry("@type").or_insert_with(|| json!("ShoppingCart"));
    }
    Ok(Built {
        body: cart,
        owner,
        expires_at: omni_core::time::rfc3339(end),
    })
}

/// Every added or modified offering must qualify, and an item that
/// replaces a product must be allowed to swap it, exactly as TMF679 answers
/// ([`eligibility::item_reasons`]): the page's message lists every failing
/// id, and the details say why for each item.
fn check_eligibility(items: &[Value], basis: &Basis<'_>, customer: Option<&str>) -> AppResult<()> {
    let facts = basis.facts_of(customer);
    let mut eligibility = EligibilityContext::new(basis.channel, basis.now);
    if let Some(facts) = facts {
        facts.apply(&mut eligibility);
    }
    let mut failing: Vec<&str> = Vec::new();
    let mut details = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let action = match item.get("action").and_then(Value::as_str).unwrap_or("add") {
            "modify" => ItemAction::Modify,
            "delete" => ItemAction::Delete,
            "noChange" => ItemAction::NoChange,
            _ => ItemAction::Add,
        };
        let Some(id) = offering_id(item) else {
            continue;
        };
        let current = replaced_offering(item, action, items, facts);
        let reasons = eligibility::item_reasons(basis.index, action, id, current, &eligibility);
        if !reasons.is_empty() {
            if !failing.contains(&id) {
                failing.push(id);
            }
            for r in reasons {
                details.push(FieldError::new(
                    format!("cartItem[{n}].productOffering.id"),
                    format!("{}: {}", r.code, r.label),
                ));
            }
        }
    }
    if failing.is_empty() {
        return Ok(());
    }
    Err(AppError::fields(details).with_message(format!(
        "Offerings with ids: {} are ineligible!",
        failing.join(",")
    )))
}

/// The offering a cart item replaces: a `modify` names the product it
/// changes (`product.productOffering.id` as in TMF679, or `product.id`, one
/// of the customer's products); an added item with a `swap` relationship
/// replaces the related item's offering (the seed 004 page's "validate if an
/// offer can be swapped").
fn replaced_offering<'a>(
    item: &'a Value,
    action: ItemAction,
    items: &'a [Value],
    facts: Option<&'a CustomerFacts>,
) -> Option<&'a str> {
    match action {
        ItemAction::Modify => item
            .pointer("/product/productOffering/id")
            .and_then(Value::as_str)
            .or_else(|| {
                let product = item.pointer("/product/id").and_then(Value::as_str)?;
                facts?
                    .products
                    .iter()
                    .find(|(p, _)| p == product)
                    .map(|(_, o)| o.as_str())
            }),
        ItemAction::Add => {
            let (swapped, _) =
                cart::relationships(item).find(|(_, kind)| kind.eq_ignore_ascii_case("swap"))?;
            items
                .iter()
                .find(|i| i.get("id").and_then(Value::as_str) == Some(swapped))
                .and_then(offering_id)
        }
        ItemAction::Delete | ItemAction::NoChange => None,
    }
}

/// `savedForLater` for items whose offering needs service at an address that
/// cannot be served (or that names no address); a client may also park an
/// item itself.
fn service_statuses(items: &[Value], basis: &Basis<'_>) -> Vec<&'static str> {
    items
        .iter()
        .map(|item| {
            if item.get("status").and_then(Value::as_str) == Some(cart::SAVED_FOR_LATER)
                && item.get("statusReason").is_none()
            {
                return cart::SAVED_FOR_LATER;
            }
            let Some(id) = offering_id(item) else {
                return cart::ACTIVE;
            };
            let needs = basis
                .index
                .offering(id)
                .is_some_and(|o| o.requires_service_qualification);
            if !needs {
                return cart::ACTIVE;
            }
            let place = item
                .pointer("/product/place")
                .and_then(Value::as_array)
                .and_then(|places| {
                    places
                        .iter()
                        .find_map(|p| p.get("id").and_then(Value::as_str))
                });
            match place {
                Some(place)
                    if omni_core::service_qualification::offering_serviceable(
                        basis.index,
                        id,
                        place,
                    )
                    .is_ok() =>
                {
                    cart::ACTIVE
                }
                _ => SERVICE_UNAVAILABLE,
            }
        })
        .collect()
}

/// Every item priced by the one basket pricing that orders use too
/// ([`pricing::price_basket`]): a removed or unchanged product and the
/// customer's own device cost nothing; a device pays by installments unless
/// its `paymentOption` characteristic says `full`.
fn price(
    items: &[Value],
    statuses: &[&str],
    basis: &Basis<'_>,
    customer: Option<&str>,
) -> Vec<PricedItem> {
    let basket: Vec<pricing::BasketItem<'_>> = items
        .iter()
        .zip(statuses)
        .map(|(item, status)| pricing::BasketItem {
            item_id: item.get("id").and_then(Value::as_str).unwrap_or_default(),
            offering_id: offering_id(item),
            quantity: item
                .get("quantity")
                .and_then(Value::as_u64)
                .and_then(|q| u32::try_from(q).ok())
                .unwrap_or(1),
            payment: items::payment(item),
            charged: matches!(
                item.get("action").and_then(Value::as_str),
                None | Some("add" | "modify")
            ) && !items::is_byod(item),
            start_date: items::start(item),
            active: *status == cart::ACTIVE,
        })
        .collect();
    let buyer = pricing::Buyer {
        channel: basis.channel,
        customer_type: basis
            .facts_of(customer)
            .and_then(|f| f.customer_type.as_deref()),
        coupon_codes: items::coupon_codes(items),
        now: basis.now,
    };
    pricing::price_basket(basis.index, basis.promotions, &basket, buyer)
}

/// Removes what [`build`] computes, so that a stored cart merged with a
/// patch can be built again from its content.
pub fn strip_computed(mut cart: Value) -> Value {
    if let Value::Object(map) = &mut cart {
        for k in ["id", "href", "cartTotalPrice", "validFor"] {
            map.remove(k);
        }
        if let Some(Value::Array(items)) = map.get_mut("cartItem") {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                for k in items::COMPUTED {
                    item.remove(k);
                }
                // A computed status is derived again; an item the buyer parked stays parked.
                if item.get("status").and_then(Value::as_str) == Some(cart::ACTIVE)
                    || item.remove("statusReason").is_some()
                {
                    item.remove("status");
                }
            }
        }
    }
    cart
}
