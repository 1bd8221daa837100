//! A change form: the fields of its kind, the effective date, and each
//! refusal of the care order shown under the input that answers for the
//! field it names.

use super::{CONSENT, FIRST, Form, Kind, SECOND, feature_word};
use crate::page::{self, Problems};
use crate::screen::care::{CARE, encode, given, line_href, offering, state_class};
use crate::session::Agent;
use maud::{Markup, html};
use omni_app::care::CareAccount;
use omni_core::care::{CareOptions, ResumeReason, SuspendReason};
use omni_core::inventory::FeatureStatus;
use std::collections::HashMap;

/// Everything a change form shows.
pub(super) struct View<'a> {
    pub(super) agent: &'a Agent,
    pub(super) kind: Kind,
    pub(super) account: &'a CareAccount,
    pub(super) group: Option<&'a str>,
    pub(super) options: &'a CareOptions,
    /// Catalog names of the line's offerings.
    pub(super) names: &'a HashMap<String, String>,
    pub(super) form: &'a Form,
    pub(super) removes: &'a [&'a str],
    pub(super) problems: &'a Problems,
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

pub(super) fn render(v: &View) -> Markup {
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
}
