//! The catalog manager's screens: offerings, prices, promotions, cart rules, discovery preview.

use super::CATALOG;
use crate::page::{self, Refusal};
use crate::session::Agent;
use axum::Router;
use axum::routing::get;
use maud::{Markup, html};
use omni_api::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/catalog", get(index))
}

async fn index(agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(CATALOG.roles)?;
    Ok(page::layout(
        &agent,
        CATALOG.title,
        Some(&CATALOG),
        html! { h1 { (CATALOG.title) } p { (CATALOG.purpose) } },
    ))
}
