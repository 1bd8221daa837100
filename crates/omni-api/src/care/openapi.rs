//! The care order family in the OpenAPI document.

use super::BASE;
use serde_json::{Map, Value, json};

const TAG: &str = "Care orders";

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn wrapper(name: &str, inner: Value) -> Value {
    object(&[name], json!({ name: inner }))
}

fn operation(
    summary: &str,
    request: Value,
    ok: (u16, &str, Value),
    extra: &[(u16, &str)],
) -> Value {
    let error = json!({"$ref": "#/components/schemas/Error"});
    let answer = |text: &str, schema: &Value| json!({"description": text, "content": {"application/json": {"schema": schema}}});
    let mut responses = Map::new();
    responses.insert(ok.0.to_string(), answer(ok.1, &ok.2));
    let common = [
        (
            400,
            "A required header or field is missing or invalid: details name each one",
        ),
        (401, "Missing or invalid bearer token"),
        (
            403,
            "The caller lacks role care.ops, is not a user or m2m principal, or X-ATT-ClientId is not the token's client_id claim (or the token has none)",
        ),
        (413, "Body larger than 1 MiB"),
        (415, "Body is not JSON"),
    ];
    for (code, text) in common.iter().chain(extra) {
        responses.insert(code.to_string(), answer(text, &error));
    }
    let header = |name: &str| {
        json!({"name": name, "in": "header", "required": true, "schema": {"type": "string", "maxLength": 200},
               "description": "Required; echoed in the response. X-ATT-ClientId must equal the token's client_id claim"})
    };
    json!({"post": {
        "tags": [TAG],
        "summary": summary,
        "security": [{"bearerAuth": []}],
        "parameters": [header("X-ATT-ClientId"), header("X-ATT-ConversationId"), header("X-ATT-MessageId")],
        "requestBody": {"required": true, "content": {"application/json": {"schema": request}}},
        "responses": responses,
    }})
}

pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let order = json!({"$ref": "#/components/schemas/CareOrderStatus"});
    let text = json!({"type": "string"});
    let mut paths = Map::new();
    paths.insert(
        format!("{BASE}/careOrder"),
        operation(
            "Accept a care order: the whole body is validated, nothing is stored on failure; each change request is applied when due",
            wrapper("careOrderRequest", json!({"type": "object", "description": "As the orderingMobility care order page: foundationAccountNumber, accountGroupId, poNumber, orderContact, changeRequest[]"})),
            (202, "Accepted: the order as orderStatus shows it, plus warnings naming each field that has no effect on its change request", wrapper("careOrderResponse", json!({"allOf": [order.clone(), {"type": "object", "required": ["warnings"], "properties": {
                "warnings": {"type": "array", "items": object(&["field", "message"], json!({"field": text, "message": text}))}}}]}))),
            &[],
        ),
    );
    paths.insert(
        format!("{BASE}/orderStatus/CareOrder"),
        operation(
            "Care orders by id, by account group, or created in a date range, with each change request's status and errors",
            wrapper("orderStatusRequest", json!({"type": "object", "properties": {
                "orderId": text, "accountGroupId": text,
                "fromDate": {"type": "string", "format": "date-time"}, "toDate": {"type": "string", "format": "date-time"}}})),
            (200, "The matching orders", wrapper("orderStatusResponse", object(&["orders"], json!({"orders": {"type": "array", "items": order}})))),
            &[(404, "No care order with that id")],
        ),
    );
    paths.insert(
        format!("{BASE}/careAccount"),
        operation(
            "A line as it is now: account, billing account and contact, subscriber, rate plan, features, device and SIM",
            wrapper("careAccountRequest", object(&["ctn"], json!({"ctn": text, "accountGroupId": text}))),
            (200, "The line", wrapper("careAccountResponse", json!({"type": "object"}))),
            &[(404, "No such line (in that account group)")],
        ),
    );
    paths.insert(
        format!("{BASE}/orderCancellation"),
        operation(
            "Cancel a care order none of whose change requests was processed yet",
            wrapper(
                "orderCancellationRequest",
                object(&["orderId"], json!({"orderId": text})),
            ),
            (
                200,
                "The order, Cancelled",
                wrapper("orderCancellationResponse", order),
            ),
            &[
                (404, "No care order with that id"),
                (
                    409,
                    "Processing has started: the order can no longer be cancelled",
                ),
            ],
        ),
    );
    let mut schemas = Map::new();
    schemas.insert(
        "CareOrderStatus".into(),
        object(&["orderId", "status", "changeRequest"], json!({
            "orderId": text,
            "poNumber": text,
            "consentToRecurringCharges": {"type": "boolean"},
            "orderContact": {"type": "object"},
            "status": {"type": "string", "enum": ["InProgress", "Completed", "PartiallyCompleted", "Failed", "Cancelled"]},
            "changeRequest": {"type": "array", "items": object(&["changeRequestId", "status"], json!({
                "changeRequestId": text, "type": text, "ctn": text,
                "status": {"type": "string", "enum": ["pending", "completed", "failed", "cancelled"]},
                "dueDate": {"type": "string", "format": "date-time"},
                "processedDate": {"type": "string", "format": "date-time"},
                "errors": {"type": "array", "items": object(&["code", "message"], json!({"code": text, "message": text}))},
                "ignoredFields": {"type": "array", "items": text}}))}})),
    );
    (paths, schemas)
}
