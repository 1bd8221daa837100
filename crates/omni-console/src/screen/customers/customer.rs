//! A customer's page: the account, its billing accounts, a page of its lines
//! (plan, features, device, SIM), and the button that starts a cart.

use super::{CUSTOMERS, customer_path, offering_name};
use crate::page::{self, Refusal, csrf};
use crate::session::Agent;
use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::customers::{self, LINES_PAGE};
use omni_core::inventory::{FeatureStatus, Subscriber};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(super) struct Paging {
    #[serde(default)]
    page: u64,
}

pub(super) async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path(account): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Markup, Refusal> {
    agent.require_any(CUSTOMERS.roles)?;
    let customer = customers::customer(&state.ctx, &agent.principal, &account, paging.page).await?;
    let tenant = agent.principal.tenant.as_str();
    let name = |id: &str| offering_name(&state, tenant, id);
    let a = &customer.account;
    let base = customer_path(&a.id);
    let pages = customer.line_count.div_ceil(LINES_PAGE);
    let main = html! {
        p { a href=(CUSTOMERS.path) { "← Find another customer" } }
        h1 { (a.name) }
        dl class="facts" {
            dt { "Account" } dd id="account-id" { (a.id) }
            dt { "Type" } dd { (a.customer_type) @if let Some(s) = &a.customer_sub_type { " · " (s) } }
            @if let Some(party) = &customer.party_id { dt { "Customer id" } dd { (party) } }
        }
        @if customer.party_id.is_some() {
            form id="start-cart" method="post" action={ (base) "/carts" } {
                (csrf(&agent))
                button type="submit" { "Sell a new line" }
                " "
                span class="muted" { "Starts a cart for this customer in the store channel." }
            }
        }
        h2 id="billing-title" { "Billing accounts" }
        div class="table-wrap" tabindex="0" role="region" aria-labelledby="billing-title" {
            table aria-labelledby="billing-title" {
                thead { tr { th { "Billing account" } th { "Name" } th { "Rating" } th { "Status" } th { "Market" } } }
                tbody {
                    @for b in &customer.billing_accounts {
                        tr {
                            td { (b.id) } td { (b.name) } td { (b.rating_type.as_str()) }
                            td class={ "state state-" (b.status) } { (b.status) } td { (b.market) }
                        }
                    }
                }
            }
        }
        h2 id="lines-title" { "Lines (" (customer.line_count) ")" }
        @if customer.lines.is_empty() {
            p id="no-lines" { "No lines." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-labelledby="lines-title" {
                table id="lines" aria-labelledby="lines-title" {
                    thead { tr {
                        th { "Number" } th { "Status" } th { "Plan" } th { "Features" }
                        th { "Device" } th { "SIM" } th { "Billing account" } th { "Offers" }
                    } }
                    tbody { @for line in &customer.lines { (line_row(line, &name, &base)) } }
                }
            }
            @if pages > 1 {
                nav aria-label="Pages of lines" class="pager" {
                    @if paging.page > 0 {
                        a href={ (base) "?page=" (paging.page - 1) } { "Previous lines" } " "
                    }
                    span { "Page " (paging.page + 1) " of " (pages) } " "
                    @if paging.page + 1 < pages {
                        a href={ (base) "?page=" (paging.page + 1) } { "Next lines" }
                    }
                }
            }
        }
    };
    Ok(page::layout(&agent, &a.name, Some(&CUSTOMERS), main))
}

fn line_row(line: &Subscriber, name: &dyn Fn(&str) -> String, base: &str) -> Markup {
    let status = line.status.as_str();
    html! {
        tr id={ "line-" (line.ctn) } {
            th scope="row" { (format_ctn(&line.ctn)) }
            td class={ "state state-" (status) } { (status)
                @if let Some(reason) = &line.status_reason { br; span class="muted" { (reason) } } }
            td { (name(&line.rate_plan.offering_id)) }
            td {
                @let live: Vec<_> = line.features.iter().filter(|f| f.status != FeatureStatus::Ended).collect();
                @if live.is_empty() { span class="muted" { "none" } }
                ul class="plain" {
                    @for f in live {
                        li { (name(&f.offering_id))
                            @if f.status == FeatureStatus::Scheduled { " (from " (f.effective_date.get(..10).unwrap_or("")) ")" } }
                    }
                }
            }
            td {
                @match &line.device {
                    None => span class="muted" { "none" },
                    Some(d) => {
                        @match &d.offering_id { Some(o) => (name(o)), None => "Own device" }
                        br; span class="muted" { @if !d.imei.is_empty() { "IMEI " (d.imei) } @if d.byod { " · brought in" }
                            @if d.network_block { " · blocked" } }
                    }
                }
            }
            td {
                @match &line.sim {
                    None => span class="muted" { "none" },
                    Some(s) => {
                        (if s.esim { "eSIM" } else { "Physical SIM" })
                        @if !s.iccid.is_empty() { br; span class="muted" { "ICCID " (s.iccid) } }
                    }
                }
            }
            td { (line.billing_account_id) }
            td {
                a href={ (base) "/offers?line=" (line.ctn) "&relatedProductOfferingId="
                    (super::seg(&line.rate_plan.offering_id)) }
                    aria-label={ "Offers for line " (format_ctn(&line.ctn)) } { "Offers" }
            }
        }
    }
}

/// A 10-digit number as people read it: 469-000-2221.
pub(super) fn format_ctn(ctn: &str) -> String {
    if ctn.len() == 10 && ctn.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &ctn[..3], &ctn[3..6], &ctn[6..])
    } else {
        ctn.to_string()
    }
}
