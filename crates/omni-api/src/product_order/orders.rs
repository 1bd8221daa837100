//! `productOrder`: create, list, get, merge PATCH and DELETE.

use super::{
    ATTEMPTS, Change, KIND, apply, can_read, contention, correlation_id, href, order_event, render,
    writer,
};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::state::AppState;
use crate::tmf::{if_match, list_page, precondition_failed, single_resource_query, with_etag};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use omni_core::product_order as domain;
use omni_store::{Document, DocumentQuery, Effects, StoreError};
use serde_json::Value;

pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    // The role is checked before the body is read: a caller who may not write
    // gets 401/403 whatever it sends.
    let principal = writer(caller)?;
    let JsonBody(body) = JsonBody::<Value>::from_request(request, &state).await?;
    domain::validate_new(&body).map_err(ApiError::fields)?;
    let Value::Object(mut body) = body else {
        return Err(ApiError::field("body", "must be a JSON object"));
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    domain::stamp_new(&mut body, &id, now);
    let time = omni_core::time::rfc3339(now);
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: KIND.into(),
        id: id.clone(),
        version: 1,
        owner: None,
        state: Some(domain::State::INITIAL.as_str().into()),
        created_at: time.clone(),
        updated_at: time,
        body: Value::Object(body),
    };
    let public_url = &state.ctx.config.public_url;
    let rendered = render(public_url, &doc);
    let event = order_event(
        &principal.tenant,
        &id,
        "Create",
        &rendered,
        correlation_id(&headers),
        now,
    );
    state
        .ctx
        .store
        .insert_document(&doc, &Effects::events(vec![event]))
        .await?;
    let mut response = (StatusCode::CREATED, axum::Json(rendered)).into_response();
    if let Ok(location) = HeaderValue::from_str(&href(public_url, &id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(with_etag(response, doc.version))
}

pub(super) async fn list(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    can_read(&principal)?;
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: KIND.into(),
        owner: None,
        page: None,
    };
    let public_url = state.ctx.config.public_url.clone();
    list_page(&state, stored, &query, |d| render(&public_url, d)).await
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
        .get_document(&principal.tenant, KIND, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(KIND, &id))?;
    let body = query.project(render(&state.ctx.config.public_url, &doc));
    Ok(with_etag(axum::Json(body).into_response(), doc.version))
}

pub(super) async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let principal = writer(caller)?;
    let JsonBody(patch) = JsonBody::<Value>::from_request(request, &state).await?;
    domain::validate_patch(&patch).map_err(ApiError::fields)?;
    let change = Change {
        tenant: &principal.tenant,
        id: &id,
        patch: &patch,
        expected: if_match(&headers)?,
        correlation_id: correlation_id(&headers),
    };
    let (doc, rendered) = apply(
        state.ctx.store.as_ref(),
        &state.ctx.config.public_url,
        &change,
    )
    .await?;
    Ok(with_etag(axum::Json(rendered).into_response(), doc.version))
}

/// Deletion is for administration (the specification's words): allowed in
/// any state, and announced with a `ProductOrderDeleteEvent`.
pub(super) async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let principal = writer(caller)?;
    let expected = if_match(&headers)?;
    for _ in 0..ATTEMPTS {
        let doc = state
            .ctx
            .store
            .get_document(&principal.tenant, KIND, &id)
            .await?
            .ok_or_else(|| ApiError::not_found(KIND, &id))?;
        if expected.is_some_and(|v| v != doc.version) {
            return Err(precondition_failed());
        }
        let rendered = render(&state.ctx.config.public_url, &doc);
        let event = order_event(
            &principal.tenant,
            &id,
            "Delete",
            &rendered,
            correlation_id(&headers),
            Utc::now(),
        );
        // Deleting at the version read keeps the event's content true: a
        // change in between makes us read again (or 412 under If-Match).
        match state
            .ctx
            .store
            .delete_document(&doc.key(), Some(doc.version), &Effects::events(vec![event]))
            .await
        {
            Ok(()) => return Ok(StatusCode::NO_CONTENT.into_response()),
            Err(StoreError::VersionConflict { .. }) if expected.is_some() => {
                return Err(precondition_failed());
            }
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(StoreError::NotFound { .. }) => return Err(ApiError::not_found(KIND, &id)),
            Err(e) => return Err(e.into()),
        }
    }
    Err(contention())
}
