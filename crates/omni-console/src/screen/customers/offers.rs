//! Offers for a customer: a Product Discovery search with its own filters
//! (`omni_app::discovery::search`, the parameters of the Product Discovery
//! API), and for each offer the customer may not buy, the reasons the
//! eligibility rule gives (`omni_app::customers::reasons`, the rule carts
//! apply). With a cart, eligible offers can be added to it; with a cart
//! item too, the search answers the add-ons that fit that item's plan.

use super::cart::cart_path;
use super::{CUSTOMERS, STORE_CHANNEL, customer_path, seg, text};
use crate::page::{self, Problems, Refusal, csrf};
use crate::session::Agent;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::{customers, discovery};
use omni_core::discovery::DiscoveryHeaders;
use serde::Deserialize;
use serde_json::Value;

/// Offers per page.
const PAGE: usize = 10;
/// Who the console is to Product Discovery (its required headers).
const CLIENT: &str = "omni-console";

/// Offer types an agent filters on (`productOfferingType`), with the
/// names shown.
const TYPES: [(&str, &str); 6] = [
    ("", "Every type"),
    ("Mobile_Device", "Phones and devices"),
    ("Mobile_Offer", "Plans"),
    ("SIM", "SIM cards"),
    ("Mobile_Addon", "Add-ons"),
    ("Mobile_Accessory", "Accessories"),
];
/// Top categories of the mobile catalog (`categoryName`).
const CATEGORIES: [(&str, &str); 5] = [
    ("", "Every category"),
    ("Mobile_Devices", "Mobile devices"),
    ("Mobile_Offers", "Mobile plans"),
    ("Mobile_Addons", "Mobile add-ons"),
    ("Mobile_Accessories", "Mobile accessories"),
];
const CHANNELS: [(&str, &str); 3] = [
    (STORE_CHANNEL, "Retail store"),
    ("ECOMM", "Online store"),
    ("SelfService", "Self-service app"),
];

#[derive(Deserialize, Default)]
pub(super) struct Filters {
    #[serde(default)]
    cart: Option<String>,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default, rename = "categoryName")]
    category: Option<String>,
    #[serde(default, rename = "productOfferingType")]
    kind: Option<String>,
    #[serde(default, rename = "paymentOption")]
    payment: Option<String>,
    /// Offers related to this offering (an existing line's plan: the plans
    /// it may swap to, its SIMs), as discovery's `relatedProductOfferingId`.
    #[serde(default, rename = "relatedProductOfferingId")]
    related: Option<String>,
    /// The line whose plan `related` is, for the heading.
    #[serde(default)]
    line: Option<String>,
    #[serde(default)]
    page: usize,
}

fn some(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

pub(super) async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path(account): Path<String>,
    Query(f): Query<Filters>,
) -> Result<Response, Refusal> {
    agent.require_any(CUSTOMERS.roles)?;
    let customer = customers::customer(&state.ctx, &agent.principal, &account, 0).await?;
    let channel = some(&f.channel).unwrap_or(STORE_CHANNEL).to_string();
    let mut pairs: Vec<(String, String)> = vec![
        ("channel".into(), channel.clone()),
        ("limit".into(), PAGE.to_string()),
        ("offset".into(), f.page.to_string()),
    ];
    if let Some(c) = some(&f.category) {
        pairs.push(("categoryName".into(), c.into()));
    }
    if let Some(k) = some(&f.kind) {
        pairs.push(("productOfferingType".into(), k.into()));
    }
    if let Some(p) = some(&f.payment) {
        pairs.push(("paymentOption".into(), p.into()));
    }
    if let Some(r) = some(&f.related) {
        pairs.push(("relatedProductOfferingId".into(), r.into()));
    }
    if let (Some(cart), Some(item)) = (some(&f.cart), some(&f.item)) {
        pairs.push(("cartId".into(), cart.into()));
        pairs.push(("productOrderItemId".into(), item.into()));
    }
    let headers = DiscoveryHeaders {
        client_id: Some(CLIENT.into()),
        app_name: Some(CLIENT.into()),
        context: Vec::new(),
    };
    let (offers, total, problems) =
        match discovery::search(&state.ctx, &agent.principal, &pairs, &headers).await {
            Ok(found) => {
                let list: Vec<Value> = serde_json::from_str(&found.body).unwrap_or_default();
                (list, found.total, Problems::none())
            }
            Err(e) => (Vec::new(), 0, Problems::from(e)),
        };
    let ids: Vec<String> = offers.iter().map(|o| text(o, "/id").to_string()).collect();
    let reasons = customers::reasons(
        &state.ctx,
        &agent.principal,
        customer.party_id.as_deref(),
        &channel,
        &ids,
    )
    .await?;
    let cart = some(&f.cart);
    let active_bans: Vec<_> = customer
        .billing_accounts
        .iter()
        .filter(|b| b.status == "active")
        .collect();
    let pages = total.div_ceil(PAGE);
    let link_to = |page: usize| {
        let mut q: Vec<(&str, String)> = vec![("channel", channel.clone())];
        for (k, v) in [
            ("cart", &f.cart),
            ("item", &f.item),
            ("categoryName", &f.category),
            ("productOfferingType", &f.kind),
            ("paymentOption", &f.payment),
        ] {
            if let Some(v) = some(v) {
                q.push((k, v.to_string()));
            }
        }
        q.push(("page", page.to_string()));
        let query = serde_urlencoded::to_string(&q).unwrap_or_default();
        format!("{}/offers?{query}", customer_path(&account))
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let main = html! {
        p {
            @if let Some(cart) = cart {
                a href=(cart_path(&account, cart)) { "← Back to the cart" }
            } @else {
                a href=(customer_path(&account)) { "← Back to the customer" }
            }
        }
        h1 { "Offers for " (customer.account.name) }
        @if let Some(line) = some(&f.line) {
            p id="for-line" { "Offers related to the plan of line " (super::customer::format_ctn(line)) "." }
        }
        @if some(&f.item).is_some() {
            p class="muted" { "Add-ons that fit cart item " (f.item.as_deref().unwrap_or("")) "’s plan and are not in the cart yet." }
        }
        (problems.summary())
        form id="filters" method="get" action={ (customer_path(&account)) "/offers" } {
            @if let Some(cart) = cart { input type="hidden" name="cart" value=(cart); }
            @if let Some(item) = some(&f.item) { input type="hidden" name="item" value=(item); }
            @if let Some(r) = some(&f.related) { input type="hidden" name="relatedProductOfferingId" value=(r); }
            @if let Some(line) = some(&f.line) { input type="hidden" name="line" value=(line); }
            div class="row" {
                div class="field" {
                    label for="channel" { "Channel" }
                    select id="channel" name="channel" {
                        @for (id, name) in CHANNELS { option value=(id) selected[id == channel] { (name) } }
                    }
                    (problems.at("channel", "channel"))
                }
                div class="field" {
                    label for="productOfferingType" { "Type" }
                    select id="productOfferingType" name="productOfferingType" {
                        @for (id, name) in TYPES { option value=(id) selected[Some(id) == some(&f.kind).or(Some(""))] { (name) } }
                    }
                    (problems.at("productOfferingType", "productOfferingType"))
                }
                div class="field" {
                    label for="categoryName" { "Category" }
                    select id="categoryName" name="categoryName" {
                        @for (id, name) in CATEGORIES { option value=(id) selected[Some(id) == some(&f.category).or(Some(""))] { (name) } }
                    }
                    (problems.at("categoryName", "categoryName"))
                }
                div class="field" {
                    label for="paymentOption" { "Device prices" }
                    select id="paymentOption" name="paymentOption" {
                        option value="" selected[some(&f.payment).is_none()] { "As the offer shows them" }
                        option value="installment" selected[some(&f.payment) == Some("installment")] { "In installments" }
                        option value="full" selected[some(&f.payment) == Some("full")] { "In full" }
                    }
                    (problems.at("paymentOption", "paymentOption"))
                }
                div class="field" { button type="submit" { "Search" } }
            }
        }
        p id="offer-count" { (total) " offers" @if pages > 1 { " · page " (f.page + 1) " of " (pages) } }
        div class="table-wrap" tabindex="0" role="region" aria-labelledby="offer-count" {
            table id="offers" {
                caption class="sr-only" { "Offers" }
                thead { tr { th { "Offer" } th { "Prices" } th { "Eligibility" } @if cart.is_some() { th { "Add to cart" } } } }
                tbody {
                    @for (offer, (id, why)) in offers.iter().zip(&reasons) {
                        @let kind = text(offer, "/productOfferingType");
                        tr id={ "offer-" (id) } {
                            th scope="row" { (text(offer, "/name")) br; span class="muted" { (kind) " · " code { (id) } } }
                            td { (offer_prices(offer)) }
                            td {
                                @if why.is_empty() {
                                    span class="state state-active" { "Eligible" }
                                } @else {
                                    span class="state state-failed" { "Not eligible" }
                                    ul class="plain reasons" {
                                        @for r in why { li { (r.label) " " span class="muted" { "(" (r.code) ")" } } }
                                    }
                                }
                            }
                            @if let Some(cart) = cart {
                                td {
                                    @if why.is_empty() {
                                        (add_form(&agent, &account, cart, (id, text(offer, "/name")), kind, some(&f.payment), &active_bans))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if pages > 1 {
            nav aria-label="Pages of offers" class="pager" {
                @if f.page > 0 { a href=(link_to(f.page - 1)) { "Previous offers" } " " }
                @if f.page + 1 < pages { a href=(link_to(f.page + 1)) { "Next offers" } }
            }
        }
    };
    Ok((
        status,
        page::layout(&agent, "Offers", Some(&CUSTOMERS), main),
    )
        .into_response())
}

fn add_form(
    agent: &Agent,
    account: &str,
    cart: &str,
    (offering, name): (&str, &str),
    kind: &str,
    payment: Option<&str>,
    bans: &[&omni_core::inventory::BillingAccount],
) -> Markup {
    let field = |name: &str| format!("{name}-{}", seg(offering));
    html! {
        form method="post" action={ (cart_path(account, cart)) "/items" } {
            (csrf(agent))
            input type="hidden" name="offering" value=(offering);
            @if kind == "Mobile_Device" {
                label for=(field("payment")) { "Pay" } " "
                select id=(field("payment")) name="payment" {
                    option value="installment" selected[payment != Some("full")] { "in installments" }
                    option value="full" selected[payment == Some("full")] { "in full today" }
                }
                " "
            }
            @if kind == "Mobile_Offer" && !bans.is_empty() {
                label for=(field("ban")) { "Billing account" } " "
                select id=(field("ban")) name="billing_account" {
                    @for b in bans { option value=(b.id) { (b.id) " · " (b.rating_type.as_str()) } }
                }
                " "
            }
            button type="submit" aria-label={ "Add " (name) " to the cart" } { "Add" }
        }
    }
}

/// The offer's totals as discovery prices them (installments when the
/// search asked for them).
fn offer_prices(offer: &Value) -> Markup {
    let list = offer
        .get("productOfferingTotalPrice")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    html! {
        ul class="plain prices" {
            @for p in &list {
                li {
                    (match (text(p, "/priceType"), text(p, "/recurringChargePeriod")) {
                        ("oneTime", _) => "One-time".to_string(),
                        ("recurring", "month") => "Monthly".to_string(),
                        ("installment", _) => "Installments, monthly".to_string(),
                        (kind, "") => kind.to_string(),
                        (kind, period) => format!("{kind} per {period}"),
                    })
                    ": " strong { (text(p, "/price/value")) " " (text(p, "/price/unit")) }
                }
            }
        }
    }
}
