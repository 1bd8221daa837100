//! The OpenAPI side of the shared guards: every `POST` takes the
//! `Idempotency-Key` header and may answer 400 (malformed key), 422 (key
//! reused) or 409 (still running); every operation may answer 400 (a NUL
//! character in its input, see `crate::input`), 429 (rate limit), 431
//! (head too large) and 503 (overload, timeout). Added to the generated
//! document once, as shared components.

use serde_json::{Map, Value, json};

/// `api` with the header and answers added to every operation.
pub fn document(api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let Ok(mut doc) = serde_json::to_value(&api) else {
        return api;
    };
    add_components(&mut doc);
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let shape = if path.starts_with(crate::PARTNER_BASE) {
                "PartnerError"
            } else {
                "Error"
            };
            let Value::Object(item) = item else { continue };
            for (method, op) in item.iter_mut() {
                let Value::Object(op) = op else { continue };
                if method == "post" {
                    let params = op.entry("parameters").or_insert_with(|| json!([]));
                    if let Value::Array(params) = params {
                        params.push(json!({"$ref": "#/components/parameters/IdempotencyKey"}));
                    }
                }
                let Some(Value::Object(responses)) = op.get_mut("responses") else {
                    continue;
                };
                let mut add = |code: &str, description: &str| {
                    responses
                        .entry(code)
                        .or_insert_with(|| answer(description, shape));
                };
                if method == "post" {
                    add("400", MALFORMED_KEY);
                    add("422", REUSED);
                    add("409", RUNNING);
                }
                add("400", UNSTORABLE);
                add("429", LIMITED);
                add("431", HEAD_TOO_LARGE);
                add("503", UNAVAILABLE);
                // A 409 the operation documented already keeps its text,
                // with the idempotency case said after it.
                if method == "post"
                    && let Some(Value::Object(conflict)) = responses.get_mut("409")
                    && let Some(Value::String(text)) = conflict.get_mut("description")
                    && text != RUNNING
                {
                    text.push_str(RUNNING_TOO);
                }
            }
        }
    }
    match serde_json::from_value(doc) {
        Ok(api) => api,
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document with idempotency does not parse");
            api
        }
    }
}

const REUSED: &str = "Idempotency-Key was already used by this caller for a different request (method, path, query or body)";
const RUNNING: &str =
    "The first request with this Idempotency-Key is still running; Retry-After says when to retry";
const RUNNING_TOO: &str = "; or the first request with this Idempotency-Key is still running (Retry-After says when to retry)";
const MALFORMED_KEY: &str =
    "A header or field is invalid (e.g. a malformed Idempotency-Key): details name it";
const UNSTORABLE: &str = "A path parameter, query value, header or body field holds a NUL character, which cannot be stored: details name it";
const HEAD_TOO_LARGE: &str = "The request target and headers are larger than the configured limit";
const LIMITED: &str = "The caller's rate limit is exceeded; Retry-After says when to retry";
const UNAVAILABLE: &str = "Overloaded (Retry-After), timed out, or storage unavailable";

fn answer(description: &str, shape: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{shape}")}}}})
}

fn add_components(doc: &mut Value) {
    let Value::Object(root) = doc else { return };
    let components = root.entry("components").or_insert_with(|| json!({}));
    let Value::Object(components) = components else {
        return;
    };
    let params = components
        .entry("parameters")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(params) = params {
        params.insert(
            "IdempotencyKey".into(),
            json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes a retry safe: the first request with this key (per caller and tenant) is done once, and a retry with the same method, path, query and body gets the same status, headers and body back, with `Idempotent-Replayed: true`. The same key with a different request is a 422; while the first is still running a retry waits for it, then gets 409 with Retry-After. Keys are remembered for 24 hours. Callers without a token share one principal per tenant: use unguessable keys (UUIDs).",
                "schema": {"type": "string", "minLength": 1, "maxLength": super::MAX_KEY_LENGTH, "example": "5f0c2a4e-8d7b-4c1e-9a57-3f2b8e6d1c90"}
            }),
        );
    }
}
