//! A product order created through TMF622 alone (`POST …/productOrder`,
//! issue 16) is checked, priced and fulfilled exactly like one that order
//! capture submits: its items are read as the add-items page (seed 000)
//! shapes them, go through the same checks (`omni_core::order::capture`:
//! offerings, eligibility for the order's party and channel, ownership of
//! every billing account and line they touch), are priced by the one basket
//! pricing (`omni_core::pricing::price_basket`, through the partner order's
//! [`CatalogView`]), and are completed into the inventory by the order
//! worker.
//!
//! ```text
//! validate_new      the TMF622 table's rules (omni_core::product_order)
//! capture_request   each productOrderItem as an add-items item (table below);
//!   │               what TMF622 cannot say is refused here, naming the item
//! capture           the capture checks; errors renamed to productOrderItem[i]…
//! price             itemPrice, itemTotalPrice, orderTotalPrice
//! one write         partner order (submitted) + product order (acknowledged)
//!                   + ProductOrderCreateEvent + completion job
//! ```
//!
//! How a TMF622 item reads as an order item:
//!
//! | TMF622 `productOrderItem` | order item (seed 000) |
//! |---|---|
//! | `id` | `productOrderItemId` |
//! | `action` add, modify, noChange, delete | add, modify, noChange, terminate |
//! | `productOffering.id` | `productOfferingId`, and the catalog's `productOfferingType` |
//! | `product.id`, `product.place` | the same |
//! | `product.productCharacteristic` | `characteristic` (a `subscriberNumber` one also names the line) |
//! | `productOrderItemRelationship` `bundled` or `reliesOn`, or being nested in an item | `rootBundleProductOrderItemId` |
//! | `billingAccount` (item extension), `product.billingAccount`, else the order's `billingAccount` for an item with no root | `billingAccount` |
//! | `subscriberNumber`, `actionReason` (item extensions) | the same |
//!
//! What TMF622 cannot express and capture asks for: consent to terms,
//! fulfilment (shipping or pick-up) and payment. The client of TMF622 is a
//! system acting under its own agreement with the operator, so no consent
//! is recorded, nothing is shipped by Omni (the order carries no
//! fulfilment), and what is due today is not collected: it is shown in
//! `orderTotalPrice` and left to billing. `quantity` must be 1 (a line per
//! item, as capture has it). The order's `channel` (first entry) is the
//! sales channel the eligibility and prices are decided for; it is required.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::limits::ItemShape;
use crate::order::facts::StoredFacts;
use crate::order::record::{OrderRecord, OrderState};
use crate::order::view::CatalogView;
use chrono::{DateTime, Utc};
use omni_core::cart;
use omni_core::discovery::CatalogIndex;
use omni_core::document::FieldError;
use omni_core::order::{self, CapturedItem, ItemError};
use omni_core::product_order::item_tree;
use serde_json::{Map, Value, json};

/// Relationship types that tie an item to the item it belongs to.
const BELONGS_TO: [&str; 2] = ["bundled", "reliesOn"];

/// Where a TMF622 item keeps its characteristics and relationships.
const TMF_ITEM: ItemShape = ItemShape {
    characteristics: Some("/product/productCharacteristic"),
    relationships: Some("/productOrderItemRelationship"),
};

/// A TMF622 order's items as the add-items request they amount to, and for
/// each the path of the TMF622 item it came from.
pub struct CaptureRequest {
    pub request: Value,
    pub paths: Vec<String>,
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// The order's items read as order capture's (module table). What cannot be
/// read is refused, naming the item's field.
pub fn capture_request(order: &Value, index: &CatalogIndex) -> AppResult<CaptureRequest> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut paths = Vec::new();
    let order_billing = order.get("billingAccount").and_then(|b| b.get("id"));
    for (path, item, parent) in item_tree(order) {
        let quantity = item.get("quantity").and_then(Value::as_u64).unwrap_or(1);
        if quantity != 1 {
            errors.push(FieldError::new(
                format!("{path}.quantity"),
                "must be 1: each line, device or feature is an item of its own",
            ));
        }
        let action = match text(item, "/action").unwrap_or("add") {
            "delete" => "terminate",
            other => other,
        };
        let mut o = Map::new();
        o.insert("action".into(), json!(action));
        if let Some(id) = text(item, "/id") {
            o.insert("productOrderItemId".into(), json!(id));
        }
        if let Some(offering) = text(item, "/productOffering/id") {
            o.insert("productOfferingId".into(), json!(offering));
            // An unknown offering is capture's to report (ITEM-002); the
            // type is the catalog's, never the client's.
            let offering_type = index
                .offering(offering)
                .map(|x| x.offering_type.clone())
                .unwrap_or_else(|| "unknown".into());
            o.insert("productOfferingType".into(), json!(offering_type));
        } else {
            // Terminations may name only the product; capture still needs a
            // type, which is the product's and checked against the line.
            o.insert("productOfferingType".into(), json!("Mobile_Offer"));
        }
        let root = item
            .get("productOrderItemRelationship")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| {
                r.get("relationshipType")
                    .and_then(Value::as_str)
                    .is_some_and(|t| BELONGS_TO.iter().any(|b| b.eq_ignore_ascii_case(t)))
            })
            .and_then(|r| r.get("id").and_then(Value::as_str))
            .or(parent);
        if let Some(root) = root {
            o.insert("rootBundleProductOrderItemId".into(), json!(root));
        }
        let billing = item
            .get("billingAccount")
            .and_then(|b| b.get("id"))
            .or_else(|| item.pointer("/product/billingAccount/id"))
            .or(if root.is_none() { order_billing } else { None });
        if let Some(b) = billing {
            o.insert("billingAccount".into(), json!({ "id": b }));
        }
        let characteristics = item
            .pointer("/product/productCharacteristic")
            .cloned()
            .unwrap_or(Value::Null);
        let line = item.get("subscriberNumber").cloned().or_else(|| {
            characteristics
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c.get("name").and_then(Value::as_str) == Some("subscriberNumber"))
                .and_then(|c| c.get("value").cloned())
        });
        if let Some(line) = line {
            o.insert("subscriberNumber".into(), line);
        }
        if let Some(reason) = item.get("actionReason") {
            o.insert("actionReason".into(), reason.clone());
        }
        if !characteristics.is_null() {
            o.insert("characteristic".into(), characteristics);
        }
        let mut product = Map::new();
        for member in ["id", "place"] {
            if let Some(v) = item.pointer(&format!("/product/{member}")) {
                product.insert(member.into(), v.clone());
            }
        }
        if !product.is_empty() {
            o.insert("product".into(), Value::Object(product));
        }
        out.push(Value::Object(o));
        paths.push(path);
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    Ok(CaptureRequest {
        request: json!({ "items": out }),
        paths,
    })
}

/// Capture's errors name `items[i].<member>`; said of the TMF622 order they
/// name the item's own path and member.
fn on_order(errors: Vec<ItemError>, paths: &[String]) -> AppError {
    const MEMBERS: [(&str, &str); 6] = [
        ("productOfferingId", "productOffering.id"),
        ("productOfferingType", "productOffering.id"),
        ("productOrderItemId", "id"),
        (
            "rootBundleProductOrderItemId",
            "productOrderItemRelationship",
        ),
        ("characteristic", "product.productCharacteristic"),
        ("billingAccount.ratingType", "billingAccount"),
    ];
    let details = errors
        .into_iter()
        .map(|e| {
            let prefix = format!("items[{}]", e.index);
            let path = paths.get(e.index).cloned().unwrap_or(prefix.clone());
            let rest = e.field.strip_prefix(&prefix).unwrap_or(&e.field);
            let rest = rest.strip_prefix('.').unwrap_or(rest);
            let member = MEMBERS
                .iter()
                .find_map(|(from, to)| rest.strip_prefix(from).map(|tail| format!("{to}{tail}")))
                .unwrap_or_else(|| rest.to_string());
            let field = if member.is_empty() {
                path
            } else {
                format!("{path}.{member}")
            };
            FieldError::new(field, format!("{} ({})", e.description, e.code))
        })
        .collect();
    AppError::fields(details)
}

/// The channel the order is sold in: its first `channel` entry's id.
fn channel(order: &Value) -> AppResult<String> {
    let id = order
        .get("channel")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str);
    let Some(id) = id else {
        return Err(AppError::field(
            "channel",
            "is required: the sales channel ([{id}]) decides eligibility and prices",
        ));
    };
    omni_core::channel::parse(id)
        .map(str::to_string)
        .ok_or_else(|| AppError::field("channel[0].id", omni_core::channel::rule()))
}

/// A new TMF622 order checked as order capture checks items: the partner
/// order it is kept as (already submitted; the caller gives it the product
/// order's id).
pub async fn check(
    ctx: &Context,
    tenant: &str,
    order: &Value,
    now: DateTime<Utc>,
) -> AppResult<OrderRecord> {
    let channel = channel(order)?;
    let index = ctx.caches.catalog.get(tenant);
    let request = capture_request(order, &index)?;
    let items: Vec<Value> = request.request["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let tmf_items: Vec<Value> = item_tree(order)
        .into_iter()
        .map(|(_, i, _)| i.clone())
        .collect();
    ctx.config
        .limits
        .items("productOrderItem", &tmf_items, TMF_ITEM)?;
    let parties: Vec<Value> = order
        .get("relatedParty")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let customer = omni_core::party::customer(&parties);
    let facts = StoredFacts::load(ctx.store(), tenant, &index, &channel, &items, &[], now)
        .await?
        .owned_by(customer);
    let captured: Vec<CapturedItem> =
        order::capture(&request.request, &[], &facts).map_err(|e| on_order(e, &request.paths))?;
    let stamp = omni_core::time::rfc3339(now);
    let mut record = OrderRecord::draft(String::new(), channel, parties.clone(), &stamp);
    record.customer_type = match customer {
        Some(party) => crate::cart::customer::customer_type(ctx.store(), tenant, party).await?,
        None => None,
    };
    record.items = captured;
    record.state = OrderState::Submitted;
    Ok(record)
}

/// The order's prices, set on the TMF622 document: each item's `itemPrice`
/// and `itemTotalPrice`, the order's `orderTotalPrice` (due today first),
/// the same figures the partner order answers.
pub fn price(ctx: &Context, tenant: &str, record: &OrderRecord, order: &mut Value) {
    let view = CatalogView::new(ctx, tenant, ctx.now());
    let priced = view.price(record);
    order["orderTotalPrice"] = json!(crate::order::prices::render_totals(&priced, view.now));
    let by_id: std::collections::HashMap<&str, &cart::PricedItem> = record
        .items
        .iter()
        .map(|i| i.id.as_str())
        .zip(priced.iter())
        .collect();
    fn walk(items: &mut Value, by_id: &std::collections::HashMap<&str, &cart::PricedItem>) {
        for item in items.as_array_mut().into_iter().flatten() {
            let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
            if let Some(p) = by_id.get(id).copied() {
                item["itemPrice"] = Value::Array(cart::item_charges(p));
                item["itemTotalPrice"] = Value::Array(cart::item_totals(p).to_json());
            }
            if let Some(nested) = item.get_mut("productOrderItem") {
                walk(nested, by_id);
            }
        }
    }
    if let Some(items) = order.get_mut("productOrderItem") {
        walk(items, &by_id);
    }
}
