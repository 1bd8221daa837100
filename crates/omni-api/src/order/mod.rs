//! Partner order capture (`/omni-svcs/v1/...`): create an order, add items,
//! consent to terms, choose fulfillment and payment, submit. A submitted
//! order becomes a TMF622 product order that a worker completes, applying
//! it to the inventory. Errors use the partner shape.

mod checkout;
mod facts;
mod handlers;
pub mod openapi;
pub mod record;
mod submission;
pub mod worker;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
pub use checkout::STORE_KIND;
use omni_core::{Principal, PrincipalKind};
use omni_store::{Document, Effects, StoreError};
use record::OrderRecord;
use serde_json::Value;

pub const KIND: &str = "order";
/// Role of the partner systems and agents that capture orders.
pub const ROLE: &str = "order.ops";
/// Where submitted orders are read as TMF622 product orders.
pub const PRODUCT_ORDER_PATH: &str = "/tmf-api/productOrderingManagement/v4/productOrder";

/// Routes relative to the partner family's mount point (`/omni-svcs`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/order/create", post(handlers::create))
        .route("/v1/order/{id}", get(handlers::retrieve))
        .route("/v1/order/{id}/items", post(handlers::add_items))
        .route("/v1/terms", post(checkout::required_terms))
        .route("/v1/order/{id}/terms", post(checkout::consent))
        .route(
            "/v1/fulfillment-options",
            post(checkout::fulfillment_options),
        )
        .route(
            "/v1/order/{id}/fulfillment",
            post(checkout::choose_fulfillment),
        )
        .route("/v1/payment-methods", post(checkout::add_payment_method))
        .route("/v1/order/{id}/submit", post(checkout::submit))
}

fn authorize(principal: &Principal) -> Result<(), ApiError> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    principal.require_role(ROLE)?;
    Ok(())
}

async fn load(state: &AppState, tenant: &str, id: &str) -> Result<(OrderRecord, i64), ApiError> {
    let Some(doc) = state.ctx.store.get_document(tenant, KIND, id).await? else {
        return Err(ApiError::not_found("order", id));
    };
    let record = serde_json::from_value(doc.body).map_err(|e| {
        tracing::error!(order = id, error = %e, "stored order does not decode");
        ApiError::unavailable("stored data could not be read")
    })?;
    Ok((record, doc.version))
}

fn document(tenant: &str, record: &OrderRecord, version: i64) -> Result<Document, StoreError> {
    Ok(Document {
        tenant: tenant.to_string(),
        kind: KIND.into(),
        id: record.id.clone(),
        version,
        owner: None,
        state: Some(record.state.as_str().into()),
        created_at: record.created_at.clone(),
        updated_at: record.updated_at.clone(),
        body: serde_json::to_value(record).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// Writes the record over the version it was read at.
async fn save(
    state: &AppState,
    tenant: &str,
    record: &OrderRecord,
    read_version: i64,
    effects: Effects,
) -> Result<(), StoreError> {
    let doc = document(tenant, record, read_version + 1)?;
    state.ctx.store.update_document(&doc, &effects).await
}

/// The order as `GET /order/{id}` answers it.
fn render(state: &AppState, tenant: &str, record: &OrderRecord) -> Value {
    let index = state.ctx.caches.catalog.get(tenant);
    let promotions = state.ctx.caches.promotions.get(tenant);
    let now = chrono::Utc::now();
    let priced = record::price_items(&record.items, &index, &promotions, &record.channel, now);
    let mut body = serde_json::json!({
        "id": record.id,
        "state": record.state.as_str(),
        "channel": record.channel,
        "relatedParty": record.related_party,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "items": record::render_items(&record.items, &priced),
        "orderTotalPrice": record::render_totals(&priced, now),
        "agreements": record.consents,
        "validation": checkout::validation(state, tenant, record),
    });
    if let Some(f) = &record.fulfillment {
        body["fulfillment"] = f.clone();
    }
    if let Some(p) = &record.payment {
        body["payment"] = p.clone();
    }
    if let Some(id) = &record.product_order_id {
        body["productOrder"] = serde_json::json!({"id": id});
    }
    body
}
