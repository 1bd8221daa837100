//! The console's single sign-on (issue 15): the OpenID Connect
//! authorization-code flow with PKCE against an identity provider served
//! here on a loopback port. The provider checks what a real one checks:
//! the client, the redirect URI, a code used once, and the code verifier
//! against the challenge it was given; it signs access tokens with the
//! fixed test RSA key (`fixtures/oidc-rsa-1.pem`).

mod common;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::signing_keys::Key;
use common::{SECRET, TestServer};
use omni_api::auth::{Auth, AuthConfig, ClaimNames, OidcConfig};
use omni_console::ConsoleConfig;
use omni_console::oidc::OidcClient;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const AUDIENCE: &str = "omni-api";
const CLIENT: &str = "omni-console";

/// What the provider remembers of one authorization request.
struct Grant {
    challenge: String,
    redirect_uri: String,
    client_id: String,
}

#[derive(Clone)]
struct Idp {
    issuer: String,
    key: Arc<Key>,
    /// Claims of the next access token (the test changes them).
    claims: Arc<Mutex<Value>>,
    grants: Arc<Mutex<HashMap<String, Grant>>>,
}

async fn discovery(State(idp): State<Idp>) -> Json<Value> {
    let issuer = &idp.issuer;
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/protocol/openid-connect/certs"),
        "authorization_endpoint": format!("{issuer}/protocol/openid-connect/auth"),
        "token_endpoint": format!("{issuer}/protocol/openid-connect/token"),
    }))
}

async fn certs(State(idp): State<Idp>) -> Json<Value> {
    Json(json!({"keys": [idp.key.jwk()]}))
}

/// The user "signs in" at once and is sent back with a code.
async fn authorize(State(idp): State<Idp>, Query(q): Query<HashMap<String, String>>) -> Response {
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    if field("response_type") != "code" || field("code_challenge_method") != "S256" {
        return (StatusCode::BAD_REQUEST, "code flow with S256 only").into_response();
    }
    let code = format!("code-{}", idp.grants.lock().expect("lock").len() + 1);
    idp.grants.lock().expect("lock").insert(
        code.clone(),
        Grant {
            challenge: field("code_challenge"),
            redirect_uri: field("redirect_uri"),
            client_id: field("client_id"),
        },
    );
    let back = format!(
        "{}?code={code}&state={}",
        field("redirect_uri"),
        field("state")
    );
    Redirect::to(&back).into_response()
}

async fn token(State(idp): State<Idp>, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let refused = || {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response()
    };
    // A code is used once.
    let Some(grant) = idp.grants.lock().expect("lock").remove(&field("code")) else {
        return refused();
    };
    let verified = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
    if field("grant_type") != "authorization_code"
        || verified != grant.challenge
        || field("redirect_uri") != grant.redirect_uri
        || field("client_id") != grant.client_id
    {
        return refused();
    }
    let claims = idp.claims.lock().expect("lock").clone();
    Json(json!({"access_token": idp.key.sign(&claims), "token_type": "Bearer"})).into_response()
}

async fn identity_provider() -> Idp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let issuer = format!(
        "http://{}/realms/omni",
        listener.local_addr().expect("addr")
    );
    let now = chrono::Utc::now().timestamp();
    let idp = Idp {
        issuer: issuer.clone(),
        key: Arc::new(Key::rsa("rsa-1", "oidc-rsa-1.pem")),
        claims: Arc::new(Mutex::new(json!({
            "iss": issuer, "aud": [AUDIENCE], "sub": "agent-ana", "typ": "Bearer",
            "realm_access": {"roles": ["care.ops"]}, "tenant": "default",
            "iat": now, "exp": now + 300,
        }))),
        grants: Arc::default(),
    };
    let app = Router::new()
        .route(
            "/realms/omni/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/realms/omni/protocol/openid-connect/certs", get(certs))
        .route("/realms/omni/protocol/openid-connect/auth", get(authorize))
        .route("/realms/omni/protocol/openid-connect/token", post(token))
        .with_state(idp.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve idp");
    });
    idp
}

async fn server(idp: &Idp) -> TestServer {
    let mut oidc = OidcConfig::new(idp.issuer.clone(), AUDIENCE);
    oidc.claims = ClaimNames {
        tenant: "tenant".into(),
        roles: "realm_access.roles".into(),
        client: "azp".into(),
        kind: "typ".into(),
    };
    let mut auth = AuthConfig::hs256(SECRET, "default");
    auth.oidc = Some(oidc);
    auth.audience = Some(AUDIENCE.into());
    let console = ConsoleConfig {
        oidc: Some(OidcClient {
            client_id: CLIENT.into(),
            client_secret: None,
            scopes: "openid".into(),
        }),
    };
    TestServer::start_with_console(Auth::from_config(auth), console).await
}

/// A client that follows no redirect: the test walks the flow itself.
fn browser() -> reqwest::Client {
    common::install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `name=value` of cookie `name` among a response's `Set-Cookie` headers,
/// and the whole header.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap_or("").to_string(), v.to_string()))
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Starts a sign-in: the flow cookie and the issuer's answer (the callback
/// URL with code and state).
async fn start(s: &TestServer, client: &reqwest::Client) -> (String, String) {
    let started = client
        .get(s.url("/console/oidc/start"))
        .send()
        .await
        .expect("start");
    assert_eq!(started.status(), 303);
    let (flow, header) = set_cookie(&started, "omni_console_oidc").expect("flow cookie");
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Lax"),
        "{header}"
    );
    let to_issuer = location(&started);
    assert!(
        to_issuer.contains("code_challenge_method=S256"),
        "{to_issuer}"
    );
    assert!(
        to_issuer.contains(&format!("client_id={CLIENT}")),
        "{to_issuer}"
    );
    let at_issuer = client.get(&to_issuer).send().await.expect("issuer");
    assert_eq!(at_issuer.status(), 303, "the issuer refused: {to_issuer}");
    (flow, location(&at_issuer))
}

#[tokio::test]
async fn single_sign_on_starts_a_session_from_the_issuers_access_token() {
    let idp = identity_provider().await;
    let s = server(&idp).await;
    let client = browser();

    let page = client
        .get(s.url("/console/sign-in"))
        .send()
        .await
        .expect("page");
    let text = page.text().await.expect("text");
    assert!(text.contains("id=\"single-sign-on\""), "{text}");

    let (flow, callback) = start(&s, &client).await;
    assert!(
        callback.starts_with(&s.url("/console/oidc/callback?code=")),
        "{callback}"
    );
    let done = client
        .get(&callback)
        .header("cookie", &flow)
        .send()
        .await
        .expect("callback");
    assert_eq!(done.status(), 200);
    let (session, header) = set_cookie(&done, "omni_console").expect("session cookie");
    assert!(
        header.contains("SameSite=Strict") && header.contains("HttpOnly"),
        "{header}"
    );
    let body = done.text().await.expect("text");
    assert!(body.contains("url=/console"), "{body}");

    let home = client
        .get(s.url("/console"))
        .header("cookie", &session)
        .send()
        .await
        .expect("home");
    assert_eq!(home.status(), 200);
    let home = home.text().await.expect("text");
    assert!(
        home.contains("<span id=\"signed-in-as\">agent-ana</span>"),
        "{home}"
    );
    assert!(
        home.contains("href=\"/console/care\""),
        "care.ops opens Care: {home}"
    );

    // The code was used once: the same answer again signs nobody in.
    let again = client
        .get(&callback)
        .header("cookie", &flow)
        .send()
        .await
        .expect("replay");
    assert_eq!(again.status(), 401);
    assert!(set_cookie(&again, "omni_console").is_none());
}

#[tokio::test]
async fn answers_that_do_not_belong_to_the_browsers_sign_in_are_refused() {
    let idp = identity_provider().await;
    let s = server(&idp).await;
    let client = browser();

    // Without the flow cookie (another browser, or an attacker's link).
    let (_, callback) = start(&s, &client).await;
    let lost = client.get(&callback).send().await.expect("callback");
    assert_eq!(lost.status(), 400);
    assert!(set_cookie(&lost, "omni_console").is_none());

    // With this browser's cookie but another sign-in's answer.
    let (flow_a, _) = start(&s, &client).await;
    let (_, callback_b) = start(&s, &client).await;
    let crossed = client
        .get(&callback_b)
        .header("cookie", &flow_a)
        .send()
        .await
        .expect("callback");
    assert_eq!(crossed.status(), 400);
    assert!(set_cookie(&crossed, "omni_console").is_none());

    // The issuer's refusal is shown, and signs nobody in.
    let refused = client
        .get(s.url("/console/oidc/callback?error=access_denied&error_description=no"))
        .send()
        .await
        .expect("callback");
    assert_eq!(refused.status(), 401);
    assert!(
        refused
            .text()
            .await
            .expect("text")
            .contains("access_denied")
    );
}

#[tokio::test]
async fn a_customer_of_the_issuer_cannot_sign_in_to_the_console() {
    let idp = identity_provider().await;
    let s = server(&idp).await;
    idp.claims.lock().expect("lock")["typ"] = json!("customer");
    let client = browser();
    let (flow, callback) = start(&s, &client).await;
    let done = client
        .get(&callback)
        .header("cookie", &flow)
        .send()
        .await
        .expect("callback");
    assert_eq!(done.status(), 401);
    assert!(set_cookie(&done, "omni_console").is_none());
    let text = done.text().await.expect("text");
    assert!(text.contains("Customer tokens cannot sign in"), "{text}");
}
