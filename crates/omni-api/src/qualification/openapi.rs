//! The TMF679 and TMF645 endpoints' part of the OpenAPI document.

use super::{Kind, OPS_ROLE, POQ, SQ, VIEW_ROLE};
use omni_core::eligibility::ReasonCode;
use serde_json::{Map, Value, json};

const POQ_TAG: &str = "TMF679 Product Offering Qualification";
const SQ_TAG: &str = "TMF645 Service Qualification";

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn error(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": schema_ref("Error")}}})
}

fn access() -> String {
    format!(
        "Who may call: without a token (a prospect) or with a `customer` token; `user` and `m2m` tokens need \
         role `{OPS_ROLE}`. Reading stored answers needs a token: `user`/`m2m` with `{OPS_ROLE}` or `{VIEW_ROLE}` \
         read the whole tenant's, a `customer` only those it asked for."
    )
}

fn reason_codes() -> String {
    ReasonCode::ALL
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Paths of one kind: POST and GET on the collection, GET on one answer.
fn paths(kind: Kind, tag: &str, summary: &str, description: String) -> Map<String, Value> {
    let name = kind.type_name;
    let one = schema_ref(name);
    let list_params = json!([
        {"name": "fields", "in": "query", "required": false, "schema": {"type": "string"},
         "description": "Comma-separated first-level attributes to return"},
        {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}},
        {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0},
         "description": "Page size (default 100, capped at 1000)"},
        {"name": "sort", "in": "query", "required": false, "schema": {"type": "string"}},
    ]);
    let mut out = Map::new();
    out.insert(
        kind.collection(),
        json!({
            "post": {
                "tags": [tag], "operationId": format!("create{name}"), "summary": summary,
                "description": format!("{description}\n\n{}", access()),
                "security": [{}, {"bearerAuth": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": schema_ref(&format!("{name}_Create"))}}},
                "responses": {
                    "201": {"description": "Answered (state done) and stored",
                            "headers": {"Location": {"schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": one.clone()}}},
                    "400": error("Invalid request: the message names each field and rule"),
                    "401": error("Invalid bearer token"),
                    "403": error("A user or m2m token without sc.ops"),
                    "413": error("Body larger than 1 MiB"),
                    "415": error("Body is not JSON"),
                }
            },
            "get": {
                "tags": [tag], "operationId": format!("list{name}"),
                "summary": format!("List stored {name} answers (TMF630 filters, fields, sort, paging)"),
                "description": access(), "parameters": list_params, "security": [{"bearerAuth": []}],
                "responses": {
                    "200": {"description": "The page of answers",
                            "headers": {"X-Total-Count": {"schema": {"type": "integer"}},
                                        "X-Result-Count": {"schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": {"type": "array", "items": one.clone()}}}},
                    "400": error("Invalid query parameter"),
                    "401": error("No or invalid bearer token"),
                    "403": error("A user or m2m token without sc.ops or sc.view"),
                }
            }
        }),
    );
    out.insert(
        format!("{}/{{id}}", kind.collection()),
        json!({"get": {
            "tags": [tag], "operationId": format!("retrieve{name}"), "summary": format!("One stored {name} answer"),
            "description": access(),
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "fields", "in": "query", "required": false, "schema": {"type": "string"},
                 "description": "Comma-separated first-level attributes to return"},
            ],
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {"description": "The answer", "content": {"application/json": {"schema": one}}},
                "400": error("Invalid query parameter: only `fields` is accepted"),
                "401": error("No or invalid bearer token"),
                "403": error("A user or m2m token without sc.ops or sc.view"),
                "404": error("No such answer in the caller's tenant (or not the calling customer's)"),
            }
        }}),
    );
    out
}

fn reference(description: &str) -> Value {
    json!({"type": "object", "required": ["id"], "description": description,
           "properties": {"id": {"type": "string"}, "href": {"type": "string"}, "name": {"type": "string"}}})
}

pub(super) fn schemas() -> Map<String, Value> {
    let text = |d: &str| json!({"type": "string", "description": d});
    let date = |d: &str| json!({"type": "string", "format": "date-time", "description": d});
    let places = json!({"type": "array", "items": {"type": "object",
        "properties": {"id": {"type": "string", "description": "Service address id of the address registry"},
                       "role": {"type": "string"}}}});
    let parties = json!({"type": "array", "items": {"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}, "role": {"type": "string"}, "@referredType": {"type": "string"}}},
        "description": "Recorded with the answer; does not change it"});
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
                   "description": "add (default): qualify productOffering. modify: qualify productOffering and, when product.productOffering names the offering the customer has, check that it may be swapped for it. delete, noChange: always qualified"},
        "productOffering": reference("The offering to qualify (required for add and modify)"),
        "product": {"type": "object", "description": "The customer's product the item changes",
                    "properties": {"id": {"type": "string"}, "productOffering": reference("Its offering")}},
    });
    let mut poq_item_answer = poq_item_props.clone();
    if let Value::Object(props) = &mut poq_item_answer {
        props.insert("state".into(), json!({"type": "string", "enum": ["done"]}));
        props.insert(
            "qualificationItemResult".into(),
            json!({"type": "string", "enum": ["qualified", "unqualified"]}),
        );
        props.insert("eligibilityUnavailabilityReason".into(), reasons.clone());
    }
    out.insert(
        "ProductOfferingQualificationItem".into(),
        json!({"type": "object", "required": ["id"], "properties": poq_item_answer}),
    );
    let poq_create = json!({
        "channel": reference("Sales channel, e.g. ECOMM, ATTR, SelfService (required)"),
        "relatedParty": parties,
        "place": {"description": "At most one service address: offerings with requiresServiceQualification are then also checked there (UNKNOWN_ADDRESS, TECHNOLOGY_NOT_AVAILABLE, SPEED_NOT_AVAILABLE)", "type": "array", "items": places["items"].clone()},
        "customerType": text("Omni extension: checked against the offering's customerTypes (e.g. Consumer, Business)"),
        "customerSubType": text("Omni extension: checked against customerSubTypes (e.g. Individual, Enterprise)"),
        "paymentType": text("Omni extension: Prepaid or Postpaid, checked against paymentType"),
        "creditClass": text("Omni extension: the customer's credit class, checked against the offering's creditRisk (low, medium, high)"),
        "market": text("Omni extension: market code, checked against markets (e.g. DLS)"),
        "existingProductOffering": {"type": "array", "items": reference("An offering the customer has a product of"),
            "description": "Omni extension: the customer's products, for offerings with requiresExistingProduct (upgrade-only offers). The offerings of modify and noChange items' products count too"},
        "provideUnavailabilityReason": {"type": "boolean", "description": "false leaves eligibilityUnavailabilityReason out"},
        "description": text("Kept as sent"),
        "productOfferingQualificationItem": {"type": "array", "minItems": 1, "maxItems": super::MAX_ITEMS,
            "items": {"type": "object", "required": ["id"], "properties": poq_item_props}},
    });
    let mut poq_answer = poq_create.clone();
    if let Value::Object(props) = &mut poq_answer {
        props.insert("id".into(), text("Generated"));
        props.insert("href".into(), text("Link to the stored answer"));
        props.insert("@type".into(), json!({"type": "string"}));
        props.insert("state".into(), json!({"type": "string", "enum": ["done"]}));
        props.insert(
            "qualificationResult".into(),
            json!({"type": "string", "enum": ["qualified", "unqualified"],
                   "description": "qualified when every item is"}),
        );
        props.insert("creationDate".into(), date("When it was asked"));
        props.insert(
            "effectiveQualificationDate".into(),
            date("When it was answered"),
        );
        props.insert(
            "productOfferingQualificationItem".into(),
            json!({"type": "array", "items": schema_ref("ProductOfferingQualificationItem")}),
        );
    }
    out.insert(
        "ProductOfferingQualification_Create".into(),
        json!({"type": "object", "required": ["channel", "productOfferingQualificationItem"], "properties": poq_create}),
    );
    out.insert(
        "ProductOfferingQualification".into(),
        json!({"type": "object", "required": ["id", "href", "state", "qualificationResult"], "properties": poq_answer}),
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
        "serviceQualificationItem": {"type": "array", "minItems": 1, "maxItems": super::MAX_ITEMS,
            "items": {"type": "object", "required": ["service"], "properties": sq_item_props}},
        "relatedParty": parties,
        "provideAlternative": {"type": "boolean", "description": "false leaves alternateServiceProposal out"},
        "provideUnavailabilityReason": {"type": "boolean", "description": "false leaves eligibilityUnavailabilityReason out"},
        "description": text("Kept as sent"),
        "externalId": text("Kept as sent"),
    });
    let mut sq_answer = sq_create.clone();
    if let Value::Object(props) = &mut sq_answer {
        props.insert("id".into(), text("Generated"));
        props.insert("href".into(), text("Link to the stored answer"));
        props.insert("@type".into(), json!({"type": "string"}));
        props.insert("state".into(), json!({"type": "string", "enum": ["done"]}));
        props.insert(
            "qualificationResult".into(),
            json!({"type": "string", "enum": ["qualified", "unqualified"],
                   "description": "qualified when every item is (TMF645's alternate is not used)"}),
        );
        props.insert("creationDate".into(), date("When it was asked"));
        props.insert(
            "checkServiceQualificationDate".into(),
            date("When it was asked"),
        );
        props.insert(
            "effectiveQualificationDate".into(),
            date("When it was answered"),
        );
        props.insert(
            "serviceQualificationItem".into(),
            json!({"type": "array", "items": schema_ref("CheckServiceQualificationItem")}),
        );
    }
    out.insert(
        "CheckServiceQualification_Create".into(),
        json!({"type": "object", "required": ["serviceQualificationItem"], "properties": sq_create}),
    );
    out.insert(
        "CheckServiceQualification".into(),
        json!({"type": "object", "required": ["id", "href", "state", "qualificationResult"], "properties": sq_answer}),
    );
    out
}

/// Paths and component schemas of both APIs, as an OpenAPI fragment.
pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let mut all = paths(
        POQ,
        POQ_TAG,
        "May this customer buy these offerings in this channel?",
        format!(
            "Qualifies each item against the tenant's catalog: offering exists, lifecycle sellable, validFor at now, \
             sold in channel.id, and customerType, customerSubType, paymentType, creditClass (offering creditRisk) \
             and market when the request names them (Omni extensions), requiresExistingProduct against the customer's \
             products, swaps for modify items, and service qualification when place names an address. \
             Reason codes: {}.",
            reason_codes()
        ),
    );
    all.extend(paths(
        SQ,
        SQ_TAG,
        "Can these service addresses be served?",
        "Each item names one address (service.place[0].id) and either an offering (serviceCharacteristic \
         productOfferingId) or a technology (serviceSpecification.id or characteristic technology) and a least \
         download speed (characteristic downloadSpeedMbps). Unqualified items carry the reasons and the \
         technologies the address has as alternateServiceProposal."
            .to_string(),
    ));
    (all, schemas())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fragment_is_valid_openapi() {
        let (paths, schemas) = super::fragment();
        assert_eq!(paths.len(), 4);
        let doc = serde_json::json!({"openapi": "3.1.0", "info": {"title": "", "version": ""},
            "paths": paths, "components": {"schemas": schemas}});
        let parsed = serde_json::from_value::<utoipa::openapi::OpenApi>(doc);
        assert!(parsed.is_ok(), "{:?}", parsed.err());
    }
}
