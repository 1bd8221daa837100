//! Operators' view of background jobs (`jobs.admin` or `events.admin`):
//! `GET /admin/v1/job?status=failed&kind=…` lists a tenant's jobs, newest
//! change first, with why each failed; `GET /admin/v1/job/{id}` reads one;
//! `POST /admin/v1/job/{id}/retry` makes a failed job due again (its
//! handler first takes back what the failure recorded, e.g. a failed order
//! is in progress again). See `omni_app::jobs`.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_app::jobs::admin::{self, JobFilter};
use serde_json::Value;

pub const BASE: &str = "/admin/v1/job";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list))
        .route(&format!("{BASE}/{{id}}"), get(retrieve))
        .route(&format!("{BASE}/{{id}}/retry"), post(retry))
}

fn filter(query: &QueryPairs) -> Result<JobFilter, ApiError> {
    let mut filter = JobFilter::default();
    let number = |name: &str, value: &str| {
        value
            .parse::<u64>()
            .map_err(|_| ApiError::field(name, "must be a whole number"))
    };
    for (name, value) in query.iter() {
        match name {
            "status" => filter.status = Some(value.to_string()),
            "kind" => filter.kind = Some(value.to_string()),
            "offset" => filter.offset = number(name, value)?,
            "limit" => filter.limit = Some(number(name, value)?),
            other => {
                return Err(ApiError::field(
                    other,
                    "is not a parameter of this list (status, kind, offset, limit)",
                ));
            }
        }
    }
    Ok(filter)
}

async fn list(
    State(state): State<AppState>,
    Caller(principal): Caller,
    query: QueryPairs,
) -> Result<Json<Value>, ApiError> {
    admin::authorize(&principal)?;
    let jobs = admin::list(&state.ctx, &principal, &filter(&query)?).await?;
    Ok(Json(Value::Array(jobs)))
}

async fn retrieve(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(admin::get(&state.ctx, &principal, &id).await?))
}

async fn retry(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let handlers = omni_app::workers::handlers(&state.ctx.config);
    Ok(Json(
        admin::retry(&state.ctx, &principal, &id, &handlers).await?,
    ))
}

/// The job admin endpoints in the OpenAPI document.
pub fn openapi_fragment() -> (
    serde_json::Map<String, Value>,
    serde_json::Map<String, Value>,
) {
    use serde_json::json;
    let answer = |text: &str, schema: Value| json!({"description": text, "content": {"application/json": {"schema": schema}}});
    let error = json!({"$ref": "#/components/schemas/Error"});
    let job = json!({"$ref": "#/components/schemas/Job"});
    let denied = "The caller is not a user or m2m principal with role jobs.admin or events.admin";
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let mut paths = serde_json::Map::new();
    paths.insert(BASE.into(), json!({"get": {
        "tags": ["operations"], "summary": "Background jobs of this tenant, most recently changed first",
        "security": [{"bearerAuth": []}],
        "parameters": [
            {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["pending", "done", "failed"]}},
            {"name": "kind", "in": "query", "required": false, "schema": {"type": "string", "minLength": 1, "maxLength": 100}},
            {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 1000}}],
        "responses": {
            "200": answer("Jobs", json!({"type": "array", "items": job})),
            "400": answer("A parameter is unknown or invalid: details name it", error.clone()),
            "401": answer("Missing or invalid bearer token", error.clone()),
            "403": answer(denied, error.clone()),
        }
    }}));
    paths.insert(
        format!("{BASE}/{{id}}"),
        json!({"get": {
            "tags": ["operations"], "summary": "One background job, with why it failed",
            "security": [{"bearerAuth": []}], "parameters": [id],
            "responses": {
                "200": answer("The job", job.clone()),
                "401": answer("Missing or invalid bearer token", error.clone()),
                "403": answer(denied, error.clone()),
                "404": answer("No job with that id in this tenant", error.clone()),
            }
        }}),
    );
    paths.insert(format!("{BASE}/{{id}}/retry"), json!({"post": {
        "tags": ["operations"],
        "summary": "Run a failed job again: its attempts are reset and what its failure recorded is taken back",
        "security": [{"bearerAuth": []}], "parameters": [id],
        "responses": {
            "200": answer("The job, pending again", job.clone()),
            "401": answer("Missing or invalid bearer token", error.clone()),
            "403": answer(denied, error.clone()),
            "404": answer("No job with that id in this tenant", error.clone()),
            "409": answer("The job is not failed", error),
        }
    }}));
    let text = json!({"type": "string"});
    let mut schemas = serde_json::Map::new();
    schemas.insert("Job".into(), json!({"type": "object", "required": ["id", "kind", "status", "attempts"],
        "properties": {
            "id": text, "kind": text,
            "status": {"type": "string", "enum": ["pending", "done", "failed"]},
            "attempts": {"type": "integer", "description": "Attempts counted towards the maximum (OMNI_JOB_MAX_ATTEMPTS)"},
            "runAt": {"type": "string", "format": "date-time"},
            "lastError": {"type": ["string", "null"], "description": "Why the last attempt failed, or why the job failed for good"},
            "createdAt": {"type": "string", "format": "date-time"},
            "updatedAt": {"type": "string", "format": "date-time"},
            "payload": {"type": "object"}}}));
    (paths, schemas)
}
