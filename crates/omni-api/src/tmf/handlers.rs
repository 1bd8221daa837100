use super::TmfResource;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::events::{EventSource, event};
use crate::extract::{JsonBody, QueryPairs};
use crate::ops::CONVERSATION_ID;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_core::document::Mode;
use omni_core::tmf630::ListQuery;
use omni_core::{Principal, merge_patch};
use omni_store::{Document, DocumentQuery, Effects, StoreError};
use serde_json::{Map, Value};

pub const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");
pub const RESULT_COUNT: HeaderName = HeaderName::from_static("x-result-count");

/// Attempts at a PATCH without `If-Match` before giving up under contention.
const PATCH_ATTEMPTS: usize = 32;

pub fn router(res: TmfResource) -> Router<AppState> {
    let collection = format!("/{}", res.spec.kind);
    let item = format!("/{}/{{id}}", res.spec.kind);
    Router::new()
        .route(
            &collection,
            get(move |s: State<AppState>, c: Caller, q: QueryPairs| list(res, s, c, q)).post(
                move |s: State<AppState>, c: Caller, h: HeaderMap, b: Request| {
                    create(res, s, c, h, b)
                },
            ),
        )
        .route(
            &item,
            get(
                move |s: State<AppState>, c: Caller, q: QueryPairs, id: Path<String>| {
                    retrieve(res, s, c, q, id)
                },
            )
            .patch(
                move |s: State<AppState>, c: Caller, h: HeaderMap, id: Path<String>, b: Request| {
                    patch(res, s, c, h, id, b)
                },
            )
            .delete(
                move |s: State<AppState>, c: Caller, h: HeaderMap, id: Path<String>| {
                    remove(res, s, c, h, id)
                },
            ),
        )
}

impl TmfResource {
    fn href(&self, public_url: &str, id: &str) -> String {
        format!("{public_url}{}/{}/{id}", self.api_base, self.spec.kind)
    }

    /// The resource as clients see it: `id` and `href` first, then the body.
    fn render(&self, public_url: &str, doc: &Document) -> Value {
        crate::tmf::with_id_and_href(doc, self.href(public_url, &doc.id))
    }

    fn source<'a>(
        &'a self,
        principal: &'a Principal,
        id: &'a str,
        headers: &'a HeaderMap,
    ) -> EventSource<'a> {
        EventSource {
            tenant: &principal.tenant,
            domain: self.domain,
            kind: self.spec.kind,
            id,
            correlation_id: headers.get(CONVERSATION_ID).and_then(|v| v.to_str().ok()),
        }
    }

    /// Writers may always read what they write.
    fn can_read(&self, principal: &Principal) -> Result<(), ApiError> {
        match self.read_role {
            None => Ok(()),
            Some(_) if principal.has_role(self.write_role) => Ok(()),
            Some(role) => Ok(principal.require_role(role)?),
        }
    }

    /// The write's events, plus the version bump of the data it belongs to.
    fn effects(&self, principal: &Principal, events: Vec<omni_store::NewEvent>) -> Effects {
        Effects {
            events,
            bump: self
                .version_counter
                .map(|c| format!("{c}:{}", principal.tenant))
                .into_iter()
                .collect(),
            ..Effects::none()
        }
    }

    fn event_name(&self, what: &str) -> String {
        format!("{}{what}Event", self.spec.type_name)
    }
}

/// The query of a single-resource read: only `fields` is meaningful there.
pub(crate) fn single_resource_query(query: &QueryPairs) -> Result<ListQuery, ApiError> {
    let query = ListQuery::parse(query.iter(), &[])?;
    if !query.filters.is_empty()
        || query.offset != 0
        || query.limit.is_some()
        || !query.sort.is_empty()
    {
        return Err(ApiError::bad_request(
            "a single resource accepts only the 'fields' query parameter",
        ));
    }
    Ok(query)
}

/// A stored document as clients see it: `id` and `href` first, then the body.
pub(crate) fn with_id_and_href(doc: &Document, href: String) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(doc.id.clone()));
    out.insert("href".into(), Value::String(href));
    if let Value::Object(body) = &doc.body {
        for (k, v) in body {
            if k != "id" && k != "href" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

pub(crate) fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version an `If-Match` header demands: `Ok(None)` without the header
/// or with `*`; a header that names no version of ours can never match.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map(Some)
        .map_err(|_| precondition_failed())
}

pub(crate) fn precondition_failed() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "PRECONDITION_FAILED",
        "Precondition failed",
        "If-Match does not match the resource's current ETag",
    )
}

/// The JSON body of a write, read only once the caller is known to hold the
/// write role: a caller without it gets 401/403 however its payload looks,
/// and the server neither buffers nor judges a body nobody may send.
async fn writer_body(
    res: &TmfResource,
    principal: &Principal,
    state: &AppState,
    request: Request,
) -> Result<Value, ApiError> {
    principal.require_role(res.write_role)?;
    let JsonBody(body) = JsonBody::from_request(request, state).await?;
    Ok(body)
}

pub(crate) fn with_etag(mut response: Response, version: i64) -> Response {
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

async fn list(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    res.can_read(&principal)?;
    let stored = DocumentQuery {
        tenant: principal.tenant.clone(),
        kind: res.spec.kind.to_string(),
        owner: None,
        page: None,
    };
    let public_url = state.config.public_url.clone();
    list_page(&state, stored, &query, |d| res.render(&public_url, d)).await
}

/// A TMF630 list of stored documents: paged by the database when there is
/// nothing to filter or sort, otherwise filtered over the rendered resources.
pub(crate) async fn list_page(
    state: &AppState,
    mut stored: DocumentQuery,
    query: &QueryPairs,
    render: impl Fn(&Document) -> Value,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(query.iter(), &[])?;
    let limit = query
        .limit
        .unwrap_or(state.config.default_limit)
        .min(state.config.max_limit);
    let page = if query.needs_scan() {
        let docs = state.store.list_documents(&stored).await?;
        query.apply(docs.iter().map(&render).collect(), limit)
    } else {
        let total = state.store.count_documents(&stored).await?;
        stored.page = Some((query.offset as u64, limit as u64));
        let docs = state.store.list_documents(&stored).await?;
        omni_core::tmf630::Page {
            total: usize::try_from(total).unwrap_or(usize::MAX),
            items: docs.iter().map(|d| query.project(render(d))).collect(),
        }
    };
    let count = page.items.len();
    let mut response = axum::Json(Value::Array(page.items)).into_response();
    let headers = response.headers_mut();
    headers.insert(TOTAL_COUNT, HeaderValue::from(page.total));
    headers.insert(RESULT_COUNT, HeaderValue::from(count));
    Ok(response)
}

async fn create(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let body = writer_body(&res, &principal, &state, request).await?;
    res.spec
        .validate(&body, Mode::Create)
        .map_err(ApiError::fields)?;
    let Value::Object(mut body) = body else {
        return Err(ApiError::field("body", "must be a JSON object"));
    };
    let id = match body.get("id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let now = chrono::Utc::now();
    res.spec.stamp_new(&mut body, &id, now);
    let time = omni_core::time::rfc3339(now);
    let doc = Document {
        tenant: principal.tenant.clone(),
        kind: res.spec.kind.to_string(),
        id: id.clone(),
        version: 1,
        owner: None,
        state: body
            .get("lifecycleStatus")
            .and_then(Value::as_str)
            .map(str::to_string),
        created_at: time.clone(),
        updated_at: time,
        body: Value::Object(body),
    };
    let rendered = res.render(&state.config.public_url, &doc);
    let events = vec![event(
        &res.source(&principal, &id, &headers),
        &res.event_name("Create"),
        &rendered,
        now,
    )];
    state
        .store
        .insert_document(&doc, &res.effects(&principal, events))
        .await?;
    let mut response = (StatusCode::CREATED, axum::Json(rendered)).into_response();
    if let Ok(location) = HeaderValue::from_str(&res.href(&state.config.public_url, &id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(with_etag(response, doc.version))
}

async fn retrieve(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    res.can_read(&principal)?;
    let query = crate::tmf::single_resource_query(&query)?;
    let doc = state
        .store
        .get_document(&principal.tenant, res.spec.kind, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(res.spec.kind, &id))?;
    let body = query.project(res.render(&state.config.public_url, &doc));
    Ok(with_etag(axum::Json(body).into_response(), doc.version))
}

async fn patch(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let patch = writer_body(&res, &principal, &state, request).await?;
    res.spec
        .validate(&patch, Mode::Patch)
        .map_err(ApiError::fields)?;
    let expected = if_match(&headers)?;
    for _ in 0..PATCH_ATTEMPTS {
        let mut doc = state
            .store
            .get_document(&principal.tenant, res.spec.kind, &id)
            .await?
            .ok_or_else(|| ApiError::not_found(res.spec.kind, &id))?;
        if expected.is_some_and(|v| v != doc.version) {
            return Err(precondition_failed());
        }
        let before_status = doc.body.get("lifecycleStatus").cloned();
        merge_patch(&mut doc.body, &patch);
        // The merged resource must still be a valid resource as a whole.
        let mut whole = doc.body.clone();
        if let Value::Object(map) = &mut whole {
            for owned in res.spec.server_owned {
                map.remove(*owned);
            }
        }
        res.spec
            .validate(&whole, Mode::Create)
            .map_err(ApiError::fields)?;
        let now = chrono::Utc::now();
        if let Value::Object(map) = &mut doc.body {
            res.spec.stamp_update(map, now);
        }
        doc.version += 1;
        doc.updated_at = omni_core::time::rfc3339(now);
        doc.state = doc
            .body
            .get("lifecycleStatus")
            .and_then(Value::as_str)
            .map(str::to_string);
        let rendered = res.render(&state.config.public_url, &doc);
        let source = res.source(&principal, &id, &headers);
        let mut events = vec![event(
            &source,
            &res.event_name("AttributeValueChange"),
            &rendered,
            now,
        )];
        if doc.body.get("lifecycleStatus") != before_status.as_ref() {
            events.push(event(
                &source,
                &res.event_name("StateChange"),
                &rendered,
                now,
            ));
        }
        match state
            .store
            .update_document(&doc, &res.effects(&principal, events))
            .await
        {
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
        "the resource is being changed by many clients at once; retry",
    ))
}

async fn remove(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    principal.require_role(res.write_role)?;
    let expected = if_match(&headers)?;
    let doc = state
        .store
        .get_document(&principal.tenant, res.spec.kind, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(res.spec.kind, &id))?;
    if expected.is_some_and(|v| v != doc.version) {
        return Err(precondition_failed());
    }
    let rendered = res.render(&state.config.public_url, &doc);
    let events = vec![event(
        &res.source(&principal, &id, &headers),
        &res.event_name("Delete"),
        &rendered,
        chrono::Utc::now(),
    )];
    match state
        .store
        .delete_document(&doc.key(), expected, &res.effects(&principal, events))
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::VersionConflict { .. }) => Err(precondition_failed()),
        Err(e) => Err(e.into()),
    }
}
