//! The operator's screens: orders by state, failed jobs and dead letters,
//! webhook listeners, and the dashboard.

use super::{DASHBOARD, OPERATIONS};
use crate::page::{self, Refusal};
use crate::session::Agent;
use axum::Router;
use axum::routing::get;
use maud::{Markup, html};
use omni_api::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/operations", get(index))
        .route("/dashboard", get(dashboard))
}

async fn index(agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(OPERATIONS.roles)?;
    Ok(page::layout(
        &agent,
        OPERATIONS.title,
        Some(&OPERATIONS),
        html! { h1 { (OPERATIONS.title) } p { (OPERATIONS.purpose) } },
    ))
}

async fn dashboard(agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(DASHBOARD.roles)?;
    Ok(page::layout(
        &agent,
        DASHBOARD.title,
        Some(&DASHBOARD),
        html! { h1 { (DASHBOARD.title) } p { (DASHBOARD.purpose) } },
    ))
}
