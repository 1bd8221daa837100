//! Offerings: the page of one (its fields, lifecycle status and the prices
//! it lists), its changes, a new offering, and a new price added to it.

use super::{
    CATALOG_STATUSES, CHANNELS, OFFERING_ROLES, OFFERING_TYPES, catalog_resource, given, layout,
    or_null, saved_notice, scalar, select_field, status_form, text, text_field, valid_for,
};
use crate::page::{self, Problems, Refusal};
use crate::session::{Agent, Posted};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::tmf;
use omni_core::tmf630::ListQuery;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Payment types an offering may be sold with.
const PAYMENT_TYPES: &[&str] = &["Postpaid", "Prepaid"];

/// Price types the screen offers (`priceType`).
pub(super) const PRICE_TYPES: &[(&str, &str)] = &[
    ("recurring", "recurring (every period)"),
    ("oneTime", "oneTime (charged once)"),
    ("installment", "installment (device paid monthly)"),
    ("usage", "usage (per unit used)"),
];

#[derive(Deserialize, Default)]
pub(super) struct Saved {
    #[serde(default)]
    pub(super) saved: Option<String>,
}

fn offering_path(id: &str) -> String {
    format!("/console/catalog/offerings/{}", urlencode(id))
}

/// A path segment: ids are letters, digits and `-_.:`, but a link must not
/// trust that.
pub(super) fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The ids of `array` (objects with an `id`).
fn ids_of(body: &Value, name: &str) -> Vec<String> {
    body.get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            other => other.get("id").and_then(Value::as_str).map(str::to_string),
        })
        .collect()
}

/// The editable fields of an offering, as the form shows them.
fn offering_fields(problems: &Problems, o: &Value) -> Markup {
    let channels = ids_of(o, "channel");
    let payments: Vec<String> = o
        .get("paymentType")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    html! {
        (text_field(problems, "name", "off-name", "Name", text(o, "/name"), None))
        div class="field" {
            label for="off-description" { "Description" }
            textarea id="off-description" name="description" rows="3"
                aria-invalid=[problems.rule("description").map(|_| "true")]
                aria-describedby=[problems.rule("description").map(|_| "off-description-error")] { (text(o, "/description")) }
            (problems.at("description", "off-description"))
        }
        fieldset id="off-channels" {
            legend { "Sold in channels" }
            @for (id, name) in CHANNELS {
                label class="check" {
                    input type="checkbox" name="channel" value=(id) checked[channels.iter().any(|c| c == id)];
                    " " (name) " (" (id) ")"
                }
            }
            (problems.at("channel", "off-channels"))
        }
        fieldset id="off-payment" {
            legend { "Payment types" }
            @for p in PAYMENT_TYPES {
                label class="check" {
                    input type="checkbox" name="paymentType" value=(p) checked[payments.iter().any(|x| x == p)];
                    " " (p)
                }
            }
        }
        div class="row" {
            (text_field(problems, "validFor.startDateTime", "off-start", "Valid from", text(o, "/validFor/startDateTime"), Some("RFC 3339, e.g. 2026-01-01T00:00:00Z")))
            (text_field(problems, "validFor.endDateTime", "off-end", "Valid until", text(o, "/validFor/endDateTime"), Some("empty: no end")))
        }
    }
}

/// The merge patch of the editable fields a posted form gives.
fn offering_patch(form: &Posted) -> Map<String, Value> {
    let mut patch = Map::new();
    patch.insert(
        "name".into(),
        Value::String(form.get("name").unwrap_or("").trim().to_string()),
    );
    patch.insert("description".into(), or_null(form.get("description")));
    let channels: Vec<Value> = form
        .all("channel")
        .into_iter()
        .filter_map(|id| CHANNELS.iter().find(|(c, _)| *c == id))
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    patch.insert("channel".into(), Value::Array(channels));
    let payments: Vec<Value> = form
        .all("paymentType")
        .into_iter()
        .filter(|p| PAYMENT_TYPES.contains(p))
        .map(|p| Value::String(p.to_string()))
        .collect();
    patch.insert("paymentType".into(), Value::Array(payments));
    patch.insert(
        "validFor".into(),
        valid_for(
            form.get("validFor.startDateTime"),
            form.get("validFor.endDateTime"),
        ),
    );
    patch
}

/// The version the form was read at (`If-Match`): a change someone saved
/// meanwhile is not overwritten.
pub(super) fn form_version(form: &Posted) -> Option<i64> {
    form.get("version").and_then(|v| v.trim().parse().ok())
}

/// `GET /console/catalog/offerings/{id}`.
pub(super) async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(saved): Query<Saved>,
) -> Result<Markup, Refusal> {
    agent.require_any(OFFERING_ROLES)?;
    let notice = saved.saved.is_some().then(|| saved_notice("Saved."));
    render_page(&state, &agent, &id, Problems::none(), None, notice).await
}

/// The offering's page; after a refused change, with the form as posted
/// (`posted`, merged over the stored offering) and the use case's errors
/// beside its fields.
async fn render_page(
    state: &AppState,
    agent: &Agent,
    id: &str,
    problems: Problems,
    posted: Option<&Value>,
    notice: Option<Markup>,
) -> Result<Markup, Refusal> {
    let res = catalog_resource("productOffering")?;
    let current = tmf::get(
        &state.ctx,
        &res,
        &agent.principal,
        id,
        &ListQuery::default(),
    )
    .await?;
    let o = &current.body;
    let mut shown = o.clone();
    if let Some(patch) = posted {
        omni_core::merge_patch(&mut shown, patch);
    }
    let shown = &shown;
    let prices = offering_prices(state, agent, o).await;
    let price_problems = Problems::none();
    let main = html! {
        h1 { (text(o, "/name")) }
        p class="muted" { "Offering " code { (id) } " · " (text(o, "/productOfferingType")) " · status "
            strong id="offering-status" { (text(o, "/lifecycleStatus")) } " · last change " (text(o, "/lastUpdate")) }
        @if let Some(notice) = notice { (notice) }
        (status_form(agent, &format!("{}/status", offering_path(id)), text(o, "/lifecycleStatus"), CATALOG_STATUSES, current.version))
        section class="card" aria-labelledby="edit-h" {
            h2 id="edit-h" { "Details" }
            (problems.summary())
            form id="offering-form" method="post" action=(offering_path(id)) {
                (page::csrf(agent))
                input type="hidden" name="version" value=(current.version);
                (offering_fields(&problems, shown))
                button type="submit" { "Save offering" }
            }
        }
        section class="card" aria-labelledby="prices-h" {
            h2 id="prices-h" { "Prices" }
            (prices_table(id, &prices))
            h3 { "Add a price" }
            (new_price_form(agent, id, &price_problems, &Value::Null))
        }
        p { a href={ "/console/catalog/preview?channel=ECOMM&productOfferingId=" (super::offerings::urlencode(id)) } { "Preview this offering in Product Discovery" } }
    };
    Ok(layout(agent, text(o, "/name"), "/console/catalog", main))
}

/// The prices the offering lists, in its order, read in one query.
async fn offering_prices(
    state: &AppState,
    agent: &Agent,
    o: &Value,
) -> Result<Vec<Value>, Problems> {
    let ids = ids_of(o, "productOfferingPrice");
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let res = catalog_resource("productOfferingPrice").map_err(|_| Problems::none())?;
    tmf::get_many(&state.ctx, &res, &agent.principal, &ids)
        .await
        .map_err(Problems::from)
}

/// The offering's prices, each linked to its page (which links back to
/// `offering`).
fn prices_table(offering: &str, prices: &Result<Vec<Value>, Problems>) -> Markup {
    html! {
        @match prices {
            Err(problems) => { (problems.summary()) }
            Ok(prices) if prices.is_empty() => { p id="no-prices" { "This offering lists no price." } }
            Ok(prices) => {
                div class="table-wrap" {
                    table id="prices" {
                        thead { tr {
                            th scope="col" { "Price" } th scope="col" { "Type" } th scope="col" class="num" { "Amount" }
                            th scope="col" { "Lines" } th scope="col" { "Status" }
                        } }
                        tbody {
                            @for p in prices {
                                tr data-price-id=(text(p, "/id")) {
                                    td { a href={ "/console/catalog/prices/" (urlencode(text(p, "/id"))) "?offering=" (urlencode(offering)) } { (text(p, "/name")) } }
                                    td { (text(p, "/priceType"))
                                        @if !text(p, "/recurringChargePeriodType").is_empty() { " / " (text(p, "/recurringChargePeriodType")) } }
                                    td class="num amount" { (scalar(p, "/price/value")) " " (text(p, "/price/unit")) }
                                    td { (lines(p)) }
                                    td { (text(p, "/lifecycleStatus")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A multi-line tier as words: "1", "4–10", "5 or more", or "any".
pub(super) fn lines(p: &Value) -> String {
    match (scalar(p, "/lineCountMin"), scalar(p, "/lineCountMax")) {
        (min, max) if min.is_empty() && max.is_empty() => "any".into(),
        (min, max) if min == max => min,
        (min, max) if max.is_empty() => format!("{min} or more"),
        (min, max) if min.is_empty() => format!("up to {max}"),
        (min, max) => format!("{min}–{max}"),
    }
}

fn new_price_form(agent: &Agent, id: &str, problems: &Problems, posted: &Value) -> Markup {
    html! {
        form id="new-price-form" method="post" action={ (offering_path(id)) "/prices" } {
            (page::csrf(agent))
            (problems.summary())
            div class="row" {
                (text_field(problems, "name", "np-name", "Price name", text(posted, "/name"), None))
                (select_field(problems, "priceType", "np-type", "Price type", PRICE_TYPES, { let t = text(posted, "/priceType"); if t.is_empty() { "recurring" } else { t } }))
            }
            div class="row" {
                (text_field(problems, "price.value", "np-amount", "Amount", &scalar(posted, "/price/value"), Some("a decimal, e.g. 85.99")))
                (text_field(problems, "price.unit", "np-unit", "Currency", { let u = text(posted, "/price/unit"); if u.is_empty() { "USD" } else { u } }, None))
                (text_field(problems, "recurringChargePeriodType", "np-period", "Charged every", { let p = text(posted, "/recurringChargePeriodType"); if posted.is_null() { "month" } else { p } }, Some("recurring prices: month, week, day")))
            }
            button type="submit" { "Add price" }
        }
    }
}

/// `POST /console/catalog/offerings/{id}`: saves the details.
pub(super) async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(OFFERING_ROLES)?;
    let res = catalog_resource("productOffering")?;
    let patch = Value::Object(offering_patch(&form));
    match tmf::patch(
        &state.ctx,
        &res,
        &agent.principal,
        &id,
        &patch,
        form_version(&form),
        None,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}?saved=1", offering_path(&id))).into_response()),
        Err(e @ (omni_app::AppError::NotFound { .. } | omni_app::AppError::Access(_))) => {
            Err(e.into())
        }
        Err(e) => {
            let body =
                render_page(&state, agent, &id, Problems::from(e), Some(&patch), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

/// `POST /console/catalog/offerings/{id}/status`.
pub(super) async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(OFFERING_ROLES)?;
    let res = catalog_resource("productOffering")?;
    let patch = json!({"lifecycleStatus": form.get("lifecycleStatus").unwrap_or("").trim()});
    match tmf::patch(
        &state.ctx,
        &res,
        &agent.principal,
        &id,
        &patch,
        form_version(&form),
        None,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}?saved=1", offering_path(&id))).into_response()),
        Err(e @ (omni_app::AppError::NotFound { .. } | omni_app::AppError::Access(_))) => {
            Err(e.into())
        }
        Err(e) => {
            let body = render_page(&state, agent, &id, Problems::from(e), None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

/// The price a new-price form describes.
fn price_body(form: &Posted) -> Value {
    let mut body = Map::new();
    body.insert(
        "name".into(),
        Value::String(form.get("name").unwrap_or("").trim().to_string()),
    );
    let price_type = given(form.get("priceType")).unwrap_or_else(|| "recurring".into());
    if price_type == "recurring" || price_type == "installment" {
        if let Some(period) = given(form.get("recurringChargePeriodType")) {
            body.insert("recurringChargePeriodType".into(), Value::String(period));
        }
        body.insert("recurringChargePeriodLength".into(), json!(1));
    }
    body.insert("priceType".into(), Value::String(price_type));
    body.insert(
        "price".into(),
        json!({
            "unit": given(form.get("price.unit")).unwrap_or_else(|| "USD".into()),
            "value": form.get("price.value").unwrap_or("").trim(),
        }),
    );
    body.insert("lifecycleStatus".into(), json!("Active"));
    Value::Object(body)
}

/// `POST /console/catalog/offerings/{id}/prices`: creates a price and lists
/// it on the offering (two writes of the API's use cases, in that order: a
/// price the second one could not list stays, unlisted, and is named).
pub(super) async fn add_price(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(OFFERING_ROLES)?;
    let offerings = catalog_resource("productOffering")?;
    let prices = catalog_resource("productOfferingPrice")?;
    // The offering first: a price for an offering that is not there is not made.
    let current = tmf::get(
        &state.ctx,
        &offerings,
        &agent.principal,
        &id,
        &ListQuery::default(),
    )
    .await?;
    let body = price_body(&form);
    let created = match tmf::create(&state.ctx, &prices, &agent.principal, body.clone(), None).await
    {
        Ok(created) => created,
        Err(e @ omni_app::AppError::Access(_)) => return Err(e.into()),
        Err(e) => {
            let problems = Problems::from(e);
            let body = render_with_price_form(&state, agent, &id, problems, body).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let mut listed = current
        .body
        .get("productOfferingPrice")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    listed.push(json!({
        "id": text(&created.body, "/id"),
        "name": text(&created.body, "/name"),
        "priceType": text(&created.body, "/priceType"),
    }));
    let patch = json!({"productOfferingPrice": listed});
    tmf::patch(&state.ctx, &offerings, &agent.principal, &id, &patch, None, None)
        .await
        .map_err(|e| {
            tracing::warn!(price = text(&created.body, "/id"), offering = %id, error = %e, "price created but not listed on its offering");
            Refusal::from(e)
        })?;
    Ok(Redirect::to(&format!("{}?saved=1", offering_path(&id))).into_response())
}

/// The offering's page with the new-price form as posted and its errors.
async fn render_with_price_form(
    state: &AppState,
    agent: &Agent,
    id: &str,
    problems: Problems,
    posted: Value,
) -> Result<Markup, Refusal> {
    let res = catalog_resource("productOffering")?;
    let current = tmf::get(
        &state.ctx,
        &res,
        &agent.principal,
        id,
        &ListQuery::default(),
    )
    .await?;
    let o = &current.body;
    let prices = offering_prices(state, agent, o).await;
    let main = html! {
        h1 { (text(o, "/name")) }
        section class="card" aria-labelledby="prices-h" {
            h2 id="prices-h" { "Prices" }
            (prices_table(id, &prices))
            h3 { "Add a price" }
            (new_price_form(agent, id, &problems, &posted))
        }
        p { a href=(offering_path(id)) { "Back to the offering" } }
    };
    Ok(layout(agent, text(o, "/name"), "/console/catalog", main))
}

/// `GET /console/catalog/offerings/new`.
pub(super) async fn new_page(agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(OFFERING_ROLES)?;
    Ok(new_form(
        &agent,
        &Problems::none(),
        &json!({"lifecycleStatus": "In design"}),
    ))
}

fn new_form(agent: &Agent, problems: &Problems, posted: &Value) -> Markup {
    let types: Vec<(&str, &str)> = OFFERING_TYPES.iter().map(|t| (*t, *t)).collect();
    let categories: Vec<(&str, &str)> = super::CATEGORIES.iter().map(|t| (*t, *t)).collect();
    let statuses: Vec<(&str, &str)> = CATALOG_STATUSES.iter().map(|s| (*s, *s)).collect();
    let category = posted
        .pointer("/category/0/id")
        .and_then(Value::as_str)
        .unwrap_or("Mobile_Offers");
    let main = html! {
        h1 { "New offering" }
        (problems.summary())
        form id="offering-form" method="post" action="/console/catalog/offerings" {
            (page::csrf(agent))
            (text_field(problems, "id", "off-id", "Id", text(posted, "/id"), Some("optional: letters, digits, '-', '_', '.' or ':'; a new one is made when empty")))
            div class="row" {
                (select_field(problems, "productOfferingType", "off-type", "Offering type", &types, text(posted, "/productOfferingType")))
                (select_field(problems, "category", "off-category", "Category", &categories, category))
                (select_field(problems, "lifecycleStatus", "off-status", "Lifecycle status", &statuses, text(posted, "/lifecycleStatus")))
            }
            (offering_fields(problems, posted))
            button type="submit" { "Create offering" }
        }
    };
    layout(agent, "New offering", "/console/catalog", main)
}

/// `POST /console/catalog/offerings`.
pub(super) async fn create(
    State(state): State<AppState>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(OFFERING_ROLES)?;
    let res = catalog_resource("productOffering")?;
    let mut body = offering_patch(&form);
    body.retain(|_, v| !v.is_null());
    if let Some(id) = given(form.get("id")) {
        body.insert("id".into(), Value::String(id));
    }
    if let Some(t) = given(form.get("productOfferingType")) {
        body.insert("productOfferingType".into(), Value::String(t));
    }
    if let Some(c) = given(form.get("category")) {
        body.insert("category".into(), json!([{"id": c, "name": c}]));
    }
    if let Some(s) = given(form.get("lifecycleStatus")) {
        body.insert("lifecycleStatus".into(), Value::String(s));
    }
    body.insert("productOfferingPrice".into(), json!([]));
    let body = Value::Object(body);
    match tmf::create(&state.ctx, &res, &agent.principal, body.clone(), None).await {
        Ok(created) => Ok(Redirect::to(&format!(
            "{}?saved=1",
            offering_path(text(&created.body, "/id"))
        ))
        .into_response()),
        Err(e @ omni_app::AppError::Access(_)) => Err(e.into()),
        Err(e) => {
            let problems = Problems::from(e);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                new_form(agent, &problems, &body),
            )
                .into_response())
        }
    }
}
