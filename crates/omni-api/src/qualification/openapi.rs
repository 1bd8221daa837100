//! The TMF679 and TMF645 endpoints' part of the OpenAPI document. The
//! documents' schemas are the application layer's
//! (`omni_app::qualification::schema`), which checks requests against them.

use omni_app::qualification::schema::{reason_codes, schema_ref, schemas};
use omni_app::qualification::{Kind, OPS_ROLE, POQ, SQ, VIEW_ROLE};
use serde_json::{Map, Value, json};

const POQ_TAG: &str = "TMF679 Product Offering Qualification";
const SQ_TAG: &str = "TMF645 Service Qualification";

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

/// Paths of one kind: POST and GET on the collection, GET on one answer.
fn paths(kind: Kind, tag: &str, summary: &str, description: String) -> Map<String, Value> {
    let name = kind.type_name;
    let one = schema_ref(name);
    let list_params = json!([
        {"name": "fields", "in": "query", "required": false, "schema": {"type": "string"},
         "description": "Comma-separated attributes to return, exactly those: names, dotted paths into objects and arrays (a.b.c), or none (id and href only)"},
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
                 "description": "Comma-separated attributes to return, exactly those: names, dotted paths into objects and arrays (a.b.c), or none (id and href only)"},
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
