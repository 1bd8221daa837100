use super::TmfResource;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::ops::CONVERSATION_ID;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_app::tmf::{self, Versioned};
use omni_core::tmf630::{ListQuery, Page};
use serde_json::Value;

pub const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");
pub const RESULT_COUNT: HeaderName = HeaderName::from_static("x-result-count");

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

/// The conversation a request belongs to, carried into its events.
pub(crate) fn correlation(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONVERSATION_ID).and_then(|v| v.to_str().ok())
}

/// The query of a single-resource read: only `fields` is meaningful there.
pub(crate) fn single_resource_query(query: &QueryPairs) -> Result<ListQuery, ApiError> {
    Ok(tmf::single_resource_query(query.iter())?)
}

fn etag(version: i64) -> HeaderValue {
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
    omni_app::AppError::PreconditionFailed.into()
}

pub(crate) fn with_etag(mut response: Response, version: i64) -> Response {
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

fn versioned(answer: Versioned) -> Response {
    with_etag(axum::Json(answer.body).into_response(), answer.version)
}

/// A list page with `X-Total-Count` and `X-Result-Count`.
pub(crate) fn render_page(page: Page) -> Response {
    let count = page.items.len();
    let mut response = axum::Json(Value::Array(page.items)).into_response();
    let headers = response.headers_mut();
    headers.insert(TOTAL_COUNT, HeaderValue::from(page.total));
    headers.insert(RESULT_COUNT, HeaderValue::from(count));
    response
}

async fn list(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(query.iter(), &[])?;
    Ok(render_page(
        tmf::list(&state.ctx, &res, &principal, &query).await?,
    ))
}

async fn create(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    // The body is read only once the caller may write: a caller without the
    // role gets 401/403 and the server never buffers what nobody may send.
    res.authorize_write(&principal)?;
    let JsonBody(body) = JsonBody::from_request(request, &state).await?;
    let created = tmf::create(&state.ctx, &res, &principal, body, correlation(&headers)).await?;
    let id = created
        .body
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let location = res.href(&state.ctx.config.public_url, id);
    let mut response = (StatusCode::CREATED, axum::Json(&created.body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(with_etag(response, created.version))
}

pub(crate) async fn retrieve(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    res.authorize_read(&principal)?;
    let query = single_resource_query(&query)?;
    Ok(versioned(
        tmf::get(&state.ctx, &res, &principal, &id, &query).await?,
    ))
}

async fn patch(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    res.authorize_write(&principal)?;
    let JsonBody(patch) = JsonBody::<Value>::from_request(request, &state).await?;
    let expected = if_match(&headers)?;
    let changed = tmf::patch(
        &state.ctx,
        &res,
        &principal,
        &id,
        &patch,
        expected,
        correlation(&headers),
    )
    .await?;
    Ok(versioned(changed))
}

async fn remove(
    res: TmfResource,
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    res.authorize_write(&principal)?;
    let expected = if_match(&headers)?;
    tmf::delete(
        &state.ctx,
        &res,
        &principal,
        &id,
        expected,
        correlation(&headers),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
