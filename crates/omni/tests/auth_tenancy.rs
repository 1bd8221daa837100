//! Authentication, roles and tenant isolation on the TMF620 catalog,
//! black-box over HTTP.
mod common;

use common::{CATALOG, SECRET, TestServer};
use omni_api::auth::{Auth, Claims};
use omni_core::PrincipalKind;
use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{RequestBuilder, Response};
use serde_json::{Value, json};

fn offering_url(s: &TestServer, id: Option<&str>) -> String {
    match id {
        Some(id) => s.url(&format!("{CATALOG}/productOffering/{id}")),
        None => s.url(&format!("{CATALOG}/productOffering")),
    }
}

/// The three writes on one offering, each still to be sent.
fn writes(s: &TestServer, id: &str) -> Vec<(&'static str, RequestBuilder)> {
    vec![
        (
            "POST",
            s.client
                .post(offering_url(s, None))
                .json(&json!({"name": "new"})),
        ),
        (
            "PATCH",
            s.client
                .patch(offering_url(s, Some(id)))
                .header(CONTENT_TYPE, "application/merge-patch+json")
                .body(json!({"name": "changed"}).to_string()),
        ),
        ("DELETE", s.client.delete(offering_url(s, Some(id)))),
    ]
}

async fn error_body(resp: Response, status: u16) -> Value {
    assert_eq!(resp.status(), status);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], status.to_string(), "{body}");
    assert_eq!(body["@type"], "Error", "{body}");
    body
}

fn challenge(resp: &Response) -> String {
    resp.headers()
        .get(WWW_AUTHENTICATE)
        .expect("WWW-Authenticate")
        .to_str()
        .expect("ascii")
        .to_string()
}

/// An admin token signed with `secret` for `tenant`, expiring `exp_offset`
/// seconds from now.
fn token_signed_with(secret: &[u8], tenant: &str, exp_offset: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    Auth::new(secret, "default")
        .mint(&Claims {
            sub: "someone".into(),
            kind: PrincipalKind::User,
            roles: vec!["catalog.admin".into()],
            tenant: tenant.into(),
            client_id: None,
            iat: now - 7200,
            exp: now + exp_offset,
        })
        .expect("mint")
}

async fn get_status(s: &TestServer, url: &str, token: Option<&str>) -> u16 {
    let mut request = s.client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("send").status().as_u16()
}

async fn total(s: &TestServer, token: Option<&str>, query: &str) -> (usize, Vec<Value>) {
    let mut request = s.client.get(format!("{}{query}", offering_url(s, None)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let resp = request.send().await.expect("send");
    assert_eq!(resp.status(), 200);
    let total = resp
        .headers()
        .get("x-total-count")
        .expect("X-Total-Count")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number");
    (total, resp.json().await.expect("json"))
}

#[tokio::test]
async fn writes_without_a_token_are_401_with_a_challenge() {
    let s = TestServer::start().await;
    s.create(
        "productOffering",
        &s.admin(),
        json!({"id": "o1", "name": "Offer"}),
    )
    .await;
    for (method, request) in writes(&s, "o1") {
        let resp = request.send().await.expect("send");
        assert_eq!(resp.status(), 401, "{method}");
        assert!(challenge(&resp).starts_with("Bearer"), "{method}");
        let body = error_body(resp, 401).await;
        assert_eq!(body["code"], "UNAUTHORIZED");
    }
    // Nothing was written.
    let (count, items) = total(&s, None, "").await;
    assert_eq!(count, 1);
    assert_eq!(items[0]["name"], "Offer");
}

#[tokio::test]
async fn invalid_tokens_are_401_even_on_open_reads() {
    let s = TestServer::start().await;
    s.create(
        "productOffering",
        &s.admin(),
        json!({"id": "o1", "name": "Offer"}),
    )
    .await;
    let expired = token_signed_with(SECRET, "default", -3600);
    let forged = token_signed_with(b"not-the-server-secret", "default", 3600);
    let no_tenant = token_signed_with(SECRET, "", 3600);
    let valid = s.admin();
    // The valid token with its signature changed.
    let tampered = format!("{}AAAA", &valid[..valid.len() - 4]);
    let headers = [
        "Bearer garbage".to_string(),
        "Bearer a.b.c".to_string(),
        format!("Bearer {expired}"),
        format!("Bearer {forged}"),
        format!("Bearer {tampered}"),
        format!("Bearer {no_tenant}"),
        "Basic dXNlcjpwYXNz".to_string(),
        "Bearer ".to_string(),
    ];
    for header in &headers {
        for url in [offering_url(&s, None), offering_url(&s, Some("o1"))] {
            let resp = s
                .client
                .get(&url)
                .header("Authorization", header)
                .send()
                .await
                .expect("send");
            assert_eq!(resp.status(), 401, "GET {url} with {header}");
            assert!(
                challenge(&resp).contains("invalid_token"),
                "{header}: {}",
                challenge(&resp)
            );
            error_body(resp, 401).await;
        }
        for (method, request) in writes(&s, "o1") {
            let resp = request
                .header("Authorization", header)
                .send()
                .await
                .expect("send");
            assert_eq!(resp.status(), 401, "{method} with {header}");
        }
    }
    // The tokens were refused, not the requests: the real one works.
    assert_eq!(
        get_status(&s, &offering_url(&s, Some("o1")), Some(&valid)).await,
        200
    );
    let (count, _) = total(&s, None, "").await;
    assert_eq!(count, 1, "no write got through");
}

#[tokio::test]
async fn a_token_without_the_role_is_403_naming_it() {
    let s = TestServer::start().await;
    s.create(
        "productOffering",
        &s.admin(),
        json!({"id": "o1", "name": "Offer"}),
    )
    .await;
    let tokens = [
        s.token(PrincipalKind::User, &[], "default"),
        s.token(
            PrincipalKind::User,
            &["catalog.viewer", "sc.ops"],
            "default",
        ),
        s.token(PrincipalKind::M2m, &["catalog.reader"], "default"),
        s.token(PrincipalKind::Customer, &[], "default"),
    ];
    for token in &tokens {
        for (method, request) in writes(&s, "o1") {
            let resp = request.bearer_auth(token).send().await.expect("send");
            let body = error_body(resp, 403).await;
            assert_eq!(body["code"], "FORBIDDEN", "{method}");
            assert!(
                body["message"]
                    .as_str()
                    .expect("message")
                    .contains("catalog.admin"),
                "{method}: {body}"
            );
        }
        // Reading is open to them.
        assert_eq!(
            get_status(&s, &offering_url(&s, Some("o1")), Some(token)).await,
            200
        );
    }
    let (count, items) = total(&s, None, "").await;
    assert_eq!(count, 1);
    assert_eq!(items[0]["name"], "Offer");
}

/// Who may write is settled before the body is read: a caller who may not
/// write gets 401 or 403 whatever it sends, never a verdict on its payload.
#[tokio::test]
async fn authorization_is_decided_before_the_body_is_read() {
    let s = TestServer::start().await;
    s.create(
        "productOffering",
        &s.admin(),
        json!({"id": "o1", "name": "Offer"}),
    )
    .await;
    let viewer = s.token(PrincipalKind::User, &["catalog.viewer"], "default");
    let big = format!(r#"{{"name":"{}"}}"#, "b".repeat(1024 * 1024 + 1));
    let bodies: [(&str, String); 5] = [
        ("application/json", "{\"name\": ".to_string()),
        ("application/json", "{}".to_string()),
        ("application/json", json!({"isBundle": "yes"}).to_string()),
        ("text/plain", "hello".to_string()),
        ("application/json", big),
    ];
    for (token, status) in [(None, 401), (Some(viewer.as_str()), 403)] {
        for (content_type, body) in &bodies {
            for (method, url) in [
                (reqwest::Method::POST, offering_url(&s, None)),
                (reqwest::Method::PATCH, offering_url(&s, Some("o1"))),
            ] {
                let mut request = s
                    .client
                    .request(method.clone(), &url)
                    .header(CONTENT_TYPE, *content_type)
                    .body(body.clone());
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let resp = request.send().await.expect("send");
                let shown = &body[..body.len().min(20)];
                assert_eq!(
                    resp.status(),
                    status,
                    "{method} {content_type} {shown:?} as {token:?}"
                );
                if status == 401 {
                    assert!(challenge(&resp).starts_with("Bearer"));
                }
                error_body(resp, status).await;
            }
        }
    }
    let (count, items) = total(&s, None, "").await;
    assert_eq!(count, 1);
    assert_eq!(items[0]["name"], "Offer");
}

#[tokio::test]
async fn reads_work_without_a_token() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for kind in [
        "productOffering",
        "productOfferingPrice",
        "productSpecification",
        "category",
        "catalog",
    ] {
        let created = s
            .create(kind, &admin, json!({"id": "r1", "name": "Readable"}))
            .await;
        let resp = s
            .client
            .get(s.url(&format!("{CATALOG}/{kind}/r1")))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 200, "{kind}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body, created, "{kind}");
        let resp = s
            .client
            .get(s.url(&format!("{CATALOG}/{kind}")))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 200, "{kind}");
        let items: Vec<Value> = resp.json().await.expect("json");
        assert_eq!(items, vec![created], "{kind}");
    }
}

#[tokio::test]
async fn tenants_are_isolated() {
    let s = TestServer::start().await;
    let acme = s.token(PrincipalKind::User, &["catalog.admin"], "acme");
    let acme_reader = s.token(PrincipalKind::User, &[], "acme");
    let globex = s.token(PrincipalKind::User, &["catalog.admin"], "globex");
    let default_admin = s.admin();

    let secret = s
        .create(
            "productOffering",
            &acme,
            json!({"id": "acme-offer", "name": "Acme secret", "lifecycleStatus": "Active"}),
        )
        .await;
    let generated = s
        .create("productOffering", &acme, json!({"name": "Acme other"}))
        .await;
    let generated_id = generated["id"].as_str().expect("id").to_string();
    s.create(
        "productOffering",
        &default_admin,
        json!({"id": "default-offer", "name": "Public", "lifecycleStatus": "Active"}),
    )
    .await;

    // Acme sees its own, with or without the admin role.
    for token in [&acme, &acme_reader] {
        let (count, items) = total(&s, Some(token), "").await;
        assert_eq!(count, 2);
        let mut ids: Vec<&str> = items
            .iter()
            .map(|i| i["id"].as_str().expect("id"))
            .collect();
        ids.sort();
        let mut expected = vec!["acme-offer", generated_id.as_str()];
        expected.sort();
        assert_eq!(ids, expected);
        assert_eq!(
            get_status(&s, &offering_url(&s, Some("acme-offer")), Some(token)).await,
            200
        );
    }

    // Globex does not.
    for id in ["acme-offer", generated_id.as_str()] {
        let url = offering_url(&s, Some(id));
        let resp = s
            .client
            .get(&url)
            .bearer_auth(&globex)
            .send()
            .await
            .expect("send");
        error_body(resp, 404).await;
        let resp = s
            .client
            .patch(&url)
            .bearer_auth(&globex)
            .header(CONTENT_TYPE, "application/merge-patch+json")
            .body(json!({"name": "hijacked"}).to_string())
            .send()
            .await
            .expect("send");
        error_body(resp, 404).await;
        let resp = s
            .client
            .delete(&url)
            .bearer_auth(&globex)
            .send()
            .await
            .expect("send");
        error_body(resp, 404).await;
    }
    assert_eq!(total(&s, Some(&globex), "").await.0, 0);
    for query in [
        "?id=acme-offer",
        "?name=Acme%20secret",
        "?lifecycleStatus=Active",
    ] {
        let (count, items) = total(&s, Some(&globex), query).await;
        assert_eq!((count, items.len()), (0, 0), "globex {query}");
    }

    // Unauthenticated callers act in the default tenant.
    assert_eq!(
        get_status(&s, &offering_url(&s, Some("acme-offer")), None).await,
        404
    );
    let (count, items) = total(&s, None, "").await;
    assert_eq!(count, 1);
    assert_eq!(items[0]["id"], "default-offer");
    let (count, _) = total(&s, None, "?id=acme-offer").await;
    assert_eq!(count, 0);
    let (count, items) = total(&s, None, "?lifecycleStatus=Active").await;
    assert_eq!(count, 1);
    assert_eq!(items[0]["id"], "default-offer");
    // And acme does not see the default tenant's.
    assert_eq!(
        get_status(&s, &offering_url(&s, Some("default-offer")), Some(&acme)).await,
        404
    );

    // Ids are per tenant: globex may use the same one without touching acme's.
    let theirs = s
        .create(
            "productOffering",
            &globex,
            json!({"id": "acme-offer", "name": "Globex's own"}),
        )
        .await;
    assert_eq!(theirs["name"], "Globex's own");
    let resp = s
        .client
        .delete(offering_url(&s, Some("acme-offer")))
        .bearer_auth(&globex)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);

    // Acme's resource came through all of it untouched.
    let resp = s
        .client
        .get(offering_url(&s, Some("acme-offer")))
        .bearer_auth(&acme)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("etag").expect("ETag"), "\"1\"");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, secret);
}
