//! TMF679 Product Offering Qualification and TMF645 Service Qualification
//! over HTTP: `POST` asks (and answers at once), `GET` lists or reads the
//! stored answers. Each handler extracts, calls one use case of
//! [`omni_app::qualification`] (which decides who may ask and read, checks
//! the request and stores the answer), and renders: `201` with `Location`,
//! the `ETag` of every answer, the TMF630 list headers.

pub mod openapi;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryPairs};
use crate::state::AppState;
use crate::tmf::{correlation, render_page, with_etag};
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use omni_app::qualification::{Kind, POQ, SQ, access, answers, poq, sq};
use omni_app::tmf::Versioned;
use omni_core::Principal;
use serde_json::Value;

pub use omni_app::qualification::{OPS_ROLE, POQ_BASE, SQ_BASE, VIEW_ROLE};

/// Routes of both APIs, at their full paths.
pub fn router() -> Router<AppState> {
    routes(POQ, post(ask_poq)).merge(routes(SQ, post(ask_sq)))
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

/// The request document, read only once the caller may ask: a caller who
/// may not gets 401/403 and the server never buffers what nobody may send.
async fn document(
    state: &AppState,
    principal: &Principal,
    request: Request,
) -> Result<Value, ApiError> {
    access::may_ask(principal)?;
    let JsonBody(document) = JsonBody::<Value>::from_request(request, state).await?;
    Ok(document)
}

/// `201 Created` with the answer, its `Location` and `ETag`.
fn created(state: &AppState, kind: Kind, answer: Versioned) -> Response {
    let id = answer.body.get("id").and_then(Value::as_str).unwrap_or("");
    let location = kind.href(&state.ctx.config.public_url, id);
    let mut response = (StatusCode::CREATED, axum::Json(&answer.body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    with_etag(response, answer.version)
}

async fn ask_poq(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let document = document(&state, &principal, request).await?;
    let answer = poq::create(&state.ctx, &principal, document, correlation(&headers)).await?;
    Ok(created(&state, POQ, answer))
}

async fn ask_sq(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let document = document(&state, &principal, request).await?;
    let answer = sq::create(&state.ctx, &principal, document, correlation(&headers)).await?;
    Ok(created(&state, SQ, answer))
}

async fn list(
    kind: Kind,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let page = answers::list(&state.ctx, kind, &principal, &query.0).await?;
    Ok(render_page(page))
}

async fn retrieve(
    kind: Kind,
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let answer = answers::get(&state.ctx, kind, &principal, &id, &query.0).await?;
    Ok(with_etag(
        axum::Json(answer.body).into_response(),
        answer.version,
    ))
}
