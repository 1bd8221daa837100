//! The TMF637 OpenAPI fragment: list, get, patch and delete of `product`,
//! with the roles and what a product is made of (a view of an inventory
//! line) and what of it an inventory administrator may change.

use omni_app::product_inventory::{PRODUCTS, TAG};
use serde_json::{Map, Value, json};

const RULES: &str = "Products are views of the inventory's lines: each line is a bundle product (characteristic number), \
    with its rate plan, features, device (characteristic IMEI) and SIM (characteristic ICCID) as products that rely on \
    the plan; every product names its line's number, and the line's offering is its plan's. productPrice is \
    always empty (the inventory records no charges). Staff read the tenant's products with inventory.view or inventory.admin; a customer reads the products of \
    the accounts their party owns (another's product is a 404). Lists take TMF630 filters, sort, offset, limit and fields.";

const PATCH_RULES: &str = "inventory.admin only. A JSON merge patch of the product, applied to its line in one write \
    with the TMF637 events the change makes. Writable: status of the line's own product (active, suspended, or \
    terminated, which cancels the line as a care cancel does), status of a feature (terminated ends it), \
    productCharacteristic IMEI of a device and ICCID of a SIM (entries not named keep their values). Every other \
    attribute is derived from the line: repeating its current value is accepted, changing it is a 400 naming it. \
    If-Match takes the ETag a GET answered (the line's version).";

const DELETE_RULES: &str = "inventory.admin only. Removes a feature, the device or the SIM from its line (the \
    product is gone afterwards; ProductDeleteEvent). The line's own product and its rate plan are refused with 409: \
    terminate a line instead (PATCH its status, a TMF622 product order with action delete, or a care order cancel).";

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
                    400 => "Invalid query or body: the message names the parameter or field and the rule",
                    401 => "No or invalid bearer token",
                    403 => "The principal lacks the role (inventory.view to read, inventory.admin to write)",
                    404 => "No such product among those the caller may read",
                    409 => "The line's state or the product's kind forbids the change (the message says which)",
                    412 => "If-Match does not match the product's current ETag",
                    413 => "The request body is too large",
                    _ => "Content-Type must be application/json or application/merge-patch+json",
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
    let if_match = param("If-Match", "header", json!({"type": "string"}), false);
    let id = param("id", "path", json!({"type": "string"}), true);
    // Products of the demo inventory, so that a fuzzer's examples reach a
    // real line (its own product) and a real feature, not only 404s.
    let with_example = |example: &str| {
        let mut p = id.clone();
        p["example"] = json!(example);
        p
    };
    let mut patch_responses = errors(&[400, 401, 403, 404, 409, 412, 413, 415]);
    patch_responses.insert(
        "200".into(),
        json!({"description": "The whole changed product", "content": {"application/json": {"schema": one}}}),
    );
    let mut delete_responses = errors(&[401, 403, 404, 409, 412]);
    delete_responses.insert("204".into(), json!({"description": "Deleted"}));
    let update = json!({"$ref": "#/components/schemas/Product_Update"});
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
        "parameters": [id.clone(), fields],
        "responses": get_responses},
        "patch": {
        "tags": [TAG], "operationId": "patchProduct", "summary": "Change a Product by JSON merge patch",
        "description": PATCH_RULES, "security": [{"bearerAuth": []}],
        "parameters": [with_example("47777581441708014"), if_match.clone()],
        "requestBody": {"required": true, "content": {
            "application/merge-patch+json": {"schema": update},
            "application/json": {"schema": update}}},
        "responses": patch_responses},
        "delete": {
        "tags": [TAG], "operationId": "deleteProduct", "summary": "Delete a Product (a feature, device or SIM)",
        "description": DELETE_RULES, "security": [{"bearerAuth": []}],
        "parameters": [with_example("47777581441708110"), if_match],
        "responses": delete_responses}}),
    );

    let reference = json!({"type": "object", "properties": {"id": {"type": "string"}, "href": {"type": "string"},
        "name": {"type": "string"}, "role": {"type": "string"}, "@referredType": {"type": "string"}}});
    let list = |items: Value| json!({"type": "array", "items": items});
    let resource = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"},
        "name": {"type": "string"}, "value": {"type": "string"}, "@referredType": {"type": "string"}}});
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
            "productCharacteristic": list(characteristic.clone()),
            "productRelationship": list(relationship),
            "productPrice": {"type": "array", "maxItems": 0,
                "description": "Always empty: the inventory records no charges (prices are the catalog's)"},
            "realizingResource": list(resource.clone()),
            "@type": {"type": "string"}}});
    // What a patch may hold: the writable attributes, and any other one of
    // the product's (accepted when it repeats the current value).
    let update = json!({"type": "object", "properties": {
            "status": {"type": "string", "enum": ["active", "suspended", "terminated"]},
            "productCharacteristic": list(characteristic.clone())}});
    let mut schemas = Map::new();
    schemas.insert("Product".into(), product);
    schemas.insert("Product_Update".into(), update);
    (paths, schemas)
}
