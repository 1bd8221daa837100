//! Operations: liveness, readiness, metrics, and the per-request middleware
//! that logs, measures and echoes correlation headers.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Instant;
use tracing::Instrument;
use utoipa::ToSchema;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const CLIENT_ID: HeaderName = HeaderName::from_static("x-att-clientid");
pub const CONVERSATION_ID: HeaderName = HeaderName::from_static("x-att-conversationid");
pub const MESSAGE_ID: HeaderName = HeaderName::from_static("x-att-messageid");

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `up` when the process serves requests.
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` when the database answers.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "up" })
}

/// Readiness: the database is reachable.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "The database does not answer"),
    ))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    state.ctx.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::unavailable("the database does not answer")
    })?;
    Ok(Json(Readiness {
        status: "ready",
        database: state.ctx.store.backend(),
    }))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, description = "A metrics token is configured (OMNI_METRICS_TOKEN) and the request does not carry it as a bearer token"),
    ))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    crate::hygiene::metrics_allowed(&state.config.http, &headers)?;
    let mut text = state.metrics.render();
    // Jobs are counted in the database, so every node reports the same
    // totals; a scrape while the database is away still gets the rest.
    match omni_app::jobs::admin::counts(&state.ctx).await {
        Ok(counts) => crate::metrics::render_jobs(&mut text, &counts),
        Err(e) => tracing::warn!(error = %e, "job counts unavailable for /metrics"),
    }
    // The publisher's record is in the database too: any node tells how far
    // behind the commits the stream is, whichever node publishes.
    if let Some(stream) = &state.ctx.config.event_stream {
        match omni_app::event_stream::state(state.ctx.store(), stream).await {
            Ok(Some(published)) => crate::metrics::render_event_stream(&mut text, &published),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "event stream state unavailable for /metrics"),
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text))
}

/// Gives every request an id, logs it as one JSON line, records its latency,
/// and echoes the partner correlation headers (the `X-ATT-*` trio).
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let path = request.uri().path().to_string();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|id| !id.is_empty() && id.len() <= 128)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // The care order page (seed 001) echoes the X-ATT-* trio; every family
    // does the same, so a partner correlates answers one way everywhere.
    let client = request.headers().get(&CLIENT_ID).cloned();
    let conversation = request.headers().get(&CONVERSATION_ID).cloned();
    let message = request.headers().get(&MESSAGE_ID).cloned();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        conversation_id = conversation.as_ref().and_then(|v| v.to_str().ok()).unwrap_or(""),
        message_id = message.as_ref().and_then(|v| v.to_str().ok()).unwrap_or(""),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .observe(method.as_str(), &route, status, elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %path,
            route = %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, v);
    }
    for (name, value) in [
        (CLIENT_ID, client),
        (CONVERSATION_ID, conversation),
        (MESSAGE_ID, message),
    ] {
        if let Some(v) = value {
            headers.insert(name, v);
        }
    }
    response
}
