//! The store agent's screens (issue 15, "Store agent"): find a customer,
//! their lines, offers with the reason each ineligible one cannot be sold,
//! a cart with live totals and the payment choice per device, and the order
//! made from it, followed to completion.
//!
//! ```text
//! /console/customers?q=…                     find (omni_app::customers::find)
//! /console/customers/{account}               the customer and their lines
//! /console/customers/{account}/offers?…      Product Discovery (omni_app::discovery::search)
//!                                            + reasons (omni_app::customers::reasons)
//! /console/customers/{account}/carts/{id}    the cart (omni_app::cart, TMF663)
//! /console/customers/{account}/orders/{id}   terms, fulfilment, payment, submit,
//!                                            completion (omni_app::order)
//! ```
//!
//! Every page calls the use cases the APIs call, with the agent's principal;
//! nothing here decides a price, an eligibility or a step's readiness.

mod cart;
mod customer;
mod offers;
mod order;

use super::CUSTOMERS;
use crate::page::{self, Problems, Refusal};
use crate::session::Agent;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::customers::{self, Matched};
use serde::Deserialize;
use serde_json::Value;

/// The channel a store agent sells in: the retail store.
pub const STORE_CHANNEL: &str = "ATTR";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers", get(index))
        .route("/customers/{account}", get(customer::page))
        .route("/customers/{account}/offers", get(offers::page))
        .route("/customers/{account}/carts", post(cart::start))
        .route("/customers/{account}/carts/{cart}", get(cart::page))
        .route("/customers/{account}/carts/{cart}/items", post(cart::add))
        .route(
            "/customers/{account}/carts/{cart}/items/{item}",
            post(cart::change),
        )
        .route(
            "/customers/{account}/carts/{cart}/order",
            post(order::create),
        )
        .route("/customers/{account}/orders/{order}", get(order::page))
        .route(
            "/customers/{account}/orders/{order}/{step}",
            post(order::step),
        )
}

/// A path segment as it goes into a link: ids are letters, digits and a
/// few marks, but a hand-made one must not break the address.
fn seg(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Where a customer's pages live.
fn customer_path(account: &str) -> String {
    format!("{}/{}", CUSTOMERS.path, seg(account))
}

/// A 303 to `to` (after a POST, so that reloading does not post again).
fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The text at `pointer`, or "".
fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// An offering's name from the tenant's catalog index, or its id.
fn offering_name(state: &AppState, tenant: &str, id: &str) -> String {
    state
        .ctx
        .caches
        .catalog
        .get(tenant)
        .offering(id)
        .map(|o| o.name.to_string())
        .unwrap_or_else(|| id.to_string())
}

/// The customer party of account `account`, which every cart and order
/// shown under it must name as its customer: a cart or an order reached
/// under another customer's address is not found there.
async fn party(state: &AppState, agent: &Agent, account: &str) -> Result<String, Refusal> {
    customers::party_of(&state.ctx, &agent.principal, account)
        .await?
        .ok_or(Refusal::NotFound)
}

/// Refuses `document` (a cart or an order) unless its `relatedParty`
/// customer is `party`.
fn belongs(document: &Value, party: &str) -> Result<(), Refusal> {
    let parties = document
        .get("relatedParty")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if omni_core::party::customer(parties) == Some(party) {
        Ok(())
    } else {
        Err(Refusal::NotFound)
    }
}

#[derive(Deserialize, Default)]
struct Find {
    #[serde(default)]
    q: Option<String>,
}

/// The search box and, when a search was made, what it found.
async fn index(
    State(state): State<AppState>,
    agent: Agent,
    Query(find): Query<Find>,
) -> Result<Response, Refusal> {
    agent.require_any(CUSTOMERS.roles)?;
    let q = find.q.unwrap_or_default();
    let (found, problems) = if q.is_empty() {
        (None, Problems::none())
    } else {
        match customers::find(&state.ctx, &agent.principal, &q).await {
            Ok(found) => (Some(found), Problems::none()),
            Err(e) => (None, Problems::from(e)),
        }
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let invalid = problems.rule("q").is_some();
    let main = html! {
        h1 { "Customers" }
        form id="find" method="get" action=(CUSTOMERS.path) role="search" {
            div class="row" {
                div class="field" {
                    label for="q" { "Name, account, billing account or phone number" }
                    input id="q" name="q" type="search" value=(q) autocomplete="off"
                        aria-invalid=[invalid.then_some("true")]
                        aria-describedby=[invalid.then_some("q-error")];
                    (problems.at("q", "q"))
                }
                div class="field" { button type="submit" { "Find" } }
            }
        }
        @if let Some(found) = &found {
            h2 id="results-title" { "Found " (found.found.len()) @if found.more { "+" } }
            @if found.found.is_empty() {
                p id="none-found" { "No customer matches “" (q) "”." }
            } @else {
                div class="table-wrap" tabindex="0" role="region" aria-labelledby="results-title" {
                    table id="results" aria-labelledby="results-title" {
                        thead { tr { th { "Customer" } th { "Account" } th { "Type" } th { "Found by" } } }
                        tbody {
                            @for f in &found.found {
                                tr {
                                    td { a href=(customer_path(&f.account.id)) { (f.account.name) } }
                                    td { (f.account.id) }
                                    td { (f.account.customer_type)
                                        @if let Some(sub) = &f.account.customer_sub_type { " · " (sub) } }
                                    td { (matched(&f.matched)) }
                                }
                            }
                        }
                    }
                }
                @if found.more {
                    p class="muted" { "Only the first " (customers::MAX_FOUND) " are shown: type more of the name." }
                }
            }
        }
    };
    Ok((
        status,
        page::layout(&agent, CUSTOMERS.title, Some(&CUSTOMERS), main),
    )
        .into_response())
}

fn matched(how: &Matched) -> Markup {
    html! {
        @match how {
            Matched::Name => "name",
            Matched::Account => "account number",
            Matched::Party => "customer id",
            Matched::BillingAccount(id) => { "billing account " (id) },
            Matched::PhoneNumber(ctn) => { "phone number " (ctn) },
        }
    }
}
