//! The operator's screens (roles `events.admin`, `jobs.admin`).
//!
//! - Operations (`/console/operations`): orders of every family by state
//!   and day ([`orders`]), failed jobs with a retry button, dead letters
//!   with a re-drive button, and webhook listeners with their lag
//!   ([`work`]). Each part shows only to the roles its use case accepts:
//!   jobs and orders to either role, dead letters and listeners to
//!   `events.admin`.
//! - Dashboard (`/console/dashboard`, [`dashboard`]): requests, errors and
//!   latency per API family from the process's own metrics, and product
//!   orders completed per minute, drawn as SVG here ([`chart`]).
//!
//! Everything is read and changed through `omni_app` use cases with the
//! signed-in agent's principal; a retry or re-drive is a POST with the
//! session's CSRF value, answered by a redirect back to the page (303).

mod chart;
mod dashboard;
mod orders;
mod work;

use super::OPERATIONS;
use crate::page::{self, Problems, Refusal};
use crate::session::{Agent, Posted};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use omni_api::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/operations", get(index))
        .route("/operations/jobs/retry", post(work::retry_job))
        .route(
            "/operations/dead-letters/redrive",
            post(work::redrive_letter),
        )
        .route("/dashboard", get(dashboard::page))
}

/// Who may see dead letters and listeners (their use cases ask for it).
const EVENTS_ADMIN: &str = omni_app::webhook::admin::ROLE;

/// The page's query: the orders filter, each list's page, and what was
/// just done (after a retry or re-drive).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct PageQuery {
    family: Option<String>,
    state: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: u64,
    jobs_offset: u64,
    /// Dead letters of this status only (parked, redriving, redriven).
    letters: Option<String>,
    letters_offset: u64,
    /// A job just retried: its state is followed live.
    retried: Option<String>,
    /// A dead letter just re-driven: its state is followed live.
    redriven: Option<String>,
}

/// A problem with one of the page's forms, shown in that form's section.
#[derive(Debug, Default)]
struct Trouble {
    jobs: Problems,
    letters: Problems,
}

async fn index(
    State(state): State<AppState>,
    agent: Agent,
    RawQuery(raw): RawQuery,
) -> Result<Response, Refusal> {
    agent.require_any(OPERATIONS.roles)?;
    let query: PageQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| Refusal::BadForm(format!("the address does not fit: {e}")))?;
    let markup = render(&state, &agent, &query, Trouble::default()).await?;
    Ok(markup.into_response())
}

/// The whole Operations page.
async fn render(
    state: &AppState,
    agent: &Agent,
    query: &PageQuery,
    trouble: Trouble,
) -> Result<Markup, Refusal> {
    let events = agent.has_any(&[EVENTS_ADMIN]);
    let orders = orders::section(state, agent, query).await?;
    let jobs = work::jobs_section(state, agent, query, &trouble.jobs).await?;
    let letters = if events {
        Some(work::letters_section(state, agent, query, &trouble.letters).await?)
    } else {
        None
    };
    let listeners = if events {
        Some(work::listeners_section(state, agent).await?)
    } else {
        None
    };
    let main = html! {
        h1 { (OPERATIONS.title) }
        nav aria-label="Sections of this page" class="sections" {
            ul {
                li { a href="#orders" { "Orders" } }
                li { a href="#failed-jobs" { "Failed jobs" } }
                @if events {
                    li { a href="#dead-letters" { "Dead letters" } }
                    li { a href="#listeners" { "Webhook listeners" } }
                }
                li { a href="/console/dashboard" { "Dashboard" } }
            }
        }
        (orders)
        (jobs)
        @if let Some(letters) = letters { (letters) }
        @if let Some(listeners) = listeners { (listeners) }
        @if !events {
            p class="muted" id="events-admin-only" {
                "Dead letters and webhook listeners need the role " code { (EVENTS_ADMIN) } "."
            }
        }
    };
    Ok(page::layout(
        agent,
        OPERATIONS.title,
        Some(&OPERATIONS),
        main,
    ))
}

/// After a change: back to the page (303), to the section it was made in.
fn back_to(query: &str, anchor: &str) -> Response {
    let location = format!("/console/operations?{query}#{anchor}");
    match axum::http::HeaderValue::from_str(&location) {
        Ok(value) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response.headers_mut().insert(LOCATION, value);
            response
        }
        Err(_) => Refusal::BadForm("the id cannot be put in an address".into()).into_response(),
    }
}

/// A refused change: the page again, with the use case's message in the
/// section of the form that was sent, and the use case's status.
async fn refused(
    state: &AppState,
    posted: &Posted,
    problems: Problems,
    status: StatusCode,
    in_letters: bool,
) -> Response {
    let trouble = if in_letters {
        Trouble {
            letters: problems,
            ..Trouble::default()
        }
    } else {
        Trouble {
            jobs: problems,
            ..Trouble::default()
        }
    };
    match render(state, &posted.agent, &PageQuery::default(), trouble).await {
        Ok(markup) => (status, markup).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// `?name=value&…` of a page link, keeping the page's other parameters.
fn link(pairs: &[(&str, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if !value.is_empty() && value != "0" {
            out.append_pair(name, value);
        }
    }
    format!("/console/operations?{}", out.finish())
}

/// Shows an RFC 3339 instant as `YYYY-MM-DD HH:MM:SS` (UTC), in a `time`
/// element whose `datetime` keeps it whole.
fn when(text: &str) -> Markup {
    let shown = omni_core::time::parse_rfc3339(text)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| text.to_string());
    html! { time datetime=(text) { (shown) } }
}

/// "Previous" and "Next" links of a list shown `limit` at a time.
fn pager(
    label: &str,
    offset: u64,
    limit: u64,
    shown: usize,
    total: Option<u64>,
    to: impl Fn(u64) -> String,
) -> Markup {
    let more = match total {
        Some(total) => offset + (shown as u64) < total,
        None => shown as u64 > limit,
    };
    let shown = shown.min(limit as usize) as u64;
    html! {
        nav class="pager" aria-label=(label) {
            @if shown > 0 {
                span {
                    (offset + 1) "–" (offset + shown)
                    @if let Some(total) = total { " of " (total) }
                }
            }
            @if offset > 0 {
                a href=(to(offset.saturating_sub(limit))) rel="prev" { "Previous" }
            }
            @if more {
                a href=(to(offset + limit)) rel="next" { "Next" }
            }
        }
    }
}
