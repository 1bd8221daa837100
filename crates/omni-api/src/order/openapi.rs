//! The partner order family in the OpenAPI document.

use serde_json::{Map, Value, json};

const TAG: &str = "Order capture";

fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn answer(description: &str, body: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": body}}})
}

fn errors(codes: &[u16]) -> Map<String, Value> {
    let mut out = Map::new();
    for code in codes {
        let text = match code {
            400 => "Invalid request: errorList names each failing field or item",
            401 => "Missing or invalid bearer token",
            402 => "The payment was declined",
            403 => "The caller lacks role order.ops, or is not a user or m2m principal",
            404 => "No such order",
            409 => "The order can no longer change, or is not ready to submit",
            413 => "Body larger than 1 MiB",
            415 => "Body is not JSON",
            _ => "Error",
        };
        out.insert(code.to_string(), answer(text, schema("PartnerError")));
    }
    out
}

fn operation(
    summary: &str,
    body: Option<Value>,
    ok: (u16, &str, Value),
    failures: &[u16],
) -> Value {
    let mut responses = errors(failures);
    responses.insert(ok.0.to_string(), answer(ok.1, ok.2));
    let mut op = json!({
        "tags": [TAG],
        "summary": summary,
        "security": [{"bearerAuth": []}],
        "responses": responses,
    });
    if let Some(body) = body {
        // Every body is read as JSON of at most 1 MiB.
        for (code, answer) in errors(&[413, 415]) {
            op["responses"][code] = answer;
        }
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": body}}});
    }
    op
}

fn with_id(op: Value) -> Value {
    let mut op = op;
    op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "Order id, e.g. 26-46236265737394"}]);
    op
}

pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let order_id = json!({"type": "object", "required": ["orderId"], "properties": {"orderId": {"type": "string"}}});
    let id_only =
        json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}});
    let mut paths = Map::new();
    let mut put = |path: &str, op: Value| {
        paths.insert(format!("/omni-svcs/v1{path}"), json!({"post": op}));
    };
    put(
        "/order/create",
        operation(
            "Create an order",
            Some(schema("OrderCreate")),
            (
                201,
                "Created (or, for a cart already ordered, the order it became)",
                id_only.clone(),
            ),
            &[400, 401, 403],
        ),
    );
    put(
        "/order/{id}/items",
        with_id(operation(
            "Add items to an order; all are checked, none is stored if one fails",
            Some(schema("OrderItems")),
            (200, "Added", id_only.clone()),
            &[400, 401, 403, 404, 409],
        )),
    );
    put(
        "/terms",
        operation(
            "The agreements an order needs",
            Some(order_id.clone()),
            (200, "Agreements", json!({"type": "object"})),
            &[400, 401, 403, 404],
        ),
    );
    put(
        "/order/{id}/terms",
        with_id(operation(
            "Consent to agreements",
            Some(schema("TermsConsent")),
            (
                200,
                "Consent recorded",
                json!({"type": "object", "properties": {"validation": schema("OrderValidation")}}),
            ),
            &[400, 401, 403, 404, 409],
        )),
    );
    put(
        "/fulfillment-options",
        operation(
            "Shipping methods and pick-up stores for the order's physical items",
            Some(order_id.clone()),
            (200, "Options", json!({"type": "object"})),
            &[400, 401, 403, 404],
        ),
    );
    put(
        "/order/{id}/fulfillment",
        with_id(operation(
            "Choose how the order is fulfilled",
            Some(
                json!({"type": "object", "required": ["optionId"], "properties": {"optionId": {"type": "string"}, "storeId": {"type": "string"}, "shippingAddress": {"type": "object"}}}),
            ),
            (200, "Chosen", json!({"type": "object"})),
            &[400, 401, 403, 404, 409],
        )),
    );
    put(
        "/payment-methods",
        operation(
            "Authorize a card for what is due today (built-in test gateway; only a token is kept)",
            Some(
                json!({"type": "object", "required": ["orderId", "card"], "properties": {"orderId": {"type": "string"}, "card": {"type": "object", "required": ["number", "expiryMonth", "expiryYear", "cvv", "holderName"], "properties": {"number": {"type": "string"}, "expiryMonth": {"type": "integer"}, "expiryYear": {"type": "integer"}, "cvv": {"type": "string"}, "holderName": {"type": "string"}}}}}),
            ),
            (201, "Authorized", json!({"type": "object"})),
            &[400, 401, 402, 403, 404, 409],
        ),
    );
    put(
        "/order/{id}/submit",
        with_id(operation(
            "Submit a ready order; it becomes a TMF622 product order completed in the background",
            None,
            (202, "Accepted", json!({"type": "object"})),
            &[401, 403, 404, 409],
        )),
    );
    paths.insert(
        "/omni-svcs/v1/order/{id}".into(),
        json!({"get": with_id(operation("The whole order: items, prices, totals, validation", None, (200, "The order", json!({"type": "object", "properties": {
            "state": {"type": "string", "enum": ["draft", "submitted", "completed", "partial", "failed", "cancelled"]},
            "validation": schema("OrderValidation"),
            "failureReason": {"type": "string", "description": "Why completing the submitted order failed for good (state failed); an operator's retry of its job clears it"}}})), &[401, 403, 404]))}),
    );
    // The created order's id is what every other call takes.
    let links: Map<String, Value> = [
        ("getOrder", "~1omni-svcs~1v1~1order~1{id}/get"),
        ("addItems", "~1omni-svcs~1v1~1order~1{id}~1items/post"),
        ("consent", "~1omni-svcs~1v1~1order~1{id}~1terms/post"),
        ("chooseFulfillment", "~1omni-svcs~1v1~1order~1{id}~1fulfillment/post"),
        ("submit", "~1omni-svcs~1v1~1order~1{id}~1submit/post"),
    ]
    .into_iter()
    .map(|(name, pointer)| {
        (
            name.to_string(),
            json!({"operationRef": format!("#/paths/{pointer}"), "parameters": {"id": "$response.body#/id"}}),
        )
    })
    .collect();
    paths["/omni-svcs/v1/order/create"]["post"]["responses"]["201"]["links"] = Value::Object(links);
    let mut schemas = Map::new();
    schemas.insert("PartnerError".into(), json!({"type": "object", "properties": {
        "validation": schema("OrderValidation"),
        "error": {"type": "object", "properties": {
            "errorCode": {"type": "string"}, "errorDescription": {"type": "string"},
            "errorList": {"type": "array", "items": {"type": "object", "required": ["action", "errorCode", "errorDescription", "errorDetails"], "properties": {
                "action": {"type": "string"}, "errorCode": {"type": "string"}, "errorDescription": {"type": "string"},
                "field": {"type": "string"},
                // The terms page (seed 003): what the deciding system said; `OMNI` when no downstream system was asked.
                "errorDetails": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["system", "errorCode", "errorDescription"], "properties": {
                    "system": {"type": "string", "description": "The system that refused: OMNI when Omni decided, or the downstream system (e.g. the payment gateway)"},
                    "errorCode": {"type": "string"}, "errorDescription": {"type": "string"}}}}}}}}}}}));
    schemas.insert("OrderCreate".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "channel": {"description": "ECOMM, ATTR or SelfService; or the channelId header", "oneOf": [{"type": "string"}, {"type": "object", "properties": {"id": {"type": "string"}}}]},
        "relatedParty": {"type": "array", "maxItems": 10, "items": {"type": "object", "required": ["id", "role"], "properties": {
            "id": {"type": "string"}, "role": {"type": "string", "enum": ["customer", "dealerLocation", "dealer", "partner", "owner"]}, "name": {"type": "string"}}}},
        "cartId": {"type": "string", "minLength": 1, "maxLength": 100, "description": "A TMF663 cart of the order's customer (or, when the order names none, whose customer the order takes): the order is made from its active items, priced alike, and the cart is closed (status ordered). The same cartId again answers the same order; an unknown, expired or another customer's cart is a 400 naming cartId"}}}));
    schemas.insert("OrderItems".into(), json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 100, "items": schema("OrderItem")}}}));
    schemas.insert("OrderItem".into(), json!({"type": "object", "required": ["productOfferingType"], "properties": {
        "action": {"type": "string", "description": "add (default), noChange, modify, terminate, or swap;add"},
        "productOfferingType": {"type": "string"}, "productOfferingId": {"type": "string"},
        "productOrderItemId": {"type": "string"}, "rootBundleProductOrderItemId": {"type": "string"},
        "billingAccount": {"type": "object", "properties": {"id": {"type": "string"}, "ratingType": {"type": "string", "enum": ["postpaid", "prepaid"]}}},
        "subscriberNumber": {"type": "string", "pattern": "^[0-9]{10}$"},
        "actionReason": {"type": "object", "properties": {"name": {"type": "string"}, "reasonText": {"type": "string"}, "action": {"type": "string"}}},
        "product": {"type": "object", "properties": {"id": {"type": "string"}, "primaryProductId": {"type": "string"}, "place": {"type": "array", "items": {"type": "object"}}}},
        "characteristic": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}}}}));
    schemas.insert("TermsConsent".into(), json!({"type": "object", "required": ["agreements"], "properties": {"agreements": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "extensions": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}}}}}}}));
    schemas.insert("OrderValidation".into(), json!({"type": "object", "properties": {
        "status": {"type": "string", "enum": ["Incomplete", "Ready", "Submitted"]},
        "readyToSubmit": {"type": "boolean"},
        "validationMessage": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"}, "type": {"type": "string"}, "parameter": {"type": "array", "items": {"type": "object"}}}}},
        "configuration": {"type": "array", "items": {"type": "object", "properties": {"type": {"type": "string"}, "status": {"type": "string"}, "required": {"type": "boolean"}, "postOrderConfigurable": {"type": "boolean"}}}}}}));
    (paths, schemas)
}
