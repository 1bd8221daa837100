//! Acceptance's rehearsal: the worker's rules on the lines as they are now,
//! in the worker's order (issue 13, point 7).

use super::*;
use std::collections::HashMap;

/// Rehearses the order of `changes`, every change due at `due` (by index).
fn rehearsed(changes: Vec<Value>, due: &[DateTime<Utc>]) -> Result<(), Vec<(String, String)>> {
    let order = check(&order_of(changes)).expect("valid order");
    let inv = inventory();
    let lines: HashMap<String, Subscriber> = inv
        .subscribers
        .into_iter()
        .map(|s| (s.ctn.clone(), s))
        .collect();
    let billing = inv
        .billing_accounts
        .into_iter()
        .map(|b| (b.id.clone(), b))
        .collect();
    rehearse(&order, due, lines, billing, &catalog(), ORDER_ID)
        .map_err(|e| e.into_iter().map(|e| (e.field, e.rule)).collect())
}

fn suspend(id: &str) -> Value {
    json!({"type": "suspend", "changeRequestId": id, "ctn": "1234567893", "suspendServiceReason": "Lost"})
}

fn resume(id: &str) -> Value {
    json!({"type": "resume", "changeRequestId": id, "ctn": "1234567893", "resumeServiceReason": "Found"})
}

#[test]
fn each_change_meets_the_line_its_earlier_changes_leave() {
    assert_eq!(
        rehearsed(vec![suspend("s"), resume("r")], &[now(), now()]),
        Ok(())
    );
    let refused = rehearsed(vec![suspend("a"), suspend("b")], &[now(), now()]).expect_err("twice");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, "careOrderRequest.changeRequest[1].type");
    assert!(
        refused[0].1.starts_with("ILLEGAL_TRANSITION: "),
        "{refused:?}"
    );
}

#[test]
fn changes_are_rehearsed_in_due_order_as_the_worker_applies_them() {
    // The resume is listed first but due later: the suspend comes first.
    let later = now() + chrono::Duration::days(1);
    assert_eq!(
        rehearsed(vec![resume("r"), suspend("s")], &[later, now()]),
        Ok(())
    );
    let refused = rehearsed(vec![resume("r"), suspend("s")], &[now(), later]).expect_err("active");
    assert_eq!(refused[0].0, "careOrderRequest.changeRequest[0].type");
}

#[test]
fn an_add_on_that_does_not_fit_is_named_by_its_item() {
    // Hotspot 50GB does not fit Business Unlimited Performance.
    let change = json!({"type": "updateFeatures", "changeRequestId": "f", "ctn": "1234567890",
        "items": [{"id": "sku12037300017", "action": "add"}, {"id": "sku12037300041", "action": "add"}]});
    let refused = rehearsed(vec![change], &[now()]).expect_err("incompatible");
    assert_eq!(refused[0].0, "careOrderRequest.changeRequest[0].items[1]");
    assert!(
        refused[0].1.starts_with("FEATURE_NOT_COMPATIBLE: "),
        "{refused:?}"
    );
}
