//! What every catalog page's forms and lists share: labelled inputs with
//! the use case's error under them, the lifecycle form, pages of a list,
//! and turning form text into the JSON a merge patch sends.

use super::PAGE_SIZE;
use crate::page::{self, Problems};
use crate::session::Agent;
use maud::{Markup, html};
use omni_core::tmf630::ListQuery;
use serde_json::Value;

/// Text of `value` at `pointer`, or "".
pub(super) fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// A number or a string at `pointer` as text, or "".
pub(super) fn scalar(value: &Value, pointer: &str) -> String {
    match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A form's text: empty (or blanks) is `None`.
pub(super) fn given(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A form's text as a JSON value for a merge patch: empty means "remove the
/// attribute" (`null`).
pub(super) fn or_null(v: Option<&str>) -> Value {
    given(v).map_or(Value::Null, Value::String)
}

/// A whole number the form gives, passed on as a number; anything else is
/// passed on as typed, so the use case's own rule names the field.
pub(super) fn number_or_text(v: Option<&str>) -> Value {
    match given(v) {
        None => Value::Null,
        Some(s) => s
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(s)),
    }
}

/// The `validFor` a form's two date-time fields make (`null` when both are
/// empty). They are passed on as typed: the use case checks RFC 3339.
pub(super) fn valid_for(start: Option<&str>, end: Option<&str>) -> Value {
    let mut period = serde_json::Map::new();
    if let Some(s) = given(start) {
        period.insert("startDateTime".into(), Value::String(s));
    }
    if let Some(e) = given(end) {
        period.insert("endDateTime".into(), Value::String(e));
    }
    if period.is_empty() {
        Value::Null
    } else {
        Value::Object(period)
    }
}

/// A labelled text input, with the use case's error for `field` under it.
pub(super) fn text_field(
    problems: &Problems,
    field: &str,
    id: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
) -> Markup {
    let invalid = problems.rule(field).is_some();
    let described = match (invalid, hint.is_some()) {
        (true, true) => Some(format!("{id}-error {id}-hint")),
        (true, false) => Some(format!("{id}-error")),
        (false, true) => Some(format!("{id}-hint")),
        (false, false) => None,
    };
    html! {
        div class="field" {
            label for=(id) { (label) }
            input type="text" id=(id) name=(field) value=(value)
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[described];
            @if let Some(hint) = hint { p id={ (id) "-hint" } class="muted hint" { (hint) } }
            (problems.at(field, id))
        }
    }
}

/// A labelled select of `options` (value, label), `current` selected; a
/// current value not among them is listed too.
pub(super) fn select_field(
    problems: &Problems,
    field: &str,
    id: &str,
    label: &str,
    options: &[(&str, &str)],
    current: &str,
) -> Markup {
    let invalid = problems.rule(field).is_some();
    let known = options.iter().any(|(v, _)| *v == current);
    html! {
        div class="field" {
            label for=(id) { (label) }
            select id=(id) name=(field)
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{id}-error"))] {
                @if !known && !current.is_empty() {
                    option value=(current) selected { (current) }
                }
                @for (value, text) in options {
                    option value=(value) selected[*value == current] { (text) }
                }
            }
            (problems.at(field, id))
        }
    }
}

/// Every error whose field is `field` or lies inside it (`pattern[0]…`),
/// under the input `id` (a JSON part names its own paths).
pub(super) fn errors_inside(problems: &Problems, field: &str, id: &str) -> Markup {
    let inside: Vec<_> = problems
        .fields
        .iter()
        .filter(|f| {
            f.field == field
                || f.field.starts_with(&format!("{field}["))
                || f.field.starts_with(&format!("{field}."))
        })
        .collect();
    html! {
        @if !inside.is_empty() {
            div id={ (id) "-error" } class="error" role="alert" {
                ul {
                    @for f in inside { li { code { (f.field) } ": " (f.rule) } }
                }
            }
        }
    }
}

/// The lifecycle form of a resource: a select and a button.
pub(super) fn status_form(
    agent: &Agent,
    action: &str,
    current: &str,
    statuses: &[&str],
    version: i64,
) -> Markup {
    let options: Vec<(&str, &str)> = statuses.iter().map(|s| (*s, *s)).collect();
    html! {
        form id="status-form" method="post" action=(action) class="row" {
            (page::csrf(agent))
            input type="hidden" name="version" value=(version);
            (select_field(&Problems::none(), "lifecycleStatus", "lifecycle-status", "Lifecycle status", &options, current))
            div class="field" { button type="submit" { "Change status" } }
        }
    }
}

/// A notice after a change was saved.
pub(super) fn saved_notice(what: &str) -> Markup {
    html! {
        div class="notice" role="status" id="saved" {
            p { (what) " Discovery and new carts use it once every node's index has caught up (within a second): "
                a href="/console/catalog/preview" { "see the discovery preview" } "." }
        }
    }
}

/// Previous and next links of a list page, keeping its other parameters.
pub(super) fn pager(base: &str, keep: &[(&str, &str)], page: usize, total: usize) -> Markup {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let link = |n: usize| {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        for (k, v) in keep.iter().filter(|(_, v)| !v.is_empty()) {
            pairs.append_pair(k, v);
        }
        pairs.append_pair("page", &n.to_string());
        format!("{base}?{}", pairs.finish())
    };
    html! {
        nav class="pager" aria-label="Pages" {
            @if page > 1 { a href=(link(page - 1)) rel="prev" { "Previous page" } }
            span { "Page " (page) " of " (pages) " (" (total) " in all)" }
            @if page < pages { a href=(link(page + 1)) rel="next" { "Next page" } }
        }
    }
}

/// A list query of one page (1-based) of `PAGE_SIZE`, with `filters`.
pub(super) fn list_query(
    page: usize,
    filters: &[(&str, String)],
    fields: &str,
    sort: &str,
) -> Result<ListQuery, Problems> {
    let offset = (page.max(1) - 1) * PAGE_SIZE;
    let mut pairs: Vec<(&str, String)> = vec![
        ("offset", offset.to_string()),
        ("limit", PAGE_SIZE.to_string()),
        ("fields", fields.to_string()),
    ];
    if !sort.is_empty() {
        pairs.push(("sort", sort.to_string()));
    }
    pairs.extend(filters.iter().cloned());
    ListQuery::parse(pairs.iter().map(|(k, v)| (*k, v.as_str())), &[])
        .map_err(|e| Problems::from(omni_app::AppError::from(e)))
}
