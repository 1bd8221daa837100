//! Work that went wrong, and what an operator does about it: failed jobs
//! (`omni_app::jobs::admin`: list, retry), dead letters
//! (`omni_app::webhook::admin`: list, re-drive) and the webhook listeners
//! with their lag. A job just retried, or a letter just re-driven, is
//! followed live on the page until it settles.

use super::{PageQuery, back_to, link, pager, refused, when};
use crate::page::{self, Problems, Refusal};
use crate::session::{Agent, Posted};
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};
use omni_api::error::ApiError;
use omni_api::state::AppState;
use omni_app::jobs::admin::{self as jobs, JobFilter};
use omni_app::webhook::{LetterStatus, admin as webhooks};
use serde_json::Value;

/// Jobs and letters shown at once.
const PAGE: u64 = 20;
/// How often a job or letter being followed is read again.
const FOLLOW_MS: &str = "1000";

fn text<'a>(job: &'a Value, name: &str) -> &'a str {
    job.get(name).and_then(Value::as_str).unwrap_or("")
}

pub async fn jobs_section(
    state: &AppState,
    agent: &Agent,
    query: &PageQuery,
    problems: &Problems,
) -> Result<Markup, Refusal> {
    // One more than shown tells whether there is a next page.
    let failed = jobs::list(
        &state.ctx,
        &agent.principal,
        &JobFilter {
            status: Some("failed".into()),
            kind: None,
            offset: query.jobs_offset,
            limit: Some(PAGE + 1),
        },
    )
    .await?;
    let followed = match query.retried.as_deref() {
        Some(id) => match jobs::get(&state.ctx, &agent.principal, id).await {
            Ok(job) => Some(job),
            Err(omni_app::AppError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let to = |offset: u64| {
        link(&[
            ("jobs_offset", offset.to_string()),
            ("letters_offset", query.letters_offset.to_string()),
        ]) + "#failed-jobs"
    };
    Ok(html! {
        section id="failed-jobs" aria-labelledby="failed-jobs-title" {
            h2 id="failed-jobs-title" { "Failed jobs" }
            (problems.summary())
            @if let Some(job) = &followed { (job_notice(job)) }
            @if failed.is_empty() {
                p id="failed-jobs-empty" { "No job has failed." }
            } @else {
                div class="table-wrap" tabindex="0" role="region" aria-label="Failed jobs table" {
                    table id="failed-jobs-table" {
                        caption { "Jobs that used up their attempts, most recently changed first" }
                        thead {
                            tr {
                                th scope="col" { "Job" }
                                th scope="col" { "Kind" }
                                th scope="col" class="num" { "Attempts" }
                                th scope="col" { "Why it failed" }
                                th scope="col" { "Failed at (UTC)" }
                                th scope="col" { "Action" }
                            }
                        }
                        tbody {
                            @for job in failed.iter().take(PAGE as usize) {
                                tr {
                                    th scope="row" { code { (text(job, "id")) } }
                                    td { (text(job, "kind")) }
                                    td class="num" { (job.get("attempts").and_then(Value::as_i64).unwrap_or(0)) }
                                    td class="reason" { (text(job, "lastError")) }
                                    td { (when(text(job, "updatedAt"))) }
                                    td {
                                        form method="post" action="/console/operations/jobs/retry" {
                                            (page::csrf(agent))
                                            input type="hidden" name="id" value=(text(job, "id"));
                                            button type="submit" {
                                                "Retry" span class="sr-only" { " job " (text(job, "id")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pager("Pages of failed jobs", query.jobs_offset, PAGE, failed.len(), None, to))
        }
    })
}

/// The job just retried, read again every second until it is no longer
/// pending.
fn job_notice(job: &Value) -> Markup {
    let status = text(job, "status");
    let id = text(job, "id");
    html! {
        div id="retried-job" class="notice" role="status"
            data-refresh-ms=[(status == "pending").then_some(FOLLOW_MS)] {
            "Job " code { (id) } " was retried: it is now "
            strong class={ "state state-" (status) } { (status) } "."
            @if status == "failed" {
                " It failed again: " (text(job, "lastError"))
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct IdForm {
    #[serde(default)]
    id: String,
}

/// Retries a failed job as the agent, then back to the page, following it.
pub async fn retry_job(State(state): State<AppState>, posted: Posted) -> Response {
    if let Err(refusal) = posted.agent.require_any(super::OPERATIONS.roles) {
        return axum::response::IntoResponse::into_response(refusal);
    }
    let form: IdForm = match posted.value() {
        Ok(form) => form,
        Err(refusal) => return axum::response::IntoResponse::into_response(refusal),
    };
    let handlers = omni_app::workers::handlers(&state.ctx.config);
    match jobs::retry(&state.ctx, &posted.agent.principal, &form.id, &handlers).await {
        Ok(_) => back_to(&encoded("retried", &form.id), "failed-jobs"),
        Err(e) => {
            let status = ApiError::from(e.clone()).status;
            refused(&state, &posted, Problems::from(e), status, false).await
        }
    }
}

fn encoded(name: &str, value: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

pub async fn letters_section(
    state: &AppState,
    agent: &Agent,
    query: &PageQuery,
    problems: &Problems,
) -> Result<Markup, Refusal> {
    let status = match query.letters.as_deref().unwrap_or("") {
        "" => None,
        "parked" => Some(LetterStatus::Parked),
        "redriving" => Some(LetterStatus::Redriving),
        "redriven" => Some(LetterStatus::Redriven),
        other => {
            return Err(Refusal::BadForm(format!(
                "'{other}' is not a dead letter status (parked, redriving, redriven)"
            )));
        }
    };
    let (total, letters) = webhooks::dead_letters_page(
        &state.ctx,
        &agent.principal,
        status,
        query.letters_offset,
        PAGE,
    )
    .await?;
    let followed = match query.redriven.as_deref() {
        Some(id) => match webhooks::dead_letter(&state.ctx, &agent.principal, id).await {
            Ok(letter) => Some(letter),
            Err(omni_app::AppError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let chosen = query.letters.clone().unwrap_or_default();
    let to = |offset: u64| {
        link(&[
            ("jobs_offset", query.jobs_offset.to_string()),
            ("letters", chosen.clone()),
            ("letters_offset", offset.to_string()),
        ]) + "#dead-letters"
    };
    Ok(html! {
        section id="dead-letters" aria-labelledby="dead-letters-title" {
            h2 id="dead-letters-title" { "Dead letters" }
            p class="muted" { "Events a listener refused on every attempt. Re-driving one delivers it once more, with the usual retries, outside the listener's order." }
            (problems.summary())
            @if let Some(letter) = &followed {
                div id="redriven-letter" class="notice" role="status"
                    data-refresh-ms=[(letter.status == LetterStatus::Redriving).then_some(FOLLOW_MS)] {
                    "Dead letter " code { (letter.id) } " was re-driven: it is now "
                    strong class={ "state state-" (letter.status.as_str()) } { (letter.status.as_str()) } "."
                }
            }
            form id="letters-filter" method="get" action="/console/operations#dead-letters" class="row" {
                div class="field" {
                    label for="letters" { "Status" }
                    select id="letters" name="letters" {
                        option value="" selected[status.is_none()] { "Any status" }
                        @for s in [LetterStatus::Parked, LetterStatus::Redriving, LetterStatus::Redriven] {
                            option value=(s.as_str()) selected[status == Some(s)] { (s.as_str()) }
                        }
                    }
                }
                div class="field" { button type="submit" { "Show letters" } }
            }
            @if letters.is_empty() {
                p id="dead-letters-empty" { "No dead letter." }
            } @else {
                div class="table-wrap" tabindex="0" role="region" aria-label="Dead letters table" {
                    table id="dead-letters-table" {
                        caption { "Dead letters, newest first" }
                        thead {
                            tr {
                                th scope="col" { "Letter" }
                                th scope="col" { "Event" }
                                th scope="col" { "Listener" }
                                th scope="col" class="num" { "Attempts" }
                                th scope="col" { "Why" }
                                th scope="col" { "Parked at (UTC)" }
                                th scope="col" { "Status" }
                                th scope="col" { "Action" }
                            }
                        }
                        tbody {
                            @for letter in &letters {
                                tr {
                                    th scope="row" { code { (letter.id) } }
                                    td { (letter.event_type) }
                                    td { span class="callback" { (letter.callback) } }
                                    td class="num" { (letter.attempts) }
                                    td class="reason" { (letter.last_error) }
                                    td { (when(&letter.dead_lettered_at)) }
                                    td class={ "state state-" (letter.status.as_str()) } { (letter.status.as_str()) }
                                    td {
                                        @if letter.status == LetterStatus::Redriving {
                                            span class="muted" { "Being re-driven" }
                                        } @else {
                                            form method="post" action="/console/operations/dead-letters/redrive" {
                                                (page::csrf(agent))
                                                input type="hidden" name="id" value=(letter.id);
                                                button type="submit" {
                                                    "Re-drive" span class="sr-only" { " dead letter " (letter.id) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pager("Pages of dead letters", query.letters_offset, PAGE, letters.len(), Some(total), to))
        }
    })
}

/// Re-drives a dead letter as the agent, then back to the page, following it.
pub async fn redrive_letter(State(state): State<AppState>, posted: Posted) -> Response {
    if let Err(refusal) = posted.agent.require_any(super::OPERATIONS.roles) {
        return axum::response::IntoResponse::into_response(refusal);
    }
    let form: IdForm = match posted.value() {
        Ok(form) => form,
        Err(refusal) => return axum::response::IntoResponse::into_response(refusal),
    };
    match webhooks::redrive(&state.ctx, &posted.agent.principal, &form.id).await {
        Ok(_) => back_to(&encoded("redriven", &form.id), "dead-letters"),
        Err(e) => {
            let status = ApiError::from(e.clone()).status;
            refused(&state, &posted, Problems::from(e), status, true).await
        }
    }
}

pub async fn listeners_section(state: &AppState, agent: &Agent) -> Result<Markup, Refusal> {
    let listeners = webhooks::listeners(&state.ctx, &agent.principal).await?;
    Ok(html! {
        section id="listeners" aria-labelledby="listeners-title" {
            h2 id="listeners-title" { "Webhook listeners" }
            p class="muted" { "Behind: events committed after the last one the listener's delivery looked at (other APIs' and tenants' included, which it skips)." }
            @if listeners.is_empty() {
                p id="listeners-empty" { "No listener is registered." }
            } @else {
                div class="table-wrap" tabindex="0" role="region" aria-label="Webhook listeners table" {
                    table id="listeners-table" {
                        caption { "Listeners and their lag" }
                        thead {
                            tr {
                                th scope="col" { "Listener" }
                                th scope="col" { "API" }
                                th scope="col" { "Callback" }
                                th scope="col" class="num" { "Behind" }
                                th scope="col" class="num" { "Delivered" }
                                th scope="col" class="num" { "Dead letters" }
                                th scope="col" class="num" { "Failed attempts" }
                                th scope="col" { "Next attempt (UTC)" }
                                th scope="col" { "Last error" }
                            }
                        }
                        tbody {
                            @for l in &listeners {
                                tr {
                                    th scope="row" { code { (l.id) } }
                                    td { (l.domain) }
                                    td { span class="callback" { (l.callback) } }
                                    td class="num" { (l.behind) }
                                    td class="num" { (l.delivered) }
                                    td class="num" { (l.dead_lettered) }
                                    td class="num" { (l.failed_attempts) }
                                    td { @if let Some(t) = &l.next_attempt_at { (when(t)) } }
                                    td class="reason" { (l.last_error.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}
