//! Product Discovery: `GET /msapi/cpopoffer/v1/product-offers` (search and
//! lookup by ids) and `…/product-offers/{id}`. Open to every caller, prospects
//! included; answers come from the in-memory index only.

mod indexes;
pub mod openapi;

pub use indexes::{CatalogIndexes, POLL_INTERVAL};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_core::discovery::{DiscoveryHeaders, DiscoveryRequest};
use omni_core::document::FieldError;

pub const BASE: &str = "/msapi/cpopoffer/v1/product-offers";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(BASE, get(search))
        .route(&format!("{BASE}/{{id}}"), get(lookup_one))
}

fn discovery_headers(headers: &HeaderMap) -> DiscoveryHeaders {
    let text = |name: &str| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    DiscoveryHeaders {
        client_id: text("x-att-clientid"),
        app_name: text("idpctx-appname"),
        context: headers
            .iter()
            .filter(|(name, _)| {
                name.as_str().starts_with("idpctx-") && name.as_str() != "idpctx-appname"
            })
            .map(|(name, v)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    }
}

fn json_response(body: String, total: usize, count: usize) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    let h = response.headers_mut();
    h.insert(crate::tmf::TOTAL_COUNT, HeaderValue::from(total));
    h.insert(crate::tmf::RESULT_COUNT, HeaderValue::from(count));
    response
}

fn parse(pairs: &[(String, String)], headers: &HeaderMap) -> Result<DiscoveryRequest, ApiError> {
    let context = discovery_headers(headers);
    let request = DiscoveryRequest::parse(pairs, &context).map_err(ApiError::fields)?;
    tracing::debug!(client = ?context.client_id, app = ?context.app_name, context = ?context.context, "discovery request");
    Ok(request)
}

async fn search(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let request = parse(&query.0, &headers)?;
    let index = state.catalog.get(&principal.tenant);
    let now = chrono::Utc::now();
    let base = format!("{}{BASE}", state.config.public_url);
    let (items, total, lookup) = if request.ids.is_empty() {
        let found = index
            .search(&request, now)
            .map_err(|e| ApiError::fields(vec![e]))?;
        (found.items, found.total, false)
    } else {
        let found = index
            .lookup(&request, now)
            .map_err(|e| ApiError::fields(vec![e]))?;
        let n = found.len();
        (found, n, true)
    };
    let body = index.render(&items, &request, &base, now, lookup);
    Ok(json_response(body, total, items.len()))
}

async fn lookup_one(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    if query.0.iter().any(|(k, _)| k == "ids") {
        return Err(ApiError::fields(vec![FieldError::new(
            "ids",
            "is not allowed when the path names the offering",
        )]));
    }
    let mut pairs = query.0;
    pairs.push(("ids".to_string(), id.clone()));
    let request = parse(&pairs, &headers)?;
    let index = state.catalog.get(&principal.tenant);
    let now = chrono::Utc::now();
    let found = index
        .lookup(&request, now)
        .map_err(|e| ApiError::fields(vec![e]))?;
    let Some(&item) = found.first() else {
        return Err(ApiError::not_found("productOffering", &id));
    };
    let base = format!("{}{BASE}", state.config.public_url);
    let mut body = String::new();
    index.render_one(
        &mut body,
        item,
        &request,
        &base,
        &request.price_context(now),
        true,
    );
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
