//! A TMF663 cart becomes a partner order (`POST /order/create` with
//! `cartId`, issue 13): the agent does not key the basket again.
//!
//! ```text
//! read the cart ── unknown, expired, another customer's: 400 naming cartId
//!   │              already ordered: the same order again (idempotent)
//! order_items      each active cart item as the add-items page (seed 000)
//!   │              shapes it; a parked (savedForLater) item is not ordered
//! capture          the same checks as POST /order/{id}/items, errors naming
//!   │              the cart's items
//! one write        the order + the cart marked ordered (its event), together
//! ```
//!
//! How a cart item reads as an order item:
//!
//! | cart (TMF663) | order item (seed 000) |
//! |---|---|
//! | `id` | `productOrderItemId` (`{id}-2`, `-3`… for the other units of a quantity) |
//! | `action` add, modify, noChange | the same |
//! | `action` delete | `terminate` (`product.id` and `actionReason` as the cart item carries them) |
//! | `add` with a `swap` relationship | `swap;add` |
//! | `productOffering.id` | `productOfferingId`, and the catalog's `productOfferingType` |
//! | `product.productCharacteristic` | `characteristic` (`paymentOption` included) |
//! | `product.id`, `product.place` | `product.id`, `product.place` |
//! | `billingAccount`, `subscriberNumber`, `actionReason` (extensions) | the same |
//! | a plan's `hasAddOn` relationship, else the cart's one new plan | the component's `rootBundleProductOrderItemId` |
//!
//! The cart's prices are not copied: the order prices its items with the
//! same basket pricing (`omni_core::pricing::price_basket`), so the two
//! agree by construction, and an item of quantity N becomes N items, each a
//! line of the same tier.

use crate::error::{AppError, AppResult};
use omni_core::cart::relationships;
use omni_core::discovery::CatalogIndex;
use omni_core::document::FieldError;
use omni_core::order::ItemError;
use serde_json::{Map, Value, json};

/// The cart member that says a cart was ordered, and its value.
pub const CART_STATUS: &str = "status";
pub const ORDERED: &str = "ordered";
/// The cart member naming the order made from it.
pub const CART_ORDER: &str = "order";

/// The order id a cart was already turned into, if any.
pub fn ordered_as(cart: &Value) -> Option<&str> {
    (cart.get(CART_STATUS).and_then(Value::as_str) == Some(ORDERED))
        .then(|| cart.pointer("/order/id").and_then(Value::as_str))
        .flatten()
}

/// The add-items request a cart makes, and for each of its items the
/// position of the cart item it came from.
pub struct OrderItems {
    pub request: Value,
    pub origin: Vec<usize>,
}

fn text<'a>(item: &'a Value, pointer: &str) -> Option<&'a str> {
    item.pointer(pointer).and_then(Value::as_str)
}

/// The cart's items as the add-items page shapes them.
pub fn order_items(cart: &Value, index: &CatalogIndex) -> AppResult<OrderItems> {
    let items: Vec<&Value> = cart
        .get("cartItem")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let active: Vec<(usize, &Value)> = items
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, i)| text(i, "/status") != Some(omni_core::cart::SAVED_FOR_LATER))
        .collect();
    if active.is_empty() {
        return Err(AppError::field(
            "cartId",
            "the cart has no active item to order",
        ));
    }
    let id_of = |i: &Value| text(i, "/id").unwrap_or_default().to_string();
    let type_of = |i: &Value| {
        text(i, "/productOffering/id")
            .and_then(|id| index.offering(id))
            .map(|o| o.offering_type.to_string())
            .unwrap_or_default()
    };
    // Which item each component belongs to: a plan's hasAddOn names it;
    // else, when the cart starts exactly one line, that line's plan.
    let mut root: std::collections::HashMap<String, String> = Default::default();
    for (_, item) in &active {
        for (target, kind) in relationships(item) {
            if kind.eq_ignore_ascii_case("hasAddOn") {
                root.insert(target.to_string(), id_of(item));
            }
        }
    }
    let new_plans: Vec<String> = active
        .iter()
        .filter(|(_, i)| {
            type_of(i) == "Mobile_Offer"
                && matches!(text(i, "/action"), None | Some("add"))
                && text(i, "/subscriberNumber").is_none()
        })
        .map(|(_, i)| id_of(i))
        .collect();
    let belongs = |item: &Value| -> Option<String> {
        let id = id_of(item);
        let offering_type = type_of(item);
        let component = matches!(
            offering_type.as_str(),
            "Mobile_Device" | "SIM" | "Mobile_Addon" | "Mobile_Accessory"
        );
        root.get(&id)
            .cloned()
            .or_else(|| {
                (component && new_plans.len() == 1 && item.get("subscriberNumber").is_none())
                    .then(|| new_plans[0].clone())
            })
            .filter(|r| *r != id)
    };
    // Items tied to others: a quantity cannot be split among them.
    let mut related: Vec<String> = Vec::new();
    for (_, item) in &active {
        if let Some(r) = belongs(item) {
            related.push(r);
            related.push(id_of(item));
        }
        for (target, _) in relationships(item) {
            related.push(target.to_string());
            related.push(id_of(item));
        }
    }

    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut origin = Vec::new();
    for (n, item) in &active {
        let id = id_of(item);
        let quantity = item.get("quantity").and_then(Value::as_u64).unwrap_or(1);
        if quantity > 1 && related.contains(&id) {
            errors.push(FieldError::new(
                format!("cartItem[{n}].quantity"),
                "an item that other items belong to (or that belongs to one) becomes one order item per unit, so it must have quantity 1: give the cart one item per line",
            ));
            continue;
        }
        let offering_type = type_of(item);
        let swaps = relationships(item).any(|(_, k)| k.eq_ignore_ascii_case("swap"));
        let action = match text(item, "/action").unwrap_or("add") {
            "add" if swaps => "swap;add",
            "delete" => "terminate",
            other => other,
        };
        let mut order_item = Map::new();
        order_item.insert("action".into(), json!(action));
        order_item.insert("productOfferingType".into(), json!(offering_type));
        if let Some(o) = text(item, "/productOffering/id") {
            order_item.insert("productOfferingId".into(), json!(o));
        }
        for member in ["billingAccount", "subscriberNumber", "actionReason"] {
            if let Some(v) = item.get(member) {
                order_item.insert(member.into(), v.clone());
            }
        }
        if let Some(r) = belongs(item) {
            order_item.insert("rootBundleProductOrderItemId".into(), json!(r));
        }
        let mut product = Map::new();
        for member in ["id", "place"] {
            if let Some(v) = item.pointer(&format!("/product/{member}")) {
                product.insert(member.into(), v.clone());
            }
        }
        if !product.is_empty() {
            order_item.insert("product".into(), Value::Object(product));
        }
        let characteristics: Vec<Value> = item
            .pointer("/product/productCharacteristic")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some(json!({"name": c.get("name")?.as_str()?, "value": c.get("value")?.as_str()?}))
            })
            .collect();
        if !characteristics.is_empty() {
            order_item.insert("characteristic".into(), Value::Array(characteristics));
        }
        for unit in 1..=quantity {
            let mut one = order_item.clone();
            let unit_id = if unit == 1 {
                id.clone()
            } else {
                format!("{id}-{unit}")
            };
            one.insert("productOrderItemId".into(), json!(unit_id));
            out.push(Value::Object(one));
            origin.push(*n);
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    Ok(OrderItems {
        request: json!({"items": out}),
        origin,
    })
}

/// Capture's errors name the order's `items[i]`; said of the cart they name
/// the cart item it came from.
pub fn on_cart(errors: Vec<ItemError>, origin: &[usize]) -> Vec<ItemError> {
    errors
        .into_iter()
        .map(|mut e| {
            let at = origin.get(e.index).copied().unwrap_or(e.index);
            let prefix = format!("items[{}]", e.index);
            if let Some(rest) = e.field.strip_prefix(&prefix) {
                e.field = format!("cartItem[{at}]{rest}");
            }
            e.index = at;
            e
        })
        .collect()
}
