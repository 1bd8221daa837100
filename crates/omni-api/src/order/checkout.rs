//! From captured items to a submitted order: terms, fulfillment, payment,
//! the `validation` every answer carries, and submission.

use super::record::{self, OrderRecord, OrderState};
use super::{authorize, load, save};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use omni_core::order::fulfillment::{self, FulfillmentChoice, FulfillmentOptions};
use omni_core::order::payment::{self, CardInput, PaymentError, PaymentMethod};
use omni_core::order::readiness::{self, ReadinessInput, Validation};
use omni_core::order::terms::{self, Consent, GivenConsent};
use omni_core::order::{CapturedItem, ErrorListEntry, ItemFacts};
use omni_store::{Effects, StoreError};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Stored kind of the pick-up stores (`data/stores/`).
pub const STORE_KIND: &str = "store";

fn facts(state: &AppState, tenant: &str, items: &[CapturedItem]) -> Vec<ItemFacts> {
    let index = state.ctx.caches.catalog.get(tenant);
    items
        .iter()
        .map(|i| {
            let mut f = ItemFacts {
                item_id: i.id.clone(),
                action: i
                    .body
                    .get("action")
                    .and_then(Value::as_str)
                    .unwrap_or("add")
                    .to_string(),
                offering_type: i.offering_type.clone(),
                offering_id: i.offering_id.clone(),
                byod: i.flag("isBYOD"),
                esim: i.flag("eSIM_Enabled")
                    || i.offering_id
                        .as_deref()
                        .and_then(|id| index.offering(id))
                        .is_some_and(|o| o.is_esim()),
                financed: record::financed(i, &index),
                new_line: i.subscriber_number.is_none(),
                physical: false,
            };
            f.physical = f.ships_by_default();
            f
        })
        .collect()
}

fn consents(record: &OrderRecord) -> Vec<Consent> {
    record
        .consents
        .iter()
        .filter_map(|c| serde_json::from_value(c.clone()).ok())
        .collect()
}

async fn stores(state: &AppState, tenant: &str) -> Result<Vec<fulfillment::Store>, ApiError> {
    let docs = state
        .ctx
        .store
        .list_documents(&omni_store::DocumentQuery {
            tenant: tenant.to_string(),
            kind: STORE_KIND.into(),
            owner: None,
            page: Some((0, 200)),
        })
        .await?;
    Ok(docs
        .into_iter()
        .filter_map(|d| serde_json::from_value(d.body).ok())
        .collect())
}

fn options(
    state: &AppState,
    tenant: &str,
    record: &OrderRecord,
    stores: &[fulfillment::Store],
) -> FulfillmentOptions {
    fulfillment::options(&facts(state, tenant, &record.items), stores)
}

fn fulfillment_price(record: &OrderRecord) -> Decimal {
    record
        .fulfillment
        .as_ref()
        .and_then(|f| serde_json::from_value::<fulfillment::Fulfillment>(f.clone()).ok())
        .map(|f| f.price.value)
        .unwrap_or(Decimal::ZERO)
}

/// What the customer pays today: one-time charges after promotions, plus shipping.
fn due_today(state: &AppState, tenant: &str, record: &OrderRecord) -> (Decimal, String) {
    let index = state.ctx.caches.catalog.get(tenant);
    let promotions = state.ctx.caches.promotions.get(tenant);
    let now = chrono::Utc::now();
    let priced = record::price_items(&record.items, &index, &promotions, &record.channel, now);
    let (due, currency) = record::due_today(&priced, now);
    (due + fulfillment_price(record), currency)
}

/// The order's `validation`, from everything it holds now.
pub fn validation(state: &AppState, tenant: &str, record: &OrderRecord) -> Validation {
    let item_facts = facts(state, tenant, &record.items);
    let offered = terms::required_agreements(&item_facts);
    let (due, currency) = due_today(state, tenant, record);
    let needs_fulfillment = item_facts.iter().any(|f| f.physical);
    let payment: Option<PaymentMethod> = record
        .payment
        .as_ref()
        .and_then(|p| serde_json::from_value(p.clone()).ok());
    readiness::validate(&ReadinessInput {
        item_count: record.items.len(),
        item_problems: Vec::new(),
        agreements: terms::agreement_states(&offered, &consents(record)),
        fulfillment_needed: needs_fulfillment,
        fulfillment_chosen: record.fulfillment.is_some(),
        amount_due_today: due,
        currency,
        payment_authorized: payment.map(|p| p.authorized_amount),
        submitted: record.state != OrderState::Draft,
    })
}

fn validation_json(state: &AppState, tenant: &str, record: &OrderRecord) -> Value {
    serde_json::to_value(validation(state, tenant, record)).unwrap_or(Value::Null)
}

/// The partner error object with the order's validation beside it, as the
/// terms page shows them.
fn refusal(status: StatusCode, validation: Value, entries: Vec<ErrorListEntry>) -> Response {
    let body = json!({
        "validation": validation,
        "error": {
            "errorCode": format!("{}-{}", status.as_u16(), if status == StatusCode::PAYMENT_REQUIRED { "PAYMENT-DECLINED" } else { "INVALID-REQUEST" }),
            "errorDescription": "Validation Failure",
            "errorList": entries,
        }
    });
    (status, Json(body)).into_response()
}

fn order_id_of(body: &Value) -> Result<String, ApiError> {
    body.get("orderId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 100)
        .map(str::to_string)
        .ok_or_else(|| ApiError::field("orderId", "is required"))
}

fn draft(record: &OrderRecord, action: &str) -> Result<(), ApiError> {
    if record.state == OrderState::Draft {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "order '{}' is {}; it can no longer change",
            record.id,
            record.state.as_str()
        ))
        .with_action(action))
    }
}

/// Reads the draft order, lets `change` edit it (or answer in its place),
/// and writes it over the version read; a concurrent writer makes it start
/// over from a fresh read.
async fn change_draft<F>(
    state: &AppState,
    tenant: &str,
    id: &str,
    action: &str,
    mut change: F,
) -> Result<Result<OrderRecord, Response>, ApiError>
where
    F: FnMut(&mut OrderRecord) -> Result<Option<Response>, ApiError>,
{
    for _ in 0..8 {
        let (mut record, version) = load(state, tenant, id).await?;
        draft(&record, action)?;
        if let Some(answer) = change(&mut record)? {
            return Ok(Err(answer));
        }
        record.updated_at = omni_core::time::rfc3339(chrono::Utc::now());
        match save(state, tenant, &record, version, Effects::none()).await {
            Ok(()) => return Ok(Ok(record)),
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict(format!(
        "order '{id}' is changing too often; retry"
    )))
}

pub async fn required_terms(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let id = order_id_of(&body)?;
    let (record, _) = load(&state, &principal.tenant, &id).await?;
    let offered = terms::required_agreements(&facts(&state, &principal.tenant, &record.items));
    Ok(Json(json!({
        "orderId": id,
        "agreements": offered,
        "consents": record.consents,
        "validation": validation_json(&state, &principal.tenant, &record),
    }))
    .into_response())
}

pub async fn consent(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let given: Vec<GivenConsent> = match body.get("agreements") {
        Some(list @ Value::Array(_)) => serde_json::from_value(list.clone()).map_err(|e| {
            ApiError::field(
                "agreements",
                format!("each agreement is {{name, extensions[{{name, value}}]}}: {e}"),
            )
            .with_action("terms")
        })?,
        _ => {
            return Err(
                ApiError::field("agreements", "is required: an array of agreements")
                    .with_action("terms"),
            );
        }
    };
    let changed = change_draft(&state, &principal.tenant, &id, "terms", |record| {
        let offered = terms::required_agreements(&facts(&state, &principal.tenant, &record.items));
        let new = match terms::consent(&offered, &given, chrono::Utc::now()) {
            Ok(new) => new,
            Err(errors) => {
                let entries = errors.iter().map(|e| e.to_entry()).collect();
                return Ok(Some(refusal(
                    StatusCode::BAD_REQUEST,
                    validation_json(&state, &principal.tenant, record),
                    entries,
                )));
            }
        };
        let kept = terms::record(&consents(record), new, &offered);
        record.consents = kept
            .iter()
            .filter_map(|c| serde_json::to_value(c).ok())
            .collect();
        Ok(None)
    })
    .await?;
    Ok(match changed {
        Err(answer) => answer,
        Ok(record) => {
            Json(json!({"validation": validation_json(&state, &principal.tenant, &record)}))
                .into_response()
        }
    })
}

pub async fn fulfillment_options(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let id = order_id_of(&body)?;
    let (record, _) = load(&state, &principal.tenant, &id).await?;
    let stores = stores(&state, &principal.tenant).await?;
    Ok(Json(json!(options(&state, &principal.tenant, &record, &stores))).into_response())
}

pub async fn choose_fulfillment(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let choice: FulfillmentChoice = serde_json::from_value(body).map_err(|e| {
        ApiError::field(
            "body",
            format!("must be {{optionId, storeId?, shippingAddress?}}: {e}"),
        )
        .with_action("fulfillment")
    })?;
    let stores = stores(&state, &principal.tenant).await?;
    let changed = change_draft(&state, &principal.tenant, &id, "fulfillment", |record| {
        let offered = options(&state, &principal.tenant, record, &stores);
        let chosen = fulfillment::choose(&offered, &choice).map_err(|errors| {
            ApiError::fields(errors.into_iter().map(Into::into).collect())
                .with_action("fulfillment")
        })?;
        record.fulfillment = serde_json::to_value(&chosen).ok();
        Ok(None)
    })
    .await?;
    Ok(match changed {
        Err(answer) => answer,
        Ok(record) => Json(json!({
            "fulfillment": record.fulfillment,
            "validation": validation_json(&state, &principal.tenant, &record),
        }))
        .into_response(),
    })
}

pub async fn add_payment_method(
    State(state): State<AppState>,
    Caller(principal): Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let id = order_id_of(&body)?;
    let card: CardInput = match body.get("card") {
        Some(card) => serde_json::from_value(card.clone())
            .map_err(|e| ApiError::field("card", format!("{e}")).with_action("payment"))?,
        None => return Err(ApiError::field("card", "is required").with_action("payment")),
    };
    let nonce = *uuid::Uuid::new_v4().as_bytes();
    let changed = change_draft(&state, &principal.tenant, &id, "payment", |record| {
        let (due, currency) = due_today(&state, &principal.tenant, record);
        if due <= Decimal::ZERO {
            return Err(ApiError::field(
                "orderId",
                "nothing is due today on this order; no payment is needed",
            )
            .with_action("payment"));
        }
        let method = match payment::authorize(&card, due, &currency, chrono::Utc::now(), nonce) {
            Ok(m) => m,
            Err(PaymentError::Invalid(errors)) => {
                let details = errors
                    .into_iter()
                    .map(|e| {
                        omni_core::document::FieldError::new(format!("card.{}", e.field), e.rule)
                    })
                    .collect();
                return Err(ApiError::fields(details).with_action("payment"));
            }
            Err(PaymentError::Declined(decline)) => {
                return Ok(Some(refusal(
                    StatusCode::PAYMENT_REQUIRED,
                    validation_json(&state, &principal.tenant, record),
                    vec![decline.to_entry()],
                )));
            }
        };
        record.payment = serde_json::to_value(&method).ok();
        Ok(None)
    })
    .await?;
    Ok(match changed {
        Err(answer) => answer,
        Ok(record) => (
            StatusCode::CREATED,
            Json(json!({
                "paymentMethod": record.payment,
                "validation": validation_json(&state, &principal.tenant, &record),
            })),
        )
            .into_response(),
    })
}

pub async fn submit(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let (mut record, version) = load(&state, &principal.tenant, &id).await?;
    draft(&record, "submit")?;
    let checked = validation(&state, &principal.tenant, &record);
    if let Err(not_ready) = readiness::check_submit(&checked) {
        let entries = not_ready
            .reasons
            .iter()
            .map(|r| ErrorListEntry {
                action: "submit".into(),
                error_code: "SUBMIT-001".into(),
                error_description: r.clone(),
                error_details: Vec::new(),
            })
            .collect();
        return Ok(refusal(StatusCode::CONFLICT, json!(checked), entries));
    }
    let index = state.ctx.caches.catalog.get(&principal.tenant);
    let promotions = state.ctx.caches.promotions.get(&principal.tenant);
    let now = chrono::Utc::now();
    let priced = record::price_items(&record.items, &index, &promotions, &record.channel, now);
    let href = format!(
        "{}{}/{}",
        state.ctx.config.public_url,
        super::PRODUCT_ORDER_PATH,
        record.id
    );
    let product_order = super::submission::product_order(&record, &priced, &href, now);
    record.state = OrderState::Submitted;
    record.product_order_id = Some(record.id.clone());
    record.updated_at = omni_core::time::rfc3339(now);
    let (writes, effects) = super::submission::writes(
        &principal.tenant,
        &record,
        version,
        product_order.clone(),
        now,
    )?;
    match state.ctx.store.write_documents(&writes, &effects).await {
        Ok(()) => {
            state.ctx.signals.orders.notify_one();
            Ok((
                StatusCode::ACCEPTED,
                Json(json!({
                    "id": record.id,
                    "productOrder": {"id": record.id, "href": href, "state": "acknowledged"},
                    "validation": validation_json(&state, &principal.tenant, &record),
                })),
            )
                .into_response())
        }
        Err(StoreError::VersionConflict { .. }) => Err(ApiError::conflict(format!(
            "order '{id}' changed while it was being submitted; check it and submit again"
        ))
        .with_action("submit")),
        Err(e) => Err(e.into()),
    }
}
