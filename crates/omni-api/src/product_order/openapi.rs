//! The TMF622 OpenAPI fragment: the generic TMF resource description of the
//! two resources, corrected where TMF622 differs (server-set ids, dates and
//! states, the state machine's 409, a cancellation task without PATCH or
//! DELETE), with the roles.

use omni_app::product_order::{CANCEL_RESOURCE, ORDER_RESOURCE};
use omni_core::product_order::State;
use serde_json::{Map, Value, json};

const ORDER_RULES: &str = "Callers need order.ops to write and order.ops or order.view to read; only the caller's tenant is visible. \
    A new order is checked, priced and fulfilled like one order capture submits: channel[0].id (ECOMM, ATTR or SelfService) is \
    required; the relatedParty with role customer must own every billing account and line the items touch; add and modify \
    items name a productOffering that exists and is eligible in the channel, delete items name product.id and carry an \
    actionReason extension; a subscriberNumber characteristic (or extension) names the line an item changes; items tied to \
    a root by a bundled or reliesOn relationship inherit its line; quantity is 1. A refused order is a 400 naming \
    productOrderItem[i] and the rule, and nothing is stored. The answer carries itemPrice, itemTotalPrice and \
    orderTotalPrice; the order is acknowledged, with orderDate and every item's state set by the server, and the order \
    worker completes it into the inventory (not before requestedStartDate). No terms, fulfilment or payment are captured. \
    PATCH may change state only along the TMF622 state machine (409 naming state, from and to, otherwise): \
    acknowledged → rejected, inProgress, pending, held, cancelled; inProgress → completed, failed, partial, held, pending, \
    assessingCancellation; pending and held → inProgress, each other, assessingCancellation, cancelled; \
    assessingCancellation → pendingCancellation, inProgress, held, pending; pendingCancellation → cancelled. \
    rejected, cancelled, completed, failed and partial are final, and completed, failed and partial are set by the order \
    worker only (409 for a client). The items' content does not change after creation (409): only their states, \
    along the same machine (without partial).";

const CANCEL_RULES: &str = "Callers need order.ops to create and order.ops or order.view to read. An order that is \
    acknowledged, pending or held is cancelled at once (its unfinished items too) and the request is stored done. \
    Any other order is refused with 409 naming its state, and nothing is stored: cancellation of an order in \
    fulfilment is not supported. requestedCancellationDate may not be in the future.";

fn date(description: &str) -> Value {
    json!({"type": "string", "format": "date-time", "readOnly": true, "description": description})
}

pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let (mut paths, mut schemas) = crate::tmf::openapi::fragment(&ORDER_RESOURCE);
    let (cancel_paths, cancel_schemas) = crate::tmf::openapi::fragment(&CANCEL_RESOURCE);
    paths.extend(cancel_paths);
    schemas.extend(cancel_schemas);

    let states: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
    let state = json!({"type": "string", "enum": states,
        "description": "Lifecycle state; changes only along the TMF622 state machine"});
    if let Some(order) = schemas.get_mut("ProductOrder") {
        let props = &mut order["properties"];
        remove(props, "lastUpdate");
        props["state"] = state.clone();
        props["orderDate"] = date("When the order was created; set by the server");
        props["completionDate"] = date("When the order reached completed, failed or partial");
        props["cancellationDate"] = date("When the order was cancelled");
        order["required"] = json!(["id", "href", "productOrderItem", "state", "orderDate"]);
    }
    if let Some(create) = schemas.get_mut("ProductOrder_Create") {
        for server_set in ["id", "state", "expectedCompletionDate"] {
            remove(&mut create["properties"], server_set);
        }
    }
    if let Some(update) = schemas.get_mut("ProductOrder_Update") {
        update["properties"]["state"] = state;
    }
    if let Some(task) = schemas.get_mut("CancelProductOrder") {
        let props = &mut task["properties"];
        remove(props, "lastUpdate");
        props["state"] = json!({"type": "string", "enum": ["acknowledged", "terminatedWithError", "inProgress", "done"],
            "readOnly": true, "description": "Always done: Omni stores only cancellations it carried out"});
        props["effectiveCancellationDate"] = date("When the order was cancelled");
        task["required"] = json!(["id", "href", "productOrder", "state"]);
    }
    if let Some(create) = schemas.get_mut("CancelProductOrder_Create") {
        remove(&mut create["properties"], "id");
    }
    // A ProductOrderRef: the id is what the request is about.
    for name in ["CancelProductOrder", "CancelProductOrder_Create"] {
        if let Some(schema) = schemas.get_mut(name) {
            schema["properties"]["productOrder"] = json!({"type": "object", "required": ["id"],
                "description": "The order to cancel (a ProductOrderRef)",
                "properties": {"id": {"type": "string"}, "href": {"type": "string"},
                               "name": {"type": "string"}, "@referredType": {"type": "string"}}});
        }
    }
    schemas.remove("CancelProductOrder_Update");

    let conflict = json!({"description": "The order's state forbids this (details name the field, the state and the rule), or it is under heavy concurrent change (retry)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let contention = json!({"description": "The order is under heavy concurrent change; retry",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    for (path, item) in paths.iter_mut() {
        let cancel = path.contains("cancelProductOrder");
        if cancel && let Value::Object(ops) = item {
            ops.remove("patch");
            ops.remove("delete");
        }
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            op["description"] = json!(if cancel { CANCEL_RULES } else { ORDER_RULES });
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            // Ids are the server's, so no create collides with an existing id;
            // 409 means the order's state refused the request.
            responses.remove("409");
            if (cancel && method == "post") || (!cancel && method == "patch") {
                responses.insert("409".into(), conflict.clone());
            }
            if !cancel && method == "delete" {
                responses.insert("409".into(), contention.clone());
            }
        }
    }
    (paths, schemas)
}

fn remove(props: &mut Value, name: &str) {
    if let Value::Object(map) = props {
        map.remove(name);
    }
}
