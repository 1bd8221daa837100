//! Orders of every family by state and day, newest first, a page at a time
//! (`omni_app::operations::list_orders`, which reads by search keys). The
//! filter is a GET form, so a filtered list is a link an operator can share.

use super::{PageQuery, link, pager, when};
use crate::page::{Problems, Refusal};
use crate::session::Agent;
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::operations::{self, OrderFamily, OrderPage, OrderQuery};

/// Orders shown at once.
const PAGE: u64 = 20;

pub async fn section(
    state: &AppState,
    agent: &Agent,
    query: &PageQuery,
) -> Result<Markup, Refusal> {
    let asked = OrderQuery {
        family: query.family.clone(),
        state: query.state.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
        offset: query.offset,
        limit: Some(PAGE),
    };
    // A filter the use case refuses is shown next to its field; the rest
    // of the page still works.
    let (page, problems) = match operations::list_orders(&state.ctx, &agent.principal, &asked).await
    {
        Ok(page) => (Some(page), Problems::none()),
        Err(e @ omni_app::AppError::Invalid(_)) => (None, Problems::from(e)),
        Err(e) => return Err(e.into()),
    };
    let family = query
        .family
        .as_deref()
        .and_then(OrderFamily::parse)
        .unwrap_or(OrderFamily::Partner);
    Ok(html! {
        section id="orders" aria-labelledby="orders-title" {
            h2 id="orders-title" { "Orders" }
            (filter_form(query, family, &problems))
            @if let Some(page) = page { (table(query, &page)) }
        }
    })
}

fn filter_form(query: &PageQuery, family: OrderFamily, problems: &Problems) -> Markup {
    let chosen = query.state.as_deref().unwrap_or("");
    let invalid = |field: &str| problems.rule(field).map(|_| "true");
    let described = |field: &str, id: &str| problems.rule(field).map(|_| format!("{id}-error"));
    html! {
        form id="orders-filter" method="get" action="/console/operations" class="row" {
            div class="field" {
                label for="family" { "Family" }
                select id="family" name="family" aria-invalid=[invalid("family")]
                    aria-describedby=[described("family", "family")] {
                    @for f in OrderFamily::ALL {
                        option value=(f.as_str()) selected[f == family] { (family_name(f)) }
                    }
                }
                (problems.at("family", "family"))
            }
            div class="field" {
                label for="state" { "State" }
                select id="state" name="state" aria-invalid=[invalid("state")]
                    aria-describedby=[described("state", "state").or(Some("state-hint".into()))] {
                    option value="" selected[chosen.is_empty()] { "Any state" }
                    @for s in family.states() {
                        option value=(s) selected[s == chosen] { (s) }
                    }
                    @if !chosen.is_empty() && !family.states().contains(&chosen) {
                        option value=(chosen) selected { (chosen) }
                    }
                }
                (problems.at("state", "state"))
            }
            div class="field" {
                label for="from" { "Placed from (UTC day)" }
                input type="date" id="from" name="from" value=[query.from.as_deref()]
                    aria-invalid=[invalid("from")] aria-describedby=[described("from", "from")];
                (problems.at("from", "from"))
            }
            div class="field" {
                label for="to" { "Placed until (UTC day, included)" }
                input type="date" id="to" name="to" value=[query.to.as_deref()]
                    aria-invalid=[invalid("to")] aria-describedby=[described("to", "to")];
                (problems.at("to", "to"))
            }
            div class="field" {
                button type="submit" { "Show" }
            }
        }
        p id="state-hint" class="muted" { "States are those of the family shown: choose another family and press Show to list its states." }
    }
}

fn family_name(family: OrderFamily) -> &'static str {
    match family {
        OrderFamily::Partner => "Partner orders",
        OrderFamily::Product => "Product orders (TMF622)",
        OrderFamily::Care => "Care orders",
    }
}

fn table(query: &PageQuery, page: &OrderPage) -> Markup {
    let (customer, source) = match page.family {
        OrderFamily::Partner => ("Customer", "Channel"),
        OrderFamily::Product => ("Customer", "External id"),
        OrderFamily::Care => ("Foundation account", "Care client"),
    };
    let to = |offset: u64| {
        link(&[
            ("family", page.family.as_str().to_string()),
            ("state", query.state.clone().unwrap_or_default()),
            ("from", query.from.clone().unwrap_or_default()),
            ("to", query.to.clone().unwrap_or_default()),
            ("offset", offset.to_string()),
        ]) + "#orders"
    };
    html! {
        @if page.rows.is_empty() {
            p id="orders-empty" { "No " (family_name(page.family).to_lowercase()) " match." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-label="Orders table" {
                table id="orders-table" {
                    caption { (family_name(page.family)) ", newest first" }
                    thead {
                        tr {
                            th scope="col" { "Order" }
                            th scope="col" { "State" }
                            th scope="col" { "Placed (UTC)" }
                            th scope="col" { "Changed (UTC)" }
                            th scope="col" { (customer) }
                            th scope="col" { (source) }
                            th scope="col" { "Reason" }
                        }
                    }
                    tbody {
                        @for row in &page.rows {
                            tr {
                                th scope="row" { code { (row.id) } }
                                td class={ "state state-" (row.state) } { (row.state) }
                                td { (when(&row.placed_at)) }
                                td { (when(&row.updated_at)) }
                                td { (row.customer.as_deref().unwrap_or("")) }
                                td { (row.source.as_deref().unwrap_or("")) }
                                td { (row.reason.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        (pager("Pages of orders", page.offset, page.limit, page.rows.len(), Some(page.total), to))
    }
}
