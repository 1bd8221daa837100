//! Creating an order, adding items to it, and reading it back.

use super::facts::StoredFacts;
use super::record::{OrderRecord, OrderState};
use super::{KIND, authorize, load, render, save};
use crate::auth::Caller;
use crate::error::{ApiError, PartnerEntry};
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use omni_core::document::FieldError;
use omni_core::order::{self, ItemError};
use omni_store::{Document, Effects, StoreError};
use serde_json::{Value, json};

const PARTY_ROLES: [&str; 5] = ["customer", "dealerLocation", "dealer", "partner", "owner"];
const MAX_PARTIES: usize = 10;

fn channel(body: &Value, headers: &HeaderMap) -> Result<String, ApiError> {
    let from_body = match body.get("channel") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        Some(_) => return Err(ApiError::field("channel", "must be a channel id or {id}")),
    };
    let from_header = headers.get("channelId").and_then(|v| v.to_str().ok());
    let Some(channel) = from_body.or(from_header) else {
        return Err(ApiError::field(
            "channel",
            "is required (in the body, or the channelId header)",
        ));
    };
    omni_core::channel::parse(channel)
        .map(str::to_string)
        .ok_or_else(|| ApiError::field("channel", omni_core::channel::rule()))
}

fn related_parties(body: &Value) -> Result<Vec<Value>, ApiError> {
    let list = match body.get("relatedParty") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) if list.len() <= MAX_PARTIES => list,
        Some(_) => {
            return Err(ApiError::field(
                "relatedParty",
                format!("must be an array of at most {MAX_PARTIES} parties"),
            ));
        }
    };
    let mut errors = Vec::new();
    let mut customers = 0;
    for (n, party) in list.iter().enumerate() {
        let id = party.get("id").and_then(Value::as_str).unwrap_or_default();
        if id.is_empty() || id.len() > 100 {
            errors.push(FieldError::new(
                format!("relatedParty[{n}].id"),
                "is required, 1 to 100 characters",
            ));
        }
        match party.get("role").and_then(Value::as_str) {
            Some(r) if PARTY_ROLES.contains(&r) => customers += usize::from(r == "customer"),
            _ => errors.push(FieldError::new(
                format!("relatedParty[{n}].role"),
                format!("must be one of {}", PARTY_ROLES.join(", ")),
            )),
        }
    }
    if customers > 1 {
        errors.push(FieldError::new(
            "relatedParty",
            "names more than one customer",
        ));
    }
    if errors.is_empty() {
        Ok(list.clone())
    } else {
        Err(ApiError::fields(errors))
    }
}

fn new_id() -> String {
    let now = chrono::Utc::now();
    let random = u64::from_le_bytes(
        uuid::Uuid::new_v4().as_bytes()[..8]
            .try_into()
            .unwrap_or([0; 8]),
    );
    order::order_id(chrono::Datelike::year(&now), random)
}

pub async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    if !body.is_object() {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let channel = channel(&body, &headers)?;
    let parties = related_parties(&body)?;
    let now = omni_core::time::rfc3339(chrono::Utc::now());
    // Ids are random; a clash is retried rather than reported.
    for _ in 0..4 {
        let record = OrderRecord {
            id: new_id(),
            state: OrderState::Draft,
            channel: channel.clone(),
            related_party: parties.clone(),
            created_at: now.clone(),
            updated_at: now.clone(),
            items: Vec::new(),
            consents: Vec::new(),
            fulfillment: None,
            payment: None,
            product_order_id: None,
            new_line_numbers: Vec::new(),
        };
        let doc = Document {
            tenant: principal.tenant.clone(),
            kind: KIND.into(),
            id: record.id.clone(),
            version: 1,
            owner: None,
            state: Some(record.state.as_str().into()),
            created_at: now.clone(),
            updated_at: now.clone(),
            body: serde_json::to_value(&record).map_err(|_| ApiError::internal())?,
        };
        match state
            .ctx
            .store
            .insert_document(&doc, &Effects::none())
            .await
        {
            Ok(()) => {
                return Ok((StatusCode::CREATED, Json(json!({"id": record.id}))).into_response());
            }
            Err(StoreError::AlreadyExists { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::unavailable(
        "could not allocate an order id; retry",
    ))
}

/// The partner error for refused items: one `errorList` entry per problem.
pub fn item_errors(errors: Vec<ItemError>) -> ApiError {
    let details = errors
        .iter()
        .map(|e| FieldError::new(e.field.clone(), e.description.clone()))
        .collect();
    let mut error = ApiError::fields(details);
    error.entries = errors
        .into_iter()
        .map(|e| PartnerEntry {
            action: e.action,
            code: e.code.to_string(),
            description: e.description,
            field: Some(e.field),
        })
        .collect();
    error.reason = "Validation Failure".into();
    error
}

pub async fn add_items(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let index = state.ctx.caches.catalog.get(&principal.tenant);
    // Another request may add items at the same time: re-check on conflict.
    for _ in 0..8 {
        let (mut record, version) = load(&state, &principal.tenant, &id).await?;
        if record.state != OrderState::Draft {
            return Err(ApiError::conflict(format!(
                "order '{id}' is {}; items can only be added to a draft order",
                record.state.as_str()
            ))
            .with_action("items"));
        }
        let request_items = body
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let facts = StoredFacts::load(
            state.ctx.store.as_ref(),
            &principal.tenant,
            &index,
            &record.channel,
            &request_items,
            &record.items,
        )
        .await?;
        let added = order::capture(&body, &record.items, &facts).map_err(item_errors)?;
        record.items.extend(added);
        record.updated_at = omni_core::time::rfc3339(chrono::Utc::now());
        match save(&state, &principal.tenant, &record, version, Effects::none()).await {
            Ok(()) => return Ok(Json(json!({"id": record.id})).into_response()),
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict(format!(
        "order '{id}' is changing too often; retry"
    )))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let (record, _) = load(&state, &principal.tenant, &id).await?;
    Ok(Json(render(&state, &principal.tenant, &record)).into_response())
}
