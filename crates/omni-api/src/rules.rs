//! Tenant validation rule sets for shopping carts (`validationRuleSet`,
//! beside TMF663 Shopping Cart): created, listed, read, patched and deleted
//! through the generic TMF router, by a tenant administrator only. A rule set
//! is parsed by the rules engine before it is stored, so a rule that cannot
//! be evaluated is a 400 naming it (`rule[1].pattern`). Every write bumps
//! `rules:<tenant>`, which the cart's cache of rule sets polls.

use crate::state::AppState;
use crate::tmf;
use axum::Router;
pub use omni_app::rules::{
    BASE, KIND, ROLE, TAG, VERSION_COUNTER, load_rule_sets, parse_stored, resources,
};
use omni_core::rules::{ENCODING, KINDS, RULE_SET_TYPE};
use serde_json::{Map, Value, json};

/// Routes with their full paths (`/tmf-api/shoppingCart/v4/validationRuleSet…`):
/// merge it into the application rather than nesting it, since the shopping
/// cart is served under the same base.
pub fn router() -> Router<AppState> {
    resources().fold(Router::new(), |router, res| {
        router.merge(Router::new().nest(BASE, tmf::router(res)))
    })
}

/// The OpenAPI paths and schemas of the rule-set endpoints, with the rule
/// encoding documented and a schema for a rule.
pub fn openapi_fragment() -> (Map<String, Value>, Map<String, Value>) {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for res in resources() {
        let (p, s) = tmf::openapi::fragment(&res);
        paths.extend(p);
        schemas.extend(s);
    }
    let rule_ref = json!({"$ref": "#/components/schemas/ValidationRule"});
    let channel = json!({"oneOf": [
        {"type": "string"},
        {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
    ]});
    for suffix in ["", "_Create", "_Update"] {
        if let Some(Value::Object(schema)) = schemas.get_mut(&format!("{RULE_SET_TYPE}{suffix}")) {
            if suffix.is_empty() {
                schema.insert("description".into(), json!(ENCODING));
            }
            if let Some(Value::Object(props)) = schema.get_mut("properties") {
                if let Some(rule) = props.get_mut("rule") {
                    rule["items"] = rule_ref.clone();
                }
                if let Some(ch) = props.get_mut("channel") {
                    ch["items"] = channel.clone();
                }
            }
        }
    }
    schemas.insert("ValidationRule".into(), rule_schema());
    if let Some(Value::Object(post)) = paths
        .get_mut(&format!("{BASE}/{KIND}"))
        .and_then(|p| p.get_mut("post"))
    {
        post.insert("description".into(), json!(ENCODING));
    }
    (paths, schemas)
}

fn rule_schema() -> Value {
    let types = json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]});
    json!({
        "type": "object",
        "required": ["kind"],
        "description": "One rule; which attributes apply depends on `kind` (see ValidationRuleSet).",
        "properties": {
            "kind": {"type": "string", "enum": KINDS},
            "id": {"type": "string", "maxLength": 100, "description": "Unique in the rule set; violations name it (`rule[N]` when absent)"},
            "description": {"type": "string", "maxLength": 4000},
            "message": {"type": "string", "maxLength": 1000, "description": "Replaces the default message of the rule's violations"},
            "path": {"type": "string", "description": "required, allowedValues, pattern: dotted path with [], [N] and [key=value] selectors, e.g. cartItem[].productOffering.id"},
            "values": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": ["string", "number", "boolean"]}, "description": "allowedValues: the values allowed"},
            "pattern": {"type": "string", "maxLength": 1000, "description": "pattern: a regular expression (Rust regex syntax, not anchored)"},
            "itemType": {"description": "itemCount, requires, maxQuantity: item type(s) the rule is about", "oneOf": types["oneOf"].clone()},
            "requiredItemType": {"description": "requires: item type(s) one of which must be in the cart", "oneOf": types["oneOf"].clone()},
            "relationshipType": {"description": "requires: the required item must be linked by cartItemRelationship of this type", "oneOf": types["oneOf"].clone()},
            "typePath": {"type": "string", "description": "Where an item's type is read; default productOffering.@referredType, then itemType"},
            "min": {"type": "integer", "minimum": 0, "description": "itemCount: fewest items"},
            "max": {"type": "integer", "minimum": 0, "description": "itemCount: most items; maxQuantity: largest quantity (at least 1)"},
            "countBy": {"type": "string", "enum": ["item", "quantity"], "description": "itemCount: count items or add up quantities"},
        }
    })
}
