//! Status changes (suspend, resume, cancel), refusals, and the order outcome.

use super::apply_types::cr;
use super::*;
use crate::inventory::{FeatureStatus, SubscriberStatus};

#[test]
fn suspend_then_resume() {
    let suspend = cr(
        "suspend",
        "1234567890",
        json!({"suspendServiceReason": "Stolen"}),
    );
    let suspended = run("1234567890", suspend.clone())
        .expect("applies")
        .subscriber;
    assert_eq!(suspended.status, SubscriberStatus::Suspended);
    assert_eq!(suspended.status_reason.as_deref(), Some("Stolen"));
    assert_eq!(
        code(run_at(&suspended, suspend, now())),
        FailureCode::IllegalTransition
    );

    let resume = cr(
        "resume",
        "1234567890",
        json!({"resumeServiceReason": "Recovered"}),
    );
    let resumed = run_at(&suspended, resume.clone(), now())
        .expect("applies")
        .subscriber;
    assert_eq!(
        (resumed.status, resumed.status_reason.clone()),
        (SubscriberStatus::Active, None)
    );
    let refused = run_at(&resumed, resume, now()).expect_err("active lines are not resumed");
    assert_eq!(refused.code, FailureCode::IllegalTransition);
    assert_eq!(
        refused.message,
        "line '1234567890' is active, so it cannot be resumed"
    );
}

#[test]
fn a_suspended_demo_line_resumes() {
    let resume = cr(
        "resume",
        "7135550101",
        json!({"resumeServiceReason": "ReturnFromVacation"}),
    );
    assert_eq!(
        run("7135550101", resume)
            .expect("applies")
            .subscriber
            .status,
        SubscriberStatus::Active
    );
}

#[test]
fn cancel_ends_the_line_and_its_features_for_good() {
    let before = line("1234567890");
    let cancel = cr(
        "cancel",
        "1234567890",
        json!({"cancellationReason": "CorporateCustomerCancel",
        "cancelServiceReason": "EmployeeLeftCompany", "cancelEffectiveDate": "immediate"}),
    );
    let after = run("1234567890", cancel.clone())
        .expect("applies")
        .subscriber;
    assert_eq!(after.status, SubscriberStatus::Cancelled);
    assert_eq!(after.status_reason.as_deref(), Some("EmployeeLeftCompany"));
    assert_eq!(
        after.cancelled_at.as_deref(),
        Some("2026-06-01T12:00:00.000Z")
    );
    assert!(
        after
            .features
            .iter()
            .all(|f| f.status == FeatureStatus::Ended)
    );
    assert_eq!(
        new_history(&before, &after),
        ["featureEnded", "featureEnded", "cancelled"]
    );
    assert_eq!(
        code(run_at(&after, cancel, now())),
        FailureCode::IllegalTransition
    );
}

#[test]
fn cancel_is_due_at_its_cancel_effective_date() {
    let cancel = change(cr(
        "cancel",
        "1234567890",
        json!({"cancelServiceReason": "NoLongerNeeded",
        "effectiveDate": "immediate", "cancelEffectiveDate": "nextBillingCycle"}),
    ));
    assert_eq!(cancel.due_at(now(), 15), at("2026-06-15T00:00:00Z"));
}

#[test]
fn a_cancelled_line_takes_no_other_change() {
    let reset = cr(
        "resetVoicemail",
        "1234567892",
        json!({"resetVoiceMail": {"pin": "2468"}}),
    );
    assert_eq!(code(run("1234567892", reset)), FailureCode::LineCancelled);
}

#[test]
fn apply_refuses_another_line() {
    let request = change(cr(
        "resetVoicemail",
        "1234567890",
        json!({"resetVoiceMail": {"pin": "2468"}}),
    ));
    let other = line("1234567893");
    let failure = apply(
        &other,
        &billing_of(&other),
        &request,
        &catalog(),
        ORDER_ID,
        now(),
    )
    .expect_err("wrong line");
    assert_eq!(failure.code, FailureCode::WrongLine);
}

#[test]
fn hand_built_requests_missing_their_part_fail() {
    let mut request = change(cr(
        "changeCTN",
        "1234567890",
        json!({"newCtn": "4695550000"}),
    ));
    request.new_ctn = None;
    let subscriber = line("1234567890");
    let failure = apply(
        &subscriber,
        &billing_of(&subscriber),
        &request,
        &catalog(),
        ORDER_ID,
        now(),
    )
    .expect_err("no part");
    assert_eq!(failure.code, FailureCode::InvalidRequest);
}

#[test]
fn order_outcomes() {
    let done = ChangeResult::completed("a");
    let failed = ChangeResult::failed("b", ChangeFailure::new(FailureCode::NoSim, "no SIM"));
    let pending = ChangeResult::pending("c");
    assert_eq!(
        order_outcome(&[done.clone(), done.clone()]),
        OrderStatus::Completed
    );
    assert_eq!(
        order_outcome(&[done.clone(), failed.clone()]),
        OrderStatus::PartiallyCompleted
    );
    assert_eq!(
        order_outcome(std::slice::from_ref(&failed)),
        OrderStatus::Failed
    );
    assert_eq!(
        order_outcome(&[done, failed, pending]),
        OrderStatus::InProgress
    );
    let json = serde_json::to_value(ChangeResult::failed(
        "b",
        ChangeFailure::new(FailureCode::NoSim, "x"),
    ))
    .expect("json");
    assert_eq!(json["failure"]["code"], "NO_SIM");
}

#[test]
fn apply_acts_only_on_the_parts_of_the_type() {
    let mut request = change(cr(
        "suspend",
        "1234567890",
        json!({"suspendServiceReason": "Lost"}),
    ));
    request.device = Some(DeviceChange {
        imei: None,
        iccid: None,
        network_block: Some(true),
    });
    let subscriber = line("1234567890");
    let applied = apply(
        &subscriber,
        &billing_of(&subscriber),
        &request,
        &catalog(),
        ORDER_ID,
        now(),
    )
    .expect("applies");
    assert_eq!(applied.subscriber.status, SubscriberStatus::Suspended);
    assert_eq!(
        applied.subscriber.device, subscriber.device,
        "a suspend does not block"
    );
}
