//! Add-on features on a line: adding with the catalog's rules (on sale,
//! payment type, fits the plan, duplicates, conflict groups), removing, and
//! [`settle_features`] for the worker to start and end them on their dates.
//!
//! A feature holds the time window `[effectiveDate, expirationDate)`. Two
//! features clash (duplicate or conflict) only when their windows overlap,
//! so a feature added with an expiration already past (ended at once)
//! clashes with nothing, and an ended feature never clashes.

use super::apply::{Editor, record};
use super::catalog::CareCatalog;
use super::effective::resolve_effective;
use super::outcome::{ChangeFailure, FailureCode};
use super::request::{ChangeRequest, ItemChange};
use crate::inventory::{Feature, FeatureStatus, HistoryEntry, Subscriber};
use crate::time::{parse_rfc3339, rfc3339};
use chrono::{DateTime, Utc};

/// A feature's window; `None` when it has ended (or its dates are unreadable,
/// which stored data never has, so it is treated as not clashing).
fn window(f: &Feature) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if f.status == FeatureStatus::Ended {
        return None;
    }
    let start = parse_rfc3339(&f.effective_date)?;
    let end = match &f.expiration_date {
        Some(t) => parse_rfc3339(t)?,
        None => DateTime::<Utc>::MAX_UTC,
    };
    Some((start, end))
}

/// Whether two windows share an instant; an empty window shares none.
fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < a.1 && b.0 < b.1 && a.0 < b.1 && b.0 < a.1
}

/// Whether the feature has not ended by `now`.
pub fn is_live(f: &Feature, now: DateTime<Utc>) -> bool {
    window(f).is_some_and(|(_, end)| end > now)
}

/// Ends feature `index` at `at` (now when `at` is not later): at once it
/// becomes `ended`, later it keeps running with that expiration date.
pub(crate) fn end_feature(
    ed: &mut Editor,
    index: usize,
    at: DateTime<Utc>,
    change: &str,
    why: &str,
) {
    end_feature_of(&mut ed.sub, ed.now, &ed.source, index, at, change, why);
}

/// [`end_feature`] on `line`, its history entry stamped `now` from
/// `source`: the rule care orders and the product inventory's writes
/// (TMF637) share.
pub fn end_feature_of(
    line: &mut Subscriber,
    now: DateTime<Utc>,
    source: &str,
    index: usize,
    at: DateTime<Utc>,
    change: &str,
    why: &str,
) {
    let Some(f) = line.features.get_mut(index) else {
        return;
    };
    let offering = f.offering_id.clone();
    let detail = if at <= now {
        f.status = FeatureStatus::Ended;
        f.expiration_date = Some(rfc3339(now));
        format!("{offering}: {why}")
    } else {
        f.expiration_date = Some(rfc3339(at));
        format!("{offering}: {why}; ends {}", rfc3339(at))
    };
    record(line, now, source, change, detail);
}

/// Adds item `index` of `change` (an `add`). Fails without touching the
/// line when a rule refuses it; the caller discards the editor then.
pub(crate) fn add(
    ed: &mut Editor,
    change: &ChangeRequest,
    index: usize,
    item: &ItemChange,
    catalog: &dyn CareCatalog,
) -> Result<(), ChangeFailure> {
    let now = ed.now;
    let id = item.id.as_str();
    let facts = catalog.offering(id).ok_or_else(|| {
        ChangeFailure::new(
            FailureCode::UnknownOffering,
            format!("the catalog has no offering '{id}'"),
        )
    })?;
    if !facts.is_addon() {
        return Err(ChangeFailure::new(
            FailureCode::InvalidRequest,
            format!("'{id}' is not an add-on"),
        ));
    }
    if !facts.on_sale(now) {
        return Err(ChangeFailure::new(
            FailureCode::NotSellable,
            format!("add-on '{id}' is not on sale"),
        ));
    }
    if !facts.allows_payment(ed.rating) {
        let rule = format!(
            "add-on '{id}' is not sold to {} accounts",
            ed.rating.as_str()
        );
        return Err(ChangeFailure::new(FailureCode::PaymentTypeMismatch, rule));
    }
    let plan = ed.sub.rate_plan.offering_id.clone();
    if !facts.fits_plan(&plan) {
        let rule = format!("add-on '{id}' does not fit rate plan '{plan}'");
        return Err(ChangeFailure::new(FailureCode::FeatureNotCompatible, rule));
    }
    // A past effective date means now; a past expiration ends it at once.
    let start = item
        .effective_date
        .map_or(now, |spec| resolve_effective(spec, now, ed.bill_cycle_day));
    let end = item.expiration_date.map(|t| t.max(now));
    if let Some(end) = end
        && start > now
        && end <= start
    {
        let rule = format!(
            "add-on '{id}' would expire ({}) before it starts ({})",
            rfc3339(end),
            rfc3339(start)
        );
        return Err(ChangeFailure::new(FailureCode::InvalidDates, rule));
    }
    let new_window = (start, end.unwrap_or(DateTime::<Utc>::MAX_UTC));

    let clashing = |same: bool| -> Vec<usize> {
        ed.sub
            .features
            .iter()
            .enumerate()
            .filter(|(_, f)| window(f).is_some_and(|w| overlaps(w, new_window)))
            .filter(|(_, f)| {
                if same {
                    f.offering_id == id
                } else {
                    f.offering_id != id
                        && catalog
                            .offering(&f.offering_id)
                            .is_some_and(|o| facts.conflicts_with(&o))
                }
            })
            .map(|(i, _)| i)
            .collect()
    };
    let duplicates = clashing(true);
    if !duplicates.is_empty() && !change.replace_duplicate_features {
        let rule = format!(
            "the line already has add-on '{id}' (set replaceDuplicateFeatures to replace it)"
        );
        return Err(ChangeFailure::new(FailureCode::DuplicateFeature, rule));
    }
    let conflicts = clashing(false);
    if let Some(&first) = conflicts.first()
        && !change.replace_conflicting_features
    {
        let rule = format!(
            "add-on '{id}' conflicts with the line's '{}' (group {}); set replaceConflictingFeatures to replace it",
            ed.sub.features[first].offering_id,
            facts.conflict_group.as_deref().unwrap_or_default()
        );
        return Err(ChangeFailure::new(FailureCode::ConflictingFeature, rule));
    }
    for i in duplicates {
        end_feature(
            ed,
            i,
            start,
            "featureReplaced",
            &format!("replaced by a new '{id}'"),
        );
    }
    let group = facts.conflict_group.as_deref().unwrap_or_default();
    for i in conflicts {
        end_feature(
            ed,
            i,
            start,
            "featureReplaced",
            &format!("replaced by '{id}' (conflict group {group})"),
        );
    }

    let ended_at_once = end.is_some_and(|t| t <= now);
    let status = if ended_at_once {
        FeatureStatus::Ended
    } else if start > now {
        FeatureStatus::Scheduled
    } else {
        FeatureStatus::Active
    };
    ed.sub.features.push(Feature {
        product_id: format!("{}.{}.{index}", ed.source, change.change_request_id),
        offering_id: id.to_string(),
        status,
        effective_date: rfc3339(start),
        expiration_date: end.map(rfc3339),
    });
    let mut detail = format!("{id}: effective {}", rfc3339(start));
    if let Some(end) = end {
        detail.push_str(&format!(", expires {}", rfc3339(end)));
    }
    ed.record("featureAdded", detail);
    if let (true, Some(asked)) = (ended_at_once, item.expiration_date) {
        ed.record(
            "featureEnded",
            format!("{id}: expiration date {} is past", rfc3339(asked)),
        );
    }
    Ok(())
}

/// Removes an add-on the line has (active or scheduled), at the item's
/// effective date (now when absent or past).
pub(crate) fn remove(ed: &mut Editor, item: &ItemChange) -> Result<(), ChangeFailure> {
    let now = ed.now;
    let at = item
        .effective_date
        .map_or(now, |spec| resolve_effective(spec, now, ed.bill_cycle_day));
    let found: Vec<usize> = ed
        .sub
        .features
        .iter()
        .enumerate()
        .filter(|(_, f)| f.offering_id == item.id && is_live(f, now))
        .map(|(i, _)| i)
        .collect();
    if found.is_empty() {
        let rule = format!("the line has no add-on '{}' to remove", item.id);
        return Err(ChangeFailure::new(FailureCode::FeatureNotFound, rule));
    }
    for i in found {
        end_feature(ed, i, at, "featureRemoved", "removed");
    }
    Ok(())
}

/// Brings feature statuses up to `now`: scheduled features whose effective
/// date has come become active, features whose expiration date has come
/// end. Each change is recorded in the line's history with `source` (e.g.
/// the worker's name). Returns whether anything changed, so the caller
/// stores the line only then.
pub fn settle_features(subscriber: &mut Subscriber, now: DateTime<Utc>, source: &str) -> bool {
    let at = rfc3339(now);
    let mut entries = Vec::new();
    for f in &mut subscriber.features {
        let due = |t: &Option<String>| {
            t.as_deref()
                .and_then(parse_rfc3339)
                .is_some_and(|t| t <= now)
        };
        if f.status != FeatureStatus::Ended && due(&f.expiration_date) {
            f.status = FeatureStatus::Ended;
            entries.push(("featureEnded", format!("{}: expired", f.offering_id)));
        } else if f.status == FeatureStatus::Scheduled && due(&Some(f.effective_date.clone())) {
            f.status = FeatureStatus::Active;
            entries.push(("featureActivated", format!("{}: effective", f.offering_id)));
        }
    }
    let changed = !entries.is_empty();
    subscriber
        .history
        .extend(entries.into_iter().map(|(change, detail)| HistoryEntry {
            at: at.clone(),
            change: change.to_string(),
            source: source.to_string(),
            detail: Some(detail),
        }));
    changed
}
