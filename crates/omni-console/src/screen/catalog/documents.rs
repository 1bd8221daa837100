//! Promotions (TMF671) and cart validation rule sets: both are documents
//! with a few plain fields (shown as inputs) and one structured part, the
//! promotion's `pattern` (criteria and actions) or the rule set's `rule`
//! list, edited as JSON. The use case checks the whole document and names
//! each broken rule by its path (`pattern[0].action[0].actionValue`,
//! `rule[1].pattern`); those are listed under the JSON part, the others
//! beside their fields.

use super::offerings::{Saved, form_version, urlencode};
use super::{
    PAGE_SIZE, PROMOTION_ROLES, RULE_ROLES, errors_inside, given, layout, list_query, or_null,
    pager, select_field, status_form, text, text_field, valid_for,
};
use crate::page::{self, Problems, Refusal};
use crate::session::{Agent, Posted};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use omni_api::state::AppState;
use omni_app::tmf::{self, TmfResource};
use omni_core::tmf630::ListQuery;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// What differs between the two kinds of document.
struct Kind {
    /// Where its pages are, e.g. `/console/catalog/promotions`.
    path: &'static str,
    /// "Promotions", "Cart rules".
    plural: &'static str,
    /// "promotion", "rule set".
    one: &'static str,
    roles: &'static [&'static str],
    resource: fn() -> Option<TmfResource>,
    statuses: &'static [&'static str],
    /// The status of a new one.
    initial_status: &'static str,
    /// The structured part edited as JSON, and its label.
    json_part: &'static str,
    json_label: &'static str,
    json_hint: &'static str,
    /// A promotion has a validity period, a type and an exclusivity flag.
    promotion: bool,
}

static PROMOTIONS: Kind = Kind {
    path: "/console/catalog/promotions",
    plural: "Promotions",
    one: "promotion",
    roles: PROMOTION_ROLES,
    resource: || omni_app::promotion::resources().next(),
    statuses: &[
        "draft",
        "test",
        "waitForApproval",
        "release",
        "Active",
        "Launched",
        "suspend",
        "retirement",
        "Retired",
    ],
    initial_status: "draft",
    json_part: "pattern",
    json_label: "Criteria and actions (pattern, JSON)",
    json_hint: "A list of patterns, each with criteriaGroup[].criteria[] and action[]; see data/README.md, \"TMF671 promotions\". Only Active, Launched and release promotions apply to carts.",
    promotion: true,
};

static RULE_SETS: Kind = Kind {
    path: "/console/catalog/rules",
    plural: "Cart rules",
    one: "rule set",
    roles: RULE_ROLES,
    resource: || omni_app::rules::resources().next(),
    statuses: &["In design", "Active", "Retired"],
    initial_status: "In design",
    json_part: "rule",
    json_label: "Rules (rule, JSON)",
    json_hint: "A list of rules, each with a kind (required, allowedValues, pattern, itemCount, requires, maxQuantity); see data/README.md, \"Validation rule sets\". Only an Active rule set is evaluated.",
    promotion: false,
};

/// The pages of one kind of document under `$base`.
macro_rules! kind_routes {
    ($kind:expr, $base:literal) => {
        Router::new()
            .route(
                $base,
                get(|s: State<AppState>, a: Agent, q: Query<ListParams>| list(&$kind, s, a, q))
                    .post(|s: State<AppState>, f: Posted| create(&$kind, s, f)),
            )
            .route(concat!($base, "/new"), get(|a: Agent| new_page(&$kind, a)))
            .route(
                concat!($base, "/{id}"),
                get(
                    |s: State<AppState>, a: Agent, p: Path<String>, q: Query<Saved>| {
                        page(&$kind, s, a, p, q)
                    },
                )
                .post(|s: State<AppState>, p: Path<String>, f: Posted| save(&$kind, s, p, f)),
            )
            .route(
                concat!($base, "/{id}/status"),
                post(|s: State<AppState>, p: Path<String>, f: Posted| status(&$kind, s, p, f)),
            )
    };
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .merge(kind_routes!(PROMOTIONS, "/catalog/promotions"))
        .merge(kind_routes!(RULE_SETS, "/catalog/rules"))
}

fn resource(kind: &Kind) -> Result<TmfResource, Refusal> {
    (kind.resource)().ok_or(Refusal::NotFound)
}

fn doc_path(kind: &Kind, id: &str) -> String {
    format!("{}/{}", kind.path, urlencode(id))
}

#[derive(Deserialize, Default)]
struct ListParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<usize>,
}

async fn list(
    kind: &'static Kind,
    State(state): State<AppState>,
    agent: Agent,
    Query(params): Query<ListParams>,
) -> Result<Markup, Refusal> {
    agent.require_any(kind.roles)?;
    let res = resource(kind)?;
    let page = params.page.unwrap_or(1).max(1);
    let mut filters = Vec::new();
    if !params.status.is_empty() {
        filters.push(("lifecycleStatus", params.status.clone()));
    }
    let found = match list_query(
        page,
        &filters,
        "id,name,lifecycleStatus,validFor,lastUpdate,channel",
        if filters.is_empty() { "" } else { "id" },
    ) {
        Ok(query) => tmf::list(&state.ctx, &res, &agent.principal, &query)
            .await
            .map_err(Problems::from),
        Err(p) => Err(p),
    };
    let statuses: Vec<(&str, &str)> = std::iter::once(("", "Any"))
        .chain(kind.statuses.iter().map(|s| (*s, *s)))
        .collect();
    let main = html! {
        h1 { (kind.plural) }
        p { a class="button" href={ (kind.path) "/new" } { "New " (kind.one) } }
        form id="document-filter" method="get" action=(kind.path) class="row" {
            (select_field(&Problems::none(), "status", "filter-status", "Lifecycle status", &statuses, &params.status))
            div class="field" { button type="submit" { "Filter" } }
        }
        @match &found {
            Err(problems) => { (problems.summary()) }
            Ok(found) => {
                @if found.items.is_empty() {
                    p id="no-documents" { "None." }
                } @else {
                    div class="table-wrap" {
                        table id="documents" {
                            thead { tr {
                                th scope="col" { "Name" } th scope="col" { "Id" } th scope="col" { "Status" }
                                @if kind.promotion { th scope="col" { "Valid from" } th scope="col" { "Valid until" } }
                                @else { th scope="col" { "Channels" } }
                                th scope="col" { "Last change" }
                            } }
                            tbody {
                                @for d in &found.items {
                                    tr {
                                        td { a href=(doc_path(kind, text(d, "/id"))) { (text(d, "/name")) } }
                                        td { code { (text(d, "/id")) } }
                                        td { (text(d, "/lifecycleStatus")) }
                                        @if kind.promotion {
                                            td { (text(d, "/validFor/startDateTime")) }
                                            td { (text(d, "/validFor/endDateTime")) }
                                        } @else {
                                            td { (channels_text(d)) }
                                        }
                                        td { (text(d, "/lastUpdate")) }
                                    }
                                }
                            }
                        }
                    }
                }
                (pager(kind.path, &[("status", &params.status)], page, found.total))
            }
        }
        p class="muted" { (PAGE_SIZE) " per page; by id when filtered, else in the order they were made." }
    };
    Ok(layout(&agent, kind.plural, kind.path, main))
}

/// A rule set's channels as text ("every channel" when it names none).
fn channels_text(d: &Value) -> String {
    let names: Vec<String> = d
        .get("channel")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| match c {
            Value::String(s) => Some(s.clone()),
            other => other.get("id").and_then(Value::as_str).map(str::to_string),
        })
        .collect();
    if names.is_empty() {
        "every channel".into()
    } else {
        names.join(", ")
    }
}

/// The JSON part as the textarea shows it: stored JSON pretty-printed, or
/// the text as posted when it did not parse.
fn json_text(doc: &Value, part: &str) -> String {
    match doc.get(part) {
        None | Some(Value::Null) => "[]".into(),
        Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
    }
}

/// The form's fields (shared by the new page and the edit page).
fn fields(kind: &Kind, problems: &Problems, d: &Value, raw_json: Option<&str>) -> Markup {
    let json = raw_json.map_or_else(|| json_text(d, kind.json_part), str::to_string);
    let json_invalid = problems
        .fields
        .iter()
        .any(|f| f.field.starts_with(kind.json_part));
    html! {
        (text_field(problems, "name", "doc-name", "Name", text(d, "/name"), None))
        div class="field" {
            label for="doc-description" { "Description" }
            textarea id="doc-description" name="description" rows="2" { (text(d, "/description")) }
            (problems.at("description", "doc-description"))
        }
        @if kind.promotion {
            div class="row" {
                (select_field(problems, "promotionType", "doc-type", "Promotion type", &[("Discount", "Discount"), ("Award", "Award"), ("Reduction", "Reduction")], { let t = text(d, "/promotionType"); if t.is_empty() { "Discount" } else { t } }))
                (text_field(problems, "validFor.startDateTime", "doc-start", "Valid from", text(d, "/validFor/startDateTime"), Some("RFC 3339, e.g. 2026-01-01T00:00:00Z")))
                (text_field(problems, "validFor.endDateTime", "doc-end", "Valid until", text(d, "/validFor/endDateTime"), Some("empty: no end; the end is exclusive")))
            }
            div class="field" {
                label class="check" {
                    input type="checkbox" name="isExclusive" value="true" checked[d.get("isExclusive") == Some(&Value::Bool(true))];
                    " Exclusive: does not combine with another promotion on the same cart item"
                }
            }
        } @else {
            (text_field(problems, "channel", "doc-channel", "Channels", &channels_field(d), Some("comma-separated, e.g. ECOMM, ATTR; empty: every channel")))
        }
        div class="field wide" {
            label for="doc-json" { (kind.json_label) }
            p id="doc-json-hint" class="muted hint" { (kind.json_hint) }
            textarea id="doc-json" name="json" rows="18" spellcheck="false" class="code"
                aria-invalid=[json_invalid.then_some("true")]
                aria-describedby={ "doc-json-hint" @if json_invalid { " doc-json-error" } } { (json) }
            (errors_inside(problems, kind.json_part, "doc-json"))
        }
    }
}

fn channels_field(d: &Value) -> String {
    let text = channels_text(d);
    if text == "every channel" {
        String::new()
    } else {
        text
    }
}

async fn page(
    kind: &'static Kind,
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Query(saved): Query<Saved>,
) -> Result<Markup, Refusal> {
    agent.require_any(kind.roles)?;
    let notice = saved.saved.is_some().then(|| html! {
        div class="notice" role="status" id="saved" {
            p { "Saved. New carts apply it once every node's cache has caught up (within a second)." }
        }
    });
    render(kind, &state, &agent, &id, Problems::none(), None, notice).await
}

/// What a posted form changes, or the problem with its JSON part.
struct PostedDocument {
    patch: Value,
    /// The JSON part as typed, to show again.
    raw: String,
    json_error: Option<String>,
}

fn read_form(kind: &Kind, form: &Posted) -> PostedDocument {
    let raw = form.get("json").unwrap_or("").to_string();
    let mut patch = Map::new();
    patch.insert(
        "name".into(),
        Value::String(form.get("name").unwrap_or("").trim().to_string()),
    );
    patch.insert("description".into(), or_null(form.get("description")));
    if kind.promotion {
        patch.insert("promotionType".into(), or_null(form.get("promotionType")));
        patch.insert(
            "validFor".into(),
            valid_for(
                form.get("validFor.startDateTime"),
                form.get("validFor.endDateTime"),
            ),
        );
        patch.insert(
            "isExclusive".into(),
            Value::Bool(form.get("isExclusive") == Some("true")),
        );
    } else {
        let channels: Vec<Value> = form
            .get("channel")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| Value::String(c.to_string()))
            .collect();
        patch.insert("channel".into(), Value::Array(channels));
    }
    let json_error = if raw.trim().is_empty() {
        patch.insert(kind.json_part.into(), json!([]));
        None
    } else {
        match serde_json::from_str::<Value>(&raw) {
            Ok(v) => {
                patch.insert(kind.json_part.into(), v);
                None
            }
            Err(e) => Some(format!("is not valid JSON: {e}")),
        }
    };
    PostedDocument {
        patch: Value::Object(patch),
        raw,
        json_error,
    }
}

async fn render(
    kind: &Kind,
    state: &AppState,
    agent: &Agent,
    id: &str,
    problems: Problems,
    posted: Option<&PostedDocument>,
    notice: Option<Markup>,
) -> Result<Markup, Refusal> {
    let res = resource(kind)?;
    let current = tmf::get(
        &state.ctx,
        &res,
        &agent.principal,
        id,
        &ListQuery::default(),
    )
    .await?;
    let d = &current.body;
    let mut shown = d.clone();
    if let Some(posted) = posted {
        omni_core::merge_patch(&mut shown, &posted.patch);
    }
    let main = html! {
        h1 { (text(d, "/name")) }
        p class="muted" { (kind.one) " " code { (id) } " · status " strong id="document-status" { (text(d, "/lifecycleStatus")) }
            " · last change " (text(d, "/lastUpdate")) }
        @if let Some(notice) = notice { (notice) }
        (status_form(agent, &format!("{}/status", doc_path(kind, id)), text(d, "/lifecycleStatus"), kind.statuses, current.version))
        section class="card" aria-labelledby="edit-h" {
            h2 id="edit-h" { "Details" }
            (problems.summary())
            form id="document-form" method="post" action=(doc_path(kind, id)) {
                (page::csrf(agent))
                input type="hidden" name="version" value=(current.version);
                (fields(kind, &problems, &shown, posted.map(|p| p.raw.as_str())))
                button type="submit" { "Save " (kind.one) }
            }
        }
    };
    Ok(layout(agent, text(d, "/name"), kind.path, main))
}

/// Problems of a JSON part that did not parse.
fn json_problems(kind: &Kind, why: &str) -> Problems {
    Problems {
        message: Some(format!("The {} could not be read.", kind.json_label)),
        fields: vec![omni_core::document::FieldError::new(kind.json_part, why)],
    }
}

async fn save(
    kind: &'static Kind,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(kind.roles)?;
    let res = resource(kind)?;
    let posted = read_form(kind, &form);
    let problems = match &posted.json_error {
        Some(why) => json_problems(kind, why),
        None => match tmf::patch(
            &state.ctx,
            &res,
            &agent.principal,
            &id,
            &posted.patch,
            form_version(&form),
            None,
        )
        .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("{}?saved=1", doc_path(kind, &id))).into_response()
                );
            }
            Err(e @ (omni_app::AppError::NotFound { .. } | omni_app::AppError::Access(_))) => {
                return Err(e.into());
            }
            Err(e) => Problems::from(e),
        },
    };
    let body = render(kind, &state, agent, &id, problems, Some(&posted), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

async fn status(
    kind: &'static Kind,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(kind.roles)?;
    let res = resource(kind)?;
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
        Ok(_) => Ok(Redirect::to(&format!("{}?saved=1", doc_path(kind, &id))).into_response()),
        Err(e @ (omni_app::AppError::NotFound { .. } | omni_app::AppError::Access(_))) => {
            Err(e.into())
        }
        Err(e) => {
            let body = render(kind, &state, agent, &id, Problems::from(e), None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

async fn new_page(kind: &'static Kind, agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(kind.roles)?;
    let blank = json!({"lifecycleStatus": kind.initial_status});
    Ok(new_form(kind, &agent, &Problems::none(), &blank, None))
}

fn new_form(
    kind: &Kind,
    agent: &Agent,
    problems: &Problems,
    d: &Value,
    raw: Option<&str>,
) -> Markup {
    let statuses: Vec<(&str, &str)> = kind.statuses.iter().map(|s| (*s, *s)).collect();
    let main = html! {
        h1 { "New " (kind.one) }
        (problems.summary())
        form id="document-form" method="post" action=(kind.path) {
            (page::csrf(agent))
            div class="row" {
                (text_field(problems, "id", "doc-id", "Id", text(d, "/id"), Some("optional: letters, digits, '-', '_', '.' or ':'")))
                (select_field(problems, "lifecycleStatus", "doc-status", "Lifecycle status", &statuses, text(d, "/lifecycleStatus")))
            }
            (fields(kind, problems, d, raw))
            button type="submit" { "Create " (kind.one) }
        }
    };
    layout(agent, &format!("New {}", kind.one), kind.path, main)
}

async fn create(
    kind: &'static Kind,
    State(state): State<AppState>,
    form: Posted,
) -> Result<Response, Refusal> {
    let agent = &form.agent;
    agent.require_any(kind.roles)?;
    let res = resource(kind)?;
    let posted = read_form(kind, &form);
    let mut body = posted.patch.clone();
    if let Value::Object(map) = &mut body {
        map.retain(|_, v| !v.is_null());
        if let Some(id) = given(form.get("id")) {
            map.insert("id".into(), Value::String(id));
        }
        if let Some(s) = given(form.get("lifecycleStatus")) {
            map.insert("lifecycleStatus".into(), Value::String(s));
        }
    }
    let problems = match &posted.json_error {
        Some(why) => json_problems(kind, why),
        None => match tmf::create(&state.ctx, &res, &agent.principal, body.clone(), None).await {
            Ok(created) => {
                return Ok(Redirect::to(&format!(
                    "{}?saved=1",
                    doc_path(kind, text(&created.body, "/id"))
                ))
                .into_response());
            }
            Err(e @ omni_app::AppError::Access(_)) => return Err(e.into()),
            Err(e) => Problems::from(e),
        },
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        new_form(kind, agent, &problems, &body, Some(&posted.raw)),
    )
        .into_response())
}
