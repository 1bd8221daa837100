use super::items::seed_items;
use crate::order::readiness::*;
use crate::order::{fulfillment, terms};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn usd(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

fn agreement(name: &str, consented: bool) -> AgreementState {
    AgreementState {
        name: name.to_string(),
        title: format!("{name} title"),
        consented,
    }
}

/// An order with a financed phone, nothing done yet.
fn fresh() -> ReadinessInput {
    ReadinessInput {
        item_count: 2,
        item_problems: Vec::new(),
        agreements: vec![
            agreement("ServiceAgreement", false),
            agreement("InstallmentAgreement", false),
        ],
        fulfillment_needed: true,
        fulfillment_chosen: false,
        amount_due_today: usd("35.00"),
        currency: "USD".to_string(),
        payment_authorized: None,
        submitted: false,
    }
}

fn statuses(v: &Validation) -> Vec<(StepType, StepStatus)> {
    v.configuration.iter().map(|s| (s.kind, s.status)).collect()
}

#[test]
fn a_fresh_order_lists_everything_missing() {
    let v = validate(&fresh());
    assert_eq!(v.status, OrderStatus::Incomplete);
    assert!(!v.ready_to_submit);
    use StepStatus::*;
    use StepType::*;
    assert_eq!(
        statuses(&v),
        [
            (Items, Complete),
            (Terms, Incomplete),
            (Fulfillment, Incomplete),
            (Payment, Incomplete)
        ]
    );
    assert_eq!(v.validation_message.len(), 4);
    assert!(
        v.validation_message
            .iter()
            .all(|m| m.kind == MessageType::Error)
    );
    let m = &v.validation_message[1];
    assert_eq!(m.parameter[0].name, "agreement");
    assert_eq!(m.parameter[0].value, "InstallmentAgreement");
    assert!(m.text.contains("InstallmentAgreement title"), "{}", m.text);
    let pay = &v.validation_message[3];
    assert!(pay.text.contains("35.00 USD"), "{}", pay.text);
    assert_eq!(pay.parameter[0].value, "35.00");
    let err = check_submit(&v).expect_err("not ready");
    assert_eq!(err.reasons.len(), 4);
    assert!(
        err.to_string()
            .starts_with("the order is not ready to submit: Consent to")
    );
}

#[test]
fn the_seed_json_shape() {
    let v = validate(&fresh());
    let json = serde_json::to_value(&v).expect("serializes");
    assert_eq!(json["status"], "Incomplete");
    assert_eq!(json["readyToSubmit"], false);
    assert_eq!(json["validationMessage"][0]["type"], "error");
    assert_eq!(
        json["validationMessage"][0]["parameter"][0]["name"],
        "agreement"
    );
    assert!(json["validationMessage"][0]["text"].is_string());
    let c = &json["configuration"];
    assert_eq!(c[0]["type"], "items");
    assert_eq!(c[1]["type"], "terms");
    assert_eq!(c[2]["type"], "fulfillment");
    assert_eq!(c[3]["type"], "payment");
    assert_eq!(c[1]["status"], "incomplete");
    assert_eq!(c[0]["status"], "complete");
    assert_eq!(c[2]["required"], true);
    assert_eq!(c[2]["postOrderConfigurable"], true);
    assert_eq!(c[1]["postOrderConfigurable"], false);
    let keys: Vec<&str> = c[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["type", "status", "required", "postOrderConfigurable"]
    );
    let back: Validation = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, v);
}

#[test]
fn ready_when_all_done_then_submitted() {
    let mut input = fresh();
    input.agreements.iter_mut().for_each(|a| a.consented = true);
    input.fulfillment_chosen = true;
    input.payment_authorized = Some(usd("35"));
    let v = validate(&input);
    assert!(v.ready_to_submit);
    assert_eq!(v.status, OrderStatus::Ready);
    assert!(v.validation_message.is_empty());
    assert!(check_submit(&v).is_ok());

    input.submitted = true;
    let v = validate(&input);
    assert_eq!(v.status, OrderStatus::Submitted);
    assert!(!v.ready_to_submit);
    let err = check_submit(&v).expect_err("twice");
    assert_eq!(err.reasons, ["The order has already been submitted."]);
}

#[test]
fn steps_not_required() {
    let input = ReadinessInput {
        item_count: 1,
        currency: "USD".to_string(),
        ..ReadinessInput::default()
    };
    let v = validate(&input);
    assert!(v.ready_to_submit);
    use StepStatus::*;
    assert_eq!(
        v.configuration.iter().map(|s| s.status).collect::<Vec<_>>(),
        [Complete, NotRequired, NotRequired, NotRequired]
    );
    assert!(v.configuration[1..].iter().all(|s| !s.required));
    assert_eq!(
        serde_json::to_value(&v).expect("json")["configuration"][3]["status"],
        "notRequired"
    );
}

#[test]
fn items_must_exist_and_be_valid() {
    let mut input = fresh();
    input.item_count = 0;
    let v = validate(&input);
    assert_eq!(v.configuration[0].status, StepStatus::Incomplete);
    assert!(v.validation_message[0].text.contains("no items"));

    let mut input = fresh();
    input.item_problems.push(ItemProblem {
        item_id: "device-new".to_string(),
        text: "IMEI must be 15 digits".to_string(),
    });
    let v = validate(&input);
    assert_eq!(v.configuration[0].status, StepStatus::Incomplete);
    let m = &v.validation_message[0];
    assert_eq!(m.parameter[0].name, "productOrderItemId");
    assert_eq!(m.parameter[0].value, "device-new");
    assert!(m.text.contains("IMEI"));
}

#[test]
fn payment_must_cover_what_is_due() {
    let mut input = fresh();
    input.payment_authorized = Some(usd("20.00"));
    let v = validate(&input);
    assert_eq!(v.configuration[3].status, StepStatus::Incomplete);
    let m = v.validation_message.last().expect("payment message");
    assert!(
        m.text.contains("20.00 USD") && m.text.contains("35.00 USD"),
        "{}",
        m.text
    );
    input.payment_authorized = Some(usd("50"));
    assert_eq!(
        validate(&input).configuration[3].status,
        StepStatus::Complete
    );
}

#[test]
fn stale_choices_warn_without_blocking() {
    let input = ReadinessInput {
        item_count: 1,
        fulfillment_chosen: true,
        payment_authorized: Some(usd("10")),
        currency: "USD".to_string(),
        ..ReadinessInput::default()
    };
    let v = validate(&input);
    assert!(v.ready_to_submit);
    assert_eq!(v.validation_message.len(), 2);
    assert!(
        v.validation_message
            .iter()
            .all(|m| m.kind == MessageType::Warning)
    );
    assert_eq!(
        serde_json::to_value(&v.validation_message[0]).expect("json")["type"],
        "warning"
    );
}

#[test]
fn the_steps_compose_for_the_seed_order() {
    let items = seed_items();
    let offered = terms::required_agreements(&items);
    let given: Vec<terms::GivenConsent> = offered
        .iter()
        .take(2)
        .map(|a| terms::GivenConsent {
            name: a.name.clone(),
            extensions: Vec::new(),
        })
        .collect();
    let now = chrono::DateTime::UNIX_EPOCH;
    let consents = terms::record(
        &[],
        terms::consent(&offered, &given, now).expect("ok"),
        &offered,
    );
    let options = fulfillment::options(&items, &[]);
    let input = ReadinessInput {
        item_count: items.len(),
        agreements: terms::agreement_states(&offered, &consents),
        fulfillment_needed: options.need == fulfillment::Need::Required,
        currency: "USD".to_string(),
        ..ReadinessInput::default()
    };
    let v = validate(&input);
    let missing: Vec<&str> = v
        .validation_message
        .iter()
        .flat_map(|m| &m.parameter)
        .filter(|p| p.name == "agreement")
        .map(|p| p.value.as_str())
        .collect();
    assert_eq!(missing, ["BYODTerms", "EarlyTerminationAcknowledgement"]);
    assert_eq!(
        v.configuration[2].status,
        StepStatus::Incomplete,
        "the SIM ships"
    );
    assert_eq!(v.configuration[3].status, StepStatus::NotRequired);
}

fn arb_input() -> impl Strategy<Value = ReadinessInput> {
    (
        0usize..3,
        prop::collection::vec(any::<bool>(), 0..3),
        prop::collection::vec(any::<bool>(), 0..4),
        any::<(bool, bool, bool)>(),
        0i64..3000,
        prop::option::of(0i64..3000),
    )
        .prop_map(
            |(items, problems, agreements, (needed, chosen, submitted), due, paid)| {
                ReadinessInput {
                    item_count: items,
                    item_problems: problems
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| **p)
                        .map(|(i, _)| ItemProblem {
                            item_id: format!("i{i}"),
                            text: "bad".to_string(),
                        })
                        .collect(),
                    agreements: agreements
                        .iter()
                        .enumerate()
                        .map(|(i, c)| agreement(&format!("A{i}"), *c))
                        .collect(),
                    fulfillment_needed: needed,
                    fulfillment_chosen: chosen,
                    amount_due_today: Decimal::new(due, 2),
                    currency: "USD".to_string(),
                    payment_authorized: paid.map(|p| Decimal::new(p, 2)),
                    submitted,
                }
            },
        )
}

proptest! {
    /// readyToSubmit is true iff the order is not submitted, has an item,
    /// and every required step is complete; each step is notRequired
    /// exactly when not required; every blocking thing has an error
    /// message; and the status agrees.
    #[test]
    fn ready_iff_every_required_step_is_complete(input in arb_input()) {
        let v = validate(&input);
        let required_complete = v
            .configuration
            .iter()
            .filter(|s| s.required)
            .all(|s| s.status == StepStatus::Complete);
        prop_assert_eq!(v.ready_to_submit, !input.submitted && input.item_count > 0 && required_complete);
        prop_assert_eq!(v.configuration.len(), 4);
        for s in &v.configuration {
            prop_assert_eq!(s.status == StepStatus::NotRequired, !s.required);
        }
        let errors = v.validation_message.iter().filter(|m| m.kind == MessageType::Error).count();
        let incomplete = v.configuration.iter().filter(|s| s.status == StepStatus::Incomplete).count();
        prop_assert!(errors >= incomplete);
        prop_assert_eq!(errors == 0, required_complete);
        prop_assert_eq!(check_submit(&v).is_ok(), v.ready_to_submit);
        let status = match (input.submitted, v.ready_to_submit) {
            (true, _) => OrderStatus::Submitted,
            (false, true) => OrderStatus::Ready,
            (false, false) => OrderStatus::Incomplete,
        };
        prop_assert_eq!(v.status, status);
        let missing = input.agreements.iter().filter(|a| !a.consented).count();
        let named = v.validation_message.iter().filter(|m| m.parameter.iter().any(|p| p.name == "agreement")).count();
        prop_assert_eq!(missing, named);
    }
}
