//! The care agent's screens (issue 15, "Care agent"):
//!
//! ```text
//! /console/care                      find a line (number, optional account group)
//!   └─ /care/lines/{ctn}             the line as careAccount shows it, and what
//!        │                           can be changed on it
//!        └─ /change/{kind}           one care change with its effective date,
//!             │                      placed through omni_app::care::accept
//!             └─ /care/orders/{id}   the care order, live until it ends;
//!                                    cancel while nothing was processed
//! /console/care/orders               the client's care orders by group and date
//! ```
//!
//! Every page calls the care use cases with the signed-in token's principal,
//! so the rules, the refusals and the client scoping are the care API's own.

mod change;
mod line;
mod orders;

use super::CARE;
use crate::page::{self, Problems, Refusal};
use crate::session::Agent;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::care::{self, AccountQuery};
use omni_core::inventory::Subscriber;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/care", get(index))
        .route("/care/lines/{ctn}", get(line::page))
        .route(
            "/care/lines/{ctn}/change/{kind}",
            get(change::form).post(change::place),
        )
        .route("/care/orders", get(orders::list))
        .route("/care/orders/{id}", get(orders::page))
        .route("/care/orders/{id}/cancel", post(orders::cancel))
}

/// The line search form's fields (a GET: the query string).
#[derive(Debug, Default, Deserialize)]
struct Find {
    #[serde(default)]
    ctn: Option<String>,
    #[serde(default)]
    group: Option<String>,
}

/// Blank text is "not given".
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Address of a line's page, keeping the account group it was found in.
fn line_href(ctn: &str, group: Option<&str>) -> String {
    let ctn = encode(ctn);
    match group {
        Some(g) => format!("/console/care/lines/{ctn}?group={}", encode(g)),
        None => format!("/console/care/lines/{ctn}"),
    }
}

/// A path segment or query value, percent-encoded.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The care screen's start: find a line; find or list care orders. A found
/// line opens its page; a line not found is said next to the number.
async fn index(
    agent: Agent,
    State(state): State<AppState>,
    Query(find): Query<Find>,
) -> Result<Response, Refusal> {
    agent.require_any(CARE.roles)?;
    let mut problems = Problems::none();
    if find.ctn.is_some() || find.group.is_some() {
        // The request body the care API reads, so its own rules name what
        // is missing or malformed.
        let body = json!({"careAccountRequest": {
            "ctn": given(&find.ctn),
            "accountGroupId": given(&find.group),
        }});
        let found = match AccountQuery::from_body(&body) {
            Ok(query) => care::care_account(&state.ctx, &agent.principal, &query)
                .await
                .map(|_| query),
            Err(e) => Err(e),
        };
        match found {
            Ok(query) => {
                let href = line_href(&query.ctn, query.account_group_id.as_deref());
                return Ok(Redirect::to(&href).into_response());
            }
            Err(e) => problems = line_problems(e),
        }
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok((status, search_page(&agent, &find, &problems)).into_response())
}

/// A care account refusal, with "line not found" put on the number field.
fn line_problems(e: omni_app::AppError) -> Problems {
    let not_found = matches!(e, omni_app::AppError::NotFound { .. });
    let mut problems = Problems::from(e);
    if not_found && let Some(message) = &problems.message {
        problems.fields.push(omni_core::document::FieldError::new(
            "careAccountRequest.ctn",
            message.clone(),
        ));
    }
    problems
}

fn search_page(agent: &Agent, find: &Find, problems: &Problems) -> Markup {
    let ctn_error = problems.rule("careAccountRequest.ctn").is_some();
    let group_error = problems.rule("careAccountRequest.accountGroupId").is_some();
    let main = html! {
        h1 { "Care" }
        (client_note(agent))
        section class="card" aria-labelledby="find-line" {
            h2 id="find-line" { "Find a line" }
            (problems.summary())
            form id="line-search" method="get" action="/console/care" role="search" {
                div class="row" {
                    div class="field" {
                        label for="ctn" { "Phone number (CTN)" }
                        input id="ctn" name="ctn" type="text" inputmode="numeric"
                            autocomplete="off" value=[find.ctn.as_deref()]
                            aria-invalid=[ctn_error.then_some("true")]
                            aria-describedby=[ctn_error.then_some("ctn-error")];
                        (problems.at("careAccountRequest.ctn", "ctn"))
                    }
                    div class="field" {
                        label for="group" { "Account group (optional)" }
                        input id="group" name="group" type="text" autocomplete="off"
                            value=[find.group.as_deref()]
                            aria-invalid=[group_error.then_some("true")]
                            aria-describedby=[group_error.then_some("group-error")];
                        (problems.at("careAccountRequest.accountGroupId", "group"))
                    }
                    div class="field" { button type="submit" { "Find line" } }
                }
            }
        }
        section class="card" aria-labelledby="find-order" {
            h2 id="find-order" { "Care orders" }
            form id="order-search" method="get" action="/console/care/orders" role="search" {
                div class="row" {
                    div class="field" {
                        label for="order-id" { "Care order id" }
                        input id="order-id" name="orderId" type="text" autocomplete="off";
                    }
                    div class="field" { button type="submit" { "Open order" } }
                }
            }
            p { a href="/console/care/orders" { "Care orders of the last 7 days" } }
        }
    };
    page::layout(agent, "Care", Some(&CARE), main)
}

/// Care orders are placed and read in the name of the token's care client;
/// a token without one can look lines up only. Said once, up front, with
/// the use case's own words.
fn client_note(agent: &Agent) -> Markup {
    html! {
        @if let Err(e) = care::client(&agent.principal) {
            p class="notice" id="client-note" {
                "You can look lines up, but not place or follow care orders: "
                (omni_api::error::ApiError::from(e).message)
            }
        }
    }
}

/// The CSS class of a state word (`state-suspended`, `state-completed`…).
fn state_class(state: &str) -> String {
    let mut chars = state.chars();
    let word: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("state state-{word}")
}

/// The catalog names of the offerings `line` shows by id (plan, features,
/// device model, SIM).
async fn names_for(
    state: &AppState,
    agent: &Agent,
    line: &Subscriber,
) -> Result<HashMap<String, String>, Refusal> {
    let ids = std::iter::once(line.rate_plan.offering_id.as_str())
        .chain(line.features.iter().map(|f| f.offering_id.as_str()))
        .chain(line.device.iter().filter_map(|d| d.offering_id.as_deref()))
        .chain(line.sim.iter().map(|s| s.offering_id.as_str()));
    Ok(care::offering_names(&state.ctx, &agent.principal, ids).await?)
}

/// An offering by its catalog name, its id beside it.
fn offering(id: &str, names: &HashMap<String, String>) -> Markup {
    html! {
        @match names.get(id) {
            Some(name) => { (name) " " code class="muted" { (id) } }
            None => { code { (id) } }
        }
    }
}
