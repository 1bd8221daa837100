//! The catalog's feature rules and feature dates.

use super::*;
use crate::inventory::{Feature, FeatureStatus};

/// An `updateFeatures` on 1234567890 (Business Unlimited Performance, with
/// Hotspot 15GB and International Day Pass) with these items and flags.
fn features(items: Value, flags: Value) -> Value {
    let mut change = json!({"type": "updateFeatures", "changeRequestId": "f1", "ctn": "1234567890", "items": items});
    crate::merge_patch(&mut change, &flags);
    change
}

fn add(id: &str) -> Value {
    json!([{"id": id, "action": "add"}])
}

fn find<'a>(features: &'a [Feature], id: &str, status: FeatureStatus) -> Option<&'a Feature> {
    features
        .iter()
        .find(|f| f.offering_id == id && f.status == status)
}

#[test]
fn a_duplicate_is_refused_unless_replaced() {
    let day_pass = "sku12037300033";
    assert_eq!(
        code(run("1234567890", features(add(day_pass), json!({})))),
        FailureCode::DuplicateFeature
    );
    let before = line("1234567890");
    let after = run(
        "1234567890",
        features(add(day_pass), json!({"replaceDuplicateFeatures": true})),
    )
    .expect("replaced")
    .subscriber;
    assert!(find(&after.features, day_pass, FeatureStatus::Ended).is_some());
    assert!(find(&after.features, day_pass, FeatureStatus::Active).is_some());
    assert_eq!(
        new_history(&before, &after),
        ["featureReplaced", "featureAdded"]
    );
}

#[test]
fn a_conflicting_feature_is_refused_unless_it_replaces_the_other() {
    // International Passport and International Day Pass share INTL_ROAMING.
    let passport = add("sku12037300034");
    let refused = run("1234567890", features(passport.clone(), json!({}))).expect_err("conflict");
    assert_eq!(refused.code, FailureCode::ConflictingFeature);
    assert!(
        refused.message.contains("sku12037300033"),
        "{}",
        refused.message
    );
    let after = run(
        "1234567890",
        features(passport, json!({"replaceConflictingFeatures": "True"})),
    )
    .expect("replaced")
    .subscriber;
    assert!(find(&after.features, "sku12037300033", FeatureStatus::Ended).is_some());
    assert!(find(&after.features, "sku12037300034", FeatureStatus::Active).is_some());
    // The other group's Hotspot 15GB is untouched.
    assert!(find(&after.features, "sku12037300040", FeatureStatus::Active).is_some());
}

#[test]
fn an_add_on_off_sale_is_refused() {
    let legacy = add("sku12037300045");
    assert_eq!(
        code(run("1234567890", features(legacy, json!({})))),
        FailureCode::NotSellable
    );
}

#[test]
fn an_add_on_must_fit_the_plan() {
    // Hotspot 50GB lists Starter, Extra and Essentials, not Performance.
    let hs50 = add("sku12037300041");
    assert_eq!(
        code(run("1234567890", features(hs50, json!({})))),
        FailureCode::FeatureNotCompatible
    );
}

#[test]
fn an_add_on_must_be_sold_with_the_payment_type() {
    // 5125550101 is a prepaid line; World Connect Advantage is postpaid only.
    let change = json!({"type": "updateFeatures", "changeRequestId": "f1", "ctn": "5125550101",
        "items": add("sku12037300017")});
    assert_eq!(
        code(run("5125550101", change)),
        FailureCode::PaymentTypeMismatch
    );
}

#[test]
fn removing_a_feature_the_line_lacks_fails() {
    let remove = json!([{"id": "sku12037300017", "action": "remove"}]);
    assert_eq!(
        code(run("1234567890", features(remove, json!({})))),
        FailureCode::FeatureNotFound
    );
}

#[test]
fn a_future_removal_sets_the_expiration_and_settling_ends_it() {
    let remove =
        json!([{"id": "sku12037300033", "action": "remove", "effectiveDate": "2026-07-01"}]);
    let mut after = run("1234567890", features(remove, json!({})))
        .expect("applies")
        .subscriber;
    let pass =
        find(&after.features, "sku12037300033", FeatureStatus::Active).expect("still running");
    assert_eq!(
        pass.expiration_date.as_deref(),
        Some("2026-07-01T00:00:00.000Z")
    );

    assert!(!settle_features(
        &mut after,
        at("2026-06-30T23:59:59Z"),
        "worker"
    ));
    assert!(settle_features(
        &mut after,
        at("2026-07-01T00:00:00Z"),
        "worker"
    ));
    assert!(find(&after.features, "sku12037300033", FeatureStatus::Ended).is_some());
    let last = after.history.last().expect("history");
    assert_eq!(
        (last.change.as_str(), last.source.as_str()),
        ("featureEnded", "worker")
    );
}

#[test]
fn a_future_feature_is_scheduled_then_started_then_ended() {
    let items = json!([{"id": "sku12037300060", "action": "add",
        "effectiveDate": "2026-07-01T00:00:00Z", "expirationDate": "2026-08-01T00:00:00Z"}]);
    let mut after = run("1234567890", features(items, json!({})))
        .expect("applies")
        .subscriber;
    assert!(find(&after.features, "sku12037300060", FeatureStatus::Scheduled).is_some());
    assert!(settle_features(
        &mut after,
        at("2026-07-01T00:00:00Z"),
        "worker"
    ));
    assert!(find(&after.features, "sku12037300060", FeatureStatus::Active).is_some());
    assert!(settle_features(
        &mut after,
        at("2026-08-02T00:00:00Z"),
        "worker"
    ));
    assert!(find(&after.features, "sku12037300060", FeatureStatus::Ended).is_some());
}

#[test]
fn an_expiration_before_a_resolved_start_fails_at_apply() {
    // nextBillingCycle is the 15th; the expiration falls before it.
    let items = json!([{"id": "sku12037300060", "action": "add",
        "effectiveDate": "nextBillingCycle", "expirationDate": "2026-06-10T00:00:00Z"}]);
    assert_eq!(
        code(run("1234567890", features(items, json!({})))),
        FailureCode::InvalidDates
    );
}

#[test]
fn features_clash_only_when_their_windows_overlap() {
    // The Day Pass ends on July 1st; a Passport from July 1st does not conflict.
    let remove =
        json!([{"id": "sku12037300033", "action": "remove", "effectiveDate": "2026-07-01"}]);
    let ending = run("1234567890", features(remove, json!({})))
        .expect("applies")
        .subscriber;
    let passport =
        json!([{"id": "sku12037300034", "action": "add", "effectiveDate": "2026-07-01"}]);
    let after = run_at(
        &ending,
        features(passport.clone(), json!({"changeRequestId": "f2"})),
        now(),
    )
    .expect("no overlap")
    .subscriber;
    assert!(find(&after.features, "sku12037300034", FeatureStatus::Scheduled).is_some());
    // From June 20th it would overlap.
    let early = json!([{"id": "sku12037300034", "action": "add", "effectiveDate": "2026-06-20"}]);
    let clash = run_at(
        &ending,
        features(early, json!({"changeRequestId": "f2"})),
        now(),
    );
    assert_eq!(code(clash), FailureCode::ConflictingFeature);
}

#[test]
fn a_feature_ended_at_once_clashes_with_nothing() {
    let past = json!([{"id": "sku12037300034", "action": "add",
        "effectiveDate": "2022-02-15T19:00:00.000-05:00", "expirationDate": "2023-02-15T19:00:00.000-05:00"}]);
    let after = run("1234567890", features(past, json!({})))
        .expect("applies")
        .subscriber;
    assert!(find(&after.features, "sku12037300033", FeatureStatus::Active).is_some());
    assert!(find(&after.features, "sku12037300034", FeatureStatus::Ended).is_some());
}
