//! One test (at least) per change type.

use super::*;
use crate::inventory::FeatureStatus;

pub(super) fn cr(t: &str, ctn: &str, more: Value) -> Value {
    let mut change = json!({"type": t, "changeRequestId": "c1", "ctn": ctn});
    crate::merge_patch(&mut change, &more);
    change
}

#[test]
fn update_features_adds_and_removes() {
    let before = line("1234567890");
    let items = json!({"items": [
        {"id": "sku12037300060", "action": "add"},
        {"id": "sku12037300033", "action": "remove"},
    ]});
    let after = run("1234567890", cr("updateFeatures", "1234567890", items))
        .expect("applies")
        .subscriber;
    let security = after
        .features
        .iter()
        .find(|f| f.offering_id == "sku12037300060")
        .expect("added");
    assert_eq!(security.status, FeatureStatus::Active);
    assert_eq!(security.product_id, "CO-1.c1.0");
    let pass = after
        .features
        .iter()
        .find(|f| f.offering_id == "sku12037300033")
        .expect("kept in the list");
    assert_eq!(pass.status, FeatureStatus::Ended);
    assert_eq!(
        new_history(&before, &after),
        ["featureAdded", "featureRemoved"]
    );
}

#[test]
fn change_rate_plan_swaps_and_ends_add_ons_that_do_not_fit() {
    let mut before = line("1234567893");
    before.features.push(crate::inventory::Feature {
        product_id: "p-hs50".into(),
        offering_id: "sku12037300041".into(),
        status: FeatureStatus::Active,
        effective_date: "2024-01-10T15:00:00.000Z".into(),
        expiration_date: None,
    });
    let plan = json!({"ratePlan": "Mobile_Offer_business-unlimited-performance"});
    let after = run_at(&before, cr("changeRatePlan", "1234567893", plan), now())
        .expect("applies")
        .subscriber;
    assert_eq!(
        after.rate_plan.offering_id,
        "Mobile_Offer_business-unlimited-performance"
    );
    assert_eq!(after.rate_plan.since, "2026-06-01T12:00:00.000Z");
    let hs50 = after
        .features
        .iter()
        .find(|f| f.offering_id == "sku12037300041")
        .expect("feature");
    assert_eq!(
        hs50.status,
        FeatureStatus::Ended,
        "Hotspot 50GB does not fit Performance"
    );
    assert_eq!(
        new_history(&before, &after),
        ["ratePlanChanged", "featureEnded"]
    );
}

#[test]
fn change_rate_plan_refusals() {
    let plan = |id: &str| cr("changeRatePlan", "1234567890", json!({"ratePlan": id}));
    let same = plan("Mobile_Offer_business-unlimited-performance");
    assert_eq!(code(run("1234567890", same)), FailureCode::SameRatePlan);
    assert_eq!(
        code(run("1234567890", plan("Mobile_Offer_unlimited-extra"))),
        FailureCode::RatePlanNotAllowed
    );
    assert_eq!(
        code(run("1234567890", plan("Mobile_Offer_prepaid-unlimited"))),
        FailureCode::PaymentTypeMismatch
    );
    assert_eq!(
        code(run("1234567890", plan("Mobile_Offer_unlimited-elite"))),
        FailureCode::NotSellable
    );
}

#[test]
fn update_device_swaps_the_handset_and_blocks_it() {
    let before = line("1234567893");
    let device = json!({"device": {"imei": "359194077165999", "networkBlock": "true"}});
    let after = run("1234567893", cr("updateDevice", "1234567893", device))
        .expect("applies")
        .subscriber;
    let d = after.device.as_ref().expect("device");
    // The model is kept (issue 13: a device update dropped it).
    let model = before.device.as_ref().and_then(|d| d.offering_id.clone());
    assert!(model.is_some(), "the demo line has a model");
    assert_eq!(
        (d.imei.as_str(), d.network_block, d.offering_id.clone()),
        ("359194077165999", true, model)
    );
    assert_eq!(
        new_history(&before, &after),
        ["deviceChanged", "networkBlocked"]
    );

    let unblock = json!({"device": {"networkBlock": false}});
    let again = run_at(&after, cr("updateDevice", "1234567893", unblock), now())
        .expect("applies")
        .subscriber;
    assert!(!again.device.as_ref().is_some_and(|d| d.network_block));
    assert_eq!(new_history(&after, &again), ["networkUnblocked"]);
}

#[test]
fn device_changes_need_a_device_and_a_sim() {
    let mut bare = line("1234567893");
    bare.device = None;
    bare.sim = None;
    let block = cr(
        "updateDevice",
        "1234567893",
        json!({"device": {"networkBlock": true}}),
    );
    assert_eq!(code(run_at(&bare, block, now())), FailureCode::NoDevice);
    let sim = cr(
        "activateSim",
        "1234567893",
        json!({"device": {"iccid": "89014704272630325999"}}),
    );
    assert_eq!(code(run_at(&bare, sim, now())), FailureCode::NoSim);
}

#[test]
fn change_ctn_moves_the_line_to_its_new_number() {
    let before = line("1234567893");
    let applied = run(
        "1234567893",
        cr("changeCTN", "1234567893", json!({"newCtn": "4695550000"})),
    )
    .expect("applies");
    assert_eq!(applied.subscriber.ctn, "4695550000");
    assert_eq!(applied.previous_ctn.as_deref(), Some("1234567893"));
    let entry = applied.subscriber.history.last().expect("history");
    assert_eq!(
        (entry.change.as_str(), entry.detail.as_deref()),
        ("ctnChanged", Some("1234567893 → 4695550000"))
    );
    assert_eq!(new_history(&before, &applied.subscriber).len(), 1);
}

#[test]
fn activate_sim_swaps_the_sim() {
    let sim = cr(
        "activateSim",
        "1234567893",
        json!({"device": {"iccid": "8901470427263032599"}}),
    );
    let after = run("1234567893", sim).expect("applies").subscriber;
    assert_eq!(
        after.sim.as_ref().map(|s| s.iccid.as_str()),
        Some("8901470427263032599")
    );
    assert_eq!(
        after.history.last().map(|h| h.change.as_str()),
        Some("simChanged")
    );
}

#[test]
fn reset_voicemail_keeps_no_pin() {
    let reset = cr(
        "resetVoicemail",
        "1234567893",
        json!({"resetVoiceMail": {"pin": "2468"}}),
    );
    let after = run("1234567893", reset).expect("applies").subscriber;
    assert_eq!(
        after.voicemail.last_reset_at.as_deref(),
        Some("2026-06-01T12:00:00.000Z")
    );
    let entry = after.history.last().expect("history");
    assert_eq!(entry.detail.as_deref(), Some("PIN chosen by the customer"));
    assert!(
        !serde_json::to_string(&after)
            .expect("json")
            .contains("2468")
    );
}

#[test]
fn change_rate_plan_with_device_update() {
    let body = cr(
        "changeRatePlanWithDeviceUpdate",
        "1234567890",
        json!({
        "ratePlan": "Mobile_Offer_business-unlimited-essentials", "device": {"imei": "359194077165998"}}),
    );
    let after = run("1234567890", body).expect("applies").subscriber;
    assert_eq!(
        after.rate_plan.offering_id,
        "Mobile_Offer_business-unlimited-essentials"
    );
    assert_eq!(after.device.map(|d| d.imei), Some("359194077165998".into()));
}

#[test]
fn update_features_with_device_update_is_all_or_nothing() {
    let body = json!({"items": [{"id": "sku12037300060", "action": "add"}],
        "device": {"iccid": "89014704272630325998"}});
    let after = run(
        "1234567890",
        cr("updateFeaturesWithDeviceUpdate", "1234567890", body.clone()),
    )
    .expect("applies");
    assert!(
        after
            .subscriber
            .features
            .iter()
            .any(|f| f.offering_id == "sku12037300060")
    );
    // The same change on a line without a SIM fails as a whole.
    let mut no_sim = line("1234567890");
    no_sim.sim = None;
    let failed = run_at(
        &no_sim,
        cr("updateFeaturesWithDeviceUpdate", "1234567890", body),
        now(),
    );
    assert_eq!(code(failed), FailureCode::NoSim);
}
