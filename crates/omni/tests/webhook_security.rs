//! Where webhooks may go, black-box: callbacks on non-public addresses are
//! refused at registration and again at delivery (on the addresses actually
//! connected to), unless the operator's allow-list names them; `lastError`
//! tells the class of a failure only; HTTPS callbacks are verified against
//! the webpki roots plus the operator's CA file.

mod common;

use common::TestServer;
use common::receiver::Receiver;
use omni_api::state::ApiConfig;
use omni_app::webhook::{AddressPolicy, WebhookConfig};
use omni_core::PrincipalKind;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const ORDERING: &str = "/tmf-api/productOrderingManagement/v4";
const CARE: &str = "/api/orderingMobility/v1";

/// Fast retries; `allow` is the allow-list, exactly.
fn config(allow: &str, extra_roots: Vec<Vec<u8>>) -> ApiConfig {
    ApiConfig {
        app: omni_app::AppConfig {
            webhooks: WebhookConfig {
                max_attempts: 2,
                backoff_base: Duration::from_millis(20),
                backoff_max: Duration::from_millis(100),
                timeout: Duration::from_secs(5),
                poll: Duration::from_millis(20),
                allow: AddressPolicy::parse(allow).expect("allow-list"),
                extra_roots,
            },
            ..omni_app::AppConfig::default()
        },
        ..ApiConfig::default()
    }
}

async fn call(
    s: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = s
        .client
        .request(method.parse().expect("method"), s.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn ops(s: &TestServer) -> String {
    s.token(PrincipalKind::User, &["order.ops"], "default")
}

async fn register(s: &TestServer, callback: &str) -> String {
    let body = json!({"callback": callback, "secret": "0123456789abcdef0123"});
    let (st, answer) = call(s, "POST", &format!("{ORDERING}/hub"), &ops(s), Some(body)).await;
    assert_eq!(st, 201, "{callback}: {answer}");
    answer["id"].as_str().expect("id").to_string()
}

async fn place_order(s: &TestServer) {
    let order = common::product_order();
    let (st, answer) = call(
        s,
        "POST",
        &format!("{ORDERING}/productOrder"),
        &ops(s),
        Some(order),
    )
    .await;
    assert_eq!(st, 201, "{answer}");
}

/// Waits until subscription `id` shows a `lastError`, and returns it.
async fn last_error(s: &TestServer, id: &str) -> String {
    let admin = s.token(PrincipalKind::User, &["events.admin"], "default");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (st, subs) = call(s, "GET", "/admin/v1/eventSubscription", &admin, None).await;
        assert_eq!(st, 200, "{subs}");
        let error = subs
            .as_array()
            .into_iter()
            .flatten()
            .find(|sub| sub["id"] == id)
            .and_then(|sub| sub["lastError"].as_str().map(str::to_string));
        if let Some(error) = error {
            return error;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no lastError: {subs}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn non_public_callbacks_are_refused_at_registration() {
    let s = TestServer::start_exactly(config("", Vec::new())).await;
    for (callback, rule) in [
        ("http://10.1.2.3/events", "a private address"),
        ("http://192.168.0.7:8080/events", "a private address"),
        ("http://100.64.0.1/events", "CGNAT"),
        ("http://127.0.0.1:9/events", "a loopback address"),
        // The URL parser's forms of 127.0.0.1 are the same address.
        ("http://2130706433:9/events", "a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[::ffff:127.0.0.1]:9/events", "IPv6 form"),
        ("http://[::1]:9/events", "a loopback address"),
        ("https://[fd00::1]/events", "unique-local"),
        ("http://0.0.0.0:9/events", "unspecified"),
        ("http://192.0.2.1/events", "documentation"),
        ("http://localhost:9/events", "what localhost resolves to"),
    ] {
        let body = json!({"callback": callback});
        let (st, answer) = call(&s, "POST", &format!("{ORDERING}/hub"), &ops(&s), Some(body)).await;
        assert_eq!(st, 400, "{callback}: {answer}");
        let text = answer.to_string();
        assert!(
            text.contains("callback") && text.contains(rule) && text.contains("address policy"),
            "{callback}: {answer} names the field and {rule}"
        );
    }
    // The care family's notification subscriptions obey the same rule.
    let token = s.care_token("client-7");
    let resp = s
        .client
        .post(s.url(&format!("{CARE}/notificationSubscription")))
        .bearer_auth(&token)
        .header("X-ATT-ClientId", "client-7")
        .header("X-ATT-ConversationId", "conv-1")
        .header("X-ATT-MessageId", "msg-1")
        .json(
            &json!({"notificationSubscriptionRequest": {"callbackUrl": "http://169.254.169.254/"}}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let answer: Value = resp.json().await.expect("json");
    assert!(
        answer
            .to_string()
            .contains("notificationSubscriptionRequest.callbackUrl"),
        "{answer}"
    );
}

#[tokio::test]
async fn the_allow_list_admits_named_ranges_and_hosts() {
    let s = TestServer::start_exactly(config("10.20.0.0/16,localhost", Vec::new())).await;
    register(&s, "http://10.20.3.4/events").await;
    register(&s, "http://localhost:9/events").await;
    let body = json!({"callback": "http://10.21.0.1/events"});
    let (st, _) = call(&s, "POST", &format!("{ORDERING}/hub"), &ops(&s), Some(body)).await;
    assert_eq!(st, 400);
}

/// A callback accepted once (here: by a node whose allow-list named it) is
/// checked again on every delivery, on the addresses the name resolves to
/// then: without the allow-list, nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deliveries_check_the_addresses_they_connect_to() {
    let rx = Receiver::start().await;
    let port = rx.url.rsplit(':').next().expect("port");
    let by_name = format!("http://localhost:{port}");
    let lenient =
        TestServer::start_without_workers(config("127.0.0.0/8,localhost", Vec::new())).await;
    let named = register(&lenient, &by_name).await;
    let literal = register(&lenient, &rx.url).await;
    lenient.load_demo().await;
    let strict = lenient.sibling(config("", Vec::new())).await;
    strict.warm().await;
    place_order(&strict).await;
    assert_eq!(
        last_error(&strict, &named).await,
        "refused by the address policy"
    );
    assert_eq!(
        last_error(&strict, &literal).await,
        "refused by the address policy"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.all().is_empty(), "no connection reached the subscriber");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn last_error_tells_the_class_of_failure_only() {
    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let s = TestServer::start_exactly(config("127.0.0.0/8", Vec::new())).await;
    s.load_demo().await;
    let rx = Receiver::start().await;
    rx.set_failing(true);
    let refused = register(&s, &format!("http://{addr}/events")).await;
    let failing = register(&s, &rx.url).await;
    place_order(&s).await;
    assert_eq!(last_error(&s, &refused).await, "connection refused");
    assert_eq!(last_error(&s, &failing).await, "HTTP 503");
}

/// A test certificate authority.
struct TestCa(CertifiedIssuer<'static, KeyPair>);

impl TestCa {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        Self(CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("CA"))
    }

    /// A TLS server configuration with a certificate this CA signed for `name`.
    fn server(&self, name: &str) -> rustls::ServerConfig {
        let key = KeyPair::generate().expect("key");
        let leaf = CertificateParams::new(vec![name.to_string()])
            .expect("params")
            .signed_by(&key, &self.0)
            .expect("certificate");
        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone(), self.0.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config")
    }
}

/// The operator's CA file, read as `omni serve` reads `OMNI_WEBHOOK_CA_FILE`.
fn ca_file(pem: &str) -> Vec<Vec<u8>> {
    let dir = std::env::temp_dir().join(format!("omni-ca-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("ca.pem");
    std::fs::write(&path, pem).expect("write");
    let roots = omni_app::webhook::client::read_ca_file(&path).expect("CA file");
    let _ = std::fs::remove_dir_all(&dir);
    roots
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn https_callbacks_are_delivered_with_verified_certificates() {
    let ca = TestCa::new();
    let roots = ca_file(&ca.0.pem());
    let rx = Receiver::start_tls(ca.server("localhost")).await;
    // The configured CA, but a certificate for another name.
    let wrong_name = Receiver::start_tls(ca.server("wrong.example")).await;
    // A certificate for localhost from a CA nobody configured.
    let untrusted = Receiver::start_tls(TestCa::new().server("localhost")).await;
    let s = TestServer::start_exactly(config("127.0.0.0/8", roots)).await;
    s.load_demo().await;
    register(&s, &rx.url).await;
    let bad_name = register(&s, &wrong_name.url).await;
    let bad_ca = register(&s, &untrusted.url).await;
    place_order(&s).await;
    let got = rx.wait_accepted(1, 20).await;
    assert_eq!(got[0].json()["eventType"], "ProductOrderCreateEvent");
    assert!(got[0].signed_with("0123456789abcdef0123"));
    assert_eq!(last_error(&s, &bad_name).await, "TLS failure");
    assert_eq!(last_error(&s, &bad_ca).await, "TLS failure");
    assert!(wrong_name.all().is_empty() && untrusted.all().is_empty());
}

/// A listener makes Omni call out, so registering or removing one needs the
/// API's write role (issue 14: read-only roles could register hubs); reading
/// one is open to its readers too.
#[tokio::test]
async fn only_an_apis_writers_register_and_remove_its_listeners() {
    let s = TestServer::start_with(config("127.0.0.0/8", Vec::new())).await;
    let rx = Receiver::start().await;
    let hubs = [
        (
            "/tmf-api/productCatalogManagement/v4",
            "catalog.view",
            "catalog.admin",
        ),
        (
            "/tmf-api/promotionManagement/v4",
            "promotion.view",
            "promotion.admin",
        ),
        ("/tmf-api/shoppingCart/v4", "sc.view", "sc.ops"),
        (ORDERING, "order.view", "order.ops"),
        (
            "/tmf-api/productOfferingQualification/v4",
            "sc.view",
            "sc.ops",
        ),
        (
            "/tmf-api/serviceQualificationManagement/v4",
            "sc.view",
            "sc.ops",
        ),
    ];
    for (api, reader, writer) in hubs {
        let reader = s.token(PrincipalKind::User, &[reader], "default");
        let writer = s.token(PrincipalKind::User, &[writer], "default");
        let hub = format!("{api}/hub");
        let body = json!({"callback": rx.url});
        let (st, _) = call(&s, "POST", &hub, &reader, Some(body.clone())).await;
        assert_eq!(st, 403, "{api}: a reader registers no listener");
        let (st, made) = call(&s, "POST", &hub, &writer, Some(body)).await;
        assert_eq!(st, 201, "{api}: {made}");
        let id = made["id"].as_str().expect("id");
        let one = format!("{hub}/{id}");
        let (st, _) = call(&s, "GET", &one, &reader, None).await;
        assert_eq!(st, 200, "{api}: a reader may read it");
        let (st, _) = call(&s, "DELETE", &one, &reader, None).await;
        assert_eq!(st, 403, "{api}: a reader removes no listener");
        let (st, _) = call(&s, "DELETE", &one, &writer, None).await;
        assert_eq!(st, 204, "{api}");
    }
}
