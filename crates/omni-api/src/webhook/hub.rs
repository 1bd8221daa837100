//! TM Forum hubs: `POST {api}/hub` registers a listener for the API's
//! events, `GET`/`DELETE {api}/hub/{id}` read and remove it. See
//! `omni_app::webhook::hub`.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use omni_app::webhook::hub::{self, Hub};
use omni_app::webhook::{Registered, Registration};
use serde::Deserialize;

/// The hub of every TM Forum API that writes events.
pub const HUBS: [Hub; 7] = [
    Hub {
        base: crate::catalog::BASE,
        domain: "productCatalogManagement",
        roles: &[crate::catalog::WRITE_ROLE, "catalog.view"],
        write_role: crate::catalog::WRITE_ROLE,
    },
    Hub {
        base: crate::promotion::BASE,
        domain: "promotionManagement",
        roles: &[crate::promotion::WRITE_ROLE, crate::promotion::READ_ROLE],
        write_role: crate::promotion::WRITE_ROLE,
    },
    Hub {
        base: crate::cart::BASE,
        domain: "shoppingCart",
        roles: &["sc.ops", "sc.view"],
        write_role: "sc.ops",
    },
    Hub {
        base: crate::product_order::BASE,
        domain: "productOrderingManagement",
        roles: &["order.ops", "order.view"],
        write_role: "order.ops",
    },
    Hub {
        base: omni_app::product_inventory::BASE,
        domain: omni_app::product_inventory::DOMAIN,
        roles: &[
            omni_app::product_inventory::ADMIN_ROLE,
            omni_app::product_inventory::VIEW_ROLE,
        ],
        write_role: omni_app::product_inventory::ADMIN_ROLE,
    },
    Hub {
        base: crate::qualification::POQ_BASE,
        domain: "productOfferingQualification",
        roles: &["sc.ops", "sc.view"],
        write_role: "sc.ops",
    },
    Hub {
        base: crate::qualification::SQ_BASE,
        domain: "serviceQualificationManagement",
        roles: &["sc.ops", "sc.view"],
        write_role: "sc.ops",
    },
];

/// The body of a registration (`EventSubscriptionInput`).
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

async fn register(
    api: &'static Hub,
    State(state): State<AppState>,
    Caller(p): Caller,
    JsonBody(input): JsonBody<HubInput>,
) -> Result<Response, ApiError> {
    let request = Registration {
        callback: input.callback,
        query: input.query,
        secret: input.secret,
    };
    let Registered {
        subscription,
        secret,
    } = hub::register(&state.ctx, &p, api, request).await?;
    let mut body = subscription.render();
    if let Some(secret) = secret {
        body["secret"] = secret.into();
    }
    let location = api.href(&state.ctx.config.public_url, &subscription.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

async fn read(
    api: &'static Hub,
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let subscription = hub::get(&state.ctx, &p, api, &id).await?;
    Ok(Json(subscription.render()).into_response())
}

async fn remove(
    api: &'static Hub,
    State(state): State<AppState>,
    Caller(p): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    hub::remove(&state.ctx, &p, api, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
