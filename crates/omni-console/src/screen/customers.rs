//! The store agent's screens: find a customer, their lines, offers, cart,
//! order.

use super::CUSTOMERS;
use crate::page::{self, Refusal};
use crate::session::Agent;
use axum::Router;
use axum::routing::get;
use maud::{Markup, html};
use omni_api::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/customers", get(index))
}

async fn index(agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(CUSTOMERS.roles)?;
    Ok(page::layout(
        &agent,
        CUSTOMERS.title,
        Some(&CUSTOMERS),
        html! { h1 { (CUSTOMERS.title) } p { (CUSTOMERS.purpose) } },
    ))
}
