//! The family's four calls: accept a care order, its status, a line as it
//! is now, and cancelling an order nothing of which was processed yet.

use super::facts::{StoredInventory, catalog_facts, decode};
use super::record::{CareOrderRecord, ChangeState, RecordStatus};
use super::{KIND, authorize, client_id, worker};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use omni_core::care::{ChangeResult, InventoryLookup, parse_date, validate};
use omni_core::inventory::{
    ACCOUNT_KIND, Account, BILLING_ACCOUNT_KIND, BillingAccount, SUBSCRIBER_KIND, Subscriber,
};
use omni_core::time::rfc3339;
use omni_store::{DocumentQuery, Effects, NewJob, StoreError};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Most orders one status query answers.
const MAX_STATUS_ORDERS: usize = 1000;

/// `xxxRequest` of the body, or a 400 naming it.
fn wrapped<'b>(body: &'b Value, name: &str) -> Result<&'b Value, ApiError> {
    body.get(name)
        .filter(|v| v.is_object())
        .ok_or_else(|| ApiError::field(name, "is required, an object"))
}

fn text<'b>(request: &'b Value, wrapper: &str, field: &str) -> Result<Option<&'b str>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 100 => Ok(Some(s)),
        Some(_) => Err(ApiError::field(
            format!("{wrapper}.{field}"),
            "must be a text of 1 to 100 characters",
        )),
    }
}

pub async fn accept(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    authorize(&principal)?;
    let client = client_id(&headers)?;
    let tenant = principal.tenant.as_str();
    let store = state.ctx.store.as_ref();
    let inventory = StoredInventory::load(store, tenant, &body).await?;
    let catalog = catalog_facts(&state.ctx.store, tenant).await?;
    // The whole body is checked before anything is stored.
    let order = validate(&body, &inventory, catalog.as_ref()).map_err(ApiError::fields)?;
    let now = Utc::now();
    let mut cycle_days: HashMap<String, u8> = HashMap::new();
    let mut changes = Vec::with_capacity(order.change_requests.len());
    for change in &order.change_requests {
        // Validation found every line, so a miss here is a concurrent delete.
        let Some(line) = inventory.line(&change.ctn) else {
            return Err(ApiError::conflict(format!(
                "line '{}' was removed meanwhile",
                change.ctn
            )));
        };
        let day = match cycle_days.get(&line.billing_account_id) {
            Some(day) => *day,
            None => {
                let id = &line.billing_account_id;
                let Some((billing, _)) =
                    decode::<BillingAccount>(store, tenant, BILLING_ACCOUNT_KIND, id).await?
                else {
                    return Err(ApiError::conflict(format!(
                        "billing account '{id}' of line '{}' does not exist",
                        change.ctn
                    )));
                };
                cycle_days.insert(id.clone(), billing.bill_cycle_day);
                billing.bill_cycle_day
            }
        };
        changes.push(ChangeState {
            due_at: rfc3339(change.due_at(now, day)),
            result: ChangeResult::pending(change.change_request_id.clone()),
            processed_at: None,
        });
    }
    let stamp = rfc3339(now);
    let record = CareOrderRecord {
        id: format!("CO-{}", uuid::Uuid::now_v7().simple()),
        client_id: client,
        status: RecordStatus::InProgress,
        created_at: stamp.clone(),
        updated_at: stamp.clone(),
        order,
        changes,
    };
    let jobs = record
        .changes
        .iter()
        .enumerate()
        .map(|(index, c)| NewJob {
            id: format!("{}:{index}", record.id),
            tenant: tenant.to_string(),
            kind: worker::JOB_KIND.into(),
            payload: json!({"orderId": record.id, "index": index}),
            run_at: c.due_at.clone(),
            now: stamp.clone(),
        })
        .collect();
    let effects = Effects {
        events: vec![record.status_event(tenant)],
        jobs,
        ..Effects::default()
    };
    store
        .insert_document(&record.document(tenant, 1)?, &effects)
        .await?;
    // A wake with no worker waiting is kept for its next wait.
    state.ctx.signals.care.notify_one();
    let answer = json!({"careOrderResponse": record.render()});
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

async fn load(
    state: &AppState,
    tenant: &str,
    id: &str,
) -> Result<Option<(CareOrderRecord, i64)>, ApiError> {
    decode::<CareOrderRecord>(state.ctx.store.as_ref(), tenant, KIND, id).await
}

pub async fn order_status(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize(&principal)?;
    client_id(&headers)?;
    const W: &str = "orderStatusRequest";
    let request = wrapped(&body, W)?;
    let tenant = principal.tenant.as_str();
    if let Some(id) = text(request, W, "orderId")? {
        let Some((record, _)) = load(&state, tenant, id).await? else {
            return Err(ApiError::not_found("care order", id));
        };
        return Ok(Json(
            json!({W.replace("Request", "Response"): {"orders": [record.render()]}}),
        ));
    }
    let group = text(request, W, "accountGroupId")?;
    let date = |field: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
        match text(request, W, field)? {
            None => Ok(None),
            Some(t) => parse_date(t).map(Some).ok_or_else(|| {
                ApiError::field(
                    format!("{W}.{field}"),
                    "must be an RFC 3339 date or date-time",
                )
            }),
        }
    };
    let (from, to) = (date("fromDate")?, date("toDate")?);
    if group.is_none() && from.is_none() && to.is_none() {
        return Err(ApiError::field(
            format!("{W}.orderId"),
            "is required unless accountGroupId, fromDate or toDate is given",
        ));
    }
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::field(
            format!("{W}.toDate"),
            "must not be before fromDate",
        ));
    }
    let docs = state
        .ctx
        .store
        .list_documents(&DocumentQuery {
            tenant: tenant.to_string(),
            kind: KIND.into(),
            owner: None,
            page: None,
        })
        .await?;
    let mut orders = Vec::new();
    for doc in docs {
        let Ok(record) = serde_json::from_value::<CareOrderRecord>(doc.body) else {
            tracing::error!(order = %doc.id, "stored care order does not decode; skipped");
            continue;
        };
        let created = parse_date(&record.created_at);
        let in_group = group.is_none_or(|g| record.order.account_group_id.as_deref() == Some(g));
        let after = from.is_none_or(|f| created.is_some_and(|c| c >= f));
        let before = to.is_none_or(|t| created.is_some_and(|c| c <= t));
        if in_group && after && before {
            orders.push(record.render());
            if orders.len() == MAX_STATUS_ORDERS {
                break;
            }
        }
    }
    Ok(Json(json!({"orderStatusResponse": {"orders": orders}})))
}

pub async fn care_account(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize(&principal)?;
    client_id(&headers)?;
    const W: &str = "careAccountRequest";
    let request = wrapped(&body, W)?;
    let group = text(request, W, "accountGroupId")?;
    let Some(ctn) = text(request, W, "ctn")? else {
        return Err(ApiError::field(format!("{W}.ctn"), "is required"));
    };
    let (tenant, store) = (principal.tenant.as_str(), state.ctx.store.as_ref());
    let line = decode::<Subscriber>(store, tenant, SUBSCRIBER_KIND, ctn).await?;
    // A line outside the group named is answered as absent.
    let Some((line, _)) =
        line.filter(|(s, _)| group.is_none_or(|g| s.account_group_id.as_deref() == Some(g)))
    else {
        return Err(ApiError::not_found("line", ctn));
    };
    let billing = decode::<BillingAccount>(
        store,
        tenant,
        BILLING_ACCOUNT_KIND,
        &line.billing_account_id,
    )
    .await?
    .map(|(b, _)| b);
    let account = decode::<Account>(store, tenant, ACCOUNT_KIND, &line.account_id)
        .await?
        .map(|(a, _)| a);
    let group_name = account.as_ref().and_then(|a| {
        a.account_groups
            .iter()
            .find(|g| Some(&g.id) == line.account_group_id.as_ref())
            .map(|g| g.name.clone())
    });
    let mut subscriber = serde_json::to_value(&line).map_err(|_| ApiError::internal())?;
    // Rate plan, features, device and SIM are answered beside the line.
    let mut take = |key: &str| {
        subscriber
            .as_object_mut()
            .and_then(|o| o.remove(key))
            .unwrap_or(Value::Null)
    };
    let (rate_plan, features, device, sim) = (
        take("ratePlan"),
        take("features"),
        take("device"),
        take("sim"),
    );
    Ok(Json(json!({"careAccountResponse": {
        "account": account.map(|a| json!({
            "id": a.id, "name": a.name, "customerType": a.customer_type,
            "customerSubType": a.customer_sub_type,
        })),
        "accountGroup": line.account_group_id.as_ref().map(|g| json!({"id": g, "name": group_name})),
        "billingAccount": billing.as_ref().map(|b| json!({
            "id": b.id, "name": b.name, "status": b.status, "ratingType": b.rating_type,
            "billCycleDay": b.bill_cycle_day, "market": b.market,
        })),
        "billingContact": billing.and_then(|b| b.billing_contact),
        "subscriber": subscriber,
        "ratePlan": rate_plan,
        "features": features,
        "device": device,
        "sim": sim,
    }})))
}

pub async fn cancel(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    authorize(&principal)?;
    client_id(&headers)?;
    const W: &str = "orderCancellationRequest";
    let request = wrapped(&body, W)?;
    let Some(id) = text(request, W, "orderId")? else {
        return Err(ApiError::field(format!("{W}.orderId"), "is required"));
    };
    let tenant = principal.tenant.as_str();
    let Some((mut record, version)) = load(&state, tenant, id).await? else {
        return Err(ApiError::not_found("care order", id));
    };
    if record.status != RecordStatus::Cancelled {
        if !record.untouched() {
            return Err(ApiError::conflict(format!(
                "care order '{id}' is {}: processing has started, it can no longer be cancelled",
                record.status.as_str()
            )));
        }
        record.status = RecordStatus::Cancelled;
        record.updated_at = rfc3339(Utc::now());
        let doc = record.document(tenant, version + 1)?;
        let effects = Effects::events(vec![record.status_event(tenant)]);
        // The version check loses against a worker that applied a change
        // meanwhile: then processing has started after all.
        match state.ctx.store.update_document(&doc, &effects).await {
            Ok(()) => {}
            Err(StoreError::VersionConflict { .. }) => {
                return Err(ApiError::conflict(format!(
                    "care order '{id}' changed meanwhile: processing has started"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(json!({"orderCancellationResponse": record.render()})))
}
