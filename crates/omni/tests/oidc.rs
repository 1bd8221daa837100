//! Tokens from a real identity provider (issue 14, finding 5): an OpenID
//! Connect issuer served here on a loopback port (discovery document and
//! JWKS), tokens signed with fixed test-only RS256, ES256 and EdDSA keys
//! (`fixtures/oidc-*.pem`, made with openssl for these tests and nothing
//! else), Keycloak-style claims. Every refused token is a 401 with
//! `WWW-Authenticate`.

mod common;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::signing_keys::{Key, fixture};
use common::{SECRET, TestServer};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use omni_api::auth::{Auth, AuthConfig, ClaimNames, OidcConfig};
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const AUDIENCE: &str = "omni-api";
const JOBS: &str = "/admin/v1/job";

#[derive(Clone)]
struct Idp {
    jwks: Arc<Mutex<JwkSet>>,
    fetches: Arc<AtomicUsize>,
    issuer: Arc<Mutex<String>>,
}

/// A tiny identity provider: discovery document and JWKS under
/// `/realms/omni`. Returns it and its issuer URL.
async fn idp(keys: &[&Key]) -> (Idp, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let issuer = format!("{base}/realms/omni");
    let idp = Idp {
        jwks: Arc::new(Mutex::new(JwkSet {
            keys: keys.iter().map(|k| k.jwk()).collect(),
        })),
        fetches: Arc::new(AtomicUsize::new(0)),
        issuer: Arc::new(Mutex::new(issuer.clone())),
    };
    async fn discovery(State(idp): State<Idp>) -> axum::Json<Value> {
        let issuer = idp.issuer.lock().expect("lock").clone();
        axum::Json(json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/protocol/openid-connect/certs"),
        }))
    }
    async fn certs(State(idp): State<Idp>) -> axum::Json<Value> {
        idp.fetches.fetch_add(1, Ordering::SeqCst);
        let set = idp.jwks.lock().expect("lock").clone();
        axum::Json(serde_json::to_value(set).expect("jwks"))
    }
    let app = Router::new()
        .route(
            "/realms/omni/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/realms/omni/protocol/openid-connect/certs", get(certs))
        .with_state(idp.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve idp");
    });
    (idp, issuer)
}

fn config(issuer: &str, refresh: Duration) -> AuthConfig {
    let mut oidc = OidcConfig::new(issuer, AUDIENCE);
    oidc.claims = ClaimNames {
        tenant: "tenant".into(),
        roles: "realm_access.roles".into(),
        client: "azp".into(),
        kind: "typ".into(),
    };
    oidc.min_refresh_interval = refresh;
    let mut config = AuthConfig::hs256(SECRET, "default");
    config.oidc = Some(oidc);
    config.audience = Some(AUDIENCE.into());
    config
}

async fn server(issuer: &str, refresh: Duration) -> TestServer {
    TestServer::start_with_auth(Auth::from_config(config(issuer, refresh))).await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A Keycloak access token's claims, for the jobs.admin role.
fn keycloak(issuer: &str) -> Value {
    json!({
        "iss": issuer,
        "aud": ["account", AUDIENCE],
        "sub": "5f2c8e1a-user",
        "typ": "Bearer",
        "azp": "care-portal",
        "realm_access": {"roles": ["offline_access", "jobs.admin"]},
        "tenant": "default",
        "iat": now(),
        "exp": now() + 300,
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("object").remove(key);
    claims
}

async fn status(s: &TestServer, token: &str) -> u16 {
    let resp = s
        .client
        .get(s.url(JOBS))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let code = resp.status().as_u16();
    if code == 401 {
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            challenge.contains("invalid_token"),
            "401 without a challenge: {challenge:?}"
        );
    }
    code
}

#[tokio::test]
async fn identity_provider_tokens_are_accepted_with_mapped_claims() {
    let rsa = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    let ec = Key::ec("ec-1");
    let ed = Key::ed("ed-1");
    let (_idp, issuer) = idp(&[&rsa, &ec, &ed]).await;
    let s = server(&issuer, Duration::from_secs(30)).await;
    for key in [&rsa, &ec, &ed] {
        let token = key.sign(&keycloak(&issuer));
        assert_eq!(status(&s, &token).await, 200, "{:?}", key.alg);
    }
    // The roles come from realm_access.roles: without jobs.admin, 403.
    let plain = with(keycloak(&issuer), "realm_access", json!({"roles": ["x"]}));
    assert_eq!(status(&s, &rsa.sign(&plain)).await, 403);

    let principal = s
        .state
        .auth
        .principal(Some(&format!("Bearer {}", rsa.sign(&keycloak(&issuer)))))
        .await
        .expect("principal");
    // Keycloak's `typ: Bearer` is not a principal type: a user.
    assert_eq!(principal.kind, PrincipalKind::User);
    assert_eq!(principal.subject.as_deref(), Some("5f2c8e1a-user"));
    assert_eq!(principal.tenant, "default");
    assert_eq!(principal.client_id.as_deref(), Some("care-portal"));
    assert!(principal.has_role("jobs.admin"));
    let m2m = rsa.sign(&with(keycloak(&issuer), "typ", "m2m".into()));
    let principal = s
        .state
        .auth
        .principal(Some(&format!("Bearer {m2m}")))
        .await
        .expect("principal");
    assert_eq!(principal.kind, PrincipalKind::M2m);

    // Omni's own HS256 tokens still work (OMNI_JWT_SECRET is set).
    assert_eq!(
        status(
            &s,
            &s.token(PrincipalKind::User, &["jobs.admin"], "default")
        )
        .await,
        200
    );
}

#[tokio::test]
async fn bad_identity_provider_tokens_are_401() {
    let rsa = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    let ec = Key::ec("ec-1");
    let (_idp, issuer) = idp(&[&rsa, &ec]).await;
    let s = server(&issuer, Duration::from_secs(30)).await;
    let good = keycloak(&issuer);
    let t = now();
    let cases = [
        (
            "wrong issuer",
            with(
                good.clone(),
                "iss",
                "http://evil.example/realms/omni".into(),
            ),
        ),
        ("no issuer", without(good.clone(), "iss")),
        (
            "wrong audience",
            with(good.clone(), "aud", json!(["account", "other-api"])),
        ),
        ("no audience", without(good.clone(), "aud")),
        (
            "expired",
            with(
                with(good.clone(), "exp", (t - 120).into()),
                "iat",
                (t - 400).into(),
            ),
        ),
        ("no exp", without(good.clone(), "exp")),
        ("not yet valid", with(good.clone(), "nbf", (t + 600).into())),
        ("string nbf", with(good.clone(), "nbf", "soon".into())),
        ("string iat", with(good.clone(), "iat", "now".into())),
        (
            "iat in the future",
            with(good.clone(), "iat", (t + 600).into()),
        ),
        (
            "lifetime over the cap",
            with(good.clone(), "exp", (t + 86_400 + 60).into()),
        ),
        (
            "lifetime over the cap without iat",
            with(
                without(good.clone(), "iat"),
                "exp",
                (t + 86_400 + 60).into(),
            ),
        ),
        ("no tenant", without(good.clone(), "tenant")),
        (
            "NUL in a role",
            with(good.clone(), "realm_access", json!({"roles": ["a\u{0}b"]})),
        ),
        ("NUL in azp", with(good.clone(), "azp", "a\u{0}b".into())),
        (
            "unauthenticated",
            with(good.clone(), "typ", "unauthenticated".into()),
        ),
    ];
    for (name, claims) in cases {
        assert_eq!(status(&s, &rsa.sign(&claims)).await, 401, "{name}");
    }
    // A bounded leeway: 10 s early is fine, as is a lifetime at the cap.
    let early = with(good.clone(), "nbf", (t + 10).into());
    assert_eq!(status(&s, &rsa.sign(&early)).await, 200);

    // `alg: none`.
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"));
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": "rsa-1"})),
        b64(&good)
    );
    assert_eq!(status(&s, &none).await, 401, "alg none");

    // Key confusion: HS256 with the RSA public key (PEM, and the JWK's
    // modulus) as the secret, naming the RSA key's kid.
    for secret in [fixture("oidc-rsa-1.pub.pem"), rsa.jwk_n()] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".into());
        let forged =
            jsonwebtoken::encode(&header, &good, &EncodingKey::from_secret(&secret)).expect("sign");
        assert_eq!(status(&s, &forged).await, 401, "HS256 with the public key");
    }
    // An RSA key's kid with an EC algorithm, and the reverse.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("rsa-1".into());
    let mismatched = jsonwebtoken::encode(&header, &good, &ec.encoding).expect("sign");
    assert_eq!(
        status(&s, &mismatched).await,
        401,
        "ES256 naming an RSA key"
    );

    // Unknown kid; signed by a key the issuer does not publish.
    let stranger = Key::rsa("rsa-2", "oidc-rsa-2.pem");
    assert_eq!(status(&s, &stranger.sign(&good)).await, 401, "unknown kid");
    let impostor = Key::rsa("rsa-1", "oidc-rsa-2.pem");
    assert_eq!(status(&s, &impostor.sign(&good)).await, 401, "wrong key");
}

impl Key {
    fn jwk_n(&self) -> Vec<u8> {
        match self.jwk().algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(p) => p.n.into_bytes(),
            _ => Vec::new(),
        }
    }
}

/// An HS256 token may carry an `aud` only when it is the configured one.
#[tokio::test]
async fn hs256_tokens_with_an_audience_must_name_the_configured_one() {
    let rsa = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    let (_idp, issuer) = idp(&[&rsa]).await;
    let s = server(&issuer, Duration::from_secs(30)).await;
    let claims = |aud: &str| {
        json!({"sub": "ops", "typ": "user", "roles": ["jobs.admin"], "tenant": "default",
               "aud": aud, "iat": now(), "exp": now() + 300})
    };
    let sign = |c: &Value| {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            c,
            &EncodingKey::from_secret(SECRET),
        )
        .expect("sign")
    };
    assert_eq!(status(&s, &sign(&claims(AUDIENCE))).await, 200);
    assert_eq!(status(&s, &sign(&claims("other"))).await, 401);
    // Without a secret (OIDC only), HS256 tokens are refused outright.
    let mut only_idp = config(&issuer, Duration::from_secs(30));
    only_idp.hs256_secret = None;
    let s = TestServer::start_with_auth(Auth::from_config(only_idp)).await;
    assert_eq!(status(&s, &sign(&claims(AUDIENCE))).await, 401);
    assert_eq!(status(&s, &rsa.sign(&keycloak(&issuer))).await, 200);
}

#[tokio::test]
async fn rotated_keys_are_fetched_and_removed_ones_refused() {
    let old = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    let new = Key::rsa("rsa-2", "oidc-rsa-2.pem");
    let (idp, issuer) = idp(&[&old]).await;
    let s = server(&issuer, Duration::from_secs(1)).await;
    assert_eq!(status(&s, &old.sign(&keycloak(&issuer))).await, 200);
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 1);

    // The issuer rotates: only the new key is published.
    *idp.jwks.lock().expect("lock") = JwkSet {
        keys: vec![new.jwk()],
    };
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(status(&s, &new.sign(&keycloak(&issuer))).await, 200);
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 2);
    assert_eq!(status(&s, &old.sign(&keycloak(&issuer))).await, 401);
}

#[tokio::test]
async fn unknown_kids_refresh_at_most_once_per_interval() {
    let rsa = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    let (idp, issuer) = idp(&[&rsa]).await;
    let s = server(&issuer, Duration::from_secs(30)).await;
    assert_eq!(status(&s, &rsa.sign(&keycloak(&issuer))).await, 200);
    let before = idp.fetches.load(Ordering::SeqCst);
    let claims = keycloak(&issuer);
    for i in 0..20 {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(format!("made-up-{i}"));
        let token = jsonwebtoken::encode(&header, &claims, &rsa.encoding).expect("sign");
        assert_eq!(status(&s, &token).await, 401);
    }
    // The first one was within 30 s of the first fetch: none at all.
    assert_eq!(idp.fetches.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn an_unreachable_identity_provider_is_503_not_500() {
    let rsa = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    // A port nothing listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let issuer = format!("http://{}/realms/omni", closed.local_addr().expect("addr"));
    drop(closed);
    let s = server(&issuer, Duration::from_secs(30)).await;
    let resp = s
        .client
        .get(s.url(JOBS))
        .bearer_auth(rsa.sign(&keycloak(&issuer)))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 503);
    // A discovery document naming another issuer is not trusted either.
    let (idp, issuer) = idp(&[&rsa]).await;
    *idp.issuer.lock().expect("lock") = "http://evil.example/realms/omni".into();
    let s = server(&issuer, Duration::from_secs(30)).await;
    assert_eq!(
        s.client
            .get(s.url(JOBS))
            .bearer_auth(rsa.sign(&keycloak(&issuer)))
            .send()
            .await
            .expect("request")
            .status(),
        503
    );
}

/// The settings as an operator writes them: `omni serve` with an issuer and
/// Keycloak's claim names, and no OMNI_JWT_SECRET. Only the identity
/// provider's tokens are accepted, and no development secret is made.
// Several threads: the identity provider above must answer while this
// thread waits for the server to start (it fetches the keys then).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn omni_serve_with_an_issuer_and_no_secret_accepts_only_its_tokens() {
    use common::process;
    let rsa = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    let (_idp, issuer) = idp(&[&rsa]).await;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("omni-oidc-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let url = format!("sqlite:{}", dir.join("omni.db").display());
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let envs = [
        ("OMNI_OIDC_ISSUER", issuer.as_str()),
        ("OMNI_OIDC_AUDIENCE", AUDIENCE),
        ("OMNI_CLAIM_ROLES", "realm_access.roles"),
        ("OMNI_CLAIM_CLIENT", "azp"),
    ];
    let server = process::spawn(&url, &data, "", &envs);
    let client = common::http_client();
    let call = |token: String| {
        let request = client
            .get(format!("{}{JOBS}", server.base))
            .bearer_auth(token);
        async move { request.send().await.expect("request").status().as_u16() }
    };
    assert_eq!(call(rsa.sign(&keycloak(&issuer))).await, 200);
    let hs256 = Auth::new(SECRET, "default")
        .mint(&omni_api::auth::Claims {
            sub: "ops".into(),
            kind: PrincipalKind::User,
            roles: vec!["jobs.admin".into()],
            tenant: "default".into(),
            client_id: None,
            iat: now(),
            exp: now() + 300,
        })
        .expect("mint");
    assert_eq!(call(hs256).await, 401);
    assert!(
        !dir.join("omni.db.jwt-secret").exists(),
        "no development secret is made when only the identity provider's tokens count"
    );
    // `omni token` has nothing to sign with, and says so.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_omni"))
        .args(["token", "--role", "jobs.admin"])
        .env("OMNI_DATABASE_URL", &url)
        .env("OMNI_JWT_SECRET", "")
        .env("OMNI_OIDC_ISSUER", &issuer)
        .env("OMNI_OIDC_AUDIENCE", AUDIENCE)
        .output()
        .expect("run omni token");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("OMNI_OIDC_ISSUER"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A key the issuer stops publishing stops verifying once the cached set is
/// older than its maximum age, even if no unknown `kid` comes along.
#[tokio::test]
async fn a_removed_key_stops_verifying_when_the_set_is_old() {
    let rsa = Key::rsa("rsa-1", "oidc-rsa-1.pem");
    let other = Key::ec("ec-1");
    let (idp, issuer) = idp(&[&rsa]).await;
    let mut config = config(&issuer, Duration::from_secs(1));
    if let Some(oidc) = config.oidc.as_mut() {
        oidc.max_key_age = Duration::from_secs(1);
    }
    let s = TestServer::start_with_auth(Auth::from_config(config)).await;
    let token = rsa.sign(&keycloak(&issuer));
    assert_eq!(status(&s, &token).await, 200);
    *idp.jwks.lock().expect("lock") = JwkSet {
        keys: vec![other.jwk()],
    };
    // Within the age the cached key still verifies, without a fetch.
    assert_eq!(status(&s, &token).await, 200);
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(status(&s, &token).await, 401);
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 2);
}
