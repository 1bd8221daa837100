//! The care agent's screens: a line's page, care changes, care orders.

use super::CARE;
use crate::page::{self, Refusal};
use crate::session::Agent;
use axum::Router;
use axum::routing::get;
use maud::{Markup, html};
use omni_api::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/care", get(index))
}

async fn index(agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(CARE.roles)?;
    Ok(page::layout(
        &agent,
        CARE.title,
        Some(&CARE),
        html! { h1 { (CARE.title) } p { (CARE.purpose) } },
    ))
}
