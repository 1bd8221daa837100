//! The cart (TMF663, `omni_app::cart`): started for the customer in the
//! store channel, filled from the offers page, each item's prices and
//! promotions, the totals due today and monthly, the payment choice of each
//! device, and the button that turns it into an order.
//!
//! A change is a merge patch of the cart's `cartItem` list, the way an API
//! client changes it: the cart use case prices it again, applies the
//! promotions and refuses what the rules refuse; its refusal is shown on
//! the page, next to the item it names where it names one.

use super::{
    CUSTOMERS, STORE_CHANNEL, belongs, customer_path, offering_name, party, see_other, seg, text,
};
use crate::page::{self, Problems, Refusal, csrf};
use crate::session::{Agent, Posted};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use omni_api::error::ApiError;
use omni_api::state::AppState;
use omni_app::cart::{self, CartPatch};
use omni_app::customers;
use omni_core::pricing::Payment;
use serde::Deserialize;
use serde_json::{Value, json};

/// Cart `cart_id`, when it is account `account`'s customer's.
async fn cart_of(
    state: &AppState,
    agent: &Agent,
    account: &str,
    cart_id: &str,
) -> Result<Value, Refusal> {
    let party = party(state, agent, account).await?;
    let cart = cart::get(&state.ctx, &agent.principal, cart_id, &[]).await?;
    belongs(&cart.body, &party)?;
    Ok(cart.body)
}

pub(super) fn cart_path(account: &str, cart: &str) -> String {
    format!("{}/carts/{}", customer_path(account), seg(cart))
}

/// `POST …/carts`: an empty cart for the customer, then its page.
pub(super) async fn start(
    State(state): State<AppState>,
    Path(account): Path<String>,
    posted: Posted,
) -> Result<Response, Refusal> {
    let agent = &posted.agent;
    agent.require_any(CUSTOMERS.roles)?;
    let party = party(&state, agent, &account).await?;
    let body = json!({
        "name": "Store sale",
        "relatedParty": [{"id": party, "role": "customer"}],
        "cartItem": [],
    });
    let created = cart::create(&state.ctx, &agent.principal, STORE_CHANNEL, body, None).await?;
    let id = text(&created.body, "/id");
    Ok(see_other(&cart_path(&account, id)))
}

/// `GET …/carts/{cart}`.
pub(super) async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path((account, cart_id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    agent.require_any(CUSTOMERS.roles)?;
    let cart = cart_of(&state, &agent, &account, &cart_id).await?;
    Ok(render(
        &state,
        &agent,
        &account,
        &cart,
        Problems::none(),
        StatusCode::OK,
    ))
}

#[derive(Deserialize)]
struct Add {
    offering: String,
    #[serde(default)]
    payment: Option<String>,
    #[serde(default)]
    billing_account: Option<String>,
}

/// `POST …/carts/{cart}/items`: adds one offering (from the offers page).
pub(super) async fn add(
    State(state): State<AppState>,
    Path((account, cart_id)): Path<(String, String)>,
    posted: Posted,
) -> Result<Response, Refusal> {
    let agent = &posted.agent;
    agent.require_any(CUSTOMERS.roles)?;
    let form: Add = posted.value()?;
    let current = cart_of(&state, agent, &account, &cart_id).await?;
    let mut items = items_of(&current);
    let id = next_item_id(&items);
    let mut item = json!({"id": id, "action": "add", "quantity": 1,
        "productOffering": {"id": form.offering}});
    if let Some(choice) = form.payment.filter(|p| !p.is_empty()) {
        item["product"] = json!({"productCharacteristic": [
            {"name": Payment::CHARACTERISTIC, "value": choice}]});
    }
    if let Some(ban) = form.billing_account.filter(|b| !b.is_empty()) {
        let customer = customers::customer(&state.ctx, &agent.principal, &account, 0).await?;
        let rating = customer
            .billing_accounts
            .iter()
            .find(|b| b.id == ban)
            .map(|b| b.rating_type.as_str());
        item["billingAccount"] = match rating {
            Some(rating) => json!({"id": ban, "ratingType": rating}),
            None => json!({"id": ban}),
        };
    }
    items.push(item);
    apply(&state, agent, &account, &cart_id, items).await
}

#[derive(Deserialize)]
struct Change {
    /// `remove`, or `payment` with `payment` set.
    action: String,
    #[serde(default)]
    payment: Option<String>,
}

/// `POST …/carts/{cart}/items/{item}`: removes an item or changes how its
/// device is paid for.
pub(super) async fn change(
    State(state): State<AppState>,
    Path((account, cart_id, item_id)): Path<(String, String, String)>,
    posted: Posted,
) -> Result<Response, Refusal> {
    let agent = &posted.agent;
    agent.require_any(CUSTOMERS.roles)?;
    let form: Change = posted.value()?;
    let current = cart_of(&state, agent, &account, &cart_id).await?;
    let mut items = items_of(&current);
    let Some(at) = items.iter().position(|i| text(i, "/id") == item_id) else {
        return Err(Refusal::App(omni_app::AppError::not_found(
            "cart item",
            item_id,
        )));
    };
    match form.action.as_str() {
        "remove" => {
            items.remove(at);
        }
        "payment" => {
            let choice = form.payment.unwrap_or_default();
            set_payment(&mut items[at], &choice);
        }
        other => return Err(Refusal::BadForm(format!("unknown change '{other}'"))),
    }
    apply(&state, agent, &account, &cart_id, items).await
}

/// Writes `items` as the cart's items through the cart use case; its
/// refusal is shown on the cart page with the cart as it still is.
async fn apply(
    state: &AppState,
    agent: &Agent,
    account: &str,
    cart_id: &str,
    items: Vec<Value>,
) -> Result<Response, Refusal> {
    let patch = CartPatch::new(json!({"cartItem": items}))?;
    match cart::patch(
        &state.ctx,
        &agent.principal,
        STORE_CHANNEL,
        cart_id,
        &patch,
        None,
        None,
    )
    .await
    {
        Ok(_) => Ok(see_other(&cart_path(account, cart_id))),
        Err(e) => refused(state, agent, account, cart_id, e).await,
    }
}

/// The cart page with what a use case refused at the top, and the status
/// the API would have answered.
pub(super) async fn refused(
    state: &AppState,
    agent: &Agent,
    account: &str,
    cart_id: &str,
    e: omni_app::AppError,
) -> Result<Response, Refusal> {
    let status = ApiError::from(e.clone()).status;
    let cart = cart_of(state, agent, account, cart_id).await?;
    Ok(render(
        state,
        agent,
        account,
        &cart,
        Problems::from(e),
        status,
    ))
}

fn items_of(cart: &Value) -> Vec<Value> {
    cart.get("cartItem")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The next free numeric item id: "1", "2", …
fn next_item_id(items: &[Value]) -> String {
    let highest = items
        .iter()
        .filter_map(|i| text(i, "/id").parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    (highest + 1).to_string()
}

/// Sets the item's `paymentOption` characteristic, keeping its others.
fn set_payment(item: &mut Value, choice: &str) {
    let mut chars: Vec<Value> = item
        .pointer("/product/productCharacteristic")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    chars.retain(|c| text(c, "/name") != Payment::CHARACTERISTIC);
    chars.push(json!({"name": Payment::CHARACTERISTIC, "value": choice}));
    if !item.get("product").is_some_and(Value::is_object) {
        item["product"] = json!({});
    }
    item["product"]["productCharacteristic"] = Value::Array(chars);
}

/// How an item's device is paid for, as the cart reads it.
fn payment_of(item: &Value) -> Payment {
    omni_app::cart::item_payment(item)
}

fn render(
    state: &AppState,
    agent: &Agent,
    account: &str,
    cart: &Value,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let tenant = agent.principal.tenant.as_str();
    let index = state.ctx.caches.catalog.get(tenant);
    let cart_id = text(cart, "/id");
    let items = items_of(cart);
    let base = cart_path(account, cart_id);
    let offers = format!("{}/offers?cart={}", customer_path(account), seg(cart_id));
    let ordered = text(cart, "/status") == "ordered";
    let main = html! {
        p { a href=(customer_path(account)) { "← Back to the customer" } }
        h1 { "Cart" }
        p class="muted" { "Cart " code { (cart_id) } " · store channel" }
        (problems.summary())
        @if ordered {
            p class="notice" id="cart-ordered" {
                "This cart was ordered: "
                a href={ (customer_path(account)) "/orders/" (seg(text(cart, "/order/id"))) } { "open the order" }
            }
        }
        section class="card" aria-labelledby="totals-title" {
            h2 id="totals-title" { "Totals" }
            (totals(cart.get("cartTotalPrice"), "cart-totals"))
        }
        h2 id="items-title" { "Items" }
        @if items.is_empty() {
            p id="no-items" { "Nothing yet: add a plan first (the cart rules want one before a phone), then a phone and a SIM." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-labelledby="items-title" {
                table id="cart-items" aria-labelledby="items-title" {
                    thead { tr { th { "Item" } th { "Offer" } th { "Prices" } th { "Payment" } th { "Status" } @if !ordered { th { "Change" } } } }
                    tbody {
                        @for item in &items {
                            @let id = text(item, "/id");
                            @let offering = text(item, "/productOffering/id");
                            @let kind = index.offering(offering).map(|o| &*o.offering_type).unwrap_or("");
                            tr id={ "item-" (id) } {
                                th scope="row" { (id) }
                                td { (offering_name(state, tenant, offering)) br; span class="muted" { (kind) } }
                                td { (prices(item.get("itemTotalPrice"))) }
                                td {
                                    @if kind == "Mobile_Device" && !ordered {
                                        form method="post" action={ (base) "/items/" (seg(id)) } class="inline" {
                                            (csrf(agent))
                                            input type="hidden" name="action" value="payment";
                                            label for={ "pay-" (id) } { "Pay" }
                                            " "
                                            select id={ "pay-" (id) } name="payment" {
                                                option value="installment" selected[payment_of(item) == Payment::Installments] { "in installments" }
                                                option value="full" selected[payment_of(item) == Payment::Full] { "in full today" }
                                            }
                                            " "
                                            button type="submit" class="secondary" { "Change" }
                                        }
                                    } @else if kind == "Mobile_Device" {
                                        (if payment_of(item) == Payment::Full { "in full" } else { "installments" })
                                    }
                                }
                                td { (text(item, "/status")) @if let Some(r) = item.get("statusReason").and_then(Value::as_str) { br; span class="muted" { (r) } } }
                                @if !ordered {
                                    td {
                                        form method="post" action={ (base) "/items/" (seg(id)) } {
                                            (csrf(agent))
                                            input type="hidden" name="action" value="remove";
                                            button type="submit" class="secondary" aria-label={ "Remove item " (id) } { "Remove" }
                                        }
                                        @if kind == "Mobile_Offer" {
                                            a href={ (offers) "&item=" (seg(id)) "&productOfferingType=Mobile_Addon" } { "Add-ons for this line" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !ordered {
            h2 { "Add" }
            ul class="plain actions" id="add-links" {
                li { a href={ (offers) "&productOfferingType=Mobile_Offer" } { "A plan" } }
                li { a href={ (offers) "&productOfferingType=Mobile_Device" } { "A phone" } }
                li { a href={ (offers) "&productOfferingType=SIM" } { "A SIM" } }
                li { a href={ (offers) "&productOfferingType=Mobile_Addon" } { "An add-on" } }
                li { a href=(offers) { "Any offer" } }
            }
            @if !items.is_empty() {
                form id="place-order" method="post" action={ (base) "/order" } {
                    (csrf(agent))
                    button type="submit" { "Place the order" }
                }
            }
        }
    };
    (status, page::layout(agent, "Cart", Some(&CUSTOMERS), main)).into_response()
}

/// A price type and period as people say it.
fn label(price: &Value) -> String {
    let period = text(price, "/recurringChargePeriod");
    match (text(price, "/priceType"), period) {
        ("oneTime", _) => "One-time".to_string(),
        ("recurring", "month") => "Monthly".to_string(),
        ("installment", "month" | "") => "Installments, monthly".to_string(),
        (kind, "") => kind.to_string(),
        (kind, period) => format!("{kind} per {period}"),
    }
}

fn amount(price: &Value) -> String {
    let value = text(price, "/price/taxIncludedAmount/value");
    let unit = text(price, "/price/taxIncludedAmount/unit");
    format!("{value} {unit}")
}

/// An item's prices, each with the promotions that reduced it.
fn prices(list: Option<&Value>) -> Markup {
    let list = list.and_then(Value::as_array).cloned().unwrap_or_default();
    html! {
        ul class="plain prices" {
            @for p in &list {
                li { (label(p)) ": " strong { (amount(p)) }
                    @for a in p.get("priceAlteration").and_then(Value::as_array).into_iter().flatten() {
                        br; span class="promo" { "Promotion: " (text(a, "/name")) " (" (amount(a)) ")" }
                    }
                }
            }
        }
    }
}

/// The totals of a cart or an order: due today first, then each price type
/// and period, with the promotions that reduced them. The same shape for
/// `cartTotalPrice` and `orderTotalPrice` (an order costs what its cart did).
pub(super) fn totals(list: Option<&Value>, id: &str) -> Markup {
    let list = list.and_then(Value::as_array).cloned().unwrap_or_default();
    let due = list
        .iter()
        .find(|t| text(t, "/@type") == "@UpfrontTotalPrice")
        .map(amount);
    html! {
        div class="totals" id=(id) {
            div { "Due today" strong id={ (id) "-due" } { (due.unwrap_or_else(|| "0.00 USD".into())) } }
            @for t in list.iter().filter(|t| text(t, "/@type") != "@UpfrontTotalPrice") {
                div { (label(t)) strong { (amount(t)) }
                    @for a in t.get("priceAlteration").and_then(Value::as_array).into_iter().flatten() {
                        span class="promo" { "Promotion: " (text(a, "/name")) " (" (amount(a)) ")" }
                    }
                }
            }
        }
    }
}
