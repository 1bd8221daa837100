//! Order items (`productOrderItem`, nested items included): what each must
//! hold, that their ids identify them within the order, and what a change to
//! an existing order may do to them.

use super::state::{State, item_transition};
use crate::document::{FieldError, MAX_ID_LEN};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const ACTIONS: [&str; 4] = ["add", "modify", "delete", "noChange"];

/// Whether item `state` may be sent: not in a new order (the server sets
/// it), and as a valid item state in a changed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStates {
    ServerSet,
    Allowed,
}

/// Every broken rule of the order's items, named by path.
pub fn check_items(order: &Value, states: ItemStates) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match order.get("productOrderItem") {
        Some(Value::Array(items)) if items.is_empty() => errors.push(FieldError::new(
            "productOrderItem",
            "must hold at least one item",
        )),
        Some(Value::Array(_)) => {}
        Some(_) => errors.push(FieldError::new("productOrderItem", "must be an array")),
        None => errors.push(FieldError::new("productOrderItem", "is required")),
    }
    if !errors.is_empty() {
        return errors;
    }
    let all = flatten(order);
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (path, item) in &all {
        let Value::Object(item) = item else {
            errors.push(FieldError::new(path, "must be an object"));
            continue;
        };
        check_item(path, item, states, &mut errors);
        if let Some(id) = item.get("id").and_then(Value::as_str) {
            if let Some(first) = seen.get(id) {
                errors.push(FieldError::new(
                    format!("{path}.id"),
                    format!("duplicates the id of {first}; item ids are unique within an order"),
                ));
            } else {
                seen.insert(id, path);
            }
        }
    }
    for (path, item) in &all {
        check_relationships(path, item, &seen, &mut errors);
    }
    errors
}

/// Every item of the order with its path, depth first, nested items included.
fn flatten(order: &Value) -> Vec<(String, &Value)> {
    item_tree(order)
        .into_iter()
        .map(|(path, item, _)| (path, item))
        .collect()
}

/// Every item of the order with its path and the id of the item it is
/// nested in (TMF622 lets items hold items), depth first.
pub fn item_tree(order: &Value) -> Vec<(String, &Value, Option<&str>)> {
    fn walk<'v>(
        items: &'v Value,
        path: &str,
        parent: Option<&'v str>,
        out: &mut Vec<(String, &'v Value, Option<&'v str>)>,
    ) {
        if let Value::Array(items) = items {
            for (i, item) in items.iter().enumerate() {
                let here = format!("{path}[{i}]");
                out.push((here.clone(), item, parent));
                if let Some(nested) = item.get("productOrderItem") {
                    let id = item.get("id").and_then(Value::as_str);
                    walk(nested, &format!("{here}.productOrderItem"), id, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(items) = order.get("productOrderItem") {
        walk(items, "productOrderItem", None, &mut out);
    }
    out
}

fn check_item(
    path: &str,
    item: &Map<String, Value>,
    states: ItemStates,
    errors: &mut Vec<FieldError>,
) {
    let mut error = |field: &str, rule: &str| {
        errors.push(FieldError::new(format!("{path}.{field}"), rule));
    };
    match item.get("id") {
        None => error("id", "is required"),
        Some(Value::String(id)) if !id.is_empty() && id.chars().count() <= MAX_ID_LEN => {}
        Some(_) => error("id", "must be a string of 1 to 100 characters"),
    }
    let action = item.get("action").and_then(Value::as_str);
    match (item.get("action"), action) {
        (None, _) => error("action", "is required"),
        (_, Some(a)) if ACTIONS.contains(&a) => {}
        _ => error("action", "must be one of add, modify, delete, noChange"),
    }
    if let Some(q) = item.get("quantity")
        && q.as_u64().is_none_or(|q| q < 1)
    {
        error("quantity", "must be a whole number of at least 1");
    }
    match item.get("productOffering") {
        None => {}
        Some(Value::Object(o)) if is_id(o.get("id")) => {}
        Some(Value::Object(_)) => error("productOffering.id", "is required and must be a string"),
        Some(_) => error(
            "productOffering",
            "must be an object (a ProductOfferingRef)",
        ),
    }
    let product_id = match item.get("product") {
        None => None,
        Some(Value::Object(p)) => match p.get("id") {
            None => None,
            Some(id) if is_id(Some(id)) => id.as_str(),
            Some(_) => {
                error("product.id", "must be a non-empty string");
                None
            }
        },
        Some(_) => {
            error("product", "must be an object (a ProductRefOrValue)");
            None
        }
    };
    match action {
        Some("add") if !item.contains_key("productOffering") && !item.contains_key("product") => {
            error(
                "productOffering",
                "is required when action is add (or describe the product in product)",
            )
        }
        Some("modify" | "delete" | "noChange") if product_id.is_none() => error(
            "product.id",
            "is required when action is modify, delete or noChange: it names the existing product",
        ),
        _ => {}
    }
    match (item.get("state"), states) {
        (None, _) => {}
        (Some(_), ItemStates::ServerSet) => {
            error("state", "is set by the server and may not be sent")
        }
        (Some(s), ItemStates::Allowed) => {
            if !s
                .as_str()
                .and_then(State::parse)
                .is_some_and(State::is_item_state)
            {
                error("state", &format!("must be one of {}", item_state_names()));
            }
        }
    }
    for array in [
        "productOrderItem",
        "productOrderItemRelationship",
        "itemPrice",
        "itemTotalPrice",
        "itemTerm",
        "payment",
    ] {
        if item.get(array).is_some_and(|v| !v.is_array()) {
            error(array, "must be an array");
        }
    }
    if let Some(account) = item.get("billingAccount")
        && !account.get("id").is_some_and(|id| is_id(Some(id)))
    {
        error("billingAccount.id", "is required and must be a string");
    }
}

fn is_id(value: Option<&Value>) -> bool {
    value.and_then(Value::as_str).is_some_and(|s| !s.is_empty())
}

fn check_relationships(
    path: &str,
    item: &Value,
    ids: &HashMap<&str, &str>,
    errors: &mut Vec<FieldError>,
) {
    let Some(Value::Array(relations)) = item.get("productOrderItemRelationship") else {
        return;
    };
    let own = item.get("id").and_then(Value::as_str);
    for (i, relation) in relations.iter().enumerate() {
        let here = format!("{path}.productOrderItemRelationship[{i}]");
        match relation.get("id").and_then(Value::as_str) {
            Some(id) if Some(id) == own => errors.push(FieldError::new(
                format!("{here}.id"),
                "may not name the item itself",
            )),
            Some(id) if ids.contains_key(id) => {}
            Some(_) => errors.push(FieldError::new(
                format!("{here}.id"),
                "must name another item of this order",
            )),
            None => errors.push(FieldError::new(
                format!("{here}.id"),
                "is required and must be a string",
            )),
        }
        if !relation
            .get("relationshipType")
            .is_some_and(Value::is_string)
        {
            errors.push(FieldError::new(
                format!("{here}.relationshipType"),
                "is required and must be a string",
            ));
        }
    }
}

pub(crate) fn item_state_names() -> String {
    State::ALL
        .iter()
        .filter(|s| s.is_item_state())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Gives every item of a new order the initial state.
pub fn stamp_new_items(order: &mut Value) {
    for_each_item_mut(order, &mut |item| {
        item.insert(
            "state".into(),
            Value::String(State::INITIAL.as_str().into()),
        );
    });
}

fn for_each_item_mut(order: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    fn walk(items: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
        if let Value::Array(items) = items {
            for item in items {
                if let Value::Object(map) = item {
                    f(map);
                    if let Some(nested) = map.get_mut("productOrderItem") {
                        walk(nested, f);
                    }
                }
            }
        }
    }
    if let Some(items) = order.get_mut("productOrderItem") {
        walk(items, f);
    }
}

/// Reconciles the items of a changed order with those it had, in place.
///
/// While the order is `acknowledged` nothing has been fulfilled, so items may
/// be added, removed or rewritten (new ones start `acknowledged`). After that
/// the items are what is being fulfilled: only their `state` may change, along
/// the item state machine. An item sent without `state` keeps the one it had,
/// so a client replacing the array need not repeat the states.
pub fn reconcile_items(order_state: State, before: &Value, after: &mut Value) -> Vec<FieldError> {
    let old: HashMap<String, (String, Value)> = flatten(before)
        .into_iter()
        .filter_map(|(path, item)| {
            let id = item.get("id")?.as_str()?.to_string();
            Some((id, (path, item.clone())))
        })
        .collect();
    let mut errors = Vec::new();
    let mut kept = 0;
    let mut changed_content = false;
    let paths: Vec<String> = flatten(after).into_iter().map(|(p, _)| p).collect();
    let mut index = 0;
    for_each_item_mut(after, &mut |item| {
        let path = paths.get(index).cloned().unwrap_or_default();
        index += 1;
        let previous = item
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| old.get(id));
        let Some((_, previous)) = previous else {
            changed_content = true;
            match item
                .get("state")
                .and_then(Value::as_str)
                .and_then(State::parse)
            {
                None | Some(State::Acknowledged) => {
                    item.insert(
                        "state".into(),
                        Value::String(State::INITIAL.as_str().into()),
                    );
                }
                Some(_) => errors.push(FieldError::new(
                    format!("{path}.state"),
                    "a new item starts acknowledged",
                )),
            }
            return;
        };
        kept += 1;
        let was = previous
            .get("state")
            .and_then(Value::as_str)
            .and_then(State::parse);
        let wants = item
            .get("state")
            .and_then(Value::as_str)
            .and_then(State::parse);
        match (was, wants) {
            (Some(was), None) => {
                item.insert("state".into(), Value::String(was.as_str().into()));
            }
            (Some(was), Some(wants)) if was != wants => {
                if let Err(e) = item_transition(was, wants) {
                    errors.push(FieldError::new(format!("{path}.state"), e.to_string()));
                }
            }
            _ => {}
        }
        if without_state(previous) != without_state_map(item) {
            changed_content = true;
        }
    });
    if order_state != State::Acknowledged && (changed_content || kept != old.len()) {
        errors.push(FieldError::new(
            "productOrderItem",
            format!(
                "items may be added, removed or changed only while the order is acknowledged; \
                 the order is {order_state}, so only item states may change"
            ),
        ));
    }
    errors
}

fn without_state(item: &Value) -> Value {
    match item {
        Value::Object(map) => without_state_map(map),
        other => other.clone(),
    }
}

/// An item's content apart from its own state and its nested items' states
/// (nested items are compared one by one in their own right).
fn without_state_map(item: &Map<String, Value>) -> Value {
    let mut copy = item.clone();
    copy.remove("state");
    if let Some(Value::Array(nested)) = copy.get_mut("productOrderItem") {
        for n in nested.iter_mut() {
            *n = without_state(n);
        }
    }
    Value::Object(copy)
}

/// States only the order worker sets, once it has applied the order to the
/// inventory: a client saying an order (or item) is done would make it claim
/// what the inventory does not hold.
pub const WORKER_STATES: [State; 3] = [State::Completed, State::Failed, State::Partial];

/// What a client's change may not do to an order the order worker fulfils
/// (every product order, issue 16): end it or its items in a state of
/// [`WORKER_STATES`], or change its items' content, which were checked and
/// priced when the order was created (the worker applies those). Conflicts,
/// by path; empty when the change is the client's to make.
pub fn client_change_problems(before: &Value, after: &Value) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let worker_state = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(State::parse)
            .filter(|s| WORKER_STATES.contains(s))
    };
    if before.get("state") != after.get("state")
        && let Some(s) = worker_state(after.get("state"))
    {
        problems.push(FieldError::new(
            "state",
            format!(
                "{s} is set by the order worker when it has applied the order to the inventory"
            ),
        ));
    }
    let old: HashMap<&str, &Value> = flatten(before)
        .into_iter()
        .filter_map(|(_, item)| Some((item.get("id")?.as_str()?, item)))
        .collect();
    let new = flatten(after);
    let mut content_changed = new.len() != old.len();
    for (path, item) in &new {
        let previous = item
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| old.get(id));
        match previous {
            None => content_changed = true,
            Some(previous) => {
                if previous.get("state") != item.get("state")
                    && let Some(s) = worker_state(item.get("state"))
                {
                    problems.push(FieldError::new(
                        format!("{path}.state"),
                        format!("{s} is set by the order worker when it has applied the item"),
                    ));
                }
                content_changed |= without_state(previous) != without_state(item);
            }
        }
    }
    if content_changed {
        problems.push(FieldError::new(
            "productOrderItem",
            "the items were checked and priced when the order was created and are what the order worker fulfils; only their state may change (cancel the order and place a new one to change them)",
        ));
    }
    problems
}
