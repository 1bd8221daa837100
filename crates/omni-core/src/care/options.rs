//! What a care agent may pick for a line: the add-ons it could be given and
//! the rate plans it could move to, now. A console offers these in lists
//! instead of asking for offering ids by heart.
//!
//! Nothing here decides on its own: each candidate is tried with the
//! worker's own [`apply()`] on a copy of the line (an add of the add-on, a
//! change to the plan), so the lists keep to exactly the rules a care order
//! meets when it is applied (on sale, payment type, fits the plan, not a
//! duplicate or a conflict, plan swaps allowed). An order may still be
//! refused later if the line changes in between.

use super::apply::apply;
use super::catalog::{CatalogFacts, OfferingFacts};
use super::effective::EffectiveSpec;
use super::request::{ChangeRequest, ChangeType, ItemAction, ItemChange};
use crate::inventory::{BillingAccount, Subscriber};
use chrono::{DateTime, Utc};

/// The add-ons and rate plans a care change on one line would be applied
/// with now, each list sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CareOptions {
    pub addons: Vec<OfferingFacts>,
    pub rate_plans: Vec<OfferingFacts>,
}

/// A change request of `change_type` on `ctn` that acts on nothing yet;
/// the caller fills the one part it tries.
fn probe(change_type: ChangeType, ctn: &str) -> ChangeRequest {
    ChangeRequest {
        change_type,
        change_request_id: "options".into(),
        ctn: ctn.to_string(),
        effective_date: EffectiveSpec::Immediate,
        items: Vec::new(),
        udl: Vec::new(),
        suspend_service_reason: None,
        resume_service_reason: None,
        cancellation_reason: None,
        cancel_service_reason: None,
        cancel_effective_date: None,
        replace_duplicate_features: false,
        replace_conflicting_features: false,
        reset_voice_mail: None,
        billing_contact: None,
        subscriber_contact: None,
        device: None,
        rate_plan: None,
        new_ctn: None,
        ignored: Vec::new(),
    }
}

/// The add-ons `line` could be given and the plans it could move to at
/// `now`, on billing account `billing` (see the module's note).
pub fn care_options(
    line: &Subscriber,
    billing: &BillingAccount,
    catalog: &CatalogFacts,
    now: DateTime<Utc>,
) -> CareOptions {
    let fits =
        |change: &ChangeRequest| apply(line, billing, change, catalog, "options", now).is_ok();
    let mut options = CareOptions::default();
    for offering in catalog.offerings() {
        if offering.is_addon() {
            let mut change = probe(ChangeType::UpdateFeatures, &line.ctn);
            change.items.push(ItemChange {
                id: offering.id.clone(),
                action: ItemAction::Add,
                effective_date: None,
                expiration_date: None,
            });
            if fits(&change) {
                options.addons.push(offering.clone());
            }
        } else if offering.is_rate_plan() {
            let mut change = probe(ChangeType::ChangeRatePlan, &line.ctn);
            change.rate_plan = Some(offering.id.clone());
            if fits(&change) {
                options.rate_plans.push(offering.clone());
            }
        }
    }
    let by_name = |a: &OfferingFacts, b: &OfferingFacts| a.name.cmp(&b.name).then(a.id.cmp(&b.id));
    options.addons.sort_by(by_name);
    options.rate_plans.sort_by(by_name);
    options
}
