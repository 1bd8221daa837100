//! Validation of a whole care order request before anything is stored:
//! shapes and formats, reason lists, the fields each change type needs,
//! and that the foundation account, account group, lines and offerings
//! exist and belong together. Every broken rule is reported, by path.

use super::catalog::CareCatalog;
use super::checks::{addon_rule, check_line, check_required};
use super::decode;
use super::lookup::InventoryLookup;
use super::reader::{Errors, Obj};
use super::reasons::*;
use super::request::*;
use crate::document::FieldError;
use crate::formats::{PHONE_RULE, is_identifier, is_phone_number};
use crate::inventory::Account;
use serde_json::Value;
use std::collections::HashMap;

const ROOT: &str = "careOrderRequest";

const ORDER_FIELDS: [&str; 6] = [
    "foundationAccountNumber",
    "accountGroupId",
    "poNumber",
    "consentToRecurringCharges",
    "orderContact",
    "changeRequest",
];

const CHANGE_FIELDS: [&str; 19] = [
    "type",
    "changeRequestId",
    "effectiveDate",
    "ctn",
    "items",
    "udl",
    "suspendServiceReason",
    "resumeServiceReason",
    "cancellationReason",
    "cancelServiceReason",
    "cancelEffectiveDate",
    "replaceDuplicateFeatures",
    "replaceConflictingFeatures",
    "resetVoiceMail",
    "billingContact",
    "subscriberContact",
    "device",
    "ratePlan",
    "newCtn",
];

/// Checks a care order request body (`{"careOrderRequest": {...}}`) and
/// returns the order, or every broken rule with its path (e.g.
/// `careOrderRequest.changeRequest[0].device.imei`). The lead answers 400
/// with the list and stores nothing.
///
/// Rules about the line's state when the change is applied (duplicate or
/// conflicting features, status transitions, sellability) are not checked
/// here but by [`super::rehearse()`], which acceptance runs next with the
/// worker's own [`super::apply()`] on the lines as they are now.
pub fn validate(
    body: &Value,
    lookup: &dyn InventoryLookup,
    catalog: &dyn CareCatalog,
) -> Result<CareOrder, Vec<FieldError>> {
    let mut e = Errors::default();
    let order = read_order(&mut e, body, lookup, catalog);
    match order {
        Some(order) if e.0.is_empty() => Ok(order),
        _ if e.0.is_empty() => Err(vec![FieldError::new(ROOT, "is invalid")]),
        _ => Err(e.0),
    }
}

/// What change requests are checked against, and what the order has seen.
pub(super) struct Scope<'a> {
    pub(super) lookup: &'a dyn InventoryLookup,
    pub(super) catalog: &'a dyn CareCatalog,
    /// The foundation account, when it exists.
    pub(super) account: Option<Account>,
    /// The account group, when given and a group of the account.
    pub(super) group: Option<String>,
    /// `changeRequestId`s and `newCtn`s so far, with the index using each.
    pub(super) ids: HashMap<String, usize>,
    pub(super) new_ctns: HashMap<String, usize>,
}

fn read_order(
    e: &mut Errors,
    body: &Value,
    lookup: &dyn InventoryLookup,
    catalog: &dyn CareCatalog,
) -> Option<CareOrder> {
    let Value::Object(map) = body else {
        e.add("body", "must be a JSON object");
        return None;
    };
    for key in map.keys().filter(|k| *k != ROOT) {
        e.add(key.clone(), "is not a known field");
    }
    let Some(root) = map.get(ROOT).filter(|v| !v.is_null()) else {
        e.add(ROOT, "is required");
        return None;
    };
    let o = Obj::open(e, ROOT, root, &ORDER_FIELDS)?;
    let account_id = o.text(e, "foundationAccountNumber", 50, true);
    let group_id = o.text(e, "accountGroupId", 50, false);
    let po_number = o.shaped(
        e,
        "poNumber",
        false,
        |s| is_identifier(s) && s.len() <= 30,
        "must be 1 to 30 letters, digits, '-', '_', '.', ':' or '/'",
    );
    let consent = o.flag(e, "consentToRecurringCharges");
    let order_contact = decode::order_contact(e, &o);

    let account = account_id.as_deref().and_then(|id| {
        let found = lookup.account(id);
        if found.is_none() {
            e.add(
                o.at("foundationAccountNumber"),
                format!("account '{id}' does not exist"),
            );
        }
        found
    });
    let group = match (&account, &group_id) {
        (Some(a), Some(g)) if a.account_groups.iter().any(|x| &x.id == g) => Some(g.clone()),
        (Some(a), Some(_)) => {
            let rule = format!("is not a group of account '{}'", a.id);
            e.add(o.at("accountGroupId"), rule);
            None
        }
        _ => None,
    };
    let mut scope = Scope {
        lookup,
        catalog,
        account,
        group,
        ids: HashMap::new(),
        new_ctns: HashMap::new(),
    };

    let mut changes = Vec::new();
    match o.get("changeRequest") {
        None => e.add(o.at("changeRequest"), "is required"),
        // How many one order may carry is the application's limit, checked
        // before this.
        Some(Value::Array(list)) if !list.is_empty() => {
            for (i, value) in list.iter().enumerate() {
                let path = format!("{}[{i}]", o.at("changeRequest"));
                if let Some(change) = change_request(e, path, i, value, &mut scope) {
                    changes.push(change);
                }
            }
        }
        Some(Value::Array(_)) => e.add(o.at("changeRequest"), "must have at least one entry"),
        Some(_) => e.add(o.at("changeRequest"), "must be an array"),
    }
    let adds_charges = changes
        .iter()
        .any(|c| c.rate_plan.is_some() || c.items.iter().any(|i| i.action == ItemAction::Add));
    // Refusing consent while asking for what brings recurring charges is a
    // contradiction; leaving the flag out is not (many clients omit it).
    if adds_charges && consent == Some(false) {
        e.add(
            o.at("consentToRecurringCharges"),
            "may not be false when the order adds features or changes a rate plan (recurring charges)",
        );
    }
    Some(CareOrder {
        foundation_account_number: account_id?,
        account_group_id: group_id,
        po_number,
        consent_to_recurring_charges: consent,
        order_contact,
        change_requests: changes,
    })
}

fn reason<T>(
    e: &mut Errors,
    o: &Obj,
    key: &str,
    parse: fn(&str) -> Option<T>,
    listing: fn() -> String,
) -> Option<T> {
    let code = o.str(e, key, false)?;
    let reason = parse(code);
    if reason.is_none() {
        e.add(o.at(key), format!("must be one of: {}", listing()));
    }
    reason
}

fn change_request(
    e: &mut Errors,
    path: String,
    index: usize,
    value: &Value,
    scope: &mut Scope,
) -> Option<ChangeRequest> {
    let o = Obj::open(e, path, value, &CHANGE_FIELDS)?;
    let change_type = o.str(e, "type", true).and_then(|t| {
        let parsed = ChangeType::parse(t);
        if parsed.is_none() {
            let all: Vec<_> = ChangeType::ALL.iter().map(|t| t.as_str()).collect();
            e.add(o.at("type"), format!("must be one of: {}", all.join(", ")));
        }
        parsed
    });
    let id = o.shaped(
        e,
        "changeRequestId",
        true,
        |s| is_identifier(s) && s.len() <= 50,
        "must be 1 to 50 letters, digits, '-', '_', '.', ':' or '/'",
    );
    if let Some(id) = &id
        && let Some(first) = scope.ids.insert(id.clone(), index)
    {
        e.add(
            o.at("changeRequestId"),
            format!("must be unique within the order (changeRequest[{first}] has it too)"),
        );
        scope.ids.insert(id.clone(), first);
    }
    let ctn = o.shaped(e, "ctn", true, is_phone_number, PHONE_RULE);
    if let Some(ctn) = &ctn {
        check_line(e, &o, ctn, scope);
    }
    let effective_date = o.effective(e, "effectiveDate", false);
    let suspend = reason(
        e,
        &o,
        "suspendServiceReason",
        SuspendReason::parse,
        SuspendReason::listing,
    );
    let resume = reason(
        e,
        &o,
        "resumeServiceReason",
        ResumeReason::parse,
        ResumeReason::listing,
    );
    let cancellation = reason(
        e,
        &o,
        "cancellationReason",
        CancellationReason::parse,
        CancellationReason::listing,
    );
    let cancel_service = reason(
        e,
        &o,
        "cancelServiceReason",
        CancelServiceReason::parse,
        CancelServiceReason::listing,
    );
    let cancel_effective_date = o.effective(e, "cancelEffectiveDate", false);
    let replace_duplicates = o.flag(e, "replaceDuplicateFeatures").unwrap_or(false);
    let replace_conflicting = o.flag(e, "replaceConflictingFeatures").unwrap_or(false);

    let catalog = scope.catalog;
    let items = decode::items(e, &o, &|id| addon_rule(catalog, id));
    let udl = decode::udl(e, &o);
    let reset = decode::reset_voicemail(e, &o);
    let billing_contact = decode::billing_contact(e, &o);
    let subscriber_contact = decode::subscriber_contact(e, &o);
    let device = decode::device(e, &o);
    let rate_plan = o.text(e, "ratePlan", 100, false);
    if let Some(plan) = &rate_plan {
        match catalog.offering(plan) {
            Some(facts) if facts.is_rate_plan() => {}
            Some(facts) => e.add(
                o.at("ratePlan"),
                format!(
                    "'{plan}' is a {} offering, not a rate plan (Mobile_Offer)",
                    facts.offering_type
                ),
            ),
            None => e.add(
                o.at("ratePlan"),
                format!("no offering '{plan}' in the catalog"),
            ),
        }
    }
    let new_ctn = o.shaped(e, "newCtn", false, is_phone_number, PHONE_RULE);
    if let Some(new) = &new_ctn {
        if ctn.as_ref() == Some(new) {
            e.add(o.at("newCtn"), "must differ from ctn");
        } else if scope.lookup.line(new).is_some() {
            e.add(o.at("newCtn"), format!("number '{new}' is already in use"));
        } else if let Some(first) = scope.new_ctns.insert(new.clone(), index) {
            e.add(
                o.at("newCtn"),
                format!("changeRequest[{first}] already moves a line to '{new}'"),
            );
            scope.new_ctns.insert(new.clone(), first);
        }
    }

    let change_type = change_type?;
    check_required(e, &o, change_type);
    let acts = |field: &str| change_type.parts().contains(&field);
    let ignored = PART_FIELDS
        .iter()
        .chain(STEERING_FIELDS.iter().map(|(name, _)| name))
        .filter(|f| o.has(f) && !change_type.uses(f))
        .map(|f| f.to_string())
        .collect();
    Some(ChangeRequest {
        change_type,
        change_request_id: id?,
        ctn: ctn?,
        effective_date: effective_date.unwrap_or(super::EffectiveSpec::Immediate),
        items: items.filter(|_| acts("items")).unwrap_or_default(),
        udl: udl.filter(|_| acts("udl")).unwrap_or_default(),
        suspend_service_reason: suspend,
        resume_service_reason: resume,
        cancellation_reason: cancellation,
        cancel_service_reason: cancel_service,
        cancel_effective_date,
        replace_duplicate_features: replace_duplicates,
        replace_conflicting_features: replace_conflicting,
        reset_voice_mail: reset.filter(|_| acts("resetVoiceMail")),
        billing_contact: billing_contact.filter(|_| acts("billingContact")),
        subscriber_contact: subscriber_contact.filter(|_| acts("subscriberContact")),
        device: device.filter(|_| acts("device")),
        rate_plan: rate_plan.filter(|_| acts("ratePlan")),
        new_ctn: new_ctn.filter(|_| acts("newCtn")),
        ignored,
    })
}
