//! TM Forum hubs: `POST {api}/hub` registers a listener for the API's
//! events, `GET`/`DELETE {api}/hub/{id}` read and remove it. A listener
//! receives the events of its tenant and API that match its TMF630 query.

use super::SUBSCRIPTION_KIND;
use super::subscription::{Subscription, SubscriptionRequest, subscribe, unsubscribe};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_core::{Principal, PrincipalKind};
use serde::Deserialize;

/// One API's hub.
#[derive(Debug)]
pub struct HubApi {
    pub base: &'static str,
    /// Event domain the API writes.
    pub domain: &'static str,
    /// Any of these roles may register (the API's read or write roles).
    pub roles: &'static [&'static str],
}

pub const HUBS: [HubApi; 6] = [
    HubApi {
        base: crate::catalog::BASE,
        domain: "productCatalogManagement",
        roles: &[crate::catalog::WRITE_ROLE, "catalog.view"],
    },
    HubApi {
        base: crate::promotion::BASE,
        domain: "promotionManagement",
        roles: &[crate::promotion::WRITE_ROLE, crate::promotion::READ_ROLE],
    },
    HubApi {
        base: crate::cart::BASE,
        domain: "shoppingCart",
        roles: &["sc.ops", "sc.view"],
    },
    HubApi {
        base: crate::product_order::BASE,
        domain: "productOrderingManagement",
        roles: &["order.ops", "order.view"],
    },
    HubApi {
        base: crate::qualification::POQ_BASE,
        domain: "productOfferingQualification",
        roles: &["sc.ops", "sc.view"],
    },
    HubApi {
        base: crate::qualification::SQ_BASE,
        domain: "serviceQualificationManagement",
        roles: &["sc.ops", "sc.view"],
    },
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HubInput {
    callback: Option<String>,
    query: Option<String>,
    /// Signing secret; generated (and returned once) when absent.
    secret: Option<String>,
    #[serde(rename = "@type")]
    _type: Option<String>,
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for api in &HUBS {
        router = router
            .route(
                &format!("{}/hub", api.base),
                post(move |state, caller, body| register(api, state, caller, body)),
            )
            .route(
                &format!("{}/hub/{{id}}", api.base),
                get(move |state, caller, id| read(api, state, caller, id))
                    .delete(move |state, caller, id| remove(api, state, caller, id)),
            );
    }
    router
}

fn authorize(api: &HubApi, principal: &Principal) -> Result<(), ApiError> {
    principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
    if api.roles.iter().any(|r| principal.has_role(r)) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        "Forbidden",
        format!("missing role: one of {}", api.roles.join(", ")),
    ))
}

async fn register(
    api: &'static HubApi,
    State(state): State<AppState>,
    Caller(p): Caller,
    JsonBody(input): JsonBody<HubInput>,
) -> Result<Response, ApiError> {
    authorize(api, &p)?;
    let (sub, generated) = subscribe(
        &state,
        SubscriptionRequest {
            tenant: p.tenant.clone(),
            domain: api.domain.into(),
            callback: input.callback,
            query: input.query,
            secret: input.secret,
            scope: None,
            created_by: p.subject.clone().unwrap_or_default(),
            callback_field: "callback",
        },
    )
    .await?;
    let mut body = sub.render();
    if let Some(secret) = generated {
        body["secret"] = secret.into();
    }
    let location = format!("{}{}/hub/{}", state.ctx.config.public_url, api.base, sub.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

async fn read(
    api: &'static HubApi,
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    authorize(api, &p)?;
    let sub = state
        .ctx
        .store
        .get_document(&p.tenant, SUBSCRIPTION_KIND, &id)
        .await?
        .and_then(|d| Subscription::from_document(&d).ok())
        .filter(|s| s.domain == api.domain && s.scope.is_none())
        .ok_or_else(|| ApiError::not_found("hub", &id))?;
    Ok(Json(sub.render()).into_response())
}

async fn remove(
    api: &'static HubApi,
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    authorize(api, &p)?;
    unsubscribe(&state, &p.tenant, api.domain, &id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
