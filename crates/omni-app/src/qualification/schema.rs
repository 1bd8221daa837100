//! The documented schemas of both APIs' documents: the `<Name>_Create`
//! request a client sends, checked by `shape.rs` before a question is
//! answered, and the answer it gets back. The OpenAPI document that
//! `omni-api` serves shows these same schemas, so what is documented is
//! what is checked.

use super::{Kind, MAX_ITEMS};
use omni_core::eligibility::ReasonCode;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

/// A reference to a component schema of the OpenAPI document.
pub fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Every eligibility reason code, for the documents' descriptions.
pub fn reason_codes() -> String {
    ReasonCode::ALL
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `<Name>_Create` schema of `kind`'s request, built once.
pub(super) fn create(kind: Kind) -> &'static Value {
    static SCHEMAS: OnceLock<Map<String, Value>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(schemas);
    schemas
        .get(&format!("{}_Create", kind.type_name))
        .unwrap_or(&Value::Null)
}

/// A reference to another resource by id (a channel, an offering).
fn reference(description: &str) -> Value {
    json!({"type": "object", "required": ["id"], "description": description,
           "properties": {"id": {"type": "string"}, "href": {"type": "string"}, "name": {"type": "string"}}})
}

fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn date(description: &str) -> Value {
    json!({"type": "string", "format": "date-time", "description": description})
}

/// An answer's properties: the request's, and what every answer carries
/// (`asked` names the attributes dated when the question was asked; `items`
/// is the list of items and the schema of one answered item).
fn answer_properties(create: &Value, result: &str, asked: &[&str], items: (&str, &str)) -> Value {
    let mut answer = create.clone();
    if let Value::Object(props) = &mut answer {
        props.insert("id".into(), text("Generated"));
        props.insert("href".into(), text("Link to the stored answer"));
        props.insert("@type".into(), json!({"type": "string"}));
        props.insert("state".into(), json!({"type": "string", "enum": ["done"]}));
        props.insert(
            "qualificationResult".into(),
            json!({"type": "string", "enum": ["qualified", "unqualified"], "description": result}),
        );
        for name in asked {
            props.insert((*name).into(), date("When it was asked"));
        }
        props.insert(
            "effectiveQualificationDate".into(),
            date("When it was answered"),
        );
        let (list, item) = items;
        props.insert(
            list.into(),
            json!({"type": "array", "items": schema_ref(item)}),
        );
    }
    answer
}

/// Every component schema of both APIs, by name: the requests
/// (`ProductOfferingQualification_Create`, `CheckServiceQualification_Create`),
/// the answers and their parts.
pub fn schemas() -> Map<String, Value> {
    let places = json!({"type": "array", "items": {"type": "object",
        "properties": {"id": {"type": "string", "description": "Service address id of the address registry"},
                       "role": {"type": "string"}}}});
    let parties = json!({"type": "array", "items": {"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}, "role": {"type": "string"}, "@referredType": {"type": "string"}}},
        "description": "Recorded with the answer; does not change it. None named: the answer names the requester"});
    let reasons = json!({"type": "array", "items": schema_ref("EligibilityUnavailabilityReason"),
        "description": "Present when the item is unqualified (unless provideUnavailabilityReason is false)"});
    let mut out = Map::new();
    out.insert(
        "EligibilityUnavailabilityReason".into(),
        json!({"type": "object", "required": ["code", "label"], "properties": {
            "code": {"type": "string", "description": format!("Stable code: {}", reason_codes())},
            "label": text("What is wrong, in words")}}),
    );

    let poq_item_props = json!({
        "id": text("Item id, unique in the request"),
        "action": {"type": "string", "enum": ["add", "modify", "delete", "noChange"],
                   "description": "add (default): qualify productOffering, or the offerings of category. modify: qualify productOffering (or, without it, the offering of the product) and, when the product's offering is known (product.productOffering, or product.id among the customer's products), check that it may be swapped for it. delete, noChange: always qualified"},
        "productOffering": reference("The offering to qualify (add: this or category; modify, delete, noChange: this or product)"),
        "category": reference("add only, instead of productOffering: the category's offerings (and its subcategories') are qualified; the item is qualified when one is, and alternateProductOfferingProposal lists those that are"),
        "product": {"type": "object", "description": "The customer's product the item changes",
                    "properties": {"id": {"type": "string", "description": "A product of the customer's inventory (relatedParty with role customer)"},
                                   "productOffering": reference("Its offering")}},
    });
    let mut poq_item_answer = poq_item_props.clone();
    if let Value::Object(props) = &mut poq_item_answer {
        props.insert("state".into(), json!({"type": "string", "enum": ["done"]}));
        props.insert(
            "qualificationItemResult".into(),
            json!({"type": "string", "enum": ["qualified", "unqualified", "alternate"],
                   "description": "alternate: the offering does not qualify, alternateProductOfferingProposal lists offerings that do"}),
        );
        props.insert("eligibilityUnavailabilityReason".into(), reasons.clone());
        props.insert(
            "alternateProductOfferingProposal".into(),
            json!({"type": "array", "description": "Qualifying offerings: a category's, or (provideAlternative) those sharing a category with an unqualified offering",
                   "items": {"type": "object", "properties": {
                       "id": {"type": "string"},
                       "alternateProductOffering": reference("A qualifying offering")}}}),
        );
    }
    out.insert(
        "ProductOfferingQualificationItem".into(),
        json!({"type": "object", "required": ["id", "state"], "properties": poq_item_answer}),
    );
    let poq_create = json!({
        "channel": reference("Sales channel, e.g. ECOMM, ATTR, SelfService (required)"),
        "relatedParty": {"type": "array", "items": parties["items"].clone(),
            "description": "The party of role customer decides eligibility with its own facts (accounts, billing accounts and lines), as for carts; a customer is judged on their own. None named: the answer names the requester"},
        "place": {"description": "At most one service address: offerings with requiresServiceQualification are then also checked there (UNKNOWN_ADDRESS, TECHNOLOGY_NOT_AVAILABLE, SPEED_NOT_AVAILABLE)", "type": "array", "items": places["items"].clone()},
        "customerType": text("Omni extension: checked against the offering's customerTypes (e.g. Consumer, Business)"),
        "customerSubType": text("Omni extension: checked against customerSubTypes (e.g. Individual, Enterprise)"),
        "paymentType": text("Omni extension: Prepaid or Postpaid, checked against paymentType"),
        "creditClass": text("Omni extension: the customer's credit class, checked against the offering's creditRisk (low, medium, high)"),
        "market": text("Omni extension: market code, checked against markets (e.g. DLS)"),
        "existingProductOffering": {"type": "array", "items": reference("An offering the customer has a product of"),
            "description": "Omni extension: the customer's products, for offerings with requiresExistingProduct (upgrade-only offers). The offerings of modify and noChange items' products count too"},
        "provideUnavailabilityReason": {"type": "boolean", "description": "false leaves eligibilityUnavailabilityReason out (default true)"},
        "provideAlternative": {"type": "boolean", "description": "true: an unqualified offering is answered with the qualifying offerings that share a category with it (qualificationItemResult alternate when there are some). Default false"},
        "provideOnlyAvailable": {"type": "boolean", "description": "true: items that do not qualify are left out of the answer (qualificationResult still counts them). Default false: every item is answered"},
        "description": text("Kept as sent"),
        "productOfferingQualificationItem": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS,
            "items": {"type": "object", "required": ["id"], "properties": poq_item_props}},
    });
    let poq_answer = answer_properties(
        &poq_create,
        "qualified when every item is",
        &["creationDate", "productOfferingQualificationDate"],
        (
            "productOfferingQualificationItem",
            "ProductOfferingQualificationItem",
        ),
    );
    out.insert(
        "ProductOfferingQualification_Create".into(),
        json!({"type": "object", "required": ["channel", "productOfferingQualificationItem"], "properties": poq_create}),
    );
    out.insert(
        "ProductOfferingQualification".into(),
        json!({"type": "object", "required": ["id", "href", "state", "qualificationResult", "productOfferingQualificationDate", "relatedParty"], "properties": poq_answer}),
    );

    let characteristic = json!({"type": "object", "required": ["name", "value"], "properties": {
        "name": {"type": "string", "enum": ["productOfferingId", "technology", "downloadSpeedMbps"]},
        "value": {"description": "productOfferingId and technology: a string; downloadSpeedMbps: a whole number (or numeric string)"}}});
    let sq_item_props = json!({
        "id": text("Item id, unique in the request; its position (from 1) when absent"),
        "service": {"type": "object", "required": ["place"], "properties": {
            "serviceSpecification": {"type": "object", "description": "id (or name): the access technology, e.g. fiber or fixedWireless",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            "serviceCharacteristic": {"type": "array", "items": characteristic,
                "description": "Either productOfferingId (the service that offering needs), or technology and/or downloadSpeedMbps (the least speed)"},
            "place": {"description": "Exactly one service address", "type": "array", "items": places["items"].clone()}}},
    });
    let mut sq_item_answer = sq_item_props.clone();
    if let Value::Object(props) = &mut sq_item_answer {
        props.insert("state".into(), json!({"type": "string", "enum": ["done"]}));
        props.insert(
            "qualificationResult".into(),
            json!({"type": "string", "enum": ["qualified", "unqualified"]}),
        );
        props.insert("eligibilityUnavailabilityReason".into(), reasons);
        props.insert(
            "alternateServiceProposal".into(),
            json!({"type": "array", "items": schema_ref("AlternateServiceProposal"),
                   "description": "When unqualified: each technology the address has (unless provideAlternative is false)"}),
        );
    }
    out.insert(
        "AlternateServiceProposal".into(),
        json!({"type": "object", "properties": {
            "id": {"type": "string"},
            "alternateService": {"type": "object", "properties": {
                "serviceSpecification": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
                "serviceCharacteristic": {"type": "array", "items": {"type": "object",
                    "description": "technology, and maxDownloadSpeedMbps: the address's best download speed"}},
                "place": {"type": "array", "items": {"type": "object"}}}}}}),
    );
    out.insert(
        "CheckServiceQualificationItem".into(),
        json!({"type": "object", "properties": sq_item_answer}),
    );
    let sq_create = json!({
        "serviceQualificationItem": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS,
            "items": {"type": "object", "required": ["service"], "properties": sq_item_props}},
        "relatedParty": parties,
        "provideAlternative": {"type": "boolean", "description": "false leaves alternateServiceProposal out"},
        "provideUnavailabilityReason": {"type": "boolean", "description": "false leaves eligibilityUnavailabilityReason out"},
        "description": text("Kept as sent"),
        "externalId": text("Kept as sent"),
    });
    let sq_answer = answer_properties(
        &sq_create,
        "qualified when every item is (TMF645's alternate is not used)",
        &["creationDate", "checkServiceQualificationDate"],
        ("serviceQualificationItem", "CheckServiceQualificationItem"),
    );
    out.insert(
        "CheckServiceQualification_Create".into(),
        json!({"type": "object", "required": ["serviceQualificationItem"], "properties": sq_create}),
    );
    out.insert(
        "CheckServiceQualification".into(),
        json!({"type": "object", "required": ["id", "href", "state", "qualificationResult", "checkServiceQualificationDate", "relatedParty"], "properties": sq_answer}),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_create_schemas_are_found() {
        for kind in [super::super::POQ, super::super::SQ] {
            assert!(create(kind)["properties"].is_object(), "{}", kind.type_name);
        }
    }
}
