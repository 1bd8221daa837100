//! The catalog manager's screens (issue 15, "Catalog manager"):
//!
//! ```text
//! /console/catalog                 offerings: search by name, status, category, type; pages
//!   /offerings/new, /offerings/{id}  create, edit, lifecycle status, the prices it lists, add one
//!   /prices/{id}                   edit a price (amount, tiers, validity), lifecycle status
//!   /promotions[/{id}|/new]        TMF671 promotions: fields, criteria and actions as JSON
//!   /rules[/{id}|/new]             cart validation rule sets: fields, rules as JSON
//!   /preview                       what Product Discovery answers for a channel and customer
//!                                  type, and the price of a new cart with the offers checked
//! ```
//!
//! Every read and write is the API's own use case (`omni_app::tmf` over the
//! resource tables of `omni_app::{catalog, promotion, rules}`,
//! `omni_app::discovery::search`, `omni_app::cart::quote`) called with the
//! signed-in principal, so the roles, the checks and the error messages are
//! the API's. Each part needs its own role: offerings and prices
//! `catalog.admin`, promotions `promotion.admin`, rule sets `tenant.admin`;
//! the preview is open to all three (discovery itself is open to anyone).

mod documents;
mod form;
mod offerings;
mod preview;
mod prices;

use super::CATALOG;
use crate::page::{self, Problems, Refusal};
use crate::session::Agent;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use form::{
    errors_inside, given, list_query, number_or_text, or_null, pager, saved_notice, scalar,
    select_field, status_form, text, text_field, valid_for,
};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::tmf::{self, TmfResource};
use serde::Deserialize;

/// Offerings and prices (TMF620 writes).
const OFFERING_ROLES: &[&str] = &[omni_app::catalog::WRITE_ROLE];
/// Promotions (TMF671 writes).
const PROMOTION_ROLES: &[&str] = &[omni_app::promotion::WRITE_ROLE];
/// Cart validation rule sets.
const RULE_ROLES: &[&str] = &[omni_app::rules::ROLE];

/// Rows per page of every list here.
const PAGE_SIZE: usize = 20;

/// Sales channels the demo catalog and discovery know, with the names the
/// catalog gives them.
const CHANNELS: &[(&str, &str)] = &[
    ("ECOMM", "Online store"),
    ("ATTR", "Retail store"),
    ("SelfService", "Self-service app"),
];

/// TMF620 lifecycle states offered in the status lists (the attribute is
/// free text; a state a document holds that is not here is listed too).
const CATALOG_STATUSES: &[&str] = &[
    "In study",
    "In design",
    "In test",
    "Active",
    "Launched",
    "Retired",
    "Obsolete",
    "Rejected",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(index))
        .route("/catalog/offerings", post(offerings::create))
        .route("/catalog/offerings/new", get(offerings::new_page))
        .route(
            "/catalog/offerings/{id}",
            get(offerings::page).post(offerings::save),
        )
        .route("/catalog/offerings/{id}/status", post(offerings::status))
        .route("/catalog/offerings/{id}/prices", post(offerings::add_price))
        .route("/catalog/prices/{id}", get(prices::page).post(prices::save))
        .route("/catalog/prices/{id}/status", post(prices::status))
        .merge(documents::routes())
        .route("/catalog/preview", get(preview::page))
}

/// The TMF620 resource `kind` as the API serves it.
fn catalog_resource(kind: &str) -> Result<TmfResource, Refusal> {
    omni_app::catalog::resources()
        .find(|r| r.spec.kind == kind)
        .ok_or(Refusal::NotFound)
}

/// The catalog's own navigation: the parts this user's roles open.
fn subnav(agent: &Agent, current: &str) -> Markup {
    let parts: [(&str, &str, &[&str]); 4] = [
        ("/console/catalog", "Offerings", OFFERING_ROLES),
        ("/console/catalog/promotions", "Promotions", PROMOTION_ROLES),
        ("/console/catalog/rules", "Cart rules", RULE_ROLES),
        (
            "/console/catalog/preview",
            "Discovery preview",
            CATALOG.roles,
        ),
    ];
    html! {
        nav class="subnav" aria-label="Catalog" {
            ul {
                @for (path, title, roles) in parts {
                    @if agent.has_any(roles) {
                        li { a href=(path) aria-current=[(path == current).then_some("page")] { (title) } }
                    }
                }
            }
        }
    }
}

/// A page of the catalog screen.
fn layout(agent: &Agent, title: &str, current: &str, main: Markup) -> Markup {
    page::layout(
        agent,
        title,
        Some(&CATALOG),
        html! { div class="catalog" { (subnav(agent, current)) (main) } },
    )
}

#[derive(Deserialize, Default)]
struct OfferingSearch {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default, rename = "type")]
    offering_type: String,
    #[serde(default)]
    page: Option<usize>,
}

/// Categories a search may name (the demo catalog's roots and children).
const CATEGORIES: &[&str] = &[
    "Mobile_Offers",
    "Mobile_Devices",
    "Mobile_Phones",
    "Mobile_Tablets",
    "Mobile_Wearables",
    "Mobile_Hotspots",
    "SIM_Cards",
    "Mobile_Addons",
    "Mobile_Accessories",
    "BB_Plans",
    "WBB_Plans",
];

/// Offering types of the demo catalog (`productOfferingType`).
const OFFERING_TYPES: &[&str] = &[
    "Mobile_Offer",
    "Mobile_Device",
    "SIM",
    "Mobile_Addon",
    "Mobile_Accessory",
    "BB_Plan",
    "BB_Offer",
    "WBB_Plan",
    "WBB_Offer",
    "Rented_Equipment",
];

/// `GET /console/catalog`: the offerings, searched and paged, for a catalog
/// administrator; the other roles see what they may open.
async fn index(
    State(state): State<AppState>,
    agent: Agent,
    Query(search): Query<OfferingSearch>,
) -> Result<Markup, Refusal> {
    agent.require_any(CATALOG.roles)?;
    if !agent.has_any(OFFERING_ROLES) {
        let main = html! {
            h1 { "Catalog" }
            p { "Offerings and prices need the role catalog.admin. Your roles open:" }
            ul {
                @if agent.has_any(PROMOTION_ROLES) { li { a href="/console/catalog/promotions" { "Promotions" } } }
                @if agent.has_any(RULE_ROLES) { li { a href="/console/catalog/rules" { "Cart rules" } } }
                li { a href="/console/catalog/preview" { "Discovery preview" } }
            }
        };
        return Ok(layout(&agent, "Catalog", "/console/catalog", main));
    }
    let page = search.page.unwrap_or(1).max(1);
    let mut filters: Vec<(&str, String)> = Vec::new();
    // A name search is a prefix: TMF630 has no "contains", and a range from
    // the text to the text followed by the last character finds every name
    // that starts with it (a comma would split the value into a list).
    let q = search.q.trim().replace(',', " ");
    if !q.is_empty() {
        filters.push(("name.gte", q.clone()));
        filters.push(("name.lte", format!("{q}\u{10FFFF}")));
    }
    for (name, value) in [
        ("lifecycleStatus", &search.status),
        ("category.id", &search.category),
        ("productOfferingType", &search.offering_type),
    ] {
        if !value.is_empty() {
            filters.push((name, value.clone()));
        }
    }
    let res = catalog_resource("productOffering")?;
    // Unfiltered, the database pages the offerings in the order they were
    // made (one page read); a search reads the candidates and sorts them
    // by name (TMF630 lists of catalog kinds are not indexed: bounded by
    // the list's scan limit, refused with a message past it).
    let sort = if filters.is_empty() { "" } else { "name" };
    let found = match list_query(
        page,
        &filters,
        "id,name,lifecycleStatus,productOfferingType,lastUpdate",
        sort,
    ) {
        Ok(query) => tmf::list(&state.ctx, &res, &agent.principal, &query)
            .await
            .map_err(Problems::from),
        Err(p) => Err(p),
    };
    let statuses: Vec<(&str, &str)> = std::iter::once(("", "Any"))
        .chain(CATALOG_STATUSES.iter().map(|s| (*s, *s)))
        .collect();
    let categories: Vec<(&str, &str)> = std::iter::once(("", "Any"))
        .chain(CATEGORIES.iter().map(|s| (*s, *s)))
        .collect();
    let types: Vec<(&str, &str)> = std::iter::once(("", "Any"))
        .chain(OFFERING_TYPES.iter().map(|s| (*s, *s)))
        .collect();
    let none = Problems::none();
    let main = html! {
        h1 { "Offerings" }
        p { a class="button" href="/console/catalog/offerings/new" { "New offering" } }
        form id="offering-search" method="get" action="/console/catalog" class="row" role="search" {
            (text_field(&none, "q", "search-q", "Name starts with", &search.q, None))
            (select_field(&none, "status", "search-status", "Lifecycle status", &statuses, &search.status))
            (select_field(&none, "category", "search-category", "Category", &categories, &search.category))
            (select_field(&none, "type", "search-type", "Offering type", &types, &search.offering_type))
            div class="field" { button type="submit" { "Search" } }
        }
        @match &found {
            Err(problems) => { (problems.summary()) }
            Ok(found) => {
                @if found.items.is_empty() {
                    p id="no-offerings" { "No offering matches." }
                } @else {
                    div class="table-wrap" {
                        table id="offerings" {
                            caption class="muted" { @if sort.is_empty() { "Offerings, in the order they were made" } @else { "Offerings, by name" } }
                            thead { tr { th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Status" } th scope="col" { "Id" } th scope="col" { "Last change" } } }
                            tbody {
                                @for o in &found.items {
                                    tr {
                                        td { a href={ "/console/catalog/offerings/" (text(o, "/id")) } { (text(o, "/name")) } }
                                        td { (text(o, "/productOfferingType")) }
                                        td { (text(o, "/lifecycleStatus")) }
                                        td { code { (text(o, "/id")) } }
                                        td { (text(o, "/lastUpdate")) }
                                    }
                                }
                            }
                        }
                    }
                }
                (pager("/console/catalog", &[("q", &search.q), ("status", &search.status), ("category", &search.category), ("type", &search.offering_type)], page, found.total))
            }
        }
    };
    Ok(layout(&agent, "Offerings", "/console/catalog", main))
}
