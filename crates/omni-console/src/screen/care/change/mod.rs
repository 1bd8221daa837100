//! Placing one care change on a line: a form per kind of change, with its
//! effective date, turned into the body the care order API takes and
//! placed through the same use case (`omni_app::care::accept`). What the
//! use case refuses is shown next to the field it names.

mod view;

use super::{CARE, Find, encode, given, names_for};
use crate::page::{Problems, Refusal};
use crate::session::{Agent, Posted};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use omni_api::error::ApiError;
use omni_api::state::AppState;
use omni_app::care::{self, AccountQuery, CareAccount};
use omni_core::care::CareOptions;
use omni_core::inventory::{FeatureStatus, Subscriber};
use serde::Deserialize;
use serde_json::{Value, json};
use view::{View, render};

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
    fn every_kind_is_found_by_its_address() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_slug(kind.slug()), Some(kind));
        }
        assert_eq!(Kind::from_slug("cancel"), None);
    }
}
