use super::*;
use State::*;
use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeSet, VecDeque};

/// The edges read from the specification's state descriptions, written out
/// independently of `State::successors` so that a slip in either shows.
const EDGES: &[(State, State)] = &[
    (Acknowledged, Rejected),
    (Acknowledged, InProgress),
    (Acknowledged, Pending),
    (Acknowledged, Held),
    (Acknowledged, Cancelled),
    (InProgress, Completed),
    (InProgress, Failed),
    (InProgress, Partial),
    (InProgress, Held),
    (InProgress, Pending),
    (InProgress, AssessingCancellation),
    (Pending, InProgress),
    (Pending, Held),
    (Pending, AssessingCancellation),
    (Pending, Cancelled),
    (Held, InProgress),
    (Held, Pending),
    (Held, AssessingCancellation),
    (Held, Cancelled),
    (AssessingCancellation, PendingCancellation),
    (AssessingCancellation, InProgress),
    (AssessingCancellation, Held),
    (AssessingCancellation, Pending),
    (PendingCancellation, Cancelled),
];

fn now() -> DateTime<Utc> {
    parse_rfc3339("2025-03-01T10:00:00Z").expect("valid")
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

fn any_state() -> impl Strategy<Value = State> {
    proptest::sample::select(State::ALL.to_vec())
}

#[test]
fn the_machine_is_exactly_the_specified_edges() {
    for from in State::ALL {
        for to in State::ALL {
            assert_eq!(
                transition(from, to).is_ok(),
                EDGES.contains(&(from, to)),
                "{from} -> {to}"
            );
        }
    }
}

#[test]
fn every_state_is_reachable_from_acknowledged_and_names_round_trip() {
    let mut seen = BTreeSet::from([State::INITIAL]);
    let mut queue = VecDeque::from([State::INITIAL]);
    while let Some(s) = queue.pop_front() {
        for next in s.successors() {
            if seen.insert(*next) {
                queue.push_back(*next);
            }
        }
    }
    assert_eq!(seen.len(), State::ALL.len());
    for s in State::ALL {
        assert_eq!(State::parse(s.as_str()), Some(s));
        assert_eq!(serde_json::to_value(s).expect("json"), json!(s.as_str()));
        // A non-final state can always move on; a final one never.
        assert_eq!(s.successors().is_empty(), s.is_final(), "{s}");
    }
    assert_eq!(State::parse("InProgress"), None);
}

proptest! {
    #[test]
    fn no_transition_leaves_a_final_state(from in any_state(), to in any_state()) {
        if from.is_final() {
            prop_assert!(transition(from, to).is_err());
            prop_assert!(item_transition(from, to).is_err());
        }
    }

    /// Random walks that propose arbitrary moves: every accepted move is a
    /// specified edge, a refused one leaves the state as it was, and once a
    /// walk reaches a final state it stays there.
    #[test]
    fn walks_follow_only_specified_edges(proposals in proptest::collection::vec(any_state(), 1..60)) {
        let mut current = State::INITIAL;
        let mut finished = false;
        for to in proposals {
            match transition(current, to) {
                Ok(next) => {
                    prop_assert!(!finished, "left final state {current} for {to}");
                    prop_assert!(EDGES.contains(&(current, next)));
                    current = next;
                }
                Err(e) => prop_assert_eq!(e, IllegalTransition { from: current, to }),
            }
            finished = current.is_final();
        }
    }

    #[test]
    fn items_never_use_partial(from in any_state(), to in any_state()) {
        if item_transition(from, to).is_ok() {
            prop_assert!(from != Partial && to != Partial);
            prop_assert!(transition(from, to).is_ok());
        }
    }

    /// A PATCH of `state` succeeds exactly when the machine allows the move.
    #[test]
    fn patching_state_follows_the_machine(from in any_state(), to in any_state()) {
        let mut order = order_in(from);
        order["productOrderItem"][0]["state"] = json!(if from.is_item_state() { from } else { Completed });
        let result = revise(&order, &json!({"state": to}), now());
        match (from == to, transition(from, to)) {
            (true, _) => prop_assert!(result.is_ok_and(|r| !r.changed())),
            (false, Ok(_)) => {
                let r = result.expect("legal move");
                prop_assert_eq!(r.body["state"].clone(), json!(to));
                prop_assert!(r.state_changed());
                // Only a cancellation touches more than the state: its items.
                prop_assert_eq!(r.attributes_changed, to == Cancelled);
                if to == Cancelled {
                    prop_assert_eq!(r.body["productOrderItem"][0]["state"].clone(), json!("cancelled"));
                }
                if let Some(stamp) = to.stamps() {
                    prop_assert_eq!(r.body[stamp].clone(), json!("2025-03-01T10:00:00.000Z"));
                }
            }
            (false, Err(_)) => {
                let refused = matches!(result, Err(RevisionError::Conflict(ref e)) if fields(e) == ["state"]);
                prop_assert!(refused);
            }
        }
    }

    #[test]
    fn cancellation_is_immediate_only_before_fulfilment(from in any_state()) {
        let mut order = order_in(from);
        let result = cancel(&mut order, Some("changed my mind"), now());
        if matches!(from, Acknowledged | Pending | Held) {
            prop_assert_eq!(result, Ok(from));
            prop_assert_eq!(order["state"].clone(), json!("cancelled"));
            prop_assert_eq!(order["productOrderItem"][0]["state"].clone(), json!("cancelled"));
        } else {
            let refused = matches!(result, Err(CancelError::Refused { state, .. }) if state == from);
            prop_assert!(refused);
            prop_assert_eq!(order["state"].clone(), json!(from));
        }
    }
}

fn order_in(state: State) -> Value {
    json!({
        "id": "o1", "orderDate": "2025-03-01T09:00:00.000Z", "state": state, "@type": "ProductOrder",
        "productOrderItem": [{"id": "1", "action": "add", "state": "acknowledged",
                              "productOffering": {"id": "plan-5g"}}],
        "relatedParty": [{"id": "c1", "@referredType": "Individual"}],
    })
}

fn new_order() -> Value {
    json!({
        "productOrderItem": [
            {"id": "1", "action": "add", "productOffering": {"id": "plan-5g"}},
            {"id": "2", "action": "modify", "product": {"id": "prod-9"},
             "productOrderItemRelationship": [{"id": "1", "relationshipType": "reliesOn"}]},
        ],
        "relatedParty": [{"id": "c1", "@referredType": "Individual", "role": "customer"}],
        "channel": [{"id": "ECOMM"}], "priority": "2",
        "requestedStartDate": "2025-03-02T00:00:00Z", "requestedCompletionDate": "2025-03-05T00:00:00Z",
    })
}

fn new_errors(order: Value) -> Vec<String> {
    validate_new(&order)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn a_valid_new_order_is_stamped() {
    assert_eq!(validate_new(&new_order()), Ok(()));
    let Value::Object(mut map) = new_order() else {
        panic!("object")
    };
    stamp_new(&mut map, "o1", now());
    assert_eq!(map["id"], "o1");
    assert_eq!(map["state"], "acknowledged");
    assert_eq!(map["orderDate"], "2025-03-01T10:00:00.000Z");
    assert_eq!(map["@type"], "ProductOrder");
    assert_eq!(map["productOrderItem"][1]["state"], "acknowledged");
}

#[test]
fn new_orders_name_each_broken_rule() {
    let mut o = new_order();
    o.as_object_mut()
        .expect("object")
        .remove("productOrderItem");
    assert_eq!(new_errors(o), ["productOrderItem"]);
    let mut o = new_order();
    o["productOrderItem"] = json!([]);
    assert_eq!(new_errors(o), ["productOrderItem"]);
    let mut o = new_order();
    o["productOrderItem"][0]["action"] = json!("upgrade");
    assert_eq!(new_errors(o), ["productOrderItem[0].action"]);
    let mut o = new_order();
    o["productOrderItem"][1]["id"] = json!("1");
    // Its relationship to item 1 now names the item itself.
    assert_eq!(
        new_errors(o),
        [
            "productOrderItem[1].id",
            "productOrderItem[1].productOrderItemRelationship[0].id"
        ]
    );
    let mut o = new_order();
    o["productOrderItem"][0]["productOrderItem"] =
        json!([{"id": "2", "action": "add", "productOffering": {"id": "x"}}]);
    assert_eq!(new_errors(o), ["productOrderItem[1].id"]);
    let mut o = new_order();
    o["productOrderItem"][1]
        .as_object_mut()
        .expect("item")
        .remove("id");
    assert_eq!(new_errors(o), ["productOrderItem[1].id"]);
    let mut o = new_order();
    o["productOrderItem"][1]["productOrderItemRelationship"][0]["id"] = json!("9");
    assert_eq!(
        new_errors(o),
        ["productOrderItem[1].productOrderItemRelationship[0].id"]
    );
}

#[test]
fn items_must_say_what_they_act_on() {
    let mut o = new_order();
    o["productOrderItem"][0]
        .as_object_mut()
        .expect("item")
        .remove("productOffering");
    assert_eq!(new_errors(o), ["productOrderItem[0].productOffering"]);
    let mut o = new_order();
    o["productOrderItem"][1]["product"] = json!({"name": "no id"});
    assert_eq!(new_errors(o), ["productOrderItem[1].product.id"]);
    let mut o = new_order();
    o["productOrderItem"][0]["quantity"] = json!(0);
    assert_eq!(new_errors(o), ["productOrderItem[0].quantity"]);
    let mut o = new_order();
    o["productOrderItem"][0]["productOffering"] = json!({"name": "x"});
    assert_eq!(new_errors(o), ["productOrderItem[0].productOffering.id"]);
}

#[test]
fn the_server_owns_state_dates_and_ids_of_new_orders() {
    for (field, value) in [
        ("state", json!("completed")),
        ("orderDate", json!("2025-01-01T00:00:00Z")),
        ("completionDate", json!("2025-01-01T00:00:00Z")),
        ("expectedCompletionDate", json!("2025-01-01T00:00:00Z")),
        ("href", json!("x")),
        ("id", json!("mine")),
    ] {
        let mut o = new_order();
        o[field] = value;
        assert_eq!(new_errors(o), [field], "{field}");
    }
    let mut o = new_order();
    o["productOrderItem"][0]["state"] = json!("completed");
    assert_eq!(new_errors(o), ["productOrderItem[0].state"]);
}

#[test]
fn order_level_rules() {
    let mut o = new_order();
    o["priority"] = json!("7");
    assert_eq!(new_errors(o), ["priority"]);
    let mut o = new_order();
    o["requestedCompletionDate"] = json!("2025-03-01T00:00:00Z");
    assert_eq!(new_errors(o), ["requestedCompletionDate"]);
    let mut o = new_order();
    o["relatedParty"] = json!([{"id": "c1"}]);
    assert_eq!(new_errors(o), ["relatedParty[0].@referredType"]);
    let mut o = new_order();
    o["billingAccount"] = json!({"name": "x"});
    assert_eq!(new_errors(o), ["billingAccount.id"]);
    let mut o = new_order();
    o["requestedStartDate"] = json!("tomorrow");
    assert_eq!(new_errors(o), ["requestedStartDate"]);
}

#[test]
fn patches_refuse_what_the_server_owns_and_broken_orders() {
    let order = order_in(Acknowledged);
    for patch in [
        json!({"orderDate": "2025-01-01T00:00:00Z"}),
        json!({"id": "x"}),
        json!({"completionDate": "2025-01-01T00:00:00Z"}),
    ] {
        assert!(
            matches!(
                revise(&order, &patch, now()),
                Err(RevisionError::Invalid(_))
            ),
            "{patch}"
        );
    }
    let invalid = |patch: Value| match revise(&order, &patch, now()) {
        Err(RevisionError::Invalid(e)) => e.into_iter().map(|e| e.field).collect::<Vec<_>>(),
        other => panic!("{patch}: {other:?}"),
    };
    assert_eq!(invalid(json!({"state": null})), ["state"]);
    assert_eq!(invalid(json!({"state": "shipped"})), ["state"]);
    assert_eq!(
        invalid(json!({"productOrderItem": []})),
        ["productOrderItem"]
    );
    assert_eq!(
        invalid(json!({"productOrderItem": [{"id": "1", "action": "swap"}]})),
        ["productOrderItem[0].action"]
    );
}

#[test]
fn a_description_change_is_an_attribute_change_only() {
    let r = revise(
        &order_in(InProgress),
        &json!({"description": "rush"}),
        now(),
    )
    .expect("ok");
    assert!(r.attributes_changed && !r.state_changed());
    assert_eq!(r.body["description"], "rush");
}

#[test]
fn items_change_freely_only_while_acknowledged() {
    let replace = json!({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "plan-10g"}},
                                               {"id": "2", "action": "add", "productOffering": {"id": "sim"}}]});
    let r = revise(&order_in(Acknowledged), &replace, now())
        .expect("acknowledged orders may change items");
    assert_eq!(r.body["productOrderItem"][0]["state"], "acknowledged");
    assert_eq!(r.body["productOrderItem"][1]["state"], "acknowledged");
    match revise(&order_in(InProgress), &replace, now()) {
        Err(RevisionError::Conflict(e)) => assert_eq!(fields(&e), ["productOrderItem"]),
        other => panic!("{other:?}"),
    }
    // Once in progress, items still move along their own machine.
    let mut order = order_in(InProgress);
    order["productOrderItem"][0]["state"] = json!("inProgress");
    let done = json!({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "plan-5g"}, "state": "completed"}]});
    let r = revise(&order, &done, now()).expect("item completes");
    assert_eq!(r.body["productOrderItem"][0]["state"], "completed");
    let back = json!({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "plan-5g"}, "state": "acknowledged"}]});
    match revise(&order, &back, now()) {
        Err(RevisionError::Conflict(e)) => assert_eq!(fields(&e), ["productOrderItem[0].state"]),
        other => panic!("{other:?}"),
    }
    // An item sent without its state keeps it.
    let same = json!({"productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "plan-5g"}}]});
    let r = revise(&order, &same, now()).expect("unchanged");
    assert!(!r.changed());
}

#[test]
fn cancellation_requests_are_checked() {
    let ok = json!({"productOrder": {"id": "o1"}, "cancellationReason": "duplicate"});
    assert_eq!(validate_cancel(&ok, now()), Ok(()));
    let errs = |v: Value| {
        validate_cancel(&v, now())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect::<Vec<_>>()
    };
    assert_eq!(errs(json!({})), ["productOrder"]);
    assert_eq!(
        errs(json!({"productOrder": {"name": "x"}})),
        ["productOrder.id"]
    );
    assert_eq!(
        errs(json!({"productOrder": {"id": "o1"}, "state": "done"})),
        ["state"]
    );
    assert_eq!(
        errs(
            json!({"productOrder": {"id": "o1"}, "requestedCancellationDate": "2025-04-01T00:00:00Z"})
        ),
        ["requestedCancellationDate"]
    );
    let Value::Object(mut map) = ok else {
        panic!("object")
    };
    stamp_cancel_request(&mut map, "c1", now());
    assert_eq!(map["state"], "done");
    assert_eq!(map["@type"], "CancelProductOrder");
    assert_eq!(map["effectiveCancellationDate"], "2025-03-01T10:00:00.000Z");
}

#[test]
fn an_order_with_an_item_in_fulfilment_is_not_cancelled() {
    let mut order = order_in(Pending);
    order["productOrderItem"][0]["state"] = json!("inProgress");
    let before = order.clone();
    assert!(matches!(
        cancel(&mut order, None, now()),
        Err(CancelError::Refused { state: Pending, .. })
    ));
    assert_eq!(order, before);
    let mut order = order_in(Held);
    order["productOrderItem"][0]["state"] = json!("completed");
    assert_eq!(cancel(&mut order, None, now()), Ok(Held));
    assert_eq!(order["productOrderItem"][0]["state"], "completed");
    assert_eq!(order["cancellationDate"], "2025-03-01T10:00:00.000Z");
}

#[test]
fn a_patch_to_cancelled_cancels_the_unfinished_items_too() {
    let r = revise(&order_in(Held), &json!({"state": "cancelled"}), now()).expect("legal");
    assert_eq!(r.body["productOrderItem"][0]["state"], "cancelled");
    assert_eq!(r.body["cancellationDate"], "2025-03-01T10:00:00.000Z");
    let mut order = order_in(PendingCancellation);
    order["productOrderItem"][0]["state"] = json!("inProgress");
    match revise(&order, &json!({"state": "cancelled"}), now()) {
        Err(RevisionError::Conflict(e)) => assert_eq!(fields(&e), ["state"]),
        other => panic!("{other:?}"),
    }
}
