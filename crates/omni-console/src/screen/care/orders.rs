//! Care orders: one order with each change's status, refreshed live until
//! the order ends, and cancelled while none of its changes was processed;
//! and the care client's orders by account group and creation date. Both
//! read through `omni_app::care::order_status`, which answers only the
//! orders the token's client placed.

use super::{CARE, client_note, encode, given, line_href, state_class};
use crate::page::{self, Problems, Refusal};
use crate::session::{Agent, Posted};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use maud::{Markup, html};
use omni_api::error::ApiError;
use omni_api::state::AppState;
use omni_app::care::{self, CareOrderRecord, ChangeState, RecordStatus, StatusQuery};
use omni_core::care::{ChangeRequest, ChangeStatus, ChangeType, ItemAction, parse_date};
use serde::Deserialize;
use serde_json::json;

/// Orders shown per page of the list.
const PAGE_SIZE: usize = 25;
/// How often an order whose next change is due soon is read again, and how
/// soon "soon" is; an order due later is read again once a minute.
const REFRESH_MS: u32 = 1000;
const SLOW_REFRESH_MS: u32 = 60_000;
const SOON_SECONDS: i64 = 120;

/// The one order `id`, as the care client sees it.
async fn read(state: &AppState, agent: &Agent, id: &str) -> Result<CareOrderRecord, Refusal> {
    let query = StatusQuery::Order(id.to_string());
    let mut found = care::order_status(&state.ctx, &agent.principal, &query).await?;
    found
        .pop()
        .ok_or_else(|| Refusal::App(omni_app::AppError::not_found("care order", id)))
}

pub(super) async fn page(
    agent: Agent,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, Refusal> {
    agent.require_any(CARE.roles)?;
    let order = read(&state, &agent, &id).await?;
    Ok(render(&state, &agent, &order, &Problems::none()))
}

/// Cancels the order, then shows it again (303); a refusal (processing has
/// started) is shown on the order's page.
pub(super) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, Refusal> {
    let agent = &posted.agent;
    agent.require_any(CARE.roles)?;
    match care::cancel(&state.ctx, &agent.principal, &id).await {
        Ok(order) => {
            let href = format!("/console/care/orders/{}", encode(&order.id));
            Ok(Redirect::to(&href).into_response())
        }
        Err(e) => {
            let status = ApiError::from(e.clone()).status;
            if !status.is_client_error() {
                return Err(e.into());
            }
            let order = read(&state, agent, &id).await?;
            let problems = Problems::from(e);
            Ok((status, render(&state, agent, &order, &problems)).into_response())
        }
    }
}

/// What a change does, in a few words.
fn describe(change: &ChangeRequest) -> Markup {
    html! {
        @match change.change_type {
            ChangeType::Suspend | ChangeType::Resume | ChangeType::Cancel => {
                @if let Some(r) = change.suspend_service_reason { "reason " (r) }
                @if let Some(r) = change.resume_service_reason { "reason " (r) }
                @if let Some(r) = change.cancel_service_reason { "reason " (r) }
                @if let Some(r) = change.cancellation_reason { " " (r) }
            }
            _ => {}
        }
        @for item in &change.items {
            @match item.action { ItemAction::Add => { "add " }, ItemAction::Remove => { "remove " } }
            code { (item.id) } " "
        }
        @if let Some(plan) = &change.rate_plan { "to " code { (plan) } }
        @if let Some(d) = &change.device {
            @if let Some(imei) = &d.imei { "IMEI " (imei) " " }
            @if let Some(iccid) = &d.iccid { "ICCID " (iccid) " " }
            @match d.network_block { Some(true) => { "block on the network" }, Some(false) => { "unblock on the network" }, None => {} }
        }
        @if let Some(n) = &change.new_ctn { "to number " (n) }
        @if let Some(c) = &change.subscriber_contact { "user " (c.name.first_name) " " (c.name.last_name) }
        @if let Some(c) = &change.billing_contact { "billing contact " (c.contact_name.first_name) " " (c.contact_name.last_name) }
    }
}

fn change_state(order: &CareOrderRecord, state: &ChangeState) -> &'static str {
    if order.status == RecordStatus::Cancelled {
        return "cancelled";
    }
    match state.result.status {
        ChangeStatus::Pending => "pending",
        ChangeStatus::Completed => "completed",
        ChangeStatus::Failed => "failed",
    }
}

/// How soon the page reads the order again, while it is in progress.
fn refresh_ms(state: &AppState, order: &CareOrderRecord) -> Option<u32> {
    if order.status != RecordStatus::InProgress {
        return None;
    }
    let soon = state.ctx.now() + Duration::seconds(SOON_SECONDS);
    let next_due = order
        .changes
        .iter()
        .filter(|c| c.result.status == ChangeStatus::Pending)
        .filter_map(|c| parse_date(&c.due_at))
        .min();
    Some(match next_due {
        Some(due) if due > soon => SLOW_REFRESH_MS,
        _ => REFRESH_MS,
    })
}

fn render(state: &AppState, agent: &Agent, order: &CareOrderRecord, problems: &Problems) -> Markup {
    let status = order.status.as_str();
    let refresh = refresh_ms(state, order);
    // The lines the order acts on, now: after a completed number change,
    // the line is found under its new number.
    let mut lines: Vec<String> = Vec::new();
    for (change, st) in order.order.change_requests.iter().zip(&order.changes) {
        let moved = change
            .new_ctn
            .as_ref()
            .filter(|_| st.result.status == ChangeStatus::Completed);
        let ctn = moved.unwrap_or(&change.ctn);
        if !lines.contains(ctn) {
            lines.push(ctn.clone());
        }
    }
    let group = order.order.account_group_id.as_deref();
    let can_cancel = order.status == RecordStatus::InProgress && order.untouched();
    let main = html! {
        h1 { "Care order " (order.id) }
        (client_note(agent))
        (problems.summary())
        div id="care-order" data-refresh-ms=[refresh] {
            p {
                @for (i, ctn) in lines.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href=(line_href(ctn, group)) { "Line " (ctn) }
                }
                " · " a href="/console/care/orders" { "All care orders" }
            }
            p id="order-status" role="status" {
                "Status: " span class=(state_class(status)) { (status) }
                @if refresh.is_some() { span class="muted" { " (updated live)" } }
            }
            dl class="facts" {
                dt { "Placed" } dd { (order.created_at) }
                dt { "Last update" } dd { (order.updated_at) }
                dt { "Foundation account" } dd { (order.order.foundation_account_number) }
                @if let Some(g) = group { dt { "Account group" } dd { (g) } }
            }
            div class="table-wrap" tabindex="0" role="region" aria-label="Change requests" {
                table {
                    caption { "Change requests" }
                    thead { tr {
                        th scope="col" { "Change" } th scope="col" { "Line" } th scope="col" { "What" }
                        th scope="col" { "Due" } th scope="col" { "Status" } th scope="col" { "Processed" }
                    } }
                    tbody {
                        @for (change, st) in order.order.change_requests.iter().zip(&order.changes) {
                            @let word = change_state(order, st);
                            tr {
                                td { (change.change_type.as_str()) br; span class="muted" { (change.change_request_id) } }
                                td { (change.ctn) }
                                td { (describe(change)) }
                                td { (st.due_at) }
                                td {
                                    span class=(state_class(word)) { (word) }
                                    @if let Some(f) = &st.result.failure {
                                        p class="error" { (f.code.as_str()) ": " (f.message) }
                                    }
                                }
                                td { (st.processed_at.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            @if can_cancel {
                form id="cancel-order" method="post"
                    action={ "/console/care/orders/" (encode(&order.id)) "/cancel" } {
                    (page::csrf(agent))
                    button type="submit" class="danger" { "Cancel this care order" }
                }
            }
        }
    };
    page::layout(
        agent,
        &format!("Care order {}", order.id),
        Some(&CARE),
        main,
    )
}

/// The list's filters (a GET: the query string).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Filters {
    #[serde(default, rename = "orderId")]
    order_id: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    page: Option<usize>,
}

/// A `to` day includes the whole day: the care API reads a bare date as
/// its first instant.
fn end_of_day(text: &str) -> String {
    if text.len() == 10 && parse_date(text).is_some() {
        format!("{text}T23:59:59.999Z")
    } else {
        text.to_string()
    }
}

pub(super) async fn list(
    agent: Agent,
    State(state): State<AppState>,
    Query(mut filters): Query<Filters>,
) -> Result<Response, Refusal> {
    agent.require_any(CARE.roles)?;
    if let Some(id) = given(&filters.order_id) {
        let href = format!("/console/care/orders/{}", encode(id));
        return Ok(Redirect::to(&href).into_response());
    }
    if given(&filters.group).is_none()
        && given(&filters.from).is_none()
        && given(&filters.to).is_none()
    {
        // Without a filter: the last 7 days.
        let week_ago = state.ctx.now() - Duration::days(7);
        filters.from = Some(week_ago.format("%Y-%m-%d").to_string());
    }
    let body = json!({"orderStatusRequest": {
        "accountGroupId": given(&filters.group),
        "fromDate": given(&filters.from),
        "toDate": given(&filters.to).map(end_of_day),
    }});
    let found = match StatusQuery::from_body(&body) {
        Ok(query) => care::order_status(&state.ctx, &agent.principal, &query).await,
        Err(e) => Err(e),
    };
    let (orders, problems, status) = match found {
        Ok(orders) => (orders, Problems::none(), StatusCode::OK),
        Err(e) => {
            let status = ApiError::from(e.clone()).status;
            if !status.is_client_error() {
                return Err(e.into());
            }
            (Vec::new(), Problems::from(e), status)
        }
    };
    Ok((status, list_page(&agent, &filters, &orders, &problems)).into_response())
}

fn list_page(
    agent: &Agent,
    filters: &Filters,
    orders: &[CareOrderRecord],
    problems: &Problems,
) -> Markup {
    let page_no = filters.page.unwrap_or(0);
    let total = orders.len();
    // Newest first; the use case answers in creation order.
    let shown: Vec<&CareOrderRecord> = orders
        .iter()
        .rev()
        .skip(page_no * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let link = |page: usize| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("group", &filters.group),
            ("from", &filters.from),
            ("to", &filters.to),
        ] {
            if let Some(v) = given(value) {
                query.append_pair(key, v);
            }
        }
        query.append_pair("page", &page.to_string());
        format!("/console/care/orders?{}", query.finish())
    };
    let field = |id: &str, label: &str, kind: &str, value: Option<&str>, path: &str| {
        let bad = problems.rule(path).is_some();
        html! {
            div class="field" {
                label for=(id) { (label) }
                input id=(id) name=(id) type=(kind) value=[value] autocomplete="off"
                    aria-invalid=[bad.then_some("true")]
                    aria-describedby=[bad.then(|| format!("{id}-error"))];
                (problems.at(path, id))
            }
        }
    };
    let main = html! {
        h1 { "Care orders" }
        (client_note(agent))
        (problems.summary())
        form id="order-filters" method="get" action="/console/care/orders" role="search" {
            div class="row" {
                (field("group", "Account group", "text", given(&filters.group), "orderStatusRequest.accountGroupId"))
                (field("from", "Placed from", "date", given(&filters.from), "orderStatusRequest.fromDate"))
                (field("to", "Placed until", "date", given(&filters.to), "orderStatusRequest.toDate"))
                div class="field" { button type="submit" { "Show orders" } }
            }
        }
        @if problems.is_empty() {
            p id="order-count" { (total) " care order" @if total != 1 { "s" } }
        }
        @if !shown.is_empty() {
            div class="table-wrap" tabindex="0" role="region" aria-label="Care orders" {
                table id="care-orders" {
                    caption { "Care orders, newest first" }
                    thead { tr {
                        th scope="col" { "Order" } th scope="col" { "Status" } th scope="col" { "Placed" }
                        th scope="col" { "Changes" } th scope="col" { "Lines" }
                    } }
                    tbody {
                        @for order in &shown {
                            @let status = order.status.as_str();
                            tr {
                                td { a href={ "/console/care/orders/" (encode(&order.id)) } { (order.id) } }
                                td { span class=(state_class(status)) { (status) } }
                                td { (order.created_at) }
                                td {
                                    @for (i, c) in order.order.change_requests.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        (c.change_type.as_str())
                                    }
                                }
                                td {
                                    @for (i, c) in order.order.change_requests.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        (c.ctn)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            nav aria-label="Pages" class="pager" {
                @if page_no > 0 { a href=(link(page_no - 1)) rel="prev" { "Newer" } }
                @if (page_no + 1) * PAGE_SIZE < total { " " a href=(link(page_no + 1)) rel="next" { "Older" } }
            }
        }
    };
    page::layout(agent, "Care orders", Some(&CARE), main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_to_day_covers_the_whole_day() {
        assert_eq!(end_of_day("2026-12-04"), "2026-12-04T23:59:59.999Z");
        assert_eq!(end_of_day("2026-12-04T10:00:00Z"), "2026-12-04T10:00:00Z");
        assert_eq!(end_of_day("soon"), "soon");
    }
}
