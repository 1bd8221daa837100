//! Omni's HTTP layer. One module per API family; shared pieces (auth, errors,
//! TM Forum conventions, request decoding, operations) are used by all.

// `ApiError` is the error of every handler and extractor and carries the field
// details a 400 names; boxing it would add an allocation to every refusal to
// save a few bytes of stack.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod care;
pub mod cart;
pub mod catalog;
pub mod discovery;
pub mod error;
pub mod examples;
pub mod extract;
pub mod family;
pub mod hygiene;
pub mod idempotency;
pub mod input;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod ops;
pub mod order;
pub mod product_inventory;
pub mod product_order;
pub mod promotion;
pub mod qualification;
pub mod rules;
pub mod state;
pub mod tmf;
pub mod webhook;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use error::ApiError;
use serde_json::json;
use state::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Omni",
        description = "Telecom commerce and ordering engine: product discovery, TM Forum catalog, carts, orders and care orders.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "operations", description = "Liveness, readiness and metrics"),
        (name = "TMF620 Product Catalog", description = "Offerings, prices, specifications, categories and catalogs"),
        (name = "Product Discovery", description = "Offers a customer may buy in a channel, from the in-memory catalog index"),
        (name = "TMF663 Shopping Cart", description = "Validated, priced carts with automatic promotions"),
        (name = "Order capture", description = "Partner orders: items checked against catalog and inventory, terms, fulfillment, payment, submit"),
        (name = "TMF622 Product Ordering", description = "Product orders along the TMF622 v4 state machine, and their cancellation"),
        (name = "TMF637 Product Inventory", description = "The products customers hold (each line's plan, features, device and SIM), read from the inventory that orders and care orders change"),
        (name = "Care orders", description = "Business care orders (orderingMobility): changes to existing lines, applied when due, with status, account view and cancellation"),
        (name = "Events", description = "Listeners (TM Forum hubs) that receive each API's events as signed webhooks, and the delivery admin API (dead letters, re-drive)"),
        (name = "Cart validation rules", description = "Tenant validation rule sets that every shopping cart of the tenant must satisfy (tenant.admin only)"),
    )
)]
struct ApiDoc;

/// The whole OpenAPI document, generated from the handlers and resource tables.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = ops_router().split_for_parts();
    idempotency::openapi::document(with_tmf_fragments(api))
}

fn ops_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ops::health))
        .routes(routes!(ops::ready))
        .routes(routes!(ops::metrics))
}

fn with_tmf_fragments(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut paths = serde_json::Map::new();
    let mut schemas = tmf::openapi::shared_schemas();
    for res in promotion::resources() {
        let (p, s) = promotion::fragment(&res);
        paths.extend(p);
        schemas.extend(s);
    }
    for res in catalog::resources() {
        let (p, s) = tmf::openapi::fragment(&res);
        paths.extend(p);
        schemas.extend(s);
    }
    let (p, s) = discovery::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = cart::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = qualification::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = order::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = product_order::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = product_inventory::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = care::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = rules::openapi_fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = webhook::openapi::fragment();
    paths.extend(p);
    schemas.extend(s);
    let (p, s) = jobs::openapi_fragment();
    paths.extend(p);
    schemas.extend(s);
    tmf::openapi::projected_reads(&mut paths, &mut schemas);
    tmf::openapi::created_links(&mut paths);
    examples::add(&mut paths);
    size_limits(&mut paths);

    let fragment = json!({
        "openapi": "3.1.0",
        "info": {"title": "", "version": ""},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "A JWT: Omni's own (HS256, claims sub, typ = user|m2m|customer, roles, tenant, client_id, exp; `omni token` mints one), or, with OMNI_OIDC_ISSUER set, an identity provider's (RS256/384/512, PS256/384/512, ES256/384 or EdDSA, verified against the issuer's JWKS; iss must be the issuer and aud include OMNI_OIDC_AUDIENCE; tenant, roles, client and type claims named by OMNI_CLAIM_*). exp is required, nbf and iat are checked when present (numbers only) within OMNI_TOKEN_LEEWAY_SECS, and a token may live at most OMNI_TOKEN_MAX_LIFETIME_SECS. An invalid token is a 401."}}
        }
    });
    match serde_json::from_value::<utoipa::openapi::OpenApi>(fragment) {
        Ok(extra) => api.merge(extra),
        Err(e) => tracing::error!(error = %e, "generated OpenAPI fragment does not parse"),
    }
    api
}

/// Any operation that takes a body may now be refused for the size of the
/// document it would store (`OMNI_MAX_DOCUMENT_BYTES`), not only for the
/// body's own: each says so under 413, in its family's error shape (that of
/// its 400 answer).
fn size_limits(paths: &mut serde_json::Map<String, serde_json::Value>) {
    const TEXT: &str = "Body larger than 1 MiB, or the document it would store larger than OMNI_MAX_DOCUMENT_BYTES";
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            if op.get("requestBody").is_none() {
                continue;
            }
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            let content = responses
                .get("400")
                .and_then(|r| r.get("content"))
                .cloned()
                .unwrap_or_else(|| {
                    json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}})
                });
            let answer = responses
                .entry("413")
                .or_insert_with(|| json!({"content": content}));
            answer["description"] = json!(TEXT);
        }
    }
}

/// The complete application: every API family, docs, and the shared layers.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// The application with `extra` routes (the Omni Console, which is built on
/// this crate and so cannot be named by it) behind the same shared layers:
/// limits, security headers and metrics.
pub fn app_with(state: AppState, extra: Router<AppState>) -> Router {
    let (ops, api) = ops_router().split_for_parts();
    let api = idempotency::openapi::document(with_tmf_fragments(api));
    let omni_svcs = order::router()
        .fallback(no_route)
        .layer(middleware::map_response(error::render_partner));
    let routes = Router::new()
        .merge(ops)
        .nest(catalog::BASE, catalog::router())
        .nest(promotion::BASE, promotion::router())
        .merge(rules::router())
        .merge(discovery::router())
        .merge(cart::router())
        .merge(qualification::router())
        .merge(product_order::router())
        .merge(product_inventory::router())
        .merge(care::router())
        .merge(webhook::hub::router())
        .merge(webhook::admin::router())
        .merge(jobs::router())
        .nest(PARTNER_BASE, omni_svcs)
        .merge(extra)
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        // After routing (a path parameter is named as its route spells it),
        // before any handler.
        .layer(middleware::from_fn(input::refuse_nul))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(on_panic));
    // Idempotency inside the limits: a request refused by a limit reserves
    // no key, and a timed-out idempotent request still records its answer.
    // The browser-facing headers outside the limits, so that a refusal of
    // theirs carries them too; CORS preflights are answered there.
    limits::wrap(idempotency::wrap(routes, &state), &state)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            hygiene::headers,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), ops::observe))
        .with_state(state)
}

/// Mount point of the partner family, whose errors use the partner shape.
pub(crate) const PARTNER_BASE: &str = "/omni-svcs";

/// 404 for a path no route serves, in the shape of the family the path
/// belongs to. A nested router does not see `/omni-svcs/` itself, so the
/// outer fallback checks the prefix too.
async fn no_route(uri: Uri) -> Response {
    let path = uri.path();
    let response = ApiError::no_route(path).into_response();
    let partner = path
        .strip_prefix(PARTNER_BASE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if partner {
        error::render_partner(response).await
    } else {
        response
    }
}

async fn method_not_allowed(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Method not allowed",
        format!("{} does not support this method", uri.path()),
    )
}

fn on_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "request handler panicked");
    ApiError::internal().into_response()
}
