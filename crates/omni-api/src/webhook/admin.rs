//! Operators' view of event delivery (role `events.admin`): every
//! subscription with its delivery state, the dead letters, and re-driving a
//! dead letter (one more round of attempts, outside the subscription's
//! order, since the events after it have moved on).

use super::deliver::post;
use super::subscription::Subscription;
use super::{DEAD_LETTER_KIND, REDRIVE_JOB, SUBSCRIPTION_KIND};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post as post_route};
use axum::{Json, Router};
use chrono::Utc;
use omni_core::time::rfc3339;
use omni_core::{Principal, PrincipalKind};
use omni_store::{
    Document, DocumentQuery, DocumentWrite, Effects, Job, JobOutcome, NewEvent, NewJob, StoreError,
    StoredEvent,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const BASE: &str = "/admin/v1";
pub const ROLE: &str = "events.admin";

/// An event a subscriber did not take after every attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub id: String,
    pub subscription_id: String,
    pub callback: String,
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub event: Value,
    pub attempts: u32,
    pub last_error: String,
    pub dead_lettered_at: String,
    /// `parked`, `redriving` or `redriven`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redriven_at: Option<String>,
}

impl DeadLetter {
    pub fn new(sub: &Subscription, event: &StoredEvent, error: &str) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            subscription_id: sub.id.clone(),
            callback: sub.callback.clone(),
            seq: event.seq,
            event_id: event.event.event_id.clone(),
            event_type: event.event.event_type.clone(),
            event: event.event.payload.clone(),
            attempts: sub.attempts,
            last_error: error.to_string(),
            dead_lettered_at: rfc3339(Utc::now()),
            status: "parked".into(),
            redriven_at: None,
        }
    }

    pub fn document(&self, tenant: &str, now: &str) -> Result<Document, StoreError> {
        self.document_at(tenant, 1, now)
    }

    fn document_at(&self, tenant: &str, version: i64, now: &str) -> Result<Document, StoreError> {
        Ok(Document {
            tenant: tenant.to_string(),
            kind: DEAD_LETTER_KIND.into(),
            id: self.id.clone(),
            version,
            owner: Some(self.subscription_id.clone()),
            state: Some(self.status.clone()),
            created_at: self.dead_lettered_at.clone(),
            updated_at: now.to_string(),
            body: serde_json::to_value(self).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        })
    }

    fn stored_event(&self, tenant: &str) -> StoredEvent {
        StoredEvent {
            seq: self.seq,
            event: NewEvent {
                event_id: self.event_id.clone(),
                tenant: tenant.to_string(),
                event_type: self.event_type.clone(),
                resource_kind: String::new(),
                resource_id: String::new(),
                occurred_at: String::new(),
                payload: self.event.clone(),
            },
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{BASE}/eventSubscription"),
            get(list_subscriptions),
        )
        .route(&format!("{BASE}/deadLetter"), get(list_dead_letters))
        .route(
            &format!("{BASE}/deadLetter/{{id}}/redrive"),
            post_route(start_redrive),
        )
}

fn authorize(principal: &Principal) -> Result<(), ApiError> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    principal.require_role(ROLE)?;
    Ok(())
}

async fn list_of(state: &AppState, tenant: &str, kind: &str) -> Result<Vec<Document>, ApiError> {
    Ok(state
        .ctx
        .store
        .list_documents(&DocumentQuery {
            tenant: tenant.to_string(),
            kind: kind.into(),
            owner: None,
            page: Some((0, state.ctx.config.max_limit as u64)),
        })
        .await?)
}

async fn list_subscriptions(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Result<Json<Value>, ApiError> {
    authorize(&p)?;
    let docs = list_of(&state, &p.tenant, SUBSCRIPTION_KIND).await?;
    let items: Vec<Value> = docs
        .iter()
        .filter_map(|d| Subscription::from_document(d).ok())
        .map(|s| s.render_state())
        .collect();
    Ok(Json(Value::Array(items)))
}

async fn list_dead_letters(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> Result<Json<Value>, ApiError> {
    authorize(&p)?;
    let docs = list_of(&state, &p.tenant, DEAD_LETTER_KIND).await?;
    Ok(Json(Value::Array(
        docs.into_iter().map(|d| d.body).collect(),
    )))
}

async fn start_redrive(
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&p)?;
    let doc = state
        .ctx
        .store
        .get_document(&p.tenant, DEAD_LETTER_KIND, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("deadLetter", &id))?;
    let mut letter: DeadLetter =
        serde_json::from_value(doc.body.clone()).map_err(|_| ApiError::internal())?;
    if letter.status == "redriving" {
        return Err(ApiError::conflict(format!(
            "deadLetter '{id}' is already being re-driven"
        )));
    }
    let now = rfc3339(Utc::now());
    letter.status = "redriving".into();
    let job = NewJob {
        id: format!("{REDRIVE_JOB}:{}:{id}:{}", p.tenant, doc.version + 1),
        tenant: p.tenant.clone(),
        kind: REDRIVE_JOB.into(),
        payload: json!({"deadLetterId": id}),
        run_at: now.clone(),
        now: now.clone(),
    };
    let updated = letter.document_at(&p.tenant, doc.version + 1, &now)?;
    state
        .ctx
        .store
        .write_documents(
            &[DocumentWrite::Update(updated)],
            &Effects {
                jobs: vec![job],
                ..Effects::default()
            },
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::to_value(&letter).map_err(|_| ApiError::internal())?),
    )
        .into_response())
}

/// Runs one re-drive: a delivery of the parked event to its subscription's
/// current callback and secret, retried with backoff up to the configured
/// attempts, then parked again.
pub(super) async fn redrive(
    state: &AppState,
    client: &reqwest::Client,
    worker: &str,
    job: Job,
) -> Result<(), StoreError> {
    let id = job
        .payload
        .get("deadLetterId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let now = || rfc3339(Utc::now());
    let done = JobOutcome::Done { now: now() };
    let Some(doc) = state
        .ctx
        .store
        .get_document(&job.tenant, DEAD_LETTER_KIND, id)
        .await?
    else {
        state.ctx.store.finish_job(&job.id, worker, &done).await?;
        return Ok(());
    };
    let mut letter: DeadLetter =
        serde_json::from_value(doc.body.clone()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let sub = state
        .ctx
        .store
        .get_document(&job.tenant, SUBSCRIPTION_KIND, &letter.subscription_id)
        .await?
        .and_then(|d| Subscription::from_document(&d).ok());
    let attempt = u32::try_from(job.attempts).unwrap_or(u32::MAX);
    let result = match &sub {
        Some(sub) => post(client, sub, &letter.stored_event(&job.tenant), attempt).await,
        None => Err("the subscription was removed".to_string()),
    };
    let config = &state.ctx.config.webhooks;
    let outcome = match result {
        Ok(()) => {
            letter.status = "redriven".into();
            letter.redriven_at = Some(now());
            done
        }
        Err(error) if sub.is_some() && attempt < config.max_attempts => {
            letter.last_error = error.clone();
            let wait = omni_app::jobs::backoff::delay(
                attempt,
                config.backoff_base,
                config.backoff_max,
                rand::random::<f64>(),
            );
            let outcome = JobOutcome::Retry {
                now: now(),
                run_at: rfc3339(Utc::now() + wait),
                error,
            };
            let updated = letter.document_at(&job.tenant, doc.version + 1, &now())?;
            state
                .ctx
                .store
                .write_documents(&[DocumentWrite::Update(updated)], &Effects::default())
                .await?;
            state
                .ctx
                .store
                .finish_job(&job.id, worker, &outcome)
                .await?;
            return Ok(());
        }
        Err(error) => {
            letter.status = "parked".into();
            letter.last_error = error;
            letter.attempts += attempt;
            done
        }
    };
    let updated = letter.document_at(&job.tenant, doc.version + 1, &now())?;
    state
        .ctx
        .store
        .write_documents(&[DocumentWrite::Update(updated)], &Effects::default())
        .await?;
    state
        .ctx
        .store
        .finish_job(&job.id, worker, &outcome)
        .await?;
    Ok(())
}
