//! Hubs, care notification subscriptions and the delivery admin API in the
//! OpenAPI document.

use super::admin::{BASE as ADMIN, ROLE};
use super::hub::HUBS;
use serde_json::{Map, Value, json};

const TAG: &str = "Events";

fn answer(text: &str, schema: Option<Value>) -> Value {
    match schema {
        Some(s) => json!({"description": text, "content": {"application/json": {"schema": s}}}),
        None => json!({"description": text}),
    }
}

fn error() -> Option<Value> {
    Some(json!({"$ref": "#/components/schemas/Error"}))
}

fn id_parameter() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}})
}

pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let mut paths = Map::new();
    let text = json!({"type": "string"});
    for api in &HUBS {
        let roles = api.roles.join(" or ");
        let denied = format!("The caller is not a user or m2m principal with role {roles}");
        let write_denied = format!(
            "The caller is not a user or m2m principal with role {} (the API's write role)",
            api.write_role
        );
        paths.insert(format!("{}/hub", api.base), json!({"post": {
            "tags": [TAG],
            "summary": format!("Register a listener for the {} events of this tenant", api.domain),
            "description": "Each matching event is POSTed to `callback`, signed: `X-Omni-Signature: v1=<hex HMAC-SHA256(secret, \"<X-Omni-Timestamp>.<body>\")>`. Events arrive one at a time in commit order; a failed delivery is retried with exponential backoff and jitter, then parked as a dead letter. The callback must reach a public address (not loopback, private, link-local, unique-local, multicast, documentation or benchmarking ranges, nor their IPv6 forms) unless the operator's OMNI_WEBHOOK_ALLOW names it; this is checked here and again on every delivery.",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventSubscriptionInput"}}}},
            "responses": {
                "201": answer("Registered; `secret` is present only when Omni generated it (shown this once)", Some(json!({"$ref": "#/components/schemas/EventSubscription"}))),
                "400": answer("callback, query or secret invalid (including a callback on an address the address policy refuses): details name each", error()),
                "401": answer("Missing or invalid bearer token", error()),
                "403": answer(&write_denied, error()),
            }
        }}));
        paths.insert(format!("{}/hub/{{id}}", api.base), json!({
            "get": {
                "tags": [TAG], "summary": "A registered listener (never its secret)",
                "security": [{"bearerAuth": []}], "parameters": [id_parameter()],
                "responses": {
                    "200": answer("The listener", Some(json!({"$ref": "#/components/schemas/EventSubscription"}))),
                    "401": answer("Missing or invalid bearer token", error()),
                    "403": answer(&denied, error()),
                    "404": answer("No listener with that id on this API", error()),
                }
            },
            "delete": {
                "tags": [TAG], "summary": "Remove a listener: it receives nothing more",
                "security": [{"bearerAuth": []}], "parameters": [id_parameter()],
                "responses": {
                    "204": answer("Removed", None),
                    "401": answer("Missing or invalid bearer token", error()),
                    "403": answer(&write_denied, error()),
                    "404": answer("No listener with that id on this API", error()),
                }
            }
        }));
    }
    care_paths(&mut paths);
    let admin_denied = format!("The caller is not a user or m2m principal with role {ROLE}");
    paths.insert(format!("{ADMIN}/eventSubscription"), json!({"get": {
        "tags": [TAG], "summary": "Every listener of the tenant with its delivery state",
        "security": [{"bearerAuth": []}],
        "responses": {
            "200": answer("Listeners", Some(json!({"type": "array", "items": {"type": "object", "properties": {
                "id": text, "callback": text, "domain": text, "cursor": {"type": "integer"},
                "delivered": {"type": "integer"}, "deadLettered": {"type": "integer"},
                "failedAttempts": {"type": "integer"}, "nextAttemptAt": {"type": ["string", "null"]},
                "lastError": {"type": ["string", "null"], "description": "Class of the last failure only: refused by the address policy, connection refused, timed out, TLS failure, HTTP <status>, ..."}}}}))),
            "401": answer("Missing or invalid bearer token", error()),
            "403": answer(&admin_denied, error()),
        }
    }}));
    paths.insert(format!("{ADMIN}/deadLetter"), json!({"get": {
        "tags": [TAG], "summary": "Events parked after their last failed attempt",
        "security": [{"bearerAuth": []}],
        "responses": {
            "200": answer("Dead letters", Some(json!({"type": "array", "items": {"$ref": "#/components/schemas/DeadLetter"}}))),
            "401": answer("Missing or invalid bearer token", error()),
            "403": answer(&admin_denied, error()),
        }
    }}));
    paths.insert(format!("{ADMIN}/deadLetter/{{id}}/redrive"), json!({"post": {
        "tags": [TAG], "summary": "Deliver a dead letter again (outside its listener's order), with the usual retries",
        "security": [{"bearerAuth": []}], "parameters": [id_parameter()],
        "responses": {
            "202": answer("Re-drive started", Some(json!({"$ref": "#/components/schemas/DeadLetter"}))),
            "401": answer("Missing or invalid bearer token", error()),
            "403": answer(&admin_denied, error()),
            "404": answer("No dead letter with that id", error()),
            "409": answer("A re-drive of it is already running", error()),
        }
    }}));
    let mut schemas = Map::new();
    schemas.insert("EventSubscriptionInput".into(), json!({"type": "object", "required": ["callback"],
        "additionalProperties": false, "properties": {
        "callback": {"type": "string", "description": "Absolute http or https URL (certificates are verified) on a public address, or one the operator allows"},
        "query": {"type": "string", "description": "TMF630 attribute filters over the event envelope, e.g. eventType=ProductOrderStateChangeEvent&event.productOrder.state=completed"},
        "secret": {"type": "string", "minLength": 16, "maxLength": 256, "description": "HMAC key; generated when absent"},
        "@type": text}}));
    schemas.insert(
        "EventSubscription".into(),
        json!({"type": "object", "required": ["id", "callback"], "properties": {
        "id": text, "callback": text, "query": {"type": ["string", "null"]}, "secret": text}}),
    );
    schemas.insert("DeadLetter".into(), json!({"type": "object", "properties": {
        "id": text, "subscriptionId": text, "callback": text, "seq": {"type": "integer"},
        "eventId": text, "eventType": text, "event": {"type": "object"}, "attempts": {"type": "integer"},
        "lastError": text, "deadLetteredAt": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["parked", "redriving", "redriven"]},
        "redrivenAt": {"type": "string", "format": "date-time"}}}));
    (paths, schemas)
}

fn care_paths(paths: &mut Map<String, Value>) {
    let base = crate::care::BASE;
    let header = |name: &str| json!({"name": name, "in": "header", "required": true, "schema": {"type": "string", "maxLength": 200}});
    let headers = [
        header("X-ATT-ClientId"),
        header("X-ATT-ConversationId"),
        header("X-ATT-MessageId"),
    ];
    let denied = "The caller lacks role care.ops, is not a user or m2m principal, or X-ATT-ClientId is not the token's client_id claim (or the token has none)";
    paths.insert(format!("{base}/notificationSubscription"), json!({"post": {
        "tags": ["Care orders"],
        "summary": "Be notified of every status change of this client's care orders (CareOrderStatusChangeEvent), signed with the secret",
        "security": [{"bearerAuth": []}],
        "parameters": headers,
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
            "required": ["notificationSubscriptionRequest"], "properties": {"notificationSubscriptionRequest": {
                "type": "object", "required": ["callbackUrl"], "additionalProperties": false, "properties": {
                    "callbackUrl": {"type": "string"},
                    "secret": {"type": "string", "minLength": 16, "maxLength": 256}}}}}}}},
        "responses": {
            "201": answer("Registered; `secret` only when generated", Some(json!({"type": "object", "properties": {
                "notificationSubscriptionResponse": {"type": "object", "properties": {
                    "subscriptionId": {"type": "string"}, "callbackUrl": {"type": "string"}, "clientId": {"type": "string"},
                    "eventTypes": {"type": "array", "items": {"type": "string"}},
                    "createdDate": {"type": "string", "format": "date-time"}, "secret": {"type": "string"}}}}}))),
            "400": answer("A header or field is missing or invalid: details name each", error()),
            "401": answer("Missing or invalid bearer token", error()),
            "403": answer(denied, error()),
        }
    }}));
    paths.insert(format!("{base}/notificationSubscription/{{id}}"), json!({"delete": {
        "tags": ["Care orders"],
        "summary": "Stop notifications of one of this client's subscriptions",
        "security": [{"bearerAuth": []}],
        "parameters": [header("X-ATT-ClientId"), header("X-ATT-ConversationId"), header("X-ATT-MessageId"), id_parameter()],
        "responses": {
            "204": answer("Removed", None),
            "400": answer("A required header is missing", error()),
            "401": answer("Missing or invalid bearer token", error()),
            "403": answer(denied, error()),
            "404": answer("No subscription of this client with that id", error()),
        }
    }}));
}
