//! What Product Discovery answers for a channel and a customer type, as the
//! catalog now stands, and what a new cart holding the offers checked would
//! cost: `omni_app::discovery::search` and `omni_app::cart::quote`, the
//! functions the discovery and shopping cart APIs call, so the figures are
//! the ones a buyer would get.
//!
//! Each node rebuilds its discovery index within a poll of a catalog change.
//! Until this node's index has the latest catalog version, the answer says
//! so and names a refresh interval (`data-refresh-ms`): the console's script
//! fetches the page again until the answer is current.

use super::offerings::urlencode;
use super::{CATALOG, CHANNELS, PAGE_SIZE, layout, scalar, select_field, text, text_field};
use crate::page::{Problems, Refusal, money};
use crate::session::Agent;
use axum::extract::{RawQuery, State};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::discovery::{self, IndexFreshness};
use omni_core::discovery::DiscoveryHeaders;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

/// How often a page whose index is behind asks again, in milliseconds.
const REFRESH_MS: u32 = 500;

/// Most offers a preview cart holds.
const MAX_CART_ITEMS: usize = 10;

const CUSTOMER_TYPES: &[(&str, &str)] = &[
    ("", "Any (a prospect)"),
    ("Consumer", "Consumer"),
    ("Business", "Business"),
    ("IRU", "IRU (individual liable user)"),
    ("CRU", "CRU (corporate liable user)"),
];

const CATEGORIES: &[(&str, &str)] = &[
    ("Mobile_Offers", "Mobile plans (Mobile_Offers)"),
    (
        "Mobile_Devices",
        "Devices (Mobile_Devices; needs an offering id)",
    ),
    ("Mobile_Addons", "Add-ons (Mobile_Addons)"),
    ("Mobile_Accessories", "Accessories (Mobile_Accessories)"),
    ("BB_Plans", "Fiber (BB_Plans)"),
    ("WBB_Plans", "Fixed wireless (WBB_Plans; needs an address)"),
    ("", "Any category"),
];

const PAYMENT_TYPES: &[(&str, &str)] = &[
    ("", "Any"),
    ("Postpaid", "Postpaid"),
    ("Prepaid", "Prepaid"),
];

/// The preview's parameters, from the query string (`item` repeats).
struct Params {
    channel: String,
    customer_type: String,
    category: String,
    payment_type: String,
    offering_id: String,
    address: String,
    page: usize,
    items: Vec<String>,
}

impl Params {
    fn read(raw: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
        };
        Self {
            channel: get("channel").unwrap_or_else(|| "ECOMM".into()),
            customer_type: get("customerType").unwrap_or_default(),
            category: get("categoryName").unwrap_or_else(|| {
                // An offering named alone is looked for in every category.
                if get("productOfferingId").is_some() {
                    String::new()
                } else {
                    "Mobile_Offers".into()
                }
            }),
            payment_type: get("paymentType").unwrap_or_default(),
            offering_id: get("productOfferingId").unwrap_or_default(),
            address: get("serviceAddressId").unwrap_or_default(),
            page: get("page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1usize)
                .max(1),
            items: pairs
                .iter()
                .filter(|(k, v)| k == "item" && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
                .take(MAX_CART_ITEMS)
                .collect(),
        }
    }

    /// Discovery's query parameters.
    fn discovery_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("channel".to_string(), self.channel.clone()),
            ("limit".to_string(), PAGE_SIZE.to_string()),
            // Discovery's offset is a page number, from 0.
            ("offset".to_string(), (self.page - 1).to_string()),
        ];
        for (name, value) in [
            ("customerType", &self.customer_type),
            ("categoryName", &self.category),
            ("paymentType", &self.payment_type),
            ("productOfferingId", &self.offering_id),
            ("serviceAddressId", &self.address),
        ] {
            if !value.is_empty() {
                pairs.push((name.to_string(), value.clone()));
            }
        }
        pairs
    }

    /// This page's address with another page number.
    fn link(&self, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("channel", &self.channel),
            ("customerType", &self.customer_type),
            ("categoryName", &self.category),
            ("paymentType", &self.payment_type),
            ("productOfferingId", &self.offering_id),
            ("serviceAddressId", &self.address),
        ] {
            s.append_pair(k, v);
        }
        for item in &self.items {
            s.append_pair("item", item);
        }
        s.append_pair("page", &page.to_string());
        format!("/console/catalog/preview?{}", s.finish())
    }
}

/// The discovery client the console is, in the headers discovery requires.
fn headers() -> DiscoveryHeaders {
    DiscoveryHeaders {
        client_id: Some("omni-console".into()),
        app_name: Some("catalog-preview".into()),
        context: Vec::new(),
    }
}

/// `GET /console/catalog/preview`.
pub(super) async fn page(
    State(state): State<AppState>,
    agent: Agent,
    RawQuery(raw): RawQuery,
) -> Result<Markup, Refusal> {
    agent.require_any(CATALOG.roles)?;
    let params = Params::read(raw.as_deref());
    let ctx = &state.ctx;
    let freshness = discovery::freshness(ctx, &agent.principal).await?;
    let pairs = params.discovery_pairs();
    let offers = discovery::search(ctx, &agent.principal, &pairs, &headers())
        .await
        .map_err(Problems::from)
        .and_then(|o| {
            serde_json::from_str::<Vec<Value>>(&o.body)
                .map(|items| (items, o.total))
                .map_err(|e| Problems {
                    message: Some(format!("discovery's answer could not be read: {e}")),
                    fields: Vec::new(),
                })
        });
    let quote = if params.items.is_empty() {
        None
    } else {
        let items: Vec<Value> = params
            .items
            .iter()
            .enumerate()
            .map(|(n, id)| json!({"id": (n + 1).to_string(), "action": "add", "quantity": 1, "productOffering": {"id": id}}))
            .collect();
        Some(
            omni_app::cart::quote(
                ctx,
                &agent.principal,
                &params.channel,
                Some(params.customer_type.as_str()).filter(|t| !t.is_empty()),
                json!({"cartItem": items}),
            )
            .await
            .map_err(Problems::from),
        )
    };
    let problems = offers.as_ref().err();
    let none = Problems::none();
    let p = problems.unwrap_or(&none);
    let channels: Vec<(&str, &str)> = CHANNELS.iter().map(|(id, name)| (*id, *name)).collect();
    let main = html! {
        h1 { "Discovery preview" }
        p { "What Product Discovery answers buyers in a channel, and what a new cart with the offers you check costs, from the catalog as it now is." }
        form id="preview-form" method="get" action="/console/catalog/preview" {
            fieldset class="row" {
                legend { "Who asks" }
                (select_field(p, "channel", "pv-channel", "Channel", &channels, &params.channel))
                (select_field(p, "customerType", "pv-customer-type", "Customer type", CUSTOMER_TYPES, &params.customer_type))
                (select_field(p, "categoryName", "pv-category", "Category", CATEGORIES, &params.category))
                (select_field(p, "paymentType", "pv-payment", "Payment type", PAYMENT_TYPES, &params.payment_type))
                (text_field(p, "productOfferingId", "pv-offering", "Offering id", &params.offering_id, None))
                (text_field(p, "serviceAddressId", "pv-address", "Service address id", &params.address, None))
                div class="field" { button type="submit" id="show-offers" { "Show offers" } }
            }
            (answer(&agent, &params, freshness, &offers, quote.as_ref()))
        }
    };
    Ok(layout(
        &agent,
        "Discovery preview",
        "/console/catalog/preview",
        main,
    ))
}

/// The part the script refreshes while the index is behind.
fn answer(
    agent: &Agent,
    params: &Params,
    freshness: IndexFreshness,
    offers: &Result<(Vec<Value>, usize), Problems>,
    quote: Option<&Result<Value, Problems>>,
) -> Markup {
    let current = freshness.is_current();
    let refresh = (!current).then_some(REFRESH_MS);
    let catalog_links = agent.has_any(super::OFFERING_ROLES);
    html! {
        div id="discovery-answer" data-refresh-ms=[refresh] aria-live="polite" {
            @if current {
                p id="index-state" class="muted" data-current="true" {
                    "Discovery answers from the latest catalog (version " (freshness.catalog_version) ")."
                }
            } @else {
                p id="index-state" class="notice" data-current="false" role="status" {
                    "Discovery is taking in the latest catalog change (index at version " (freshness.index_version)
                    ", catalog at " (freshness.catalog_version) "); this answer updates by itself in a moment."
                }
            }
            @match offers {
                Err(problems) => { (problems.summary()) }
                Ok((items, total)) => {
                    h2 id="offers-h" { (total) @if *total == 1 { " offer" } @else { " offers" } }
                    @if items.is_empty() {
                        p id="no-offers" { "Discovery answers no offer to these parameters." }
                    } @else {
                        div class="table-wrap" {
                            table id="offers" aria-labelledby="offers-h" {
                                thead { tr {
                                    th scope="col" { "In the cart" } th scope="col" { "Offer" } th scope="col" { "Type" }
                                    th scope="col" { "Prices" } th scope="col" { "Totals (promotions applied)" }
                                } }
                                tbody {
                                    @for (n, o) in items.iter().enumerate() {
                                        @let id = text(o, "/id");
                                        tr data-offer-id=(id) {
                                            td { input type="checkbox" name="item" value=(id) id={ "item-" (n) }
                                                checked[params.items.iter().any(|i| i == id)]
                                                aria-label={ "Put " (text(o, "/name")) " in the cart" }; }
                                            td {
                                                @if catalog_links && !id.is_empty() {
                                                    a href={ "/console/catalog/offerings/" (urlencode(id)) } { (text(o, "/name")) }
                                                } @else { (text(o, "/name")) }
                                            }
                                            td { (text(o, "/productOfferingType")) }
                                            td { (offer_prices(o)) }
                                            td class="totals-cell" { (offer_totals(o)) }
                                        }
                                    }
                                }
                            }
                        }
                        nav class="pager" aria-label="Pages" {
                            @if params.page > 1 { a href=(params.link(params.page - 1)) rel="prev" { "Previous page" } }
                            span { "Page " (params.page) " of " (total.div_ceil(PAGE_SIZE).max(1)) }
                            @if params.page * PAGE_SIZE < *total { a href=(params.link(params.page + 1)) rel="next" { "Next page" } }
                        }
                    }
                    p { button type="submit" id="price-cart" class="secondary" { "Price a new cart with the checked offers" } }
                }
            }
            @if let Some(quote) = quote {
                section id="cart-quote" class="card" aria-labelledby="quote-h" {
                    h2 id="quote-h" { "A new cart in " (params.channel)
                        @if !params.customer_type.is_empty() { " for a " (params.customer_type) " customer" } }
                    p class="muted" { "Built as the shopping cart API builds a new cart (eligibility, cart rules, prices, promotions) for a buyer of the customer type chosen above, or a prospect; nothing is stored." }
                    (quote_view(quote))
                }
            }
        }
    }
}

/// An offer's prices: name, amount, type.
fn offer_prices(o: &Value) -> Markup {
    let prices = o
        .get("productOfferingPrice")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    html! {
        ul class="plain" {
            @for p in &prices {
                li { (text(p, "/name")) ": " span class="amount" { (amount(p, "/price/value", "/price/unit")) } " " span class="muted" { (text(p, "/priceType")) } }
            }
        }
    }
}

/// An offer's totals, with the promotions that change them.
fn offer_totals(o: &Value) -> Markup {
    let totals = o
        .get("productOfferingTotalPrice")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    html! {
        ul class="plain" {
            @for t in &totals {
                li {
                    (text(t, "/priceType"))
                    @if !text(t, "/recurringChargePeriod").is_empty() { " / " (text(t, "/recurringChargePeriod")) }
                    ": " strong class="amount" { (amount(t, "/price/value", "/price/unit")) }
                    @for a in t.get("priceAlteration").and_then(Value::as_array).into_iter().flatten() {
                        br; span class="muted" { (text(a, "/name")) " " (amount(a, "/price/value", "/price/unit")) }
                    }
                }
            }
        }
    }
}

/// An amount as the pages show money; a value that is not a decimal as is.
fn amount(v: &Value, value: &str, unit: &str) -> String {
    let raw = scalar(v, value);
    match Decimal::from_str(&raw) {
        Ok(d) => money(&d, text(v, unit)),
        Err(_) => raw,
    }
}

/// The priced cart: each item's charges, then the cart's totals.
fn quote_view(quote: &Result<Value, Problems>) -> Markup {
    match quote {
        Err(problems) => problems.summary(),
        Ok(cart) => {
            let items = cart
                .get("cartItem")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let totals = cart
                .get("cartTotalPrice")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            html! {
                div class="table-wrap" {
                    table id="quote-items" {
                        thead { tr { th scope="col" { "Item" } th scope="col" { "Status" } th scope="col" { "Charges" } } }
                        tbody {
                            @for i in &items {
                                tr data-offer-id=(text(i, "/productOffering/id")) {
                                    td { (text(i, "/productOffering/name")) }
                                    td { (text(i, "/status")) }
                                    td { ul class="plain" {
                                        @for c in i.get("itemTotalPrice").and_then(Value::as_array).into_iter().flatten() {
                                            li { (text(c, "/priceType"))
                                                @if !text(c, "/recurringChargePeriod").is_empty() { " / " (text(c, "/recurringChargePeriod")) }
                                                ": " span class="amount" { (amount(c, "/price/taxIncludedAmount/value", "/price/taxIncludedAmount/unit")) } }
                                        }
                                    } }
                                }
                            }
                        }
                    }
                }
                h3 { "Cart totals" }
                dl id="quote-totals" class="totals" {
                    @for t in &totals {
                        div data-price-type=(text(t, "/priceType")) data-period=(text(t, "/recurringChargePeriod")) {
                            dt { @if !text(t, "/name").is_empty() { (text(t, "/name")) } @else {
                                (text(t, "/priceType")) @if !text(t, "/recurringChargePeriod").is_empty() { " / " (text(t, "/recurringChargePeriod")) } } }
                            dd { strong class="amount" { (amount(t, "/price/taxIncludedAmount/value", "/price/taxIncludedAmount/unit")) }
                                @for a in t.get("priceAlteration").and_then(Value::as_array).into_iter().flatten() {
                                    br; span class="muted" { (text(a, "/name")) " " (amount(a, "/price/taxIncludedAmount/value", "/price/taxIncludedAmount/unit"))
                                        @if let Some(m) = a.get("applicationDuration") { " for " (m) " months" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
