//! A line's page: what `careAccount` answers (accounts, status, plan,
//! features, device, SIM, contacts, labels, history) and the care changes
//! that can be placed on it.

use super::change::{Kind, feature_word};
use super::{
    CARE, Find, client_note, encode, given, line_problems, names_for, offering, state_class,
};
use crate::page::{self, Refusal};
use crate::session::Agent;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::care::{self, AccountQuery, CareAccount};
use omni_core::inventory::{PersonName, Phone, UsAddress};
use std::collections::HashMap;

/// The most recent history entries shown (a long-lived line has many).
const HISTORY_SHOWN: usize = 20;

pub(super) async fn page(
    agent: Agent,
    State(state): State<AppState>,
    Path(ctn): Path<String>,
    Query(find): Query<Find>,
) -> Result<Response, Refusal> {
    agent.require_any(CARE.roles)?;
    let query = AccountQuery {
        ctn: ctn.clone(),
        account_group_id: given(&find.group).map(str::to_string),
    };
    match care::care_account(&state.ctx, &agent.principal, &query).await {
        Ok(account) => {
            let names = names_for(&state, &agent, &account.line).await?;
            Ok(render(&agent, &account, &names, given(&find.group)).into_response())
        }
        // Not found: the search page, with the reason next to the number.
        Err(e @ omni_app::AppError::NotFound { .. }) => {
            let find = Find {
                ctn: Some(ctn),
                group: find.group,
            };
            let problems = line_problems(e);
            Ok((
                StatusCode::NOT_FOUND,
                super::search_page(&agent, &find, &problems),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn name(n: &PersonName) -> String {
    format!("{} {}", n.first_name, n.last_name)
}

fn phone(p: &Phone) -> String {
    match &p.extension {
        Some(ext) => format!("{} ext. {ext}", p.number),
        None => p.number.clone(),
    }
}

fn address(a: &UsAddress) -> Markup {
    html! {
        (a.address_line1)
        @if let Some(l2) = &a.address_line2 { ", " (l2) }
        ", " (a.city) ", " (a.state) " " (a.zip_code)
    }
}

/// A `dl` row, when there is a value.
fn row(term: &str, value: Option<Markup>) -> Markup {
    html! {
        @if let Some(value) = value {
            dt { (term) } dd { (value) }
        }
    }
}

fn render(
    agent: &Agent,
    account: &CareAccount,
    names: &HashMap<String, String>,
    group: Option<&str>,
) -> Markup {
    let line = &account.line;
    let status = line.status.as_str();
    let group_name = account.account.as_ref().and_then(|a| {
        a.account_groups
            .iter()
            .find(|g| Some(&g.id) == line.account_group_id.as_ref())
            .map(|g| g.name.clone())
    });
    let suffix = group
        .map(|g| format!("?group={}", encode(g)))
        .unwrap_or_default();
    let base = format!("/console/care/lines/{}", encode(&line.ctn));
    let main = html! {
        h1 { "Line " (line.ctn) }
        (client_note(agent))
        p id="line-status" {
            "Status: " span class=(state_class(status)) { (status) }
            @if let Some(reason) = &line.status_reason { " (" (reason) ")" }
        }
        nav aria-label="Care changes" class="card" id="changes" {
            h2 { "Change this line" }
            ul class="actions" {
                @for kind in Kind::ALL {
                    li { a href={ (base) "/change/" (kind.slug()) (suffix) } { (kind.title()) } }
                }
            }
        }
        div class="care-grid" {
            section class="card" aria-labelledby="h-accounts" {
                h2 id="h-accounts" { "Accounts" }
                dl {
                    (row("Account", account.account.as_ref().map(|a| html! {
                        (a.name) " (" (a.id) ", " (a.customer_type)
                        @if let Some(sub) = &a.customer_sub_type { ", " (sub) } ")"
                    })))
                    (row("Account group", line.account_group_id.as_ref().map(|g| html! {
                        @if let Some(n) = &group_name { (n) " (" (g) ")" } @else { (g) }
                        " · " a href={ "/console/care/orders?group=" (encode(g)) } { "its care orders" }
                    })))
                    (row("Billing account", Some(html! {
                        @if let Some(b) = &account.billing {
                            (b.name) " (" (b.id) ")"
                        } @else {
                            (line.billing_account_id) " (not in the inventory)"
                        }
                    })))
                    @if let Some(b) = &account.billing {
                        (row("Billing", Some(html! {
                            (b.rating_type.as_str()) ", " (b.status) ", market " (b.market)
                            ", bill cycle day " (b.bill_cycle_day)
                        })))
                        (row("Billing contact", b.billing_contact.as_ref().map(|c| html! {
                            (name(&c.contact_name))
                            @if let Some(att) = &c.attention_to { ", attn. " (att) }
                            br; (address(&c.address))
                            @if let Some(p) = &c.phone { br; (phone(p)) }
                        })))
                    }
                }
            }
            section class="card" aria-labelledby="h-plan" {
                h2 id="h-plan" { "Plan and equipment" }
                dl {
                    (row("Rate plan", Some(html! {
                        (offering(&line.rate_plan.offering_id, names)) br; "since " (line.rate_plan.since)
                    })))
                    (row("Device", Some(match &line.device {
                        Some(d) => html! {
                            "IMEI " (d.imei)
                            @if let Some(model) = &d.offering_id { br; (offering(model, names)) }
                            @if d.byod { " · brought by the customer" }
                            @if d.network_block { br; strong class="state state-suspended" { "blocked on the network" } }
                        },
                        None => html! { "none" },
                    })))
                    (row("SIM", Some(match &line.sim {
                        Some(s) => html! {
                            "ICCID " (s.iccid) br; (offering(&s.offering_id, names))
                            @if s.esim { " · eSIM" }
                        },
                        None => html! { "none" },
                    })))
                    (row("Voicemail", Some(html! {
                        @if line.voicemail.pin_set { "PIN set" } @else { "no PIN" }
                        @if let Some(at) = &line.voicemail.last_reset_at { ", reset " (at) }
                    })))
                    (row("Activated", Some(html! { (line.activated_at) })))
                    (row("Cancelled", line.cancelled_at.as_ref().map(|c| html! { (c) })))
                }
            }
            section class="card" aria-labelledby="h-contact" {
                h2 id="h-contact" { "User" }
                dl {
                    @if let Some(c) = &line.contact {
                        (row("Name", Some(html! { (name(&c.name)) })))
                        (row("Address", c.address.as_ref().map(address)))
                        (row("Phone", c.phone.as_ref().map(|p| html! { (phone(p)) })))
                        (row("E-mail", c.email.as_ref().map(|e| html! { (e) })))
                    } @else {
                        (row("Contact", Some(html! { "none on the line" })))
                    }
                    @for label in &line.udl {
                        (row(&label.label_type, Some(html! { (label.value) })))
                    }
                }
            }
        }
        h2 id="h-features" { "Features" }
        @if line.features.is_empty() {
            p { "No add-on features." }
        } @else {
            // Focusable, so a keyboard can scroll it when it overflows (390 px).
            div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-features" {
                table aria-labelledby="h-features" {
                    thead { tr { th scope="col" { "Add-on" } th scope="col" { "Status" }
                        th scope="col" { "From" } th scope="col" { "Until" } } }
                    tbody {
                        @for f in &line.features {
                            @let st = feature_word(f.status);
                            tr {
                                td { (offering(&f.offering_id, names)) }
                                td { span class=(state_class(st)) { (st) } }
                                td { (f.effective_date) }
                                td { (f.expiration_date.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        h2 id="h-history" { "History" }
        @if line.history.is_empty() {
            p { "Nothing changed since activation." }
        } @else {
            @if line.history.len() > HISTORY_SHOWN {
                p class="muted" { "The " (HISTORY_SHOWN) " most recent of " (line.history.len()) " changes." }
            }
            div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-history" {
                table aria-labelledby="h-history" {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Change" }
                        th scope="col" { "Detail" } th scope="col" { "By" } } }
                    tbody {
                        @for h in line.history.iter().rev().take(HISTORY_SHOWN) {
                            tr {
                                td { (h.at) }
                                td { (h.change) }
                                td { (h.detail.as_deref().unwrap_or("")) }
                                td {
                                    @if h.source.starts_with("CO-") {
                                        a href={ "/console/care/orders/" (encode(&h.source)) } { (h.source) }
                                    } @else { (h.source) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page::layout(agent, &format!("Line {}", line.ctn), Some(&CARE), main)
}
