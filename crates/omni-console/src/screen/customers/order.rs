//! The order made from a cart (`omni_app::order`, the partner order pages):
//! terms, fulfilment (shipping or store pick-up), payment with the test
//! gateway, submit, then the order followed live to completion and the new
//! line's number. Each step posts to the use case the order API calls, with
//! the body that API takes; what it refuses is shown in the step's section.

use super::cart::totals;
use super::customer::format_ctn;
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
use omni_app::AppError;
use omni_app::order::{capture, checkout, submission};
use serde_json::{Value, json};

pub(super) fn order_path(account: &str, order: &str) -> String {
    format!("{}/orders/{}", customer_path(account), seg(order))
}

/// `POST …/carts/{cart}/order`: the order made from the cart, for the
/// cart's customer (`POST /order/create` with `cartId`).
pub(super) async fn create(
    State(state): State<AppState>,
    Path((account, cart_id)): Path<(String, String)>,
    posted: Posted,
) -> Result<Response, Refusal> {
    let agent = &posted.agent;
    agent.require_any(CUSTOMERS.roles)?;
    // The cart use case refuses a cart of another customer (naming cartId).
    let party = party(&state, agent, &account).await?;
    let body = json!({"channel": STORE_CHANNEL, "cartId": cart_id,
        "relatedParty": [{"id": party, "role": "customer"}]});
    match capture::create(&state.ctx, &agent.principal, &body, None).await {
        Ok(id) => Ok(see_other(&order_path(&account, &id))),
        // Shown on the cart, where the agent can fix what was refused.
        Err(e) => super::cart::refused(&state, agent, &account, &cart_id, e).await,
    }
}

/// `GET …/orders/{order}`.
pub(super) async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    agent.require_any(CUSTOMERS.roles)?;
    render(&state, &agent, &account, &id, None).await
}

/// `POST …/orders/{order}/{step}`: one checkout step.
pub(super) async fn step(
    State(state): State<AppState>,
    Path((account, id, step)): Path<(String, String, String)>,
    posted: Posted,
) -> Result<Response, Refusal> {
    let agent = &posted.agent;
    agent.require_any(CUSTOMERS.roles)?;
    let (ctx, who) = (&state.ctx, &agent.principal);
    let done: Result<(), AppError> = match step.as_str() {
        "terms" => {
            let agreements: Vec<Value> = posted
                .all("agreement")
                .into_iter()
                .map(|name| {
                    json!({"name": name,
                    "extensions": [{"name": "acceptanceMethod", "value": "click"}]})
                })
                .collect();
            checkout::consent(ctx, who, &id, &json!({"agreements": agreements}))
                .await
                .map(drop)
        }
        "fulfillment" => {
            let option = posted.get("option").unwrap_or("");
            let mut body = json!({"optionId": option});
            if option == omni_core::order::fulfillment::STORE_PICKUP {
                body["storeId"] = json!(posted.get("store").unwrap_or(""));
            } else {
                let field = |name: &str| posted.get(name).unwrap_or("").trim().to_string();
                let mut address = json!({"addressLine1": field("addressLine1"),
                    "city": field("city"), "state": field("state"), "zipCode": field("zipCode")});
                let line2 = field("addressLine2");
                if !line2.is_empty() {
                    address["addressLine2"] = json!(line2);
                }
                body["shippingAddress"] = address;
            }
            checkout::choose_fulfillment(ctx, who, &id, &body)
                .await
                .map(drop)
        }
        "payment" => {
            let field = |name: &str| posted.get(name).unwrap_or("").trim().to_string();
            // Numbers as numbers; anything else is sent as typed, so the
            // use case names the field it refuses.
            let number = |name: &str| {
                let v = field(name);
                v.parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(v))
            };
            let body = json!({"orderId": id, "card": {
                "number": field("number"), "expiryMonth": number("expiryMonth"),
                "expiryYear": number("expiryYear"), "cvv": field("cvv"),
                "holderName": field("holderName")}});
            checkout::add_payment_method(ctx, who, &body)
                .await
                .map(drop)
        }
        "submit" => submission::submit(ctx, who, &id).await.map(drop),
        _ => return Err(Refusal::NotFound),
    };
    match done {
        Ok(()) => Ok(see_other(&order_path(&account, &id))),
        Err(e) => render(&state, agent, &account, &id, Some((step.as_str(), e))).await,
    }
}

/// The order page; `refused` is a step and what its use case answered.
async fn render(
    state: &AppState,
    agent: &Agent,
    account: &str,
    id: &str,
    refused: Option<(&str, AppError)>,
) -> Result<Response, Refusal> {
    let (ctx, who) = (&state.ctx, &agent.principal);
    let order = capture::get(ctx, who, id).await?;
    belongs(&order, &party(state, agent, account).await?)?;
    let status = refused
        .as_ref()
        .map_or(StatusCode::OK, |(_, e)| ApiError::from(e.clone()).status);
    let (failed_step, problems) = match refused {
        Some((step, e)) => (step.to_string(), Problems::from(e)),
        None => (String::new(), Problems::none()),
    };
    let at = |step: &str| {
        if step == failed_step {
            problems.summary()
        } else {
            html! {}
        }
    };
    let state_name = text(&order, "/state");
    let draft = state_name == "draft";
    let tenant = who.tenant.as_str();
    let by_id = json!({"orderId": id});
    // A draft's steps need the agreements, the ways to fulfil it and the
    // customer's billing address to propose; a submitted order, polled every
    // second while it completes, needs none of them.
    let (terms, options, address) = if draft {
        let customer = omni_app::customers::customer(ctx, who, account, 0).await?;
        let address = customer
            .billing_accounts
            .iter()
            .find_map(|b| b.billing_contact.as_ref().map(|c| c.address.clone()));
        (
            Some(checkout::required_terms(ctx, who, &by_id).await?),
            Some(checkout::fulfillment_options(ctx, who, &by_id).await?),
            address,
        )
    } else {
        (None, None, None)
    };
    let main = html! {
        p { a href=(customer_path(account)) { "← Back to the customer" } }
        h1 { "Order " (id) }
        (progress(&order, account, items(state, tenant, &order)))
        section class="card" aria-labelledby="order-totals" {
            h2 id="order-totals" { "Totals" }
            (totals(order.get("orderTotalPrice"), "order-totals-list"))
        }
        @if draft {
            (validation(&order))
            @if let Some(terms) = &terms { (terms_form(agent, account, id, terms, at("terms"))) }
            @if let Some(options) = &options {
                (fulfilment_form(agent, account, id, options, address.as_ref(), &order, at("fulfillment")))
            }
            (payment_form(agent, account, id, &order, at("payment")))
            section class="card" aria-labelledby="submit-title" {
                h2 id="submit-title" { "4. Submit" }
                (at("submit"))
                form id="submit" method="post" action={ (order_path(account, id)) "/submit" } {
                    (csrf(agent))
                    button type="submit" { "Submit the order" }
                }
            }
        }
    };
    Ok((status, page::layout(agent, "Order", Some(&CUSTOMERS), main)).into_response())
}

/// The order's state and items, refreshed every second while the worker
/// completes it; once it is done, the new numbers (and no refresh).
fn progress(order: &Value, account: &str, items: Markup) -> Markup {
    let state = text(order, "/state");
    let working = matches!(state, "submitted" | "inProgress" | "acknowledged");
    html! {
        section id="progress" class="card" aria-live="polite"
            data-refresh-ms=[working.then_some("1000")] {
            p { "State: " span id="order-state" class={ "state state-" (state) } { (state) } }
            @if working { p class="muted" { "Completing… this page follows it." } }
            @if state == "completed" {
                @let lines: Vec<&Value> = order.get("newLines").and_then(Value::as_array).into_iter().flatten().collect();
                @if !lines.is_empty() {
                    h2 { "New number" @if lines.len() > 1 { "s" } }
                    ul class="plain" id="new-numbers" {
                        @for l in lines {
                            li { strong class="new-number" { (format_ctn(text(l, "/subscriberNumber"))) } }
                        }
                    }
                    p { a href=(customer_path(account)) { "See the customer's lines" } }
                }
            }
            @if let Some(reason) = order.get("failureReason").and_then(Value::as_str) {
                p class="error" role="alert" { "Failed: " (reason) }
            }
            (items)
        }
    }
}

/// The order's items, with each one's state and number once it completed
/// (inside the live section, so that they follow the order too).
fn items(state: &AppState, tenant: &str, order: &Value) -> Markup {
    html! {
    h2 id="order-items-title" { "Items" }
    div class="table-wrap" tabindex="0" role="region" aria-labelledby="order-items-title" {
        table id="order-items" aria-labelledby="order-items-title" {
            thead { tr { th { "Item" } th { "Offer" } th { "Action" } th { "State" } th { "Number" } } }
            tbody {
                @for item in order.get("items").and_then(Value::as_array).into_iter().flatten() {
                    tr {
                        th scope="row" { (text(item, "/productOrderItemId")) }
                        td { (offering_name(state, tenant, text(item, "/productOfferingId"))) }
                        td { (text(item, "/action")) }
                        td { (text(item, "/state")) }
                        td { (format_ctn(text(item, "/subscriberNumber"))) }
                    }
                }
            }
        }
    }
    }
}

/// What the order still needs, as the order's own validation says it.
fn validation(order: &Value) -> Markup {
    let messages: Vec<&Value> = order
        .pointer("/validation/validationMessage")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let ready = order.pointer("/validation/readyToSubmit") == Some(&Value::Bool(true));
    html! {
        section class="card" id="readiness" aria-labelledby="readiness-title" {
            h2 id="readiness-title" { @if ready { "Ready to submit" } @else { "Before it can be submitted" } }
            @if !messages.is_empty() {
                ul { @for m in messages { li { (text(m, "/text")) } } }
            }
        }
    }
}

fn terms_form(agent: &Agent, account: &str, id: &str, terms: &Value, problems: Markup) -> Markup {
    let consented: Vec<&str> = terms
        .get("consents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| text(c, "/name"))
        .collect();
    let agreements: Vec<&Value> = terms
        .get("agreements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    html! {
        section class="card" aria-labelledby="terms-title" {
            h2 id="terms-title" { "1. Terms" }
            (problems)
            @if agreements.is_empty() {
                p { "No agreement is needed." }
            } @else {
                form id="terms" method="post" action={ (order_path(account, id)) "/terms" } {
                    (csrf(agent))
                    fieldset {
                        legend { "The customer agrees to" }
                        @for a in &agreements {
                            @let name = text(a, "/name");
                            div class="check" {
                                input type="checkbox" id={ "agree-" (name) } name="agreement" value=(name)
                                    checked[consented.contains(&name)];
                                " "
                                label for={ "agree-" (name) } { (text(a, "/title"))
                                    @if a.get("required") == Some(&Value::Bool(true)) { " (required)" } }
                            }
                        }
                    }
                    button type="submit" { "Record consent" }
                }
            }
        }
    }
}

fn fulfilment_form(
    agent: &Agent,
    account: &str,
    id: &str,
    options: &Value,
    address: Option<&omni_core::inventory::UsAddress>,
    order: &Value,
    problems: Markup,
) -> Markup {
    let chosen = text(order, "/fulfillment/optionId");
    let list: Vec<&Value> = options
        .get("options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let stores: Vec<&Value> = list
        .iter()
        .flat_map(|o| {
            o.get("stores")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .collect();
    let a = |f: fn(&omni_core::inventory::UsAddress) -> &str| address.map(f).unwrap_or("");
    html! {
        section class="card" aria-labelledby="fulfilment-title" {
            h2 id="fulfilment-title" { "2. Fulfilment" }
            (problems)
            @if text(options, "/need") != "required" {
                p { "Nothing to ship or hand over." }
            } @else {
                @if !chosen.is_empty() { p id="fulfilment-chosen" { "Chosen: " (text(order, "/fulfillment/name")) } }
                form id="fulfilment" method="post" action={ (order_path(account, id)) "/fulfillment" } {
                    (csrf(agent))
                    fieldset {
                        legend { "How the customer gets the device" }
                        @for (n, o) in list.iter().enumerate() {
                            @let oid = text(o, "/id");
                            div class="check" {
                                input type="radio" name="option" id={ "option-" (oid) } value=(oid)
                                    checked[oid == chosen || (chosen.is_empty() && n == 0)];
                                " "
                                label for={ "option-" (oid) } { (text(o, "/name")) " · "
                                    (text(o, "/price/value")) " " (text(o, "/price/unit")) }
                            }
                        }
                    }
                    fieldset {
                        legend { "Shipping address" }
                        div class="row" {
                            div class="field" { label for="addressLine1" { "Street" }
                                input id="addressLine1" name="addressLine1" value=(a(|x| &x.address_line1)) autocomplete="address-line1"; }
                            div class="field" { label for="addressLine2" { "Apartment, suite" }
                                input id="addressLine2" name="addressLine2" value=(address.and_then(|x| x.address_line2.as_deref()).unwrap_or("")) autocomplete="address-line2"; }
                        }
                        div class="row" {
                            div class="field" { label for="city" { "City" }
                                input id="city" name="city" value=(a(|x| &x.city)) autocomplete="address-level2"; }
                            div class="field" { label for="state" { "State" }
                                input id="state" name="state" value=(a(|x| &x.state)) size="3" autocomplete="address-level1"; }
                            div class="field" { label for="zipCode" { "ZIP code" }
                                input id="zipCode" name="zipCode" value=(a(|x| &x.zip_code)) size="10" autocomplete="postal-code"; }
                        }
                    }
                    @if !stores.is_empty() {
                        div class="field" {
                            label for="store" { "Pick-up store" }
                            select id="store" name="store" {
                                @for s in &stores { option value=(text(s, "/id")) { (text(s, "/name")) " · " (text(s, "/address/city")) } }
                            }
                        }
                    }
                    button type="submit" { "Choose" }
                }
            }
        }
    }
}

fn payment_form(agent: &Agent, account: &str, id: &str, order: &Value, problems: Markup) -> Markup {
    let due = order
        .get("orderTotalPrice")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| text(t, "/@type") == "@UpfrontTotalPrice")
        .map(|t| text(t, "/price/taxIncludedAmount/value").to_string())
        .unwrap_or_else(|| "0.00".into());
    let paid = order.get("payment").filter(|p| !p.is_null());
    html! {
        section class="card" aria-labelledby="payment-title" {
            h2 id="payment-title" { "3. Payment" }
            (problems)
            @if let Some(p) = paid {
                p id="payment-done" {
                    (text(p, "/brand")) " card ending " (text(p, "/last4")) " · authorized "
                    (scalar(p, "/authorizedAmount")) " " (text(p, "/currency"))
                }
            } @else if due == "0.00" {
                p id="payment-none" { "Nothing is due today." }
            } @else {
                p { "Due today: " strong { (due) " USD" } ". The test gateway approves card 4242 4242 4242 4242." }
                form id="payment" method="post" action={ (order_path(account, id)) "/payment" } autocomplete="off" {
                    (csrf(agent))
                    div class="row" {
                        div class="field" { label for="number" { "Card number" }
                            input id="number" name="number" inputmode="numeric" autocomplete="off"; }
                        div class="field" { label for="holderName" { "Name on card" }
                            input id="holderName" name="holderName" autocomplete="off"; }
                    }
                    div class="row" {
                        div class="field" { label for="expiryMonth" { "Expiry month" }
                            input id="expiryMonth" name="expiryMonth" inputmode="numeric" size="3"; }
                        div class="field" { label for="expiryYear" { "Expiry year" }
                            input id="expiryYear" name="expiryYear" inputmode="numeric" size="5"; }
                        div class="field" { label for="cvv" { "CVV" }
                            input id="cvv" name="cvv" inputmode="numeric" size="4" autocomplete="off"; }
                    }
                    button type="submit" { "Pay" }
                }
            }
        }
    }
}

/// A number or a string at `pointer` as text (amounts are written either way).
fn scalar(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}
