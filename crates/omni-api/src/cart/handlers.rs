use super::access::{self, Access};
use super::build::{self, Built, Context};
use super::{KIND, PATH};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::ops::CONVERSATION_ID;
use crate::state::AppState;
use crate::tmf::{if_match, list_page, precondition_failed, with_etag};
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_app::events::{EventSource, event};
use omni_core::Principal;
use omni_core::document::FieldError;
use omni_store::{Document, DocumentQuery, Effects, StoreError};
use serde_json::Value;

const PATCH_ATTEMPTS: usize = 16;

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(list).post(create)).route(
        &format!("{PATH}/{{id}}"),
        get(retrieve).patch(patch).delete(remove),
    )
}

fn channel(headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let value = headers.get("channelId").and_then(|v| v.to_str().ok());
    match value {
        None => Err(ApiError::field("channelId", "header is required")),
        Some(v) => omni_core::channel::parse(v).ok_or_else(|| {
            ApiError::field(
                "channelId",
                format!("header {}", omni_core::channel::rule()),
            )
        }),
    }
}

fn href(state: &AppState, id: &str) -> String {
    format!("{}{PATH}/{id}", state.ctx.config.public_url)
}

fn render(public_url: &str, doc: &Document) -> Value {
    crate::tmf::with_id_and_href(doc, format!("{public_url}{PATH}/{}", doc.id))
}

fn cart_event(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    id: &str,
    what: &str,
    cart: &Value,
) -> omni_store::NewEvent {
    let source = EventSource {
        tenant: &principal.tenant,
        domain: "shoppingCart",
        kind: KIND,
        id,
        correlation_id: headers.get(CONVERSATION_ID).and_then(|v| v.to_str().ok()),
    };
    let _ = state;
    event(
        &source,
        &format!("ShoppingCart{what}Event"),
        cart,
        chrono::Utc::now(),
    )
}

async fn build_for(
    state: &AppState,
    principal: &Principal,
    access: &Access,
    channel: &str,
    input: Value,
) -> Result<Built, ApiError> {
    let customer = match access.customer_of(&input) {
        Some(party) => {
            super::customer::load(state.ctx.store.as_ref(), &principal.tenant, &party).await?
        }
        None => None,
    };
    let index = state.ctx.caches.catalog.get(&principal.tenant);
    let promotions = state.ctx.caches.promotions.get(&principal.tenant);
    let rule_sets = state.ctx.caches.rule_sets.get(&principal.tenant);
    build::build(
        input,
        &Context {
            index: &index,
            channel,
            access,
            promotions: &promotions,
            rule_sets: &rule_sets,
            customer: customer.as_ref(),
            now: chrono::Utc::now(),
        },
    )
}

async fn create(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let access = access::for_write(&principal)?;
    let channel = channel(&headers)?;
    let JsonBody(mut input) = JsonBody::<Value>::from_request(request, &state).await?;
    let id = match input.as_object_mut().and_then(|m| m.remove("id")) {
        None => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(id)) if valid_id(&id) => id,
        Some(_) => {
            return Err(ApiError::fields(vec![FieldError::new(
                "id",
                "must be 1 to 100 letters, digits, '-', '_', '.' or ':'",
            )]));
        }
    };
    let built = build_for(&state, &principal, &access, channel, input).await?;
    let now = omni_core::time::rfc3339(chrono::Utc::now());
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: KIND.into(),
        id: id.clone(),
        version: 1,
        owner: built.owner,
        state: None,
        created_at: now.clone(),
        updated_at: now,
        body: built.body,
    };
    let rendered = render(&state.ctx.config.public_url, &doc);
    let effects = Effects {
        events: vec![cart_event(
            &state, &principal, &headers, &id, "Create", &rendered,
        )],
        expires_at: Some(Some(built.expires_at)),
        ..Effects::none()
    };
    match state.ctx.store.insert_document(&doc, &effects).await {
        Ok(()) => {}
        Err(StoreError::AlreadyExists { .. }) => {
            return Err(ApiError::conflict(format!(
                "a shopping cart with id '{id}' already exists"
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let mut response = (StatusCode::CREATED, axum::Json(rendered)).into_response();
    if let Ok(location) = HeaderValue::from_str(&href(&state, &id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(with_etag(response, doc.version))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

async fn list(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let owner = match access::for_read(&principal)? {
        Access::Any => None,
        Access::Owner(me) => Some(me),
        // A prospect holds a cart's id, not a list of everyone's carts.
        Access::Prospect => {
            return Err(ApiError::unauthorized(
                "listing carts needs a bearer token",
                crate::error::CHALLENGE,
            ));
        }
    };
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: KIND.into(),
        owner,
        page: None,
    };
    let public_url = state.ctx.config.public_url.clone();
    list_page(&state, stored, &query, |d| render(&public_url, d)).await
}

/// The cart if this caller may see it; anything else is a 404, so a cart's
/// existence never leaks to someone who may not read it.
async fn visible(
    state: &AppState,
    principal: &Principal,
    access: &Access,
    id: &str,
) -> Result<Document, ApiError> {
    match state
        .ctx
        .store
        .get_document(&principal.tenant, KIND, id)
        .await?
    {
        Some(doc) if access.can_see(&doc) => Ok(doc),
        _ => Err(ApiError::not_found("shoppingCart", id)),
    }
}

async fn retrieve(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let access = access::for_read(&principal)?;
    let query = crate::tmf::single_resource_query(&query)?;
    let doc = visible(&state, &principal, &access, &id).await?;
    let body = query.project(render(&state.ctx.config.public_url, &doc));
    Ok(with_etag(axum::Json(body).into_response(), doc.version))
}

async fn patch(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let access = access::for_write(&principal)?;
    let channel = channel(&headers)?;
    let JsonBody(patch) = JsonBody::<Value>::from_request(request, &state).await?;
    if !patch.is_object() {
        return Err(ApiError::field(
            "body",
            "must be a JSON object (a merge patch)",
        ));
    }
    if patch.get("id").is_some() {
        return Err(ApiError::field("id", "may not be changed"));
    }
    let expected = if_match(&headers)?;
    for _ in 0..PATCH_ATTEMPTS {
        let mut doc = visible(&state, &principal, &access, &id).await?;
        if expected.is_some_and(|v| v != doc.version) {
            return Err(precondition_failed());
        }
        let mut merged = build::strip_computed(doc.body.clone());
        omni_core::merge_patch(&mut merged, &patch);
        let built = build_for(&state, &principal, &access, channel, merged).await?;
        doc.version += 1;
        doc.updated_at = omni_core::time::rfc3339(chrono::Utc::now());
        doc.owner = built.owner;
        doc.body = built.body;
        let rendered = render(&state.ctx.config.public_url, &doc);
        let effects = Effects {
            events: vec![cart_event(
                &state,
                &principal,
                &headers,
                &id,
                "AttributeValueChange",
                &rendered,
            )],
            expires_at: Some(Some(built.expires_at)),
            ..Effects::none()
        };
        match state.ctx.store.update_document(&doc, &effects).await {
            Ok(()) => return Ok(with_etag(axum::Json(rendered).into_response(), doc.version)),
            Err(StoreError::VersionConflict { .. }) if expected.is_none() => continue,
            Err(StoreError::VersionConflict { .. }) => return Err(precondition_failed()),
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "CONTENTION",
        "Conflict",
        "the cart is being changed by many clients at once; retry",
    ))
}

async fn remove(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let access = access::for_write(&principal)?;
    let expected = if_match(&headers)?;
    let doc = visible(&state, &principal, &access, &id).await?;
    if expected.is_some_and(|v| v != doc.version) {
        return Err(precondition_failed());
    }
    let rendered = render(&state.ctx.config.public_url, &doc);
    let effects = Effects::events(vec![cart_event(
        &state, &principal, &headers, &id, "Delete", &rendered,
    )]);
    match state
        .ctx
        .store
        .delete_document(&doc.key(), Some(doc.version), &effects)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::VersionConflict { .. }) if expected.is_some() => Err(precondition_failed()),
        Err(StoreError::VersionConflict { .. } | StoreError::NotFound { .. }) => Err(
            ApiError::conflict("the cart changed while it was being deleted; retry"),
        ),
        Err(e) => Err(e.into()),
    }
}
