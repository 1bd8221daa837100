//! Product Discovery: `GET /msapi/cpopoffer/v1/product-offers` (search and
//! lookup by ids) and `…/product-offers/{id}`: the headers and query pairs
//! go to `omni_app::discovery`, whose answer is already JSON text.

pub mod openapi;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use omni_app::discovery;
use omni_core::discovery::DiscoveryHeaders;

pub use omni_app::discovery::BASE;

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

async fn search(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let offers = discovery::search(
        &state.ctx,
        &principal,
        &query.0,
        &discovery_headers(&headers),
    )
    .await?;
    Ok(json_response(offers.body, offers.total, offers.count))
}

async fn lookup_one(
    State(state): State<AppState>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let body = discovery::lookup_one(
        &state.ctx,
        &principal,
        &id,
        &query.0,
        &discovery_headers(&headers),
    )?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
