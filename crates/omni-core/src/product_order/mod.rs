//! TMF622 Product Ordering: the order's state machine and the decisions about
//! an order that do not need storage: whether a new order is acceptable, what
//! a merge patch does to a stored one, and what a cancellation request does.
//! The HTTP layer reads, calls one of these, and writes the result with its
//! events.

mod items;
mod resource;
mod state;

pub use items::{
    ACTIONS, ItemStates, WORKER_STATES, check_items, client_change_problems, item_tree,
    reconcile_items,
};
pub use resource::{CANCEL_PRODUCT_ORDER, PRODUCT_ORDER};
pub use state::{
    Cancellation, IllegalTransition, State, cancellation, item_transition, transition,
};

use crate::document::{FieldError, Mode};
use crate::time::{parse_rfc3339, rfc3339};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

/// Stored kind and path segment of product orders.
pub const KIND: &str = "productOrder";
/// Stored kind and path segment of cancellation requests.
pub const CANCEL_KIND: &str = "cancelProductOrder";

/// States of a cancellation request (TMF `TaskStateType`).
pub const TASK_DONE: &str = "done";

/// Attributes the server stamps on moves; not client changes.
const STAMPED: [&str; 3] = ["state", "completionDate", "cancellationDate"];

/// The state a stored order is in; `None` only for a corrupt document.
pub fn state_of(order: &Value) -> Option<State> {
    order
        .get("state")
        .and_then(Value::as_str)
        .and_then(State::parse)
}

/// Checks a create payload: the table's rules, plus what only the server
/// sets on a new order (its state, its items' states, the provider's
/// expected completion).
pub fn validate_new(order: &Value) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for owned in ["state", "expectedCompletionDate"] {
        if order.get(owned).is_some() {
            errors.push(FieldError::new(
                owned,
                "is set by the server and may not be sent",
            ));
        }
    }
    if order.get("productOrderItem").is_some_and(Value::is_array) {
        errors.extend(
            check_items(order, ItemStates::ServerSet)
                .into_iter()
                .filter(|e| e.field.ends_with(".state")),
        );
    }
    if let Err(more) = PRODUCT_ORDER.validate(order, Mode::Create) {
        errors.extend(more);
    }
    finish(errors)
}

/// Checks a merge patch on its own, before the order is read.
pub fn validate_patch(patch: &Value) -> Result<(), Vec<FieldError>> {
    PRODUCT_ORDER.validate(patch, Mode::Patch).map_err(dedupe)
}

/// Fills in what the server owns on a new order.
pub fn stamp_new(order: &mut Map<String, Value>, id: &str, now: DateTime<Utc>) {
    PRODUCT_ORDER.stamp_new(order, id, now);
    order.insert("orderDate".into(), Value::String(rfc3339(now)));
    order.insert(
        "state".into(),
        Value::String(State::INITIAL.as_str().into()),
    );
    let mut whole = Value::Object(std::mem::take(order));
    items::stamp_new_items(&mut whole);
    if let Value::Object(map) = whole {
        *order = map;
    }
}

/// A stored order after a merge patch.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub body: Value,
    pub from: State,
    pub to: State,
    /// Something besides the state and the dates stamped with it changed.
    pub attributes_changed: bool,
}

impl Revision {
    pub fn state_changed(&self) -> bool {
        self.from != self.to
    }

    pub fn changed(&self) -> bool {
        self.state_changed() || self.attributes_changed
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RevisionError {
    /// The change is malformed (HTTP 400).
    #[error("invalid change: {}", join(.0))]
    Invalid(Vec<FieldError>),
    /// The change is well formed but the order's state forbids it (HTTP 409).
    #[error("refused in the order's state: {}", join(.0))]
    Conflict(Vec<FieldError>),
    #[error("the stored order has no valid state")]
    Corrupt,
}

/// Applies a merge patch to a stored order: the result must be a valid order,
/// a state change must follow the state machine (and stamps its date), and
/// items obey [`reconcile_items`].
pub fn revise(
    before: &Value,
    patch: &Value,
    now: DateTime<Utc>,
) -> Result<Revision, RevisionError> {
    validate_patch(patch).map_err(RevisionError::Invalid)?;
    let from = state_of(before).ok_or(RevisionError::Corrupt)?;
    let mut after = before.clone();
    crate::merge_patch(&mut after, patch);
    let mut whole = after.clone();
    if let Value::Object(map) = &mut whole {
        for owned in PRODUCT_ORDER.server_owned {
            map.remove(*owned);
        }
    }
    let mut errors = PRODUCT_ORDER
        .validate(&whole, Mode::Create)
        .err()
        .unwrap_or_default();
    if after.get("state").is_none() {
        errors.push(FieldError::new("state", "may not be removed"));
    }
    if !errors.is_empty() {
        return Err(RevisionError::Invalid(dedupe(errors)));
    }
    let to = state_of(&after).ok_or(RevisionError::Corrupt)?;
    let mut conflicts = Vec::new();
    if to != from
        && let Err(e) = transition(from, to)
    {
        conflicts.push(FieldError::new("state", e.to_string()));
    }
    conflicts.extend(reconcile_items(from, before, &mut after));
    if conflicts.is_empty()
        && to != from
        && to == State::Cancelled
        && let Err(why) = cancel_unfinished_items(&mut after)
    {
        conflicts.push(FieldError::new(
            "state",
            format!("cannot move to cancelled: {why}"),
        ));
    }
    if !conflicts.is_empty() {
        return Err(RevisionError::Conflict(conflicts));
    }
    if to != from
        && let (Some(attr), Value::Object(map)) = (to.stamps(), &mut after)
    {
        map.insert(attr.into(), Value::String(rfc3339(now)));
    }
    let attributes_changed = without_stamped(before) != without_stamped(&after);
    Ok(Revision {
        body: after,
        from,
        to,
        attributes_changed,
    })
}

fn without_stamped(order: &Value) -> Value {
    let mut copy = order.clone();
    if let Value::Object(map) = &mut copy {
        for key in STAMPED {
            map.remove(key);
        }
    }
    copy
}

/// Checks a cancellation request: the table's rules, and a requested date
/// that is not in the future (a minute of clock skew allowed), since Omni
/// cancels at once and does not schedule cancellations.
pub fn validate_cancel(request: &Value, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
    CANCEL_PRODUCT_ORDER.validate(request, Mode::Create)?;
    let requested = request
        .get("requestedCancellationDate")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339);
    if requested.is_some_and(|t| t > now + Duration::minutes(1)) {
        return Err(vec![FieldError::new(
            "requestedCancellationDate",
            "must not be in the future: cancellations take effect immediately and cannot be scheduled",
        )]);
    }
    Ok(())
}

/// Why a cancellation request cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("the order is {state}: {reason}")]
    Refused { state: State, reason: String },
    #[error("the stored order has no valid state")]
    Corrupt,
}

/// Cancels an order at once when its state allows it (see [`cancellation`]):
/// the order and its unfinished items become `cancelled`, with the date and
/// reason. Returns the state the order was in.
pub fn cancel(
    order: &mut Value,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<State, CancelError> {
    let from = state_of(order).ok_or(CancelError::Corrupt)?;
    let refused = |reason: String| CancelError::Refused {
        state: from,
        reason,
    };
    if let Cancellation::Refused(why) = cancellation(from) {
        return Err(refused(why.into()));
    }
    transition(from, State::Cancelled).map_err(|e| refused(e.to_string()))?;
    cancel_unfinished_items(order).map_err(refused)?;
    if let Value::Object(map) = order {
        map.insert(
            "state".into(),
            Value::String(State::Cancelled.as_str().into()),
        );
        map.insert("cancellationDate".into(), Value::String(rfc3339(now)));
        if let Some(reason) = reason {
            map.insert("cancellationReason".into(), Value::String(reason.into()));
        }
    }
    Ok(from)
}

/// Cancels every item that is not final, with the order: all of them or,
/// when one cannot be cancelled (its fulfilment started), none, saying which.
fn cancel_unfinished_items(order: &mut Value) -> Result<(), String> {
    let mut items = Vec::new();
    collect_item_states(order.get("productOrderItem"), &mut items);
    for (id, item_state) in &items {
        if !item_state.is_final() && item_transition(*item_state, State::Cancelled).is_err() {
            return Err(format!(
                "its item '{id}' is {item_state} and cannot be cancelled"
            ));
        }
    }
    cancel_items(order.get_mut("productOrderItem"));
    Ok(())
}

fn collect_item_states(items: Option<&Value>, out: &mut Vec<(String, State)>) {
    for item in items.and_then(Value::as_array).into_iter().flatten() {
        if let Some(state) = state_of(item) {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("?");
            out.push((id.to_string(), state));
        }
        collect_item_states(item.get("productOrderItem"), out);
    }
}

fn cancel_items(items: Option<&mut Value>) {
    for item in items.and_then(Value::as_array_mut).into_iter().flatten() {
        if state_of(item).is_some_and(|s| !s.is_final())
            && let Value::Object(map) = item
        {
            map.insert(
                "state".into(),
                Value::String(State::Cancelled.as_str().into()),
            );
        }
        cancel_items(item.get_mut("productOrderItem"));
    }
}

/// Fills in what the server owns on a cancellation request carried out now.
pub fn stamp_cancel_request(request: &mut Map<String, Value>, id: &str, now: DateTime<Utc>) {
    CANCEL_PRODUCT_ORDER.stamp_new(request, id, now);
    request.insert("state".into(), Value::String(TASK_DONE.into()));
    request.insert(
        "effectiveCancellationDate".into(),
        Value::String(rfc3339(now)),
    );
}

/// One error per field, the first found: a field broken in two ways is
/// reported once, with the more specific rule checked first.
fn dedupe(errors: Vec<FieldError>) -> Vec<FieldError> {
    let mut seen = std::collections::HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert(e.field.clone()))
        .collect()
}

fn finish(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    let errors = dedupe(errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
