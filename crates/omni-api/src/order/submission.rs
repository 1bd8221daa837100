//! A submitted partner order as a TMF622 product order, written with the
//! order's new state and the job that completes it, in one transaction.

use super::document;
use super::record::{self, OrderRecord};
use super::worker::{JOB_KIND, PRODUCT_ORDER_KIND};
use chrono::{DateTime, Utc};
use omni_app::events::{EventSource, event};
use omni_core::cart::{self, PricedItem};
use omni_core::order::{Action, CapturedItem};
use omni_store::{Document, DocumentWrite, Effects, NewJob, StoreError};
use serde_json::{Value, json};

/// TMF622 knows add, modify, delete and noChange; a swap modifies the line.
fn tmf_action(item: &CapturedItem) -> &'static str {
    if item.has(Action::Terminate) {
        "delete"
    } else if item.has(Action::Swap) || item.has(Action::Modify) {
        "modify"
    } else if item.has(Action::NoChange) {
        "noChange"
    } else {
        "add"
    }
}

fn order_item(item: &CapturedItem, priced: &PricedItem) -> Value {
    let mut product = json!({});
    if let Some(id) = &item.product_id {
        product["id"] = json!(id);
    }
    let characteristics: Vec<Value> = item
        .characteristics
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    if !characteristics.is_empty() {
        product["productCharacteristic"] = Value::Array(characteristics);
    }
    if let Some(place) = &item.place_id {
        product["place"] = json!([{"id": place, "role": "PPU"}]);
    }
    let mut out = json!({
        "id": item.id,
        "action": tmf_action(item),
        "quantity": 1,
        "state": "acknowledged",
        "product": product,
        "itemPrice": cart::item_charges(priced),
        "itemTotalPrice": cart::item_totals(priced).to_json(),
        "partnerAction": item.body.get("action").cloned().unwrap_or(json!("add")),
        "@type": "ProductOrderItem",
    });
    if let Some(o) = &item.offering_id {
        out["productOffering"] = json!({"id": o, "@referredType": item.offering_type});
    }
    if let Some(root) = &item.root_item_id {
        out["productOrderItemRelationship"] = json!([{"id": root, "relationshipType": "bundled"}]);
    }
    if let Some(b) = &item.billing_account_id {
        out["billingAccount"] = json!({"id": b});
    }
    if let Some(reason) = &item.reason {
        out["actionReason"] = json!(reason);
    }
    out
}

pub fn product_order(
    record: &OrderRecord,
    priced: &[PricedItem],
    href: &str,
    now: DateTime<Utc>,
) -> Value {
    json!({
        "id": record.id,
        "href": href,
        "@type": "ProductOrder",
        "externalId": record.id,
        "state": "acknowledged",
        "orderDate": omni_core::time::rfc3339(now),
        "channel": [{"id": record.channel, "name": record.channel}],
        "relatedParty": record.related_party,
        "productOrderItem": record.items.iter().zip(priced).map(|(i, p)| order_item(i, p)).collect::<Vec<_>>(),
        "orderTotalPrice": record::render_totals(priced, now),
    })
}

pub fn writes(
    tenant: &str,
    record: &OrderRecord,
    read_version: i64,
    product_order: Value,
    now: DateTime<Utc>,
) -> Result<(Vec<DocumentWrite>, Effects), StoreError> {
    let stamp = omni_core::time::rfc3339(now);
    let po = Document {
        tenant: tenant.to_string(),
        kind: PRODUCT_ORDER_KIND.into(),
        id: record.id.clone(),
        version: 1,
        owner: None,
        state: Some("acknowledged".into()),
        created_at: stamp.clone(),
        updated_at: stamp.clone(),
        body: product_order,
    };
    let source = EventSource {
        tenant,
        domain: "productOrderingManagement",
        kind: PRODUCT_ORDER_KIND,
        id: &record.id,
        correlation_id: None,
    };
    let effects = Effects {
        events: vec![event(&source, "ProductOrderCreateEvent", &po.body, now)],
        jobs: vec![NewJob {
            id: format!("{JOB_KIND}:{tenant}:{}", record.id),
            tenant: tenant.to_string(),
            kind: JOB_KIND.into(),
            payload: json!({"orderId": record.id}),
            run_at: stamp.clone(),
            now: stamp,
        }],
        ..Effects::none()
    };
    Ok((
        vec![
            DocumentWrite::Update(document(tenant, record, read_version + 1)?),
            DocumentWrite::Insert(po),
        ],
        effects,
    ))
}
