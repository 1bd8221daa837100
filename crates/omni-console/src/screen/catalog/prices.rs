//! One price (`productOfferingPrice`): its amount, type, multi-line tier and
//! validity, its lifecycle status, and the offerings that list it.

use super::offerings::{PRICE_TYPES, form_version, lines, urlencode};
use super::{
    CATALOG_STATUSES, OFFERING_ROLES, catalog_resource, layout, number_or_text, or_null,
    saved_notice, scalar, select_field, status_form, text, text_field, valid_for,
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
use serde_json::{Value, json};

/// Offerings listed as using a price, at most.
const USED_BY_LIMIT: usize = 50;

fn price_path(id: &str) -> String {
    format!("/console/catalog/prices/{}", urlencode(id))
}

/// What a price page's address may add: a change was saved; the offering
/// the user came from (for the links back and to its preview); whether to
/// list the offerings that use the price (a search of the whole catalog, so
/// only when asked).
#[derive(Deserialize, Default)]
pub(super) struct PriceView {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    offering: Option<String>,
    #[serde(default, rename = "usedBy")]
    used_by: Option<String>,
}

impl PriceView {
    fn offering(&self) -> Option<&str> {
        self.offering.as_deref().filter(|o| !o.is_empty())
    }
}

/// `GET /console/catalog/prices/{id}`.
pub(super) async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(view): Query<PriceView>,
) -> Result<Markup, Refusal> {
    agent.require_any(OFFERING_ROLES)?;
    let notice = view.saved.is_some().then(|| saved_notice("Price saved."));
    render(&state, &agent, &id, Problems::none(), None, notice, &view).await
}

/// The price's page (`tail` ""), or its status form's target (`tail`
/// "/status"), keeping the offering it was reached from, plus `extra`.
fn price_url(id: &str, tail: &str, view: &PriceView, extra: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(o) = view.offering() {
        query.append_pair("offering", o);
    }
    let query = query.finish();
    let path = format!("{}{tail}", price_path(id));
    match (query.is_empty(), extra.is_empty()) {
        (true, true) => path,
        (true, false) => format!("{path}?{extra}"),
        (false, true) => format!("{path}?{query}"),
        (false, false) => format!("{path}?{query}&{extra}"),
    }
}

async fn render(
    state: &AppState,
    agent: &Agent,
    id: &str,
    problems: Problems,
    posted: Option<&Value>,
    notice: Option<Markup>,
    view: &PriceView,
) -> Result<Markup, Refusal> {
    let res = catalog_resource("productOfferingPrice")?;
    let current = tmf::get(
        &state.ctx,
        &res,
        &agent.principal,
        id,
        &ListQuery::default(),
    )
    .await?;
    let p = &current.body;
    let mut shown = p.clone();
    if let Some(patch) = posted {
        omni_core::merge_patch(&mut shown, patch);
    }
    let used_by = match view.used_by {
        Some(_) => Some(used_by(state, agent, id).await),
        None => None,
    };
    let price_type = text(&shown, "/priceType");
    let main = html! {
        h1 { (text(p, "/name")) }
        p class="muted" { "Price " code { (id) } " · " (text(p, "/priceType")) " · "
            span id="price-amount" { (scalar(p, "/price/value")) " " (text(p, "/price/unit")) }
            " · lines " (lines(p)) " · status " strong id="price-status" { (text(p, "/lifecycleStatus")) }
            " · last change " (text(p, "/lastUpdate")) }
        @if let Some(offering) = view.offering() {
            p id="offering-links" {
                a href={ "/console/catalog/offerings/" (urlencode(offering)) } { "Back to the offering" } " · "
                a href={ "/console/catalog/preview?channel=ECOMM&productOfferingId=" (urlencode(offering)) } { "Preview the offering in discovery" }
            }
        }
        @if let Some(notice) = notice { (notice) }
        (status_form(agent, &price_url(id, "/status", view, ""), text(p, "/lifecycleStatus"), CATALOG_STATUSES, current.version))
        section class="card" aria-labelledby="edit-h" {
            h2 id="edit-h" { "Amount and terms" }
            (problems.summary())
            form id="price-form" method="post" action=(price_url(id, "", view, "")) {
                (page::csrf(agent))
                input type="hidden" name="version" value=(current.version);
                (text_field(&problems, "name", "price-name", "Name", text(&shown, "/name"), None))
                div class="row" {
                    (text_field(&problems, "price.value", "price-value", "Amount", &scalar(&shown, "/price/value"), Some("a decimal, e.g. 85.99")))
                    (text_field(&problems, "price.unit", "price-unit", "Currency", text(&shown, "/price/unit"), None))
                    (select_field(&problems, "priceType", "price-type", "Price type", PRICE_TYPES, if price_type.is_empty() { "oneTime" } else { price_type }))
                }
                div class="row" {
                    (text_field(&problems, "recurringChargePeriodType", "price-period", "Charged every", text(&shown, "/recurringChargePeriodType"), Some("month, week, day; empty for one-time prices")))
                    (text_field(&problems, "recurringChargePeriodLength", "price-period-length", "Period length", &scalar(&shown, "/recurringChargePeriodLength"), Some("installments: the number of monthly payments")))
                }
                div class="row" {
                    (text_field(&problems, "lineCountMin", "price-lines-min", "From lines", &scalar(&shown, "/lineCountMin"), Some("multi-line plans: the tier's first line count")))
                    (text_field(&problems, "lineCountMax", "price-lines-max", "To lines", &scalar(&shown, "/lineCountMax"), Some("empty: no upper limit")))
                }
                div class="row" {
                    (text_field(&problems, "validFor.startDateTime", "price-start", "Valid from", text(&shown, "/validFor/startDateTime"), Some("RFC 3339, e.g. 2026-01-01T00:00:00Z")))
                    (text_field(&problems, "validFor.endDateTime", "price-end", "Valid until", text(&shown, "/validFor/endDateTime"), Some("empty: no end")))
                }
                button type="submit" { "Save price" }
            }
        }
        section class="card" aria-labelledby="used-h" {
            h2 id="used-h" { "Offerings that list this price" }
            @match &used_by {
                None => { p { a id="find-used-by" href=(price_url(id, "", view, "usedBy=1")) { "Find the offerings that list this price" } } }
                Some(Err(problems)) => { (problems.summary()) }
                Some(Ok(list)) if list.is_empty() => { p { "No offering lists it." } }
                Some(Ok(list)) => {
                    ul id="used-by" {
                        @for o in list {
                            li { a href={ "/console/catalog/offerings/" (urlencode(text(o, "/id"))) } { (text(o, "/name")) }
                                " · " a href={ "/console/catalog/preview?channel=ECOMM&productOfferingId=" (urlencode(text(o, "/id"))) } { "preview in discovery" } }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(agent, text(p, "/name"), "/console/catalog", main))
}

/// The offerings whose `productOfferingPrice` names this price (one list).
async fn used_by(state: &AppState, agent: &Agent, id: &str) -> Result<Vec<Value>, Problems> {
    let res = catalog_resource("productOffering").map_err(|_| Problems::none())?;
    let limit = USED_BY_LIMIT.to_string();
    let pairs = [
        ("productOfferingPrice.id", id),
        ("fields", "id,name"),
        ("limit", limit.as_str()),
    ];
    let query =
        ListQuery::parse(pairs, &[]).map_err(|e| Problems::from(omni_app::AppError::from(e)))?;
    Ok(tmf::list(&state.ctx, &res, &agent.principal, &query)
        .await
        .map_err(Problems::from)?
        .items)
}

/// The merge patch a posted price form makes: every field it shows, an
/// empty one removing the attribute.
fn price_patch(form: &Posted) -> Value {
    json!({
        "name": form.get("name").unwrap_or("").trim(),
        "priceType": or_null(form.get("priceType")),
        "price": {
            "value": form.get("price.value").unwrap_or("").trim(),
            "unit": or_null(form.get("price.unit")),
        },
        "recurringChargePeriodType": or_null(form.get("recurringChargePeriodType")),
        "recurringChargePeriodLength": number_or_text(form.get("recurringChargePeriodLength")),
        "lineCountMin": number_or_text(form.get("lineCountMin")),
        "lineCountMax": number_or_text(form.get("lineCountMax")),
        "validFor": valid_for(form.get("validFor.startDateTime"), form.get("validFor.endDateTime")),
    })
}

/// `POST /console/catalog/prices/{id}`.
pub(super) async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(view): Query<PriceView>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(OFFERING_ROLES)?;
    let res = catalog_resource("productOfferingPrice")?;
    let patch = price_patch(&form);
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
        Ok(_) => Ok(Redirect::to(&price_url(&id, "", &view, "saved=1")).into_response()),
        Err(e @ (omni_app::AppError::NotFound { .. } | omni_app::AppError::Access(_))) => {
            Err(e.into())
        }
        Err(e) => {
            let body = render(
                &state,
                agent,
                &id,
                Problems::from(e),
                Some(&patch),
                None,
                &view,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

/// `POST /console/catalog/prices/{id}/status`.
pub(super) async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(view): Query<PriceView>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(OFFERING_ROLES)?;
    let res = catalog_resource("productOfferingPrice")?;
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
        Ok(_) => Ok(Redirect::to(&price_url(&id, "", &view, "saved=1")).into_response()),
        Err(e @ (omni_app::AppError::NotFound { .. } | omni_app::AppError::Access(_))) => {
            Err(e.into())
        }
        Err(e) => {
            let body = render(&state, agent, &id, Problems::from(e), None, None, &view).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}
