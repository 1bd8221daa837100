//! TMF671 Promotion Management: the generic TM Forum endpoints for the
//! `promotion` resource (`omni_app::promotion`), and its OpenAPI fragment
//! with the encoding of criteria and actions documented.

use crate::state::AppState;
use crate::tmf::{self, TmfResource};
use axum::Router;
pub use omni_app::promotion::{BASE, READ_ROLE, VERSION_COUNTER, WRITE_ROLE, resources};
use omni_core::promotion::ENCODING;
use serde_json::{Map, Value, json};

/// Routes relative to [`BASE`].
pub fn router() -> Router<AppState> {
    resources().fold(Router::new(), |router, res| router.merge(tmf::router(res)))
}

const ROLES: &str = "Writes need the role `promotion.admin`; reads need `promotion.view` (or `promotion.admin`): promotions carry coupon codes, so they are not open to cart callers. New promotions are `draft` until their `lifecycleStatus` is set to `Active` (or `Launched`, `release`).";

/// The generic OpenAPI fragment of a promotion resource, with the encoding
/// of criteria and actions documented and `pattern[]` typed.
pub fn fragment(res: &TmfResource) -> (Map<String, Value>, Map<String, Value>) {
    let (mut paths, mut schemas) = tmf::openapi::fragment(res);
    let description =
        format!("A TMF671 promotion that carts apply automatically. {ROLES}\n\n{ENCODING}");
    let name = res.spec.type_name;
    for schema_name in [
        name.to_string(),
        format!("{name}_Create"),
        format!("{name}_Update"),
    ] {
        let Some(Value::Object(schema)) = schemas.get_mut(&schema_name) else {
            continue;
        };
        schema.insert("description".into(), json!(description));
        if let Some(Value::Object(props)) = schema.get_mut("properties") {
            props.insert(
                "pattern".into(),
                json!({"type": "array", "items": {"$ref": "#/components/schemas/PromotionPattern"},
                       "description": "Conditions and benefits; see the Promotion schema's description"}),
            );
        }
    }
    schemas.extend(pattern_schemas());
    let collection = format!("{}/{}", res.api_base, res.spec.kind);
    if let Some(Value::Object(post)) = paths.get_mut(&collection).and_then(|p| p.get_mut("post")) {
        post.insert(
            "description".into(),
            json!(format!(
                "Creates a promotion. The criteria and actions are validated; each error names its path, e.g. `pattern[0].action[1].actionValue`. {ROLES}"
            )),
        );
    }
    (paths, schemas)
}

fn pattern_schemas() -> Map<String, Value> {
    let text = |description: &str| json!({"type": "string", "description": description});
    let mut out = Map::new();
    out.insert(
        "PromotionPattern".into(),
        json!({"type": "object", "required": ["criteriaGroup", "action"],
            "description": "One tier of the promotion: when its criteria hold, its actions apply. Of the patterns whose criteria hold, the one with the lowest priority applies.",
            "properties": {
                "id": text("Identifier of the pattern"),
                "name": text("Name of the pattern"),
                "description": text("What the pattern does"),
                "priority": {"type": "integer", "minimum": 0,
                    "description": "Smaller applies first (TMF671: smaller number means high); absent applies after every numbered one; equal priorities go by promotion id"},
                "validFor": {"$ref": "#/components/schemas/TimePeriod"},
                "criteriaGroupLogicalRelationship": {"type": "string", "enum": ["AND", "OR"],
                    "description": "How the groups combine (default AND)"},
                "criteriaGroup": {"type": "array", "minItems": 1,
                    "items": {"$ref": "#/components/schemas/PromotionCriteriaGroup"}},
                "action": {"type": "array", "minItems": 1,
                    "items": {"$ref": "#/components/schemas/PromotionAction"}},
            }}),
    );
    out.insert(
        "PromotionCriteriaGroup".into(),
        json!({"type": "object", "required": ["criteria"], "properties": {
            "id": text("Identifier of the group"),
            "groupName": text("Name of the group"),
            "criteriaLogicalRelationship": {"type": "string", "enum": ["AND", "OR"],
                "description": "How the criteria combine (default AND)"},
            "criteria": {"type": "array", "minItems": 1,
                "items": {"$ref": "#/components/schemas/PromotionCriteria"}},
        }}),
    );
    out.insert(
        "PromotionCriteria".into(),
        json!({"type": "object", "required": ["criteriaParameter", "criteriaOperator", "criteriaValue"], "properties": {
            "id": text("Identifier of the criterion"),
            "criteriaParameter": text("productOffering.id, category.id, productOffering[ID,…].quantity, category[ID,…].quantity, channel.id, customerType or couponCode"),
            "criteriaOperator": {"type": "string", "enum": ["=", "<>", ">", ">=", "<", "<="],
                "description": "= (one of) and <> (none of) for lists; all six for quantities; = for couponCode"},
            "criteriaValue": text("Comma-separated ids or values, or a whole number for quantities"),
        }}),
    );
    out.insert(
        "PromotionAction".into(),
        json!({"type": "object", "required": ["actionType", "actionValue", "priceType"], "properties": {
            "id": text("Identifier of the action"),
            "actionType": {"type": "string", "enum": ["amountOff", "percentOff"]},
            "actionValue": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$",
                "description": "Amount off each unit, or percentage from 0 to 100, as a decimal string"},
            "priceType": {"type": "string", "enum": ["oneTime", "recurring", "installment"],
                "description": "Omni extension: the prices reduced"},
            "durationMonths": {"type": "integer", "minimum": 1,
                "description": "Omni extension, recurring and installment only: months the reduction lasts"},
            "maxQuantity": {"type": "integer", "minimum": 1,
                "description": "Omni extension: at most this many units across the cart, cheapest first"},
            "unit": {"type": "string", "pattern": "^[A-Z]{3}$",
                "description": "Omni extension, amountOff only: currency of the amount (default USD)"},
            "actionEntityRef": {"type": "object", "required": ["id"], "properties": {
                "id": text("Offering or category id"),
                "@referredType": {"type": "string", "enum": ["ProductOffering", "Category"]},
            }, "description": "The items reduced; absent: the items the criteria matched"},
        }}),
    );
    out
}
