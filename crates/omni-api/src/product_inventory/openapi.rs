//! The TMF637 OpenAPI fragment: list and get of `product`, with the roles
//! and what a product is made of (a view of an inventory line).

use omni_app::product_inventory::{PRODUCTS, TAG};
use serde_json::{Map, Value, json};

const RULES: &str = "Products are views of the inventory's lines: each line is a bundle product (characteristic number), \
    with its rate plan, features, device (characteristic IMEI) and SIM (characteristic ICCID) as products that rely on \
    the plan; every product names its line's number, and the line's offering is its plan's. productPrice is \
    always empty (the inventory records no charges). Staff read the tenant's products with inventory.view or inventory.admin; a customer reads the products of \
    the accounts their party owns (another's product is a 404). Lists take TMF630 filters, sort, offset, limit and fields.";

fn error(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn param(name: &str, location: &str, schema: Value, required: bool) -> Value {
    json!({"name": name, "in": location, "required": required, "schema": schema})
}

pub fn fragment() -> (Map<String, Value>, Map<String, Value>) {
    let one = json!({"$ref": "#/components/schemas/Product"});
    let fields = param("fields", "query", json!({"type": "string"}), false);
    let errors = |codes: &[u16]| -> Map<String, Value> {
        codes
            .iter()
            .map(|c| {
                let text = match c {
                    400 => "Invalid query: the message names the parameter and rule",
                    401 => "No or invalid bearer token",
                    403 => "The principal lacks inventory.view",
                    _ => "No such product among those the caller may read",
                };
                (c.to_string(), error(text))
            })
            .collect()
    };
    let mut list_responses = errors(&[400, 401, 403]);
    list_responses.insert("200".into(), json!({"description": "The page of products",
        "headers": {
            "X-Total-Count": {"description": "Products matching the filters", "schema": {"type": "integer"}},
            "X-Result-Count": {"description": "Products in this page", "schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"type": "array", "items": one}}}}));
    let mut get_responses = errors(&[400, 401, 403, 404]);
    get_responses.insert(
        "200".into(),
        json!({"description": "The product", "content": {"application/json": {"schema": one}}}),
    );
    let mut paths = Map::new();
    paths.insert(
        PRODUCTS.into(),
        json!({"get": {
        "tags": [TAG], "operationId": "listProduct", "summary": "List or find Product objects",
        "description": RULES, "security": [{"bearerAuth": []}],
        "parameters": [fields,
            param("offset", "query", json!({"type": "integer", "minimum": 0}), false),
            param("limit", "query", json!({"type": "integer", "minimum": 0}), false),
            param("sort", "query", json!({"type": "string"}), false)],
        "responses": list_responses}}),
    );
    paths.insert(
        format!("{PRODUCTS}/{{id}}"),
        json!({"get": {
        "tags": [TAG], "operationId": "retrieveProduct", "summary": "Retrieve a Product by id",
        "description": RULES, "security": [{"bearerAuth": []}],
        "parameters": [param("id", "path", json!({"type": "string"}), true), fields],
        "responses": get_responses}}),
    );

    let reference = json!({"type": "object", "properties": {"id": {"type": "string"}, "href": {"type": "string"},
        "name": {"type": "string"}, "role": {"type": "string"}, "@referredType": {"type": "string"}}});
    let list = |items: Value| json!({"type": "array", "items": items});
    let characteristic = json!({"type": "object", "required": ["name", "value"], "properties": {
        "name": {"type": "string"}, "valueType": {"type": "string"}, "value": {}}});
    let relationship = json!({"type": "object", "required": ["relationshipType", "product"], "properties": {
        "relationshipType": {"type": "string", "enum": ["bundled", "reliesOn"]}, "product": reference}});
    let product = json!({"type": "object", "required": ["id", "href", "name", "status", "isBundle",
            "billingAccount", "relatedParty", "productCharacteristic", "productPrice"],
        "properties": {
            "id": {"type": "string"}, "href": {"type": "string"}, "name": {"type": "string"},
            "isBundle": {"type": "boolean"}, "isCustomerVisible": {"type": "boolean"},
            "status": {"type": "string", "enum": ["created", "pendingActive", "cancelled", "active",
                "pendingTerminate", "terminated", "suspended", "aborted "]},
            "productSerialNumber": {"type": "string"},
            "startDate": {"type": "string", "format": "date-time"},
            "terminationDate": {"type": "string", "format": "date-time"},
            "productOffering": reference, "billingAccount": reference,
            "relatedParty": list(reference.clone()),
            "productCharacteristic": list(characteristic),
            "productRelationship": list(relationship),
            "productPrice": {"type": "array", "maxItems": 0,
                "description": "Always empty: the inventory records no charges (prices are the catalog's)"},
            "realizingResource": list(reference.clone()),
            "@type": {"type": "string"}}});
    let mut schemas = Map::new();
    schemas.insert("Product".into(), product);
    (paths, schemas)
}
