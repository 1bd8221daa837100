//! Business care orders (`POST /orderingMobility/v1/careOrder`): changes to
//! existing lines (features, rate plan, device and SIM, number, contacts,
//! labels, voicemail, suspend, resume, cancel).
//!
//! The flow, all pure (callers pass `now` and the facts in):
//!
//! 1. [`validate()`] checks the whole body against the inventory
//!    ([`InventoryLookup`]) and the catalog ([`CareCatalog`]) and returns a
//!    [`CareOrder`], or every broken rule by path (answer 400, store nothing).
//! 2. For each change request, [`ChangeRequest::due_at`] says when it is
//!    due (resolve it once, at acceptance, and store it); its result starts
//!    [`ChangeResult::pending`].
//!    [`rehearse()`] then applies the whole order to copies of its lines as
//!    they are now, in the worker's order, and refuses every change that
//!    would fail (answer 400, store nothing).
//! 3. When due, [`apply()`] turns the line (and billing account) into the
//!    changed copies, or fails with a [`ChangeFailure`] and changes nothing.
//! 4. [`order_outcome`] gives the order's [`OrderStatus`] from the results.
//!
//! [`settle_features`] starts and ends features on their dates, for the
//! worker to run on lines with scheduled or expiring features.
//!
//! Fields each change type needs (others it does not act on are validated,
//! then ignored, listed in [`ChangeRequest::ignored`] and answered as
//! warnings):
//!
//! | type | needs |
//! |---|---|
//! | `updateSubscriber` | one or more of `items`, `udl`, `billingContact`, `subscriberContact`, `resetVoiceMail`, `device` |
//! | `updateFeatures` | `items` (not empty) |
//! | `changeRatePlan` | `ratePlan` (a `Mobile_Offer` offering id) |
//! | `updateDevice` | `device` (`imei`, `iccid` and/or `networkBlock`) |
//! | `changeCTN` | `newCtn` (10 digits, not in use) |
//! | `activateSim` | `device.iccid` |
//! | `suspend` | `suspendServiceReason` |
//! | `resume` | `resumeServiceReason` |
//! | `cancel` | `cancelServiceReason` or `cancellationReason`, and `cancelEffectiveDate` |
//! | `resetVoicemail` | `resetVoiceMail` |
//! | `changeRatePlanWithDeviceUpdate` | `ratePlan`, `device` |
//! | `updateFeaturesWithDeviceUpdate` | `items` (not empty), `device` |
//!
//! Reasons, `cancelEffectiveDate` and the feature flags sent with types
//! that do not use them ([`STEERING_FIELDS`]; the page's example sends all
//! four reasons with an `updateSubscriber`) are validated against their
//! lists, do not change the line, and are ignored the same way.

mod apply;
mod catalog;
mod checks;
mod decode;
mod effective;
mod features;
mod lookup;
mod options;
mod outcome;
mod parts;
mod reader;
mod reasons;
mod rehearse;
mod request;
mod validate;

#[cfg(test)]
mod tests;

pub use crate::formats::*;
pub use apply::{Applied, apply, close_line};
pub use catalog::{
    ADDON_TYPE, CareCatalog, CatalogFacts, OfferingFacts, RATE_PLAN_TYPE, swap_allowed,
};
pub use effective::{
    BadEffectiveDate, EffectiveSpec, next_bill_cycle, parse_date, resolve_effective,
};
pub use features::{end_feature_of, is_live, settle_features};
pub use lookup::{InventoryLookup, LineFacts};
pub use options::{CareOptions, care_options};
pub use outcome::{
    ChangeFailure, ChangeResult, ChangeStatus, FailureCode, OrderStatus, order_outcome,
};
pub use reasons::{CancelServiceReason, CancellationReason, ResumeReason, SuspendReason};
pub use rehearse::rehearse;
pub use request::*;
pub use validate::validate;

use serde_json::Value;

/// Masks every `resetVoiceMail.pin` of a care order body with `****`, so the
/// body can be stored or logged: a PIN is never kept.
pub fn redact_pins(body: &mut Value) {
    let Some(changes) = body
        .pointer_mut("/careOrderRequest/changeRequest")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for change in changes {
        if let Some(pin) = change.pointer_mut("/resetVoiceMail/pin")
            && !pin.is_null()
        {
            *pin = Value::String("****".into());
        }
    }
}
