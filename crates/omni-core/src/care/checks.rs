//! Cross-checks of a change request: its line against the inventory, its
//! item ids against the catalog, and the fields its type cannot do without.

use super::catalog::CareCatalog;
use super::reader::{Errors, Obj};
use super::request::ChangeType;
use super::validate::Scope;
use crate::inventory::{Owner, ownership_problem};
use serde_json::Value;

/// The rule an item's offering id breaks, if any.
pub(super) fn addon_rule(catalog: &dyn CareCatalog, id: &str) -> Option<String> {
    match catalog.offering(id) {
        None => Some(format!("no offering '{id}' in the catalog")),
        Some(o) if o.is_addon() => None,
        Some(o) if o.is_rate_plan() => Some(format!(
            "'{id}' is a rate plan: change it with a changeRatePlan and ratePlan"
        )),
        Some(o) => Some(format!(
            "'{id}' is a {} offering, not an add-on (Mobile_Addon)",
            o.offering_type
        )),
    }
}

/// The line exists and belongs to the order's account (and group).
pub(super) fn check_line(e: &mut Errors, o: &Obj, ctn: &str, scope: &Scope) {
    let Some(line) = scope.lookup.line(ctn) else {
        e.add(o.at("ctn"), format!("no line with number '{ctn}'"));
        return;
    };
    // The one ownership rule order capture calls too.
    let problem = scope.account.as_ref().and_then(|account| {
        ownership_problem(
            Owner::Account(&account.id),
            &format!("line '{ctn}'"),
            &line.account_id,
            None,
        )
    });
    if let Some(problem) = problem {
        e.add(o.at("ctn"), problem);
    } else if let Some(group) = &scope.group
        && line.account_group_id.as_ref() != Some(group)
    {
        e.add(
            o.at("ctn"),
            format!("line '{ctn}' is not in account group '{group}'"),
        );
    }
}

/// The fields `change_type` cannot do without (see [`ChangeType::parts`]).
pub(super) fn check_required(e: &mut Errors, o: &Obj, change_type: ChangeType) {
    let name = change_type.as_str();
    let required = |e: &mut Errors, field: &str| {
        if !o.has(field) {
            e.add(
                o.at(field),
                format!("is required for a {name} change request"),
            );
        }
    };
    match change_type {
        ChangeType::UpdateSubscriber => {
            if !change_type.parts().iter().any(|p| o.has(p)) {
                e.add(
                    o.path.clone(),
                    format!(
                        "an {name} must give at least one of: {}",
                        change_type.parts().join(", ")
                    ),
                );
            }
        }
        ChangeType::Suspend => required(e, "suspendServiceReason"),
        ChangeType::Resume => required(e, "resumeServiceReason"),
        ChangeType::Cancel => {
            if !o.has("cancelServiceReason") && !o.has("cancellationReason") {
                e.add(
                    o.at("cancelServiceReason"),
                    "is required for a cancel change request (or cancellationReason)",
                );
            }
            required(e, "cancelEffectiveDate");
        }
        ChangeType::ActivateSim => {
            required(e, "device");
            let iccid = o.get("device").and_then(|d| d.get("iccid"));
            if o.get("device").is_some_and(Value::is_object) && iccid.is_none_or(Value::is_null) {
                e.add(
                    format!("{}.iccid", o.at("device")),
                    format!("is required for an {name} change request"),
                );
            }
        }
        _ => {
            for part in change_type.parts() {
                required(e, part);
            }
            let empty = o
                .get("items")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty);
            if change_type.parts().contains(&"items") && empty {
                e.add(
                    o.at("items"),
                    format!("must not be empty for a {name} change request"),
                );
            }
        }
    }
}
