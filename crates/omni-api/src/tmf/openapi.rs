//! OpenAPI paths and schemas for generic TM Forum resources, generated from
//! the same attribute tables that validate requests.

use super::TmfResource;
use omni_core::document::{AttrType, ResourceSpec};
use serde_json::{Map, Value, json};

fn attr_schema(ty: AttrType, description: &str) -> Value {
    let mut schema = match ty {
        AttrType::Text(max) => json!({"type": "string", "maxLength": max}),
        AttrType::Boolean => json!({"type": "boolean"}),
        AttrType::Number => json!({"type": "number"}),
        AttrType::DateTime => json!({"type": "string", "format": "date-time"}),
        AttrType::Period => json!({"$ref": "#/components/schemas/TimePeriod"}),
        AttrType::Object => json!({"type": "object"}),
        AttrType::Array => json!({"type": "array", "items": {}}),
    };
    if !matches!(ty, AttrType::Period) {
        schema["description"] = json!(description);
    }
    schema
}

/// `Type` (as returned), `Type_Create` and `Type_Update` (merge patch).
fn schemas(spec: &ResourceSpec) -> Map<String, Value> {
    let mut props = Map::new();
    for rule in spec.attrs {
        props.insert(
            rule.name.to_string(),
            attr_schema(rule.ty, rule.description),
        );
    }
    let required: Vec<&str> = spec
        .attrs
        .iter()
        .filter(|a| a.required)
        .map(|a| a.name)
        .collect();

    let mut create_props = props.clone();
    create_props.insert(
        "id".into(),
        json!({"type": "string", "maxLength": omni_core::document::MAX_ID_LEN,
               "description": "Optional client-chosen id; generated when absent"}),
    );
    let mut read_props = create_props.clone();
    read_props.insert(
        "href".into(),
        json!({"type": "string", "description": "Link to the resource"}),
    );
    read_props.insert(
        "lastUpdate".into(),
        json!({"type": "string", "format": "date-time", "description": "Stamped by the server on every change"}),
    );
    let mut read_required = vec!["id", "href"];
    read_required.extend(required.iter().copied());

    let name = spec.type_name;
    let mut out = Map::new();
    out.insert(
        name.into(),
        json!({"type": "object", "properties": read_props, "required": read_required}),
    );
    out.insert(
        format!("{name}_Create"),
        json!({"type": "object", "properties": create_props, "required": required}),
    );
    out.insert(
        format!("{name}_Update"),
        json!({"type": "object", "properties": props,
               "description": "JSON merge patch (RFC 7386): null removes an attribute"}),
    );
    out
}

fn error_responses(codes: &[u16]) -> Map<String, Value> {
    codes
        .iter()
        .map(|code| {
            let description = match code {
                400 => "Invalid request: the message names each field and rule",
                401 => "No or invalid bearer token",
                403 => "The principal lacks the role named in the message",
                404 => "No such resource in the caller's tenant",
                409 => "A resource with that id already exists",
                412 => "If-Match does not match the current ETag",
                413 => "Body larger than 1 MiB",
                415 => "Body is not JSON",
                _ => "Error",
            };
            (
                code.to_string(),
                json!({"description": description,
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            )
        })
        .collect()
}

fn responses(ok: (u16, &str, Option<Value>), errors: &[u16]) -> Value {
    let mut all = error_responses(errors);
    let mut success = json!({"description": ok.1});
    if let Some(schema) = ok.2 {
        success["content"] = json!({"application/json": {"schema": schema}});
    }
    all.insert(ok.0.to_string(), success);
    Value::Object(all)
}

fn param(name: &str, location: &str, description: &str, schema: Value, required: bool) -> Value {
    json!({"name": name, "in": location, "description": description, "required": required, "schema": schema})
}

fn security(res: &TmfResource, write: bool) -> Value {
    if write || res.read_role.is_some() {
        json!([{"bearerAuth": []}])
    } else {
        json!([{}, {"bearerAuth": []}])
    }
}

/// Paths and component schemas of one resource, as an OpenAPI fragment.
pub fn fragment(res: &TmfResource) -> (Map<String, Value>, Map<String, Value>) {
    let name = res.spec.type_name;
    let kind = res.spec.kind;
    let one = json!({"$ref": format!("#/components/schemas/{name}")});
    let fields = param(
        "fields",
        "query",
        "Comma-separated attributes to return, exactly those: names, dotted paths into objects and arrays (a.b.c), or none (id and href only)",
        json!({"type": "string"}),
        false,
    );
    let list_params = json!([
        fields,
        param(
            "offset",
            "query",
            "Index of the first resource to return",
            json!({"type": "integer", "minimum": 0}),
            false
        ),
        param(
            "limit",
            "query",
            "Page size (default 100, capped at 1000)",
            json!({"type": "integer", "minimum": 0}),
            false
        ),
        param(
            "sort",
            "query",
            "Comma-separated attribute paths; '-' prefix sorts descending",
            json!({"type": "string"}),
            false
        ),
    ]);
    let id = param(
        "id",
        "path",
        &format!("Identifier of the {name}"),
        json!({"type": "string"}),
        true,
    );
    let if_match = param(
        "If-Match",
        "header",
        "ETag the change is based on",
        json!({"type": "string"}),
        false,
    );
    let count_headers = json!({
        "X-Total-Count": {"description": "Resources matching the filters", "schema": {"type": "integer"}},
        "X-Result-Count": {"description": "Resources in this page", "schema": {"type": "integer"}},
    });
    let mut list_responses = responses(
        (
            200,
            "The page of resources",
            Some(json!({"type": "array", "items": one})),
        ),
        &[400, 401, 403],
    );
    list_responses["200"]["headers"] = count_headers;
    let body = |schema: String, types: &[&str]| {
        let content: Map<String, Value> = types
            .iter()
            .map(|t| {
                (
                    t.to_string(),
                    json!({"schema": {"$ref": format!("#/components/schemas/{schema}")}}),
                )
            })
            .collect();
        json!({"required": true, "content": content})
    };
    let collection = json!({
        "get": {
            "tags": [res.tag], "operationId": format!("list{name}"),
            "summary": format!("List or find {name} objects"),
            "description": "TMF630 filtering: attr=value (dotted paths search arrays; comma is OR; double quotes protect commas), attr.gt/.gte/.lt/.lte=value on numbers and dates.",
            "parameters": list_params, "security": security(res, false),
            "responses": list_responses,
        },
        "post": {
            "tags": [res.tag], "operationId": format!("create{name}"),
            "summary": format!("Create a {name}"),
            "requestBody": body(format!("{name}_Create"), &["application/json"]),
            "security": security(res, true),
            "responses": responses((201, "Created", Some(one.clone())), &[400, 401, 403, 409, 413, 415]),
        },
    });
    let item = json!({
        "get": {
            "tags": [res.tag], "operationId": format!("retrieve{name}"),
            "summary": format!("Retrieve a {name} by id"),
            "parameters": [id.clone(), param("fields", "query", "Comma-separated attributes to return, exactly those: names, dotted paths into objects and arrays (a.b.c), or none (id and href only)", json!({"type": "string"}), false)],
            "security": security(res, false),
            "responses": responses((200, "The resource", Some(one.clone())), &[400, 401, 403, 404]),
        },
        "patch": {
            "tags": [res.tag], "operationId": format!("patch{name}"),
            "summary": format!("Change a {name} by JSON merge patch"),
            "parameters": [id.clone(), if_match.clone()],
            "requestBody": body(format!("{name}_Update"), &["application/merge-patch+json", "application/json"]),
            "security": security(res, true),
            "responses": responses((200, "The whole changed resource", Some(one)), &[400, 401, 403, 404, 412, 413, 415]),
        },
        "delete": {
            "tags": [res.tag], "operationId": format!("delete{name}"),
            "summary": format!("Delete a {name}"),
            "parameters": [id, if_match],
            "security": security(res, true),
            "responses": responses((204, "Deleted", None), &[401, 403, 404, 412]),
        },
    });
    let mut item = item;
    // A PATCH without If-Match retries on conflict, but gives up under
    // sustained contention rather than loop forever.
    item["patch"]["responses"]["409"] = json!({
        "description": "The resource is being changed by many clients at once; retry",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut paths = Map::new();
    paths.insert(format!("{}/{kind}", res.api_base), collection);
    paths.insert(format!("{}/{kind}/{{id}}", res.api_base), item);
    (paths, schemas(res.spec))
}

/// Schemas every TMF fragment refers to.
pub fn shared_schemas() -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "TimePeriod".into(),
        json!({"type": "object", "properties": {
            "startDateTime": {"type": "string", "format": "date-time"},
            "endDateTime": {"type": "string", "format": "date-time"}}}),
    );
    out.insert(
        "Error".into(),
        json!({"type": "object", "required": ["code", "reason", "status"], "properties": {
            "code": {"type": "string", "description": "Application error code"},
            "reason": {"type": "string"},
            "message": {"type": "string", "description": "What is wrong, naming the field and rule"},
            "status": {"type": "string", "description": "HTTP status code"},
            "@type": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object", "properties": {
                "field": {"type": "string"}, "rule": {"type": "string"}}}}}}),
    );
    out
}

/// Points the `200` answer of every `GET` that takes `fields` at a
/// `<Name>_Fields` schema: the resource's schema without `required`. With
/// `fields=a,b` the answer holds exactly those attributes (TMF630), so none
/// is required there; the types of whatever is returned are still checked.
/// Creates and changes answer the whole resource and keep `<Name>`.
pub fn projected_reads(paths: &mut Map<String, Value>, schemas: &mut Map<String, Value>) {
    let mut projected = Vec::new();
    for item in paths.values_mut() {
        let Some(get) = item.get_mut("get") else {
            continue;
        };
        let takes_fields = get["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["name"] == "fields" && p["in"] == "query")
        });
        if !takes_fields {
            continue;
        }
        let schema = &mut get["responses"]["200"]["content"]["application/json"]["schema"];
        let target = if schema["type"] == "array" {
            &mut schema["items"]
        } else {
            schema
        };
        let Some(name) = target["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string)
        else {
            continue;
        };
        target["$ref"] = json!(format!("#/components/schemas/{name}_Fields"));
        projected.push(name);
    }
    for name in projected {
        let Some(Value::Object(whole)) = schemas.get(&name) else {
            continue;
        };
        let description = format!(
            "A {name} as read: every attribute it has, or with `fields` exactly the attributes named (so none is required). {}",
            whole.get("description").and_then(Value::as_str).unwrap_or_default()
        ).trim_end().to_string();
        fields_variant(&name, schemas);
        if let Some(Value::Object(fields)) = schemas.get_mut(&format!("{name}_Fields")) {
            fields.insert("description".into(), json!(description));
        }
    }
}

/// Adds `<name>_Fields`: `<name>` with no `required` at any depth, and its
/// references to other schemas pointing at their `_Fields` variants (added
/// too), since a dotted `fields` path (`item.state`) selects inside nested
/// objects as well.
fn fields_variant(name: &str, schemas: &mut Map<String, Value>) {
    let variant = format!("{name}_Fields");
    if schemas.contains_key(&variant) {
        return;
    }
    let Some(whole) = schemas.get(name) else {
        return;
    };
    let mut fields = whole.clone();
    let mut referenced = Vec::new();
    relax(&mut fields, &mut referenced);
    schemas.insert(variant, fields);
    for inner in referenced {
        fields_variant(&inner, schemas);
    }
}

fn relax(schema: &mut Value, referenced: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            map.remove("required");
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(target) = r.strip_prefix("#/components/schemas/")
            {
                let target = target.to_string();
                *r = format!("#/components/schemas/{target}_Fields");
                referenced.push(target);
            }
            for (key, inner) in map.iter_mut() {
                match (key.as_str(), inner) {
                    // Attribute names, each naming a schema (one may be
                    // called `required`).
                    ("properties", Value::Object(props)) => {
                        props.values_mut().for_each(|p| relax(p, referenced));
                    }
                    // Example values and enumerations are data, not schemas.
                    ("example" | "examples" | "enum" | "default" | "const", _) => {}
                    (_, inner) => relax(inner, referenced),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| relax(i, referenced)),
        _ => {}
    }
}

/// OpenAPI links from each `POST` that creates a resource (`201` with an
/// `id`) at `P` to every operation on `P/{id}` and below it, so that clients
/// (and stateful fuzzers) know that the created `id` is what they take.
pub fn created_links(paths: &mut Map<String, Value>) {
    let item_ops: Vec<(String, String, Value)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, op)| (path.clone(), method.clone(), op.clone()))
        })
        .filter(|(path, _, _)| path.contains("/{id}"))
        .collect();
    for (path, item) in paths.iter_mut() {
        let Some(created) = item
            .get_mut("post")
            .and_then(|op| op["responses"].get_mut("201"))
        else {
            continue;
        };
        let prefix = format!("{path}/{{id}}");
        let mut links = Map::new();
        for (target, method, op) in &item_ops {
            if target != &prefix && !target.starts_with(&format!("{prefix}/")) {
                continue;
            }
            let name = match op["operationId"].as_str() {
                Some(id) => id.to_string(),
                None => format!("{method}{}", target.trim_start_matches(path.as_str())),
            };
            let mut link = json!({"parameters": {"id": "$response.body#/id"}});
            match op["operationId"].as_str() {
                Some(id) => link["operationId"] = json!(id),
                None => {
                    let pointer = target.replace('~', "~0").replace('/', "~1");
                    link["operationRef"] = json!(format!("#/paths/{pointer}/{method}"));
                }
            }
            links.insert(name, link);
        }
        if !links.is_empty() {
            created["links"] = Value::Object(links);
        }
    }
}
