//! TMF679 Product Offering Qualification and TMF645 Service Qualification.
//!
//! A `POST` asks the question and answers it at once (`state: done`) from the
//! tenant's in-memory catalog index, with the pure engines of
//! `omni_core::eligibility` and `omni_core::service_qualification`; the
//! answer is stored as a document (with its create event in the outbox) and
//! can be read again with `GET` list and `GET /{id}`.
//!
//! Who may call, following the shopping-cart page ("user, m2m, customer,
//! unauthenticated"; role `sc.ops`), since carts ask these questions:
//! - `POST`: prospects without a token and `customer` tokens may ask for
//!   themselves; `user` and `m2m` tokens need `sc.ops` (403 otherwise).
//! - `GET`: answers can hold a customer's situation (credit class, products
//!   held), so reading needs an identity. `user`/`m2m` with `sc.ops` or
//!   `sc.view` read every answer of their tenant; a `customer` reads only the
//!   answers it asked for (others are 404); no token is 401.
//!
//! No request crosses tenants: the catalog, the address registry and the
//! stored answers are the caller's tenant's.

pub mod openapi;
mod poq;
mod shape;
mod sq;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::ops::CONVERSATION_ID;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::{DateTime, Utc};
use omni_app::events::{EventSource, event};
use omni_core::document::FieldError;
use omni_core::{AccessError, Principal, PrincipalKind};
use omni_store::{Document, DocumentQuery, Effects};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub const POQ_BASE: &str = "/tmf-api/productOfferingQualification/v4";
pub const SQ_BASE: &str = "/tmf-api/serviceQualificationManagement/v4";
/// Role a staff or system principal needs to ask.
pub const OPS_ROLE: &str = "sc.ops";
/// Role that lets a staff or system principal read answers (as does `sc.ops`).
pub const VIEW_ROLE: &str = "sc.view";
/// The `state` of every answer: qualification is synchronous.
const DONE: &str = "done";
/// Longest text accepted in an id or a context value.
const MAX_TEXT: usize = 100;
/// Most items one request may qualify.
const MAX_ITEMS: usize = 1000;

/// One stored kind of answer.
#[derive(Debug, Clone, Copy)]
struct Kind {
    base: &'static str,
    /// Stored kind and path segment, e.g. `productOfferingQualification`.
    kind: &'static str,
    /// `@type`, and the prefix of event names.
    type_name: &'static str,
    /// Event domain.
    domain: &'static str,
}

const POQ: Kind = Kind {
    base: POQ_BASE,
    kind: "productOfferingQualification",
    type_name: "ProductOfferingQualification",
    domain: "productOfferingQualification",
};

const SQ: Kind = Kind {
    base: SQ_BASE,
    kind: "checkServiceQualification",
    type_name: "CheckServiceQualification",
    domain: "serviceQualificationManagement",
};

impl Kind {
    fn collection(&self) -> String {
        format!("{}/{}", self.base, self.kind)
    }

    fn href(&self, public_url: &str, id: &str) -> String {
        format!("{public_url}{}/{}/{id}", self.base, self.kind)
    }

    /// The answer as clients see it: `id` and `href` first, then the body.
    fn render(&self, public_url: &str, doc: &Document) -> Value {
        crate::tmf::with_id_and_href(doc, self.href(public_url, &doc.id))
    }
}

/// Routes of both APIs, at their full paths.
pub fn router() -> Router<AppState> {
    routes(POQ, post(poq::create)).merge(routes(SQ, post(sq::create)))
}

/// `GET`/`POST` on the collection and `GET` on one answer of `kind`.
fn routes(kind: Kind, create: MethodRouter<AppState>) -> Router<AppState> {
    Router::new()
        .route(
            &kind.collection(),
            create.get(move |s: State<AppState>, c: Caller, q: QueryPairs| list(kind, s, c, q)),
        )
        .route(
            &format!("{}/{{id}}", kind.collection()),
            get(
                move |s: State<AppState>, c: Caller, q: QueryPairs, id: Path<String>| {
                    retrieve(kind, s, c, q, id)
                },
            ),
        )
}

/// Whether `principal` may ask a question (see the module's documentation).
fn may_ask(principal: &Principal) -> Result<(), ApiError> {
    match principal.kind {
        PrincipalKind::Unauthenticated | PrincipalKind::Customer => Ok(()),
        PrincipalKind::User | PrincipalKind::M2m => Ok(principal.require_role(OPS_ROLE)?),
    }
}

/// Which stored answers `principal` may read: `Ok(None)` all of its
/// tenant's, `Ok(Some(owner))` only those `owner` asked.
fn read_scope(principal: &Principal) -> Result<Option<String>, ApiError> {
    match principal.kind {
        PrincipalKind::Unauthenticated => Err(AccessError::Unauthenticated.into()),
        PrincipalKind::Customer => principal
            .subject
            .clone()
            .map(Some)
            .ok_or_else(|| AccessError::Unauthenticated.into()),
        PrincipalKind::User | PrincipalKind::M2m => {
            if principal.has_role(OPS_ROLE) || principal.has_role(VIEW_ROLE) {
                Ok(None)
            } else {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "FORBIDDEN",
                    "Forbidden",
                    format!("missing role '{VIEW_ROLE}' (or '{OPS_ROLE}')"),
                ))
            }
        }
    }
}

/// The owner recorded on an answer: the customer who asked, so that it can
/// read the answer again.
fn owner_of(principal: &Principal) -> Option<String> {
    match principal.kind {
        PrincipalKind::Customer => principal.subject.clone(),
        _ => None,
    }
}

/// The request body as JSON and as `T`, read only once the caller is known
/// to be allowed to ask: a caller who may not gets 401/403 whatever it sent.
async fn read_body<T: DeserializeOwned>(
    kind: Kind,
    principal: &Principal,
    state: &AppState,
    request: Request,
) -> Result<(Map<String, Value>, T), ApiError> {
    may_ask(principal)?;
    let JsonBody(raw) = JsonBody::<Value>::from_request(request, state).await?;
    // Decoding the text again names the path of a value of the wrong type.
    let text = serde_json::to_vec(&raw).map_err(|_| ApiError::internal())?;
    let typed = crate::extract::decode::<T>(&text)?;
    let mut problems = Problems::default();
    shape::check(
        "",
        &raw,
        shape::create_schema(kind.type_name),
        &mut problems,
    );
    problems.finish()?;
    match raw {
        Value::Object(mut map) => {
            drop_nulls(&mut map);
            Ok((map, typed))
        }
        _ => Err(ApiError::field("body", "must be a JSON object")),
    }
}

/// The request is stored as part of the answer: an attribute sent as `null`
/// was read as absent, so it is stored absent rather than as a `null` that
/// the attribute's type (a boolean, a string) does not allow.
fn drop_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, v| !v.is_null());
    for value in map.values_mut() {
        match value {
            Value::Object(inner) => drop_nulls(inner),
            Value::Array(items) => items.iter_mut().for_each(|item| {
                if let Value::Object(inner) = item {
                    drop_nulls(inner);
                }
            }),
            _ => {}
        }
    }
}

/// Collects field errors of hand-written rules.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.0.push(FieldError::new(field, rule));
    }

    /// A text that must be present, non-blank and at most [`MAX_TEXT`] long.
    fn text(&mut self, field: impl Into<String>, value: &str) {
        if value.trim().is_empty() {
            self.add(field, "must not be empty");
        } else if value.chars().count() > MAX_TEXT {
            self.add(field, format!("must be at most {MAX_TEXT} characters"));
        }
    }

    fn optional_text(&mut self, field: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.text(field, v);
        }
    }

    /// Item ids are unique within a request.
    fn unique_ids<'a>(&mut self, list: &str, ids: impl Iterator<Item = (usize, &'a str)>) {
        let mut seen: Vec<&str> = Vec::new();
        for (i, id) in ids {
            if seen.contains(&id) {
                self.add(
                    format!("{list}[{i}].id"),
                    format!("duplicates item id '{id}'"),
                );
            }
            seen.push(id);
        }
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::fields(self.0))
        }
    }
}

/// Items of a request: at least one, at most [`MAX_ITEMS`].
fn check_count(problems: &mut Problems, field: &str, n: usize) {
    if n == 0 {
        problems.add(field, "must list at least one item");
    } else if n > MAX_ITEMS {
        problems.add(field, format!("must list at most {MAX_ITEMS} items"));
    }
}

/// Attributes every answer carries, replacing any the client sent.
fn stamp(kind: Kind, body: &mut Map<String, Value>, result: &str, now: DateTime<Utc>) {
    let time = Value::String(omni_core::time::rfc3339(now));
    body.remove("id");
    body.remove("href");
    body.insert("@type".into(), Value::String(kind.type_name.into()));
    body.insert("state".into(), Value::String(DONE.into()));
    body.insert("qualificationResult".into(), Value::String(result.into()));
    body.insert("creationDate".into(), time.clone());
    body.insert("effectiveQualificationDate".into(), time);
}

/// Stores the answer with its create event and answers 201 with it.
async fn store(
    kind: Kind,
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    body: Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<Response, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let time = omni_core::time::rfc3339(now);
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: kind.kind.to_string(),
        id: id.clone(),
        version: 1,
        owner: owner_of(principal),
        state: Some(DONE.to_string()),
        created_at: time.clone(),
        updated_at: time,
        body: Value::Object(body),
    };
    let public_url = &state.ctx.config.public_url;
    let rendered = kind.render(public_url, &doc);
    let source = EventSource {
        tenant: &principal.tenant,
        domain: kind.domain,
        kind: kind.kind,
        id: &id,
        correlation_id: headers.get(CONVERSATION_ID).and_then(|v| v.to_str().ok()),
    };
    let events = vec![event(
        &source,
        &format!("{}CreateEvent", kind.type_name),
        &rendered,
        now,
    )];
    state
        .ctx
        .store
        .insert_document(
            &doc,
            &Effects {
                events,
                ..Effects::default()
            },
        )
        .await?;
    let mut response = (StatusCode::CREATED, axum::Json(rendered)).into_response();
    if let Ok(location) = HeaderValue::from_str(&kind.href(public_url, &id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(crate::tmf::with_etag(response, doc.version))
}

async fn list(
    kind: Kind,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let owner = read_scope(&principal)?;
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: kind.kind.to_string(),
        owner,
        page: None,
    };
    let public_url = state.ctx.config.public_url.clone();
    crate::tmf::list_page(&state, stored, &query, |d| kind.render(&public_url, d)).await
}

async fn retrieve(
    kind: Kind,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let owner = read_scope(&principal)?;
    let query = crate::tmf::single_resource_query(&query)?;
    let doc = state
        .ctx
        .store
        .get_document(&principal.tenant, kind.kind, &id)
        .await?
        // A customer learns nothing of answers it did not ask for.
        .filter(|d| owner.is_none() || d.owner == owner)
        .ok_or_else(|| ApiError::not_found(kind.kind, &id))?;
    let body = query.project(kind.render(&state.ctx.config.public_url, &doc));
    // Answers never change (version 1), but carry an ETag like every resource.
    Ok(crate::tmf::with_etag(
        axum::Json(body).into_response(),
        doc.version,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: PrincipalKind, roles: &[&str]) -> Principal {
        Principal {
            kind,
            subject: Some("s1".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            tenant: "t".into(),
        }
    }

    #[test]
    fn who_may_ask_and_read() {
        let anonymous = Principal::unauthenticated("t");
        assert!(may_ask(&anonymous).is_ok());
        assert_eq!(
            read_scope(&anonymous).map_err(|e| e.status.as_u16()),
            Err(401)
        );

        let customer = principal(PrincipalKind::Customer, &[]);
        assert!(may_ask(&customer).is_ok());
        assert_eq!(read_scope(&customer).ok(), Some(Some("s1".to_string())));
        assert_eq!(owner_of(&customer).as_deref(), Some("s1"));

        for kind in [PrincipalKind::User, PrincipalKind::M2m] {
            let ops = principal(kind, &[OPS_ROLE]);
            assert!(may_ask(&ops).is_ok());
            assert_eq!(read_scope(&ops).ok(), Some(None));
            assert_eq!(owner_of(&ops), None);
            let view = principal(kind, &[VIEW_ROLE]);
            assert_eq!(may_ask(&view).map_err(|e| e.status.as_u16()), Err(403));
            assert_eq!(read_scope(&view).ok(), Some(None));
            let none = principal(kind, &["catalog.admin"]);
            assert_eq!(may_ask(&none).map_err(|e| e.status.as_u16()), Err(403));
            assert_eq!(read_scope(&none).map_err(|e| e.status.as_u16()), Err(403));
        }
    }
}
