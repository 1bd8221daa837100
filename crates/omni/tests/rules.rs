//! Tenant validation rule sets for shopping carts, black-box over HTTP:
//! CRUD, roles, tenancy, refusal of bad rule sets, the demo rule set, and
//! evaluation of stored rule sets with the engine the cart calls.
mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use omni_core::rules::evaluate;
use reqwest::header::CONTENT_TYPE;
use reqwest::{RequestBuilder, Response};
use serde_json::{Value, json};

const RULES: &str = "/tmf-api/shoppingCart/v4/validationRuleSet";

fn url(s: &TestServer, id: Option<&str>) -> String {
    match id {
        Some(id) => s.url(&format!("{RULES}/{id}")),
        None => s.url(RULES),
    }
}

fn admin(s: &TestServer, tenant: &str) -> String {
    s.token(PrincipalKind::User, &["tenant.admin"], tenant)
}

fn retail_limits() -> Value {
    json!({
        "id": "retail-limits",
        "name": "Retail limits",
        "lifecycleStatus": "Active",
        "channel": ["ECOMM"],
        "rule": [
            {"id": "offering-id", "kind": "required", "path": "cartItem[].productOffering.id"},
            {"id": "max-qty", "kind": "maxQuantity", "max": 3},
        ]
    })
}

async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("send")
}

async fn json_of(resp: Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

async fn create(s: &TestServer, token: &str, body: Value) -> Value {
    json_of(
        send(s.client.post(url(s, None)).bearer_auth(token).json(&body)).await,
        201,
    )
    .await
}

fn patch(s: &TestServer, id: &str, body: &Value) -> RequestBuilder {
    s.client
        .patch(url(s, Some(id)))
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .body(body.to_string())
}

/// `(field, rule)` of each detail of a 400.
async fn details(resp: Response) -> Vec<(String, String)> {
    let body = json_of(resp, 400).await;
    assert_eq!(body["code"], "INVALID_FIELD", "{body}");
    body["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["field"].as_str().unwrap_or_default().to_string(),
                d["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn rule_sets_are_created_read_listed_patched_and_deleted() {
    let s = TestServer::start().await;
    let token = admin(&s, "default");
    let counter = "rules:default";
    let version0 = s.store.read_counter(counter).await.expect("counter");

    let resp = send(
        s.client
            .post(url(&s, None))
            .bearer_auth(&token)
            .json(&retail_limits()),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["location"].to_str().expect("ascii"),
        url(&s, Some("retail-limits"))
    );
    let created: Value = resp.json().await.expect("json");
    assert_eq!(created["id"], "retail-limits");
    assert_eq!(created["href"], url(&s, Some("retail-limits")));
    assert_eq!(created["@type"], "ValidationRuleSet");
    assert_eq!(created["rule"][1]["max"], 3);
    assert!(created["lastUpdate"].is_string());
    assert!(s.store.read_counter(counter).await.expect("counter") > version0);

    // Without a lifecycle status a new rule set is in design (not evaluated).
    let draft = create(&s, &token, json!({"name": "Draft", "rule": []})).await;
    assert_eq!(draft["lifecycleStatus"], "In design");
    let draft_id = draft["id"].as_str().expect("generated id").to_string();

    let got = json_of(
        send(
            s.client
                .get(url(&s, Some("retail-limits")))
                .bearer_auth(&token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(got, created);

    let resp = send(s.client.get(url(&s, None)).bearer_auth(&token)).await;
    assert_eq!(resp.headers()["x-total-count"], "2");
    let list = json_of(resp, 200).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let resp = send(
        s.client
            .get(format!(
                "{}?lifecycleStatus=Active&fields=id,name",
                url(&s, None)
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(resp.headers()["x-total-count"], "1");
    let list = json_of(resp, 200).await;
    assert_eq!(
        list,
        json!([{"id": "retail-limits", "name": "Retail limits"}])
    );

    // A merge patch replaces the rule array as a whole and is re-checked.
    let before = s.store.read_counter(counter).await.expect("counter");
    let patched = json_of(
        send(
            patch(
                &s,
                "retail-limits",
                &json!({"rule": [{"id": "max-qty", "kind": "maxQuantity", "max": 5}], "description": "looser"}),
            )
            .bearer_auth(&token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        patched["rule"],
        json!([{"id": "max-qty", "kind": "maxQuantity", "max": 5}])
    );
    assert_eq!(patched["description"], "looser");
    assert_eq!(patched["channel"], json!(["ECOMM"]));
    assert!(s.store.read_counter(counter).await.expect("counter") > before);

    let resp = send(
        s.client
            .delete(url(&s, Some(&draft_id)))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(resp.status(), 204);
    let resp = send(s.client.get(url(&s, Some(&draft_id))).bearer_auth(&token)).await;
    assert_eq!(resp.status(), 404);

    // The same id twice is a conflict.
    let resp = send(
        s.client
            .post(url(&s, None))
            .bearer_auth(&token)
            .json(&retail_limits()),
    )
    .await;
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn reads_and_writes_need_tenant_admin() {
    let s = TestServer::start().await;
    create(&s, &admin(&s, "default"), retail_limits()).await;
    let requests = |s: &TestServer| -> Vec<(&'static str, RequestBuilder)> {
        vec![
            ("list", s.client.get(url(s, None))),
            ("get", s.client.get(url(s, Some("retail-limits")))),
            (
                "create",
                s.client.post(url(s, None)).json(&json!({"name": "x"})),
            ),
            ("patch", patch(s, "retail-limits", &json!({"name": "y"}))),
            ("delete", s.client.delete(url(s, Some("retail-limits")))),
        ]
    };
    for (what, request) in requests(&s) {
        let body = json_of(send(request).await, 401).await;
        assert_eq!(body["code"], "UNAUTHORIZED", "{what}");
    }
    let others = [
        s.token(PrincipalKind::User, &["catalog.admin"], "default"),
        s.token(PrincipalKind::User, &["sc.ops", "tenant.viewer"], "default"),
        s.token(PrincipalKind::M2m, &[], "default"),
        s.token(PrincipalKind::Customer, &[], "default"),
    ];
    for token in &others {
        for (what, request) in requests(&s) {
            let body = json_of(send(request.bearer_auth(token)).await, 403).await;
            assert_eq!(body["code"], "FORBIDDEN", "{what}");
            assert!(
                body["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("tenant.admin"),
                "{what}: {body}"
            );
        }
    }
    // Nothing changed, and an m2m principal with the role is let in.
    let m2m = s.token(PrincipalKind::M2m, &["tenant.admin"], "default");
    let got = json_of(
        send(
            s.client
                .get(url(&s, Some("retail-limits")))
                .bearer_auth(&m2m),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(got["name"], "Retail limits");
}

#[tokio::test]
async fn tenants_see_only_their_own_rule_sets() {
    let s = TestServer::start().await;
    let a = admin(&s, "tenant-a");
    let b = admin(&s, "tenant-b");
    create(&s, &a, retail_limits()).await;
    // Tenant B sees nothing of A's, and may use the same id.
    let resp = send(s.client.get(url(&s, None)).bearer_auth(&b)).await;
    assert_eq!(resp.headers()["x-total-count"], "0");
    for request in [
        s.client.get(url(&s, Some("retail-limits"))),
        patch(&s, "retail-limits", &json!({"name": "hijacked"})),
        s.client.delete(url(&s, Some("retail-limits"))),
    ] {
        assert_eq!(send(request.bearer_auth(&b)).await.status(), 404);
    }
    let mut theirs = retail_limits();
    theirs["name"] = json!("B's limits");
    create(&s, &b, theirs).await;
    let got = json_of(
        send(s.client.get(url(&s, Some("retail-limits"))).bearer_auth(&a)).await,
        200,
    )
    .await;
    assert_eq!(got["name"], "Retail limits");
    // Each tenant's counter moves with its own writes only.
    assert_eq!(
        s.store
            .read_counter("rules:tenant-a")
            .await
            .expect("counter"),
        1
    );
    assert_eq!(
        s.store
            .read_counter("rules:tenant-b")
            .await
            .expect("counter"),
        1
    );
    let sets = omni_api::rules::load_rule_sets(s.store.as_ref(), "tenant-b")
        .await
        .expect("load");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].name(), "B's limits");
}

#[tokio::test]
async fn bad_rule_sets_are_refused_naming_the_rule() {
    let s = TestServer::start().await;
    let token = admin(&s, "default");
    let post = |body: Value| s.client.post(url(&s, None)).bearer_auth(&token).json(&body);

    let found = details(
        send(post(json!({"name": "n", "rule": [
            {"id": "po", "kind": "required", "path": "cartItem[].productOffering.id"},
            {"id": "email", "kind": "pattern", "path": "contactMedium[].characteristic.emailAddress", "pattern": "([a-z]+@"},
        ]})))
        .await,
    )
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "rule[1].pattern");
    assert!(
        found[0]
            .1
            .starts_with("is not a valid regular expression (rule \"email\")"),
        "{found:?}"
    );

    let found = details(
        send(post(
            json!({"name": "n", "channel": [{"name": "no id"}], "rule": [
                {"kind": "required", "path": "cartItem[.id"},
                {"kind": "teleport"},
                {"kind": "itemCount", "itemType": "Mobile_Device", "maximum": 5},
                {"kind": "maxQuantity", "max": 0},
            ]}),
        ))
        .await,
    )
    .await;
    let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "channel[0]",
            "rule[0].path",
            "rule[1].kind",
            "rule[2].maximum",
            "rule[2].max",
            "rule[3].max"
        ],
        "{found:?}"
    );

    // Attribute types are checked before the rules.
    let found = details(send(post(json!({"name": "n", "rule": {"kind": "required"}}))).await).await;
    assert_eq!(
        found,
        [("rule".to_string(), "must be an array".to_string())]
    );
    let found = details(send(post(json!({"rule": []}))).await).await;
    assert_eq!(found, [("name".to_string(), "is required".to_string())]);

    // A patch that would break the stored set is refused and changes nothing.
    create(&s, &token, retail_limits()).await;
    let found = details(
        send(
            patch(
                &s,
                "retail-limits",
                &json!({"rule": [{"kind": "allowedValues", "path": "cartItem[].action", "values": []}]}),
            )
            .bearer_auth(&token),
        )
        .await,
    )
    .await;
    assert_eq!(found[0].0, "rule[0].values", "{found:?}");
    let got = json_of(
        send(
            s.client
                .get(url(&s, Some("retail-limits")))
                .bearer_auth(&token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(got["rule"], retail_limits()["rule"]);
    assert_eq!(
        s.store
            .read_counter("rules:default")
            .await
            .expect("counter"),
        1,
        "only the create bumped the version"
    );
}

#[tokio::test]
async fn stored_rule_sets_judge_carts_per_channel() {
    let s = TestServer::start().await;
    let token = admin(&s, "default");
    create(&s, &token, retail_limits()).await;
    create(
        &s,
        &token,
        json!({"id": "draft", "name": "Draft", "rule": [{"kind": "itemCount", "max": 0}]}),
    )
    .await;
    let sets = omni_api::rules::load_rule_sets(s.store.as_ref(), "default")
        .await
        .expect("load");
    assert_eq!(sets.len(), 2);
    let cart = json!({"cartItem": [
        {"id": "1", "action": "add", "quantity": 1, "productOffering": {"id": "po-1"}},
        {"id": "2", "action": "add", "quantity": 1, "productOffering": {"name": "no id"}},
        {"id": "3", "action": "add", "quantity": 4, "productOffering": {"id": "po-3"}},
    ]});
    let shown: Vec<String> = evaluate(&sets, &cart, "ECOMM")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            "cartItem[1].productOffering.id: is required (rule set \"retail-limits\", rule \"offering-id\")",
            "cartItem[2].quantity: must be at most 3 (rule set \"retail-limits\", rule \"max-qty\")",
        ]
    );
    // The set is limited to ECOMM; the draft is never evaluated.
    assert!(evaluate(&sets, &cart, "ATTR").is_empty());
}

#[tokio::test]
async fn the_demo_rule_set_is_loaded_for_the_default_tenant() {
    let s = TestServer::start_with_demo().await;
    let token = admin(&s, "default");
    let got = json_of(
        send(
            s.client
                .get(url(&s, Some("default-cart-rules")))
                .bearer_auth(&token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(got["lifecycleStatus"], "Active");
    assert!(got["lastUpdate"].is_string());
    assert!(
        s.store
            .read_counter("rules:default")
            .await
            .expect("counter")
            > 0
    );

    let sets = omni_api::rules::load_rule_sets(s.store.as_ref(), "default")
        .await
        .expect("load");
    let device = |id: &str, qty: u64| {
        json!({"id": id, "action": "add", "quantity": qty,
               "productOffering": {"id": format!("Mobile_Device_{id}"), "@referredType": "Mobile_Device"}})
    };
    let plan = json!({"id": "p", "action": "add", "quantity": 1,
                      "productOffering": {"id": "plan", "@referredType": "Mobile_Offer"}});
    let good = json!({"cartItem": [device("d1", 2), plan.clone()],
                      "contactMedium": [{"mediumType": "email", "characteristic": {"emailAddress": "ann@example.com"}}]});
    assert!(evaluate(&sets, &good, "ECOMM").is_empty());
    let bad = json!({"cartItem": [device("d1", 4), device("d2", 2)],
                     "contactMedium": [{"mediumType": "email", "characteristic": {"emailAddress": "ann at example"}}]});
    let found: Vec<(String, String)> = evaluate(&sets, &bad, "SelfService")
        .into_iter()
        .map(|v| (v.rule, v.property))
        .collect();
    assert_eq!(
        found,
        [
            (
                "max-devices".to_string(),
                "cartItem[1].quantity".to_string()
            ),
            ("device-needs-plan".to_string(), "cartItem[0]".to_string()),
            ("device-needs-plan".to_string(), "cartItem[1]".to_string()),
            (
                "email-format".to_string(),
                "contactMedium[0].characteristic.emailAddress".to_string()
            ),
        ]
    );
    // Another tenant has no rule sets.
    let other = admin(&s, "other");
    let resp = send(s.client.get(url(&s, None)).bearer_auth(&other)).await;
    assert_eq!(resp.headers()["x-total-count"], "0");
}

#[tokio::test]
async fn the_openapi_document_describes_rule_sets() {
    let s = TestServer::start().await;
    let doc = json_of(send(s.client.get(s.url("/openapi.json"))).await, 200).await;
    for path in [RULES.to_string(), format!("{RULES}/{{id}}")] {
        assert!(doc["paths"][&path].is_object(), "{path}");
    }
    let post = &doc["paths"][RULES]["post"];
    assert_eq!(post["tags"], json!(["Cart validation rules"]));
    assert!(
        post["description"]
            .as_str()
            .unwrap_or_default()
            .contains("`maxQuantity`")
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ValidationRuleSet"]["properties"]["rule"]["items"]["$ref"],
        "#/components/schemas/ValidationRule"
    );
    assert_eq!(
        schemas["ValidationRule"]["properties"]["kind"]["enum"],
        json!([
            "required",
            "allowedValues",
            "pattern",
            "itemCount",
            "requires",
            "maxQuantity"
        ])
    );
}

#[tokio::test]
async fn the_loader_refuses_a_bad_rule_set_naming_it() {
    let s = TestServer::start().await;
    let dir = std::env::temp_dir().join(format!("omni-rules-{}", uuid_like()));
    std::fs::create_dir_all(dir.join("catalog")).expect("mkdir");
    std::fs::create_dir_all(dir.join("rules")).expect("mkdir");
    std::fs::write(
        dir.join("rules/bad.json"),
        json!([{"id": "bad", "name": "Bad", "rule": [
            {"kind": "required", "path": "cartItem"},
            {"id": "email", "kind": "pattern", "path": "contactMedium[].characteristic.emailAddress", "pattern": "*"},
        ]}])
        .to_string(),
    )
    .expect("write");
    let result = omni::load::load_dir(s.store.as_ref(), &dir, "default").await;
    let _ = std::fs::remove_dir_all(&dir);
    let message = format!("{:#}", result.expect_err("refused"));
    assert!(
        message
            .contains("'bad': rule[1].pattern: is not a valid regular expression (rule \"email\")"),
        "{message}"
    );
    assert_eq!(
        s.store
            .read_counter("rules:default")
            .await
            .expect("counter"),
        0
    );
    let sets = omni_api::rules::load_rule_sets(s.store.as_ref(), "default")
        .await
        .expect("load");
    assert!(sets.is_empty());
}

/// A name no other test run uses at the same time.
fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    )
}
