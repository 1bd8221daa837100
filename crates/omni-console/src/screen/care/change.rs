//! Placing one care change on a line: a form per kind of change, with its
//! effective date, turned into the body the care order API takes and
//! placed through the same use case (`omni_app::care::accept`). What the
//! use case refuses is shown next to the field it names.

use super::{CARE, Find, encode, given, line_href, names_for, offering, state_class};
use crate::page::{self, Problems, Refusal};
use crate::session::{Agent, Posted};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use omni_api::error::ApiError;
use omni_api::state::AppState;
use omni_app::care::{self, AccountQuery, CareAccount};
use omni_core::care::{CareOptions, ResumeReason, SuspendReason};
use omni_core::inventory::{FeatureStatus, Subscriber};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A kind of care change the console places (each one care order change
/// request type, see `omni_core::care::ChangeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Suspend,
    Resume,
    Features,
    Plan,
    Device,
    Sim,
    Number,
    Contact,
    BillingContact,
}

impl Kind {
    pub(super) const ALL: [Kind; 9] = [
        Kind::Suspend,
        Kind::Resume,
        Kind::Features,
        Kind::Plan,
        Kind::Device,
        Kind::Sim,
        Kind::Number,
        Kind::Contact,
        Kind::BillingContact,
    ];

    pub(super) fn slug(self) -> &'static str {
        match self {
            Kind::Suspend => "suspend",
            Kind::Resume => "resume",
            Kind::Features => "features",
            Kind::Plan => "plan",
            Kind::Device => "device",
            Kind::Sim => "sim",
            Kind::Number => "number",
            Kind::Contact => "contact",
            Kind::BillingContact => "billing-contact",
        }
    }

    pub(super) fn title(self) -> &'static str {
        match self {
            Kind::Suspend => "Suspend",
            Kind::Resume => "Resume",
            Kind::Features => "Add or remove features",
            Kind::Plan => "Change rate plan",
            Kind::Device => "Change or block the device",
            Kind::Sim => "Change the SIM",
            Kind::Number => "Change the number",
            Kind::Contact => "User contact",
            Kind::BillingContact => "Billing contact",
        }
    }

    /// The care order change request type it is placed as.
    fn change_type(self) -> &'static str {
        match self {
            Kind::Suspend => "suspend",
            Kind::Resume => "resume",
            Kind::Features => "updateFeatures",
            Kind::Plan => "changeRatePlan",
            Kind::Device => "updateDevice",
            Kind::Sim => "activateSim",
            Kind::Number => "changeCTN",
            Kind::Contact | Kind::BillingContact => "updateSubscriber",
        }
    }

    fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// Every field any change form has; each form sends its own.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Form {
    #[serde(default)]
    when: Option<String>,
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    /// The suspend form's "block the device" and the resume form's
    /// "unblock" checkbox.
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    add: Option<String>,
    #[serde(default)]
    add_from: Option<String>,
    #[serde(default)]
    add_until: Option<String>,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    imei: Option<String>,
    #[serde(default)]
    block: Option<String>,
    #[serde(default)]
    iccid: Option<String>,
    #[serde(default)]
    new_ctn: Option<String>,
    #[serde(default)]
    first: Option<String>,
    #[serde(default)]
    last: Option<String>,
    #[serde(default)]
    attention: Option<String>,
    #[serde(default)]
    line1: Option<String>,
    #[serde(default)]
    line2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// The path of the care order's first change request, which every form
/// places (the suspend and resume forms may add a device block second).
const FIRST: &str = "careOrderRequest.changeRequest[0]";
const SECOND: &str = "careOrderRequest.changeRequest[1]";
const CONSENT: &str = "careOrderRequest.consentToRecurringCharges";

/// The care order body a form stands for. Blank fields are left out
/// (`null`), so the use case names what is required.
fn order_body(kind: Kind, form: &Form, removes: &[&str], line: &Subscriber) -> Value {
    let when = given(&form.when).unwrap_or("immediate");
    let effective = if when == "date" {
        given(&form.on).unwrap_or("")
    } else {
        when
    };
    let mut change = json!({
        "type": kind.change_type(),
        "changeRequestId": "console-1",
        "ctn": line.ctn,
        "effectiveDate": effective,
    });
    let mut second = None;
    let address = || {
        let parts = [&form.line1, &form.line2, &form.city, &form.state, &form.zip];
        parts.iter().any(|p| given(p).is_some()).then(|| {
            json!({
                "addressLine1": given(&form.line1), "addressLine2": given(&form.line2),
                "city": given(&form.city), "state": given(&form.state), "zipCode": given(&form.zip),
            })
        })
    };
    let phone = given(&form.phone).map(|n| json!({"number": n}));
    let device_block = |block: bool| {
        json!({"type": "updateDevice", "changeRequestId": "console-2", "ctn": line.ctn,
            "effectiveDate": effective, "device": {"networkBlock": block}})
    };
    let mut consent = None;
    match kind {
        Kind::Suspend => {
            change["suspendServiceReason"] = json!(given(&form.reason));
            second = given(&form.network).map(|_| device_block(true));
        }
        Kind::Resume => {
            change["resumeServiceReason"] = json!(given(&form.reason));
            second = given(&form.network).map(|_| device_block(false));
        }
        Kind::Features => {
            let mut items: Vec<Value> = removes
                .iter()
                .map(|id| json!({"id": id, "action": "remove"}))
                .collect();
            if let Some(add) = given(&form.add) {
                items.push(json!({"id": add, "action": "add",
                    "effectiveDate": given(&form.add_from),
                    "expirationDate": given(&form.add_until)}));
            }
            change["items"] = json!(items);
            consent = Some(given(&form.consent).is_some());
        }
        Kind::Plan => {
            change["ratePlan"] = json!(given(&form.plan));
            consent = Some(given(&form.consent).is_some());
        }
        Kind::Device => {
            let block = match given(&form.block) {
                Some("block") => Some(true),
                Some("unblock") => Some(false),
                _ => None,
            };
            change["device"] = json!({"imei": given(&form.imei), "networkBlock": block});
        }
        Kind::Sim => change["device"] = json!({"iccid": given(&form.iccid)}),
        Kind::Number => change["newCtn"] = json!(given(&form.new_ctn)),
        Kind::Contact => {
            change["subscriberContact"] = json!({
                "name": {"firstName": given(&form.first), "lastName": given(&form.last)},
                "address": address(), "phone": phone, "email": given(&form.email),
            });
        }
        Kind::BillingContact => {
            change["billingContact"] = json!({
                "contactName": {"firstName": given(&form.first), "lastName": given(&form.last)},
                "attentionTo": given(&form.attention),
                "address": address(), "phone": phone,
            });
        }
    }
    let changes: Vec<Value> = std::iter::once(change).chain(second).collect();
    json!({"careOrderRequest": {
        "foundationAccountNumber": line.account_id,
        "accountGroupId": line.account_group_id,
        "consentToRecurringCharges": consent,
        "changeRequest": changes,
    }})
}

/// The line the form is for, as `careAccount` reads it.
async fn line_of(
    state: &AppState,
    agent: &Agent,
    ctn: &str,
    find: &Find,
) -> Result<CareAccount, Refusal> {
    let query = AccountQuery {
        ctn: ctn.to_string(),
        account_group_id: given(&find.group).map(str::to_string),
    };
    Ok(care::care_account(&state.ctx, &agent.principal, &query).await?)
}

/// The lists the features and plan forms offer (empty for other kinds).
async fn options_for(
    state: &AppState,
    agent: &Agent,
    kind: Kind,
    account: &CareAccount,
) -> Result<CareOptions, Refusal> {
    if matches!(kind, Kind::Features | Kind::Plan) {
        Ok(care::options(&state.ctx, &agent.principal, account).await?)
    } else {
        Ok(CareOptions::default())
    }
}

pub(super) async fn form(
    agent: Agent,
    State(state): State<AppState>,
    Path((ctn, slug)): Path<(String, String)>,
    Query(find): Query<Find>,
) -> Result<Markup, Refusal> {
    agent.require_any(CARE.roles)?;
    let kind = Kind::from_slug(&slug).ok_or(Refusal::NotFound)?;
    let account = line_of(&state, &agent, &ctn, &find).await?;
    let options = options_for(&state, &agent, kind, &account).await?;
    let names = names_for(&state, &agent, &account.line).await?;
    let form = prefilled(kind, &account);
    let view = View {
        agent: &agent,
        kind,
        account: &account,
        group: given(&find.group),
        options: &options,
        names: &names,
        form: &form,
        removes: &[],
        problems: &Problems::none(),
    };
    Ok(render(&view))
}

/// The contact forms start from the contact the line (or its billing
/// account) has now.
fn prefilled(kind: Kind, account: &CareAccount) -> Form {
    let mut form = Form::default();
    let mut fill = |name: &omni_core::inventory::PersonName,
                    address: Option<&omni_core::inventory::UsAddress>,
                    phone: Option<&omni_core::inventory::Phone>| {
        form.first = Some(name.first_name.clone());
        form.last = Some(name.last_name.clone());
        if let Some(a) = address {
            form.line1 = Some(a.address_line1.clone());
            form.line2 = a.address_line2.clone();
            form.city = Some(a.city.clone());
            form.state = Some(a.state.clone());
            form.zip = Some(a.zip_code.clone());
        }
        form.phone = phone.map(|p| p.number.clone());
    };
    match kind {
        Kind::Contact => {
            if let Some(c) = &account.line.contact {
                fill(&c.name, c.address.as_ref(), c.phone.as_ref());
                form.email = c.email.clone();
            }
        }
        Kind::BillingContact => {
            if let Some(c) = account
                .billing
                .as_ref()
                .and_then(|b| b.billing_contact.as_ref())
            {
                fill(&c.contact_name, Some(&c.address), c.phone.as_ref());
                form.attention = c.attention_to.clone();
            }
        }
        _ => {}
    }
    form
}

/// Places the change; on success, to the care order's page (303).
pub(super) async fn place(
    State(state): State<AppState>,
    Path((ctn, slug)): Path<(String, String)>,
    Query(find): Query<Find>,
    posted: Posted,
) -> Result<Response, Refusal> {
    let agent = &posted.agent;
    agent.require_any(CARE.roles)?;
    let kind = Kind::from_slug(&slug).ok_or(Refusal::NotFound)?;
    let form: Form = posted.value()?;
    let removes = posted.all("remove");
    let account = line_of(&state, agent, &ctn, &find).await?;
    let body = order_body(kind, &form, &removes, &account.line);
    match care::accept(&state.ctx, &agent.principal, &body).await {
        Ok(order) => {
            tracing::info!(order = %order.id, ctn = %ctn, kind = kind.slug(), "console care change placed");
            let href = format!("/console/care/orders/{}", encode(&order.id));
            Ok(Redirect::to(&href).into_response())
        }
        Err(e) => {
            // A refusal of the order is shown on the form; a server fault
            // is not the agent's to fix and gets the error page.
            let status = ApiError::from(e.clone()).status;
            if !status.is_client_error() {
                return Err(e.into());
            }
            let options = options_for(&state, agent, kind, &account).await?;
            let names = names_for(&state, agent, &account.line).await?;
            let problems = Problems::from(e);
            let view = View {
                agent,
                kind,
                account: &account,
                group: given(&find.group),
                options: &options,
                names: &names,
                form: &form,
                removes: &removes,
                problems: &problems,
            };
            Ok((status, render(&view)).into_response())
        }
    }
}

/// Everything a change form shows.
struct View<'a> {
    agent: &'a Agent,
    kind: Kind,
    account: &'a CareAccount,
    group: Option<&'a str>,
    options: &'a CareOptions,
    /// Catalog names of the line's offerings.
    names: &'a HashMap<String, String>,
    form: &'a Form,
    removes: &'a [&'a str],
    problems: &'a Problems,
}

/// Whether refusal `field` belongs to an input answering for `pattern`:
/// the same path, or, for a pattern ending in `*`, that path and anything
/// inside it.
fn answers(field: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            field == prefix
                || field
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        }
        None => field == pattern,
    }
}

impl View<'_> {
    /// The rules broken by the fields `patterns` name.
    fn rules(&self, patterns: &[String]) -> Vec<&str> {
        self.problems
            .fields
            .iter()
            .filter(|f| patterns.iter().any(|p| answers(&f.field, p)))
            .map(|f| f.rule.as_str())
            .collect()
    }

    /// The message under input `id`, `role="alert"`, named by the input's
    /// `aria-describedby`.
    fn error(&self, id: &str, rules: &[&str]) -> Markup {
        html! {
            @if !rules.is_empty() {
                p id={ (id) "-error" } class="error" role="alert" {
                    @for (i, rule) in rules.iter().enumerate() {
                        @if i > 0 { br; }
                        (rule)
                    }
                }
            }
        }
    }

    /// A labelled text (or date) input answering for `patterns`.
    fn input(
        &self,
        id: &str,
        label: &str,
        kind: &str,
        value: Option<&str>,
        patterns: &[String],
    ) -> Markup {
        let rules = self.rules(patterns);
        let bad = !rules.is_empty();
        html! {
            div class="field" {
                label for=(id) { (label) }
                input id=(id) name=(id) type=(kind) value=[value] autocomplete="off"
                    aria-invalid=[bad.then_some("true")]
                    aria-describedby=[bad.then(|| format!("{id}-error"))];
                (self.error(id, &rules))
            }
        }
    }

    /// A labelled select of `(value, text)` choices, with a blank first
    /// choice when `blank` names one.
    fn select(
        &self,
        id: &str,
        label: &str,
        choices: &[(String, String)],
        blank: Option<&str>,
        chosen: Option<&str>,
        patterns: &[String],
    ) -> Markup {
        let rules = self.rules(patterns);
        let bad = !rules.is_empty();
        html! {
            div class="field" {
                label for=(id) { (label) }
                select id=(id) name=(id)
                    aria-invalid=[bad.then_some("true")]
                    aria-describedby=[bad.then(|| format!("{id}-error"))] {
                    @if let Some(blank) = blank { option value="" { (blank) } }
                    @for (value, text) in choices {
                        option value=(value) selected[chosen == Some(value.as_str())] { (text) }
                    }
                }
                (self.error(id, &rules))
            }
        }
    }

    /// A checkbox `name` with `value`, answering for `patterns`.
    fn checkbox(
        &self,
        id: &str,
        name: &str,
        value: &str,
        label: Markup,
        checked: bool,
        patterns: &[String],
    ) -> Markup {
        let rules = self.rules(patterns);
        let bad = !rules.is_empty();
        html! {
            div class="field check" {
                div {
                    input id=(id) name=(name) type="checkbox" value=(value) checked[checked]
                        aria-invalid=[bad.then_some("true")]
                        aria-describedby=[bad.then(|| format!("{id}-error"))];
                    " " label for=(id) { (label) }
                }
                (self.error(id, &rules))
            }
        }
    }
}

fn at(path: &str) -> String {
    format!("{FIRST}.{path}")
}

fn render(v: &View) -> Markup {
    let line = &v.account.line;
    let kind = v.kind;
    let suffix = v
        .group
        .map(|g| format!("?group={}", encode(g)))
        .unwrap_or_default();
    let action = format!(
        "/console/care/lines/{}/change/{}{suffix}",
        encode(&line.ctn),
        kind.slug()
    );
    let f = v.form;
    let status = line.status.as_str();
    let main = html! {
        p { a href=(line_href(&line.ctn, v.group)) { "← Line " (line.ctn) } }
        h1 { (kind.title()) ": line " (line.ctn) }
        p class="muted" id="line-summary" {
            "Status " span class=(state_class(status)) { (status) }
            " · plan " (offering(&line.rate_plan.offering_id, v.names))
            @if let Some(d) = &line.device { " · IMEI " (d.imei) @if d.network_block { " (blocked)" } }
            @if let Some(s) = &line.sim { " · ICCID " (s.iccid) }
        }
        (v.problems.summary())
        form id="care-change" method="post" action=(action) novalidate {
            (page::csrf(v.agent))
            (fields(v, f))
            fieldset {
                legend { "When it takes effect" }
                div class="row" {
                    (v.select("when", "Takes effect", &[
                        ("immediate".into(), "Immediately".into()),
                        ("nextBillingCycle".into(), "At the next billing cycle".into()),
                        ("date".into(), "On a date".into()),
                    ], None, given(&f.when), &[at("effectiveDate")]))
                    (v.input("on", "Date (when \u{201c}On a date\u{201d})", "date", given(&f.on), &[]))
                }
            }
            button type="submit" { "Place care order" }
        }
    };
    page::layout(
        v.agent,
        &format!("{}: line {}", kind.title(), line.ctn),
        Some(&CARE),
        main,
    )
}

/// The fields of the kind of change.
fn fields(v: &View, f: &Form) -> Markup {
    let line = &v.account.line;
    let choices = |list: &[omni_core::care::OfferingFacts]| -> Vec<(String, String)> {
        list.iter()
            .map(|o| (o.id.clone(), format!("{} ({})", o.name, o.id)))
            .collect()
    };
    match v.kind {
        Kind::Suspend => {
            let reasons: Vec<(String, String)> = SuspendReason::ALL
                .iter()
                .map(|r| (r.as_str().into(), r.as_str().into()))
                .collect();
            html! {
                (v.select("reason", "Reason", &reasons, Some("Choose a reason"), given(&f.reason),
                    &[at("suspendServiceReason"), at("type")]))
                (v.checkbox("network", "network", "block",
                    html! { "Also block the device on the network (lost or stolen)" },
                    given(&f.network).is_some(), &[format!("{SECOND}*")]))
            }
        }
        Kind::Resume => {
            let reasons: Vec<(String, String)> = ResumeReason::ALL
                .iter()
                .map(|r| (r.as_str().into(), r.as_str().into()))
                .collect();
            html! {
                (v.select("reason", "Reason", &reasons, Some("Choose a reason"), given(&f.reason),
                    &[at("resumeServiceReason"), at("type")]))
                (v.checkbox("network", "network", "unblock",
                    html! { "Also unblock the device on the network (it was found)" },
                    given(&f.network).is_some(), &[format!("{SECOND}*")]))
            }
        }
        Kind::Features => {
            let live: Vec<_> = line
                .features
                .iter()
                .filter(|x| x.status != FeatureStatus::Ended)
                .collect();
            // Removes are sent first, in this order, then the add: so
            // `items[i]` names the i-th box, and `items[live]` the add.
            let add_index = v.removes.len();
            html! {
                fieldset {
                    legend { "Remove" }
                    @if live.is_empty() { p { "The line has no feature to remove." } }
                    @for (i, feature) in live.iter().enumerate() {
                        @let id = format!("remove-{i}");
                        @let index = v.removes.iter().position(|r| *r == feature.offering_id);
                        @let patterns: Vec<String> = index.map(|n| vec![at(&format!("items[{n}]*"))]).unwrap_or_default();
                        (v.checkbox(&id, "remove", &feature.offering_id,
                            html! { (offering(&feature.offering_id, v.names)) " (" (feature_word(feature.status)) ")" },
                            index.is_some(), &patterns))
                    }
                }
                fieldset {
                    legend { "Add" }
                    (v.select("add", "Add-on", &choices(&v.options.addons), Some("No add-on"),
                        given(&f.add), &[at(&format!("items[{add_index}]*")), at("items")]))
                    div class="row" {
                        (v.input("add_from", "Starts on (optional)", "date", given(&f.add_from), &[]))
                        (v.input("add_until", "Ends on (optional)", "date", given(&f.add_until), &[]))
                    }
                    (v.checkbox("consent", "consent", "yes",
                        html! { "The customer consents to the recurring charges" },
                        given(&f.consent).is_some(), &[CONSENT.to_string()]))
                }
            }
        }
        Kind::Plan => html! {
            (v.select("plan", "New rate plan", &choices(&v.options.rate_plans), Some("Choose a plan"),
                given(&f.plan), &[at("ratePlan"), at("type")]))
            @if v.options.rate_plans.is_empty() {
                p class="muted" { "No plan this line may move to is on sale now." }
            }
            (v.checkbox("consent", "consent", "yes",
                html! { "The customer consents to the recurring charges" },
                given(&f.consent).is_some(), &[CONSENT.to_string()]))
        },
        Kind::Device => html! {
            (v.input("imei", "New device IMEI (optional)", "text", given(&f.imei),
                &[at("device.imei"), at("device"), at("type")]))
            (v.select("block", "Network block", &[
                ("block".into(), "Block (lost or stolen)".into()),
                ("unblock".into(), "Unblock".into()),
            ], Some("No change"), given(&f.block), &[at("device.networkBlock")]))
        },
        Kind::Sim => html! {
            (v.input("iccid", "New SIM ICCID", "text", given(&f.iccid),
                &[at("device.iccid"), at("device"), at("type")]))
        },
        Kind::Number => html! {
            (v.input("new_ctn", "New number (10 digits)", "text", given(&f.new_ctn),
                &[at("newCtn"), at("type")]))
        },
        Kind::Contact => {
            let p = |s: &str| at(&format!("subscriberContact.{s}"));
            html! {
                fieldset {
                    legend { "The line's user" }
                    div class="row" {
                        (v.input("first", "First name", "text", given(&f.first), &[p("name.firstName"), p("name")]))
                        (v.input("last", "Last name", "text", given(&f.last), &[p("name.lastName")]))
                    }
                    (address_fields(v, f, &|s| p(&format!("address.{s}")), &p("address")))
                    div class="row" {
                        (v.input("phone", "Phone (optional)", "text", given(&f.phone), &[p("phone*")]))
                        (v.input("email", "E-mail (optional)", "email", given(&f.email), &[p("email")]))
                    }
                }
            }
        }
        Kind::BillingContact => {
            let p = |s: &str| at(&format!("billingContact.{s}"));
            html! {
                fieldset {
                    legend { "The billing account's contact" }
                    div class="row" {
                        (v.input("first", "First name", "text", given(&f.first), &[p("contactName.firstName"), p("contactName")]))
                        (v.input("last", "Last name", "text", given(&f.last), &[p("contactName.lastName")]))
                    }
                    (v.input("attention", "Attention of (optional)", "text", given(&f.attention), &[p("attentionTo")]))
                    (address_fields(v, f, &|s| p(&format!("address.{s}")), &p("address")))
                    (v.input("phone", "Phone (optional)", "text", given(&f.phone), &[p("phone*")]))
                }
            }
        }
    }
}

fn address_fields(v: &View, f: &Form, p: &dyn Fn(&str) -> String, whole: &str) -> Markup {
    html! {
        (v.input("line1", "Address line 1", "text", given(&f.line1), &[p("addressLine1"), whole.to_string()]))
        (v.input("line2", "Address line 2 (optional)", "text", given(&f.line2), &[p("addressLine2")]))
        div class="row" {
            (v.input("city", "City", "text", given(&f.city), &[p("city")]))
            (v.input("state", "State (two letters)", "text", given(&f.state), &[p("state")]))
            (v.input("zip", "ZIP code", "text", given(&f.zip), &[p("zipCode")]))
        }
    }
}

pub(super) fn feature_word(s: FeatureStatus) -> &'static str {
    match s {
        FeatureStatus::Scheduled => "scheduled",
        FeatureStatus::Active => "active",
        FeatureStatus::Ended => "ended",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_go_to_the_inputs_that_answer_for_them() {
        let p = "careOrderRequest.changeRequest[0].items[1]*";
        assert!(answers("careOrderRequest.changeRequest[0].items[1]", p));
        assert!(answers("careOrderRequest.changeRequest[0].items[1].id", p));
        assert!(!answers("careOrderRequest.changeRequest[0].items[10]", p));
        assert!(!answers("careOrderRequest.changeRequest[0].items", p));
        let exact = "careOrderRequest.changeRequest[0].device";
        assert!(answers(exact, exact));
        assert!(!answers(
            "careOrderRequest.changeRequest[0].device.imei",
            exact
        ));
    }

    #[test]
    fn every_kind_is_found_by_its_address() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_slug(kind.slug()), Some(kind));
        }
        assert_eq!(Kind::from_slug("cancel"), None);
    }
}
