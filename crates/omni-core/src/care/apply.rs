//! Applying one validated change request to its line. `apply` works on
//! copies and returns them only when every step succeeded, so a failure
//! never leaves a half-changed line. Every change is recorded in the line's
//! history with the order id as its source.

use super::catalog::{CareCatalog, swap_allowed};
use super::features;
use super::outcome::{ChangeFailure, FailureCode};
use super::parts::{update_contacts, update_device, update_udl};
use super::request::{ChangeRequest, ChangeType, ItemAction};
use crate::inventory::{BillingAccount, HistoryEntry, RatingType, Subscriber, SubscriberStatus};
use crate::time::rfc3339;
use chrono::{DateTime, Utc};

/// The line (and billing account) after a change request.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub subscriber: Subscriber,
    /// The billing account, only when the change updated it (billing contact).
    pub billing_account: Option<BillingAccount>,
    /// The line's number before a `changeCTN`: the stored line is keyed by
    /// number, so the caller moves it (and must make sure the new number is
    /// still free: validation checked it when the order came in).
    pub previous_ctn: Option<String>,
}

/// The copies being changed, and what history entries are stamped with.
pub(crate) struct Editor {
    pub(crate) sub: Subscriber,
    pub(crate) billing: Option<BillingAccount>,
    pub(crate) now: DateTime<Utc>,
    pub(crate) source: String,
    pub(crate) rating: RatingType,
    pub(crate) bill_cycle_day: u8,
}

impl Editor {
    pub(crate) fn record(&mut self, change: &str, detail: impl Into<String>) {
        record(&mut self.sub, self.now, &self.source, change, detail.into());
    }
}

/// Adds a history entry to `sub`: `change` at `now`, done by `source`.
pub(crate) fn record(
    sub: &mut Subscriber,
    now: DateTime<Utc>,
    source: &str,
    change: &str,
    detail: String,
) {
    sub.history.push(HistoryEntry {
        at: rfc3339(now),
        change: change.to_string(),
        source: source.to_string(),
        detail: Some(detail),
    });
}

/// What cancelling a line leaves, once the state machine
/// ([`SubscriberStatus::transition`]) moved it to cancelled: its reason and
/// date, no running feature (each live one ends now) and the history entry
/// `cancelled` with `detail`. Care's cancel and the product inventory's
/// `terminated` (TMF637) share it.
pub fn close_line(
    sub: &mut Subscriber,
    now: DateTime<Utc>,
    source: &str,
    reason: &str,
    detail: &str,
) {
    sub.status_reason = Some(reason.to_string());
    sub.cancelled_at = Some(rfc3339(now));
    for i in 0..sub.features.len() {
        if features::is_live(&sub.features[i], now) {
            let why = "the line was cancelled";
            features::end_feature_of(sub, now, source, i, now, "featureEnded", why);
        }
    }
    record(sub, now, source, "cancelled", detail.to_string());
}

fn fail<T>(code: FailureCode, message: impl Into<String>) -> Result<T, ChangeFailure> {
    Err(ChangeFailure::new(code, message))
}

/// Applies `change` to `subscriber` at `now` (the worker calls it when the
/// change is due, see [`ChangeRequest::due_at`]). `billing` is the line's
/// billing account: its payment type and bill-cycle day drive feature rules
/// and dates, and a billing contact change updates it. `order_id` is the
/// history entries' source, and prefixes the product ids of new features.
///
/// Suspend, resume and cancel move the status machine (a cancel also ends
/// the line's features); every other type refuses a cancelled line. Then
/// the parts the type acts on are applied in this order: rate plan,
/// features, labels, contacts, voicemail, device and SIM, number.
pub fn apply(
    subscriber: &Subscriber,
    billing: &BillingAccount,
    change: &ChangeRequest,
    catalog: &dyn CareCatalog,
    order_id: &str,
    now: DateTime<Utc>,
) -> Result<Applied, ChangeFailure> {
    if change.ctn != subscriber.ctn || billing.id != subscriber.billing_account_id {
        let what = format!(
            "change request '{}' is for line '{}', not for line '{}' on billing account '{}'",
            change.change_request_id, change.ctn, subscriber.ctn, billing.id
        );
        return fail(FailureCode::WrongLine, what);
    }
    if let Some(part) = missing_part(change) {
        return fail(
            FailureCode::InvalidRequest,
            format!(
                "a {} change request needs {part}",
                change.change_type.as_str()
            ),
        );
    }
    let mut ed = Editor {
        sub: subscriber.clone(),
        billing: None,
        now,
        source: order_id.to_string(),
        rating: billing.rating_type,
        bill_cycle_day: billing.bill_cycle_day,
    };
    // Only the parts the type acts on, whatever a hand-built request holds.
    let acts = |part: &str| change.change_type.parts().contains(&part);
    let mut previous_ctn = None;
    status_change(&mut ed, change).map_err(|f| f.at("type"))?;
    if let Some(plan) = change.rate_plan.as_ref().filter(|_| acts("ratePlan")) {
        change_rate_plan(&mut ed, plan, catalog).map_err(|f| f.at("ratePlan"))?;
    }
    let items = if acts("items") {
        change.items.as_slice()
    } else {
        &[]
    };
    for (index, item) in items.iter().enumerate() {
        let done = match item.action {
            ItemAction::Add => features::add(&mut ed, change, index, item, catalog),
            ItemAction::Remove => features::remove(&mut ed, item),
        };
        done.map_err(|f| f.at(format!("items[{index}]")))?;
    }
    if acts("udl") {
        update_udl(&mut ed, change);
    }
    update_contacts(
        &mut ed,
        change,
        billing,
        acts("billingContact"),
        acts("subscriberContact"),
    );
    if let Some(reset) = change.reset_voice_mail.filter(|_| acts("resetVoiceMail")) {
        ed.sub.voicemail.pin_set = true;
        ed.sub.voicemail.last_reset_at = Some(rfc3339(now));
        let how = if reset.autogenerated_pin {
            "PIN autogenerated"
        } else {
            "PIN chosen by the customer"
        };
        ed.record("voicemailReset", how);
    }
    if let Some(device) = change.device.as_ref().filter(|_| acts("device")) {
        update_device(&mut ed, device, &change.change_request_id).map_err(|f| f.at("device"))?;
    }
    if let Some(new) = change.new_ctn.as_ref().filter(|_| acts("newCtn")) {
        previous_ctn = Some(std::mem::replace(&mut ed.sub.ctn, new.clone()));
        ed.record("ctnChanged", format!("{} → {new}", subscriber.ctn));
    }
    Ok(Applied {
        subscriber: ed.sub,
        billing_account: ed.billing,
        previous_ctn,
    })
}

/// The part a hand-built change request lacks for its type, if any.
fn missing_part(change: &ChangeRequest) -> Option<&'static str> {
    use ChangeType::*;
    let c = change;
    match c.change_type {
        UpdateFeatures | UpdateFeaturesWithDeviceUpdate if c.items.is_empty() => Some("items"),
        ChangeRatePlan | ChangeRatePlanWithDeviceUpdate if c.rate_plan.is_none() => {
            Some("ratePlan")
        }
        UpdateDevice | ChangeRatePlanWithDeviceUpdate | UpdateFeaturesWithDeviceUpdate
            if c.device.is_none() =>
        {
            Some("device")
        }
        ActivateSim if c.device.as_ref().is_none_or(|d| d.iccid.is_none()) => Some("device.iccid"),
        ChangeCtn if c.new_ctn.is_none() => Some("newCtn"),
        ResetVoicemail if c.reset_voice_mail.is_none() => Some("resetVoiceMail"),
        Suspend if c.suspend_service_reason.is_none() => Some("suspendServiceReason"),
        Resume if c.resume_service_reason.is_none() => Some("resumeServiceReason"),
        Cancel if c.cancel_service_reason.is_none() && c.cancellation_reason.is_none() => {
            Some("cancelServiceReason")
        }
        _ => None,
    }
}

fn status_change(ed: &mut Editor, change: &ChangeRequest) -> Result<(), ChangeFailure> {
    let (to, reason) = match change.change_type {
        ChangeType::Suspend => (
            SubscriberStatus::Suspended,
            change.suspend_service_reason.map(|r| r.as_str()),
        ),
        ChangeType::Resume => (
            SubscriberStatus::Active,
            change.resume_service_reason.map(|r| r.as_str()),
        ),
        ChangeType::Cancel => (
            SubscriberStatus::Cancelled,
            change
                .cancel_service_reason
                .map(|r| r.as_str())
                .or(change.cancellation_reason.map(|r| r.as_str())),
        ),
        _ if ed.sub.status == SubscriberStatus::Cancelled => {
            return fail(
                FailureCode::LineCancelled,
                format!("line '{}' is cancelled", ed.sub.ctn),
            );
        }
        _ => return Ok(()),
    };
    ed.sub.status = ed.sub.status.transition(to).map_err(|e| {
        let why = format!(
            "line '{}' is {}, so it cannot be {}",
            ed.sub.ctn, e.from, e.to
        );
        ChangeFailure::new(FailureCode::IllegalTransition, why)
    })?;
    let reason = reason.unwrap_or_default();
    match to {
        SubscriberStatus::Suspended => {
            ed.sub.status_reason = Some(reason.to_string());
            ed.record("suspended", reason);
        }
        SubscriberStatus::Active => {
            ed.sub.status_reason = None;
            ed.record("resumed", reason);
        }
        SubscriberStatus::Cancelled => {
            let both = [
                change.cancellation_reason.map(|r| r.as_str()),
                change.cancel_service_reason.map(|r| r.as_str()),
            ];
            let detail = both.into_iter().flatten().collect::<Vec<_>>().join(", ");
            close_line(&mut ed.sub, ed.now, &ed.source, reason, &detail);
        }
    }
    Ok(())
}

/// Moves the line to another plan it may be swapped for, on sale and sold
/// with its payment type; add-ons that do not fit the new plan end.
fn change_rate_plan(
    ed: &mut Editor,
    plan: &str,
    catalog: &dyn CareCatalog,
) -> Result<(), ChangeFailure> {
    let current = ed.sub.rate_plan.offering_id.clone();
    if current == plan {
        return fail(
            FailureCode::SameRatePlan,
            format!("the line is already on rate plan '{plan}'"),
        );
    }
    let Some(facts) = catalog.offering(plan) else {
        return fail(
            FailureCode::UnknownOffering,
            format!("the catalog has no offering '{plan}'"),
        );
    };
    if !facts.is_rate_plan() {
        return fail(
            FailureCode::InvalidRequest,
            format!("'{plan}' is not a rate plan"),
        );
    }
    if !facts.on_sale(ed.now) {
        return fail(
            FailureCode::NotSellable,
            format!("rate plan '{plan}' is not on sale"),
        );
    }
    if !facts.allows_payment(ed.rating) {
        return fail(
            FailureCode::PaymentTypeMismatch,
            format!(
                "rate plan '{plan}' is not sold to {} accounts",
                ed.rating.as_str()
            ),
        );
    }
    if !swap_allowed(catalog, &current, plan) {
        return fail(
            FailureCode::RatePlanNotAllowed,
            format!("rate plan '{current}' cannot be changed to '{plan}'"),
        );
    }
    ed.sub.rate_plan.offering_id = plan.to_string();
    ed.sub.rate_plan.since = rfc3339(ed.now);
    ed.record("ratePlanChanged", format!("{current} → {plan}"));
    let now = ed.now;
    for i in 0..ed.sub.features.len() {
        let f = &ed.sub.features[i];
        let unfit = catalog
            .offering(&f.offering_id)
            .is_some_and(|o| !o.fits_plan(plan));
        if unfit && features::is_live(f, now) {
            features::end_feature(
                ed,
                i,
                now,
                "featureEnded",
                &format!("does not fit rate plan '{plan}'"),
            );
        }
    }
    Ok(())
}
