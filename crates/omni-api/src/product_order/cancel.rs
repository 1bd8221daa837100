//! `cancelProductOrder`: a request to cancel an order, decided at once.
//!
//! Omni cancels synchronously. An order whose fulfilment has not started
//! (acknowledged, pending or held) is cancelled in the same transaction that
//! stores the request, which is stored `done`. Any other order cannot be
//! cancelled here: the request is answered 409 naming the order's state and
//! the reason, and nothing is stored. The specification's asynchronous path
//! (the order waits in `assessingCancellation` while the provider assesses,
//! the task `inProgress`, and later `terminatedWithError` if refused) needs an
//! assessor Omni does not have; parking orders there would leave them stuck.

use super::{
    ATTEMPTS, CANCEL_KIND, KIND, can_read, contention, correlation_id, href, render, render_cancel,
    state_change_event, state_conflict, writer,
};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::state::AppState;
use crate::tmf::{list_page, single_resource_query, with_etag};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use omni_app::events::{EventSource, event};
use omni_core::document::FieldError;
use omni_core::product_order::{self as domain, CancelError};
use omni_store::{Document, DocumentQuery, DocumentWrite, Effects, NewEvent, StoreError};
use serde_json::{Value, json};

fn cancel_event(
    tenant: &str,
    id: &str,
    what: &str,
    request: &Value,
    correlation_id: Option<&str>,
    now: DateTime<Utc>,
) -> NewEvent {
    let source = EventSource {
        tenant,
        domain: super::DOMAIN,
        kind: CANCEL_KIND,
        id,
        correlation_id,
    };
    event(
        &source,
        &format!("CancelProductOrder{what}Event"),
        request,
        now,
    )
}

pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let principal = writer(caller)?;
    let JsonBody(body) = JsonBody::<Value>::from_request(request, &state).await?;
    domain::validate_cancel(&body, Utc::now()).map_err(ApiError::fields)?;
    let order_id = body["productOrder"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reason = body
        .get("cancellationReason")
        .and_then(Value::as_str)
        .map(str::to_string);
    let public_url = &state.ctx.config.public_url;
    let correlation = correlation_id(&headers);
    let id = uuid::Uuid::new_v4().to_string();
    // The order is decided at the version read and written at the next one:
    // if a worker moved it in between, the write fails and we decide again.
    for _ in 0..ATTEMPTS {
        let Some(mut order) = state
            .ctx
            .store
            .get_document(&principal.tenant, KIND, &order_id)
            .await?
        else {
            return Err(ApiError::field(
                "productOrder.id",
                format!("names no product order '{order_id}'"),
            ));
        };
        let now = Utc::now();
        match domain::cancel(&mut order.body, reason.as_deref(), now) {
            Ok(_) => {}
            Err(CancelError::Refused { state: s, reason }) => {
                return Err(state_conflict(vec![FieldError::new(
                    "productOrder.id",
                    format!("product order '{order_id}' cannot be cancelled: it is {s}; {reason}"),
                )]));
            }
            Err(CancelError::Corrupt) => {
                tracing::error!(order = %order_id, "a stored product order has no valid state");
                return Err(ApiError::internal());
            }
        }
        let time = omni_core::time::rfc3339(now);
        order.version += 1;
        order.updated_at = time.clone();
        order.state = Some(domain::State::Cancelled.as_str().into());

        let Value::Object(mut task) = body.clone() else {
            return Err(ApiError::field("body", "must be a JSON object"));
        };
        domain::stamp_cancel_request(&mut task, &id, now);
        task.insert(
            "productOrder".into(),
            order_ref(&body["productOrder"], &href(public_url, &order_id)),
        );
        let request_doc = Document {
            tenant: principal.tenant.clone(),
            kind: CANCEL_KIND.into(),
            id: id.clone(),
            version: 1,
            owner: None,
            state: Some(domain::TASK_DONE.into()),
            created_at: time.clone(),
            updated_at: time,
            body: Value::Object(task),
        };
        let rendered = render_cancel(public_url, &request_doc);
        let rendered_order = render(public_url, &order);
        let tenant = principal.tenant.as_str();
        let effects = Effects::events(vec![
            cancel_event(tenant, &id, "Create", &rendered, correlation, now),
            // The task was carried out within the request: listeners learn it
            // is done as they would from an asynchronous one.
            cancel_event(tenant, &id, "StateChange", &rendered, correlation, now),
            state_change_event(tenant, &order_id, &rendered_order, correlation, now),
        ]);
        let writes = [
            DocumentWrite::Insert(request_doc),
            DocumentWrite::Update(order),
        ];
        match state.ctx.store.write_documents(&writes, &effects).await {
            Ok(()) => {
                let mut response = (StatusCode::CREATED, axum::Json(rendered)).into_response();
                if let Ok(location) =
                    HeaderValue::from_str(&format!("{public_url}{}/{id}", super::CANCELS))
                {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                return Ok(with_etag(response, 1));
            }
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(contention())
}

/// The reference to the order as stored and answered: its id, link and
/// type, plus the name the request gave (when a string). Other attributes of
/// the request's reference are not kept, so that a stored request never
/// carries a value that the reference's documented schema does not allow.
fn order_ref(given: &Value, order_href: &str) -> Value {
    let mut reference =
        json!({"id": given["id"], "href": order_href, "@referredType": "ProductOrder"});
    if let Some(name) = given.get("name").filter(|n| n.is_string()) {
        reference["name"] = name.clone();
    }
    reference
}

pub(super) async fn list(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    can_read(&principal)?;
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: CANCEL_KIND.into(),
        owner: None,
        page: None,
    };
    let public_url = state.ctx.config.public_url.clone();
    list_page(&state, stored, &query, |d| render_cancel(&public_url, d)).await
}

pub(super) async fn retrieve(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    can_read(&principal)?;
    let query = single_resource_query(&query)?;
    let doc = state
        .ctx
        .store
        .get_document(&principal.tenant, CANCEL_KIND, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(CANCEL_KIND, &id))?;
    let body = query.project(render_cancel(&state.ctx.config.public_url, &doc));
    Ok(with_etag(axum::Json(body).into_response(), doc.version))
}
