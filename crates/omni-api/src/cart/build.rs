//! From a posted (or merged) cart payload to the stored, priced cart: the
//! page's validations in its order, then prices, promotions and totals.

use super::access::Access;
use super::customer::CustomerFacts;
use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use omni_core::cart::{self, PricedItem, SHOPPING_CART};
use omni_core::discovery::CatalogIndex;
use omni_core::document::{FieldError, Mode};
use omni_core::eligibility::{self, EligibilityContext};
use omni_core::promotion::Promotion;
use omni_core::rules::{self, RuleSet};
use serde_json::{Value, json};

pub struct Context<'a> {
    pub index: &'a CatalogIndex,
    pub channel: &'a str,
    pub access: &'a Access,
    pub promotions: &'a [Promotion],
    pub rule_sets: &'a [RuleSet],
    /// The facts of the customer the cart names, when it has an account here.
    pub customer: Option<&'a CustomerFacts>,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// The loaded facts, if they are those of `party`.
    fn facts_of(&self, party: Option<&str>) -> Option<&CustomerFacts> {
        self.customer
            .filter(|f| party.is_some_and(|p| p == f.party_id))
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

const ACTIONS: [&str; 4] = ["add", "modify", "delete", "noChange"];
const MAX_QUANTITY: u64 = 999;
/// What the server computes on an item; a client's values are replaced.
const COMPUTED_ITEM: [&str; 3] = ["itemPrice", "itemTotalPrice", "ItemTotalPrice"];

pub fn build(input: Value, ctx: &Context<'_>) -> Result<Built, ApiError> {
    SHOPPING_CART
        .validate(&input, Mode::Create)
        .map_err(ApiError::fields)?;
    let mut cart = input;
    let owner = ctx.access.related_parties(&mut cart)?;
    let mut items: Vec<Value> = match cart.get("cartItem") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    normalise_items(&mut items)?;
    let relationship_errors = cart::check_relationships(&items);
    if !relationship_errors.is_empty() {
        return Err(ApiError::fields(relationship_errors));
    }
    check_eligibility(&items, ctx, owner.as_deref())?;
    // Rules and relationships speak of item types: take them from the catalog.
    for item in items.iter_mut() {
        if let Some(o) = offering_id(item).and_then(|id| ctx.index.offering(id))
            && !o.offering_type.is_empty()
        {
            item["productOffering"]["@referredType"] = json!(o.offering_type);
        }
    }
    let statuses = service_statuses(&items, ctx);
    cart["cartItem"] = Value::Array(items.clone());
    let violations = rules::evaluate(ctx.rule_sets, &cart, ctx.channel);
    if !violations.is_empty() {
        let details: Vec<FieldError> = violations
            .iter()
            .map(|v| FieldError::new(v.property.clone(), v.to_string()))
            .collect();
        return Err(ApiError::fields(details));
    }

    let mut priced: Vec<PricedItem> = items
        .iter()
        .zip(&statuses)
        .map(|(item, status)| priced_item(item, status, ctx))
        .collect();
    apply_promotions(&items, &mut priced, ctx, owner.as_deref());

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
        if let Some(o) = offering_id(item).and_then(|id| ctx.index.offering(id)) {
            item["productOffering"]["name"] = json!(o.name);
        }
    }
    let mut totals = Vec::new();
    if let Some((due, currency)) = cart::upfront_due(&priced, ctx.now.date_naive()) {
        totals.push(json!({
            "@type": "@UpfrontTotalPrice",
            "name": "Due today",
            "priceType": "oneTime",
            "price": {"taxIncludedAmount": {"unit": currency, "value": omni_core::discovery::money(due)}},
        }));
    }
    totals.extend(cart::cart_totals(&priced).to_json());
    let days = if items.is_empty() {
        cart::EMPTY_DAYS
    } else {
        cart::ACTIVE_DAYS
    };
    let end = ctx.now + Duration::days(days);
    cart["cartItem"] = Value::Array(items);
    cart["cartTotalPrice"] = Value::Array(totals);
    cart["validFor"] = json!({
        "startDateTime": omni_core::time::rfc3339(ctx.now),
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

fn offering_id(item: &Value) -> Option<&str> {
    item.pointer("/productOffering/id").and_then(Value::as_str)
}

/// Defaults (`id`, `quantity` 1, `action` add) and the item-level checks.
fn normalise_items(items: &mut [Value]) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (n, item) in items.iter_mut().enumerate() {
        let Value::Object(map) = item else {
            errors.push(FieldError::new(
                format!("cartItem[{n}]"),
                "must be an object",
            ));
            continue;
        };
        for computed in COMPUTED_ITEM {
            map.remove(computed);
        }
        let id = match map.get("id") {
            None => (n + 1).to_string(),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 100 => s.clone(),
            Some(_) => {
                errors.push(FieldError::new(
                    format!("cartItem[{n}].id"),
                    "must be a string of 1 to 100 characters",
                ));
                continue;
            }
        };
        if seen.contains(&id) {
            errors.push(FieldError::new(
                format!("cartItem[{n}].id"),
                format!("'{id}' is used by another cart item"),
            ));
        }
        seen.push(id.clone());
        map.insert("id".into(), json!(id));
        match map.get("quantity") {
            None => {
                map.insert("quantity".into(), json!(1));
            }
            Some(q) if q.as_u64().is_some_and(|q| (1..=MAX_QUANTITY).contains(&q)) => {}
            Some(_) => errors.push(FieldError::new(
                format!("cartItem[{n}].quantity"),
                format!("must be a whole number from 1 to {MAX_QUANTITY}"),
            )),
        }
        match map.get("action").map(|a| a.as_str()) {
            None => {
                map.insert("action".into(), json!("add"));
            }
            Some(Some(a)) if ACTIONS.contains(&a) => {}
            Some(_) => errors.push(FieldError::new(
                format!("cartItem[{n}].action"),
                format!("must be one of {}", ACTIONS.join(", ")),
            )),
        }
        match map.get("status").map(|s| s.as_str()) {
            None | Some(Some(cart::ACTIVE | cart::SAVED_FOR_LATER)) => {}
            Some(_) => errors.push(FieldError::new(
                format!("cartItem[{n}].status"),
                "must be active or savedForLater",
            )),
        }
        if map
            .get("productOffering")
            .and_then(|o| o.get("id"))
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            errors.push(FieldError::new(
                format!("cartItem[{n}].productOffering.id"),
                "is required",
            ));
        }
        for (c, ch) in characteristics(map.get("product")).iter().enumerate() {
            let name = ch.get("name").and_then(Value::as_str).unwrap_or_default();
            // A known characteristic's value is text in a known format.
            let value = ch.get("value").and_then(Value::as_str).unwrap_or_default();
            if let Some(rule) = omni_core::formats::characteristic_problem(name, value) {
                let path = format!("cartItem[{n}].product.productCharacteristic[{c}].value");
                errors.push(FieldError::new(path, rule));
            }
        }
        if let Some(d) = map.get("startDate")
            && start_date(d).is_none()
        {
            errors.push(FieldError::new(
                format!("cartItem[{n}].startDate"),
                "must be an RFC 3339 date-time or a YYYY-MM-DD date",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errors))
    }
}

fn characteristics(product: Option<&Value>) -> Vec<Value> {
    product
        .and_then(|p| p.get("productCharacteristic"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A device the customer already owns (bring your own phone) is not sold.
fn is_byod(item: &Value) -> bool {
    characteristics(item.get("product")).iter().any(|c| {
        c.get("name").and_then(Value::as_str) == Some("isBYOD")
            && c.get("value")
                .and_then(Value::as_str)
                .and_then(omni_core::formats::flag)
                == Some(true)
    })
}

fn start_date(v: &Value) -> Option<chrono::NaiveDate> {
    let text = v.as_str()?;
    omni_core::time::parse_rfc3339(text)
        .map(|t| t.date_naive())
        .or_else(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
}

fn item_start(item: &Value) -> Option<chrono::NaiveDate> {
    item.get("startDate")
        .or_else(|| item.pointer("/product/startDate"))
        .and_then(start_date)
}

/// Every added or modified offering must qualify; the page's message lists
/// every failing id, and the details say why for each.
fn check_eligibility(
    items: &[Value],
    ctx: &Context<'_>,
    customer: Option<&str>,
) -> Result<(), ApiError> {
    let mut eligibility = EligibilityContext::new(ctx.channel, ctx.now);
    if let Some(facts) = ctx.facts_of(customer) {
        facts.apply(&mut eligibility);
    }
    let mut failing: Vec<&str> = Vec::new();
    let mut details = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let action = item.get("action").and_then(Value::as_str).unwrap_or("add");
        if !matches!(action, "add" | "modify") {
            continue;
        }
        let Some(id) = offering_id(item) else {
            continue;
        };
        let reasons = eligibility::qualify(ctx.index, id, &eligibility);
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
    let mut e = ApiError::fields(details);
    e.message = format!("Offerings with ids: {} are ineligible!", failing.join(","));
    Err(e)
}

/// `savedForLater` for items whose offering needs service at an address that
/// cannot be served (or that names no address); a client may also park an
/// item itself.
fn service_statuses(items: &[Value], ctx: &Context<'_>) -> Vec<&'static str> {
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
            let needs = ctx
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
                        ctx.index, id, place,
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

fn priced_item(item: &Value, status: &str, ctx: &Context<'_>) -> PricedItem {
    let quantity = item.get("quantity").and_then(Value::as_u64).unwrap_or(1) as u32;
    let charges = offering_id(item)
        .filter(|_| !is_byod(item))
        .map(|id| omni_core::pricing::offering_charges(ctx.index, id, quantity))
        .unwrap_or_default();
    PricedItem {
        quantity,
        charges,
        reductions: Vec::new(),
        start_date: item_start(item),
        active: status == cart::ACTIVE,
    }
}

fn apply_promotions(
    items: &[Value],
    priced: &mut [PricedItem],
    ctx: &Context<'_>,
    customer: Option<&str>,
) {
    let lines: Vec<omni_core::pricing::Line<'_>> = items
        .iter()
        .zip(priced.iter())
        .map(|(item, p)| omni_core::pricing::Line {
            item_id: item.get("id").and_then(Value::as_str).unwrap_or_default(),
            offering_id: offering_id(item).unwrap_or_default(),
            priced: p,
        })
        .collect();
    let coupons: Vec<String> = items
        .iter()
        .flat_map(|i| {
            i.pointer("/product/productCharacteristic")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|c| c.get("name").and_then(Value::as_str) == Some("couponCode"))
        .filter_map(|c| c.get("value").and_then(Value::as_str).map(str::to_string))
        .collect();
    let buyer = omni_core::pricing::Buyer {
        channel: ctx.channel,
        customer_type: ctx
            .facts_of(customer)
            .and_then(|f| f.customer_type.as_deref()),
        coupon_codes: coupons,
        now: ctx.now,
    };
    let reductions =
        omni_core::pricing::promotion_reductions(ctx.index, ctx.promotions, &lines, buyer);
    for (item_id, reduction) in reductions {
        let position = items
            .iter()
            .position(|i| i.get("id").and_then(Value::as_str) == Some(item_id.as_str()));
        if let Some(p) = position.and_then(|n| priced.get_mut(n)) {
            p.reductions.push(reduction);
        }
    }
}

/// Removes what `build` computes, so that a stored cart merged with a patch
/// can be built again from its content.
pub fn strip_computed(mut cart: Value) -> Value {
    if let Value::Object(map) = &mut cart {
        for k in ["id", "href", "cartTotalPrice", "validFor"] {
            map.remove(k);
        }
        if let Some(Value::Array(items)) = map.get_mut("cartItem") {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                for k in COMPUTED_ITEM {
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
