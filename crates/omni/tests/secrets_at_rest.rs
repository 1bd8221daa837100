//! Webhook signing secrets are stored sealed (AES-256-GCM), are opened only
//! to sign a delivery, and survive a key rotation (issue 14).

mod common;

use common::TestServer;
use common::receiver::Receiver;
use omni_api::state::ApiConfig;
use omni_app::secrets::SecretKeys;
use omni_app::webhook::WebhookConfig;
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::time::Duration;

const CATALOG: &str = "/tmf-api/productCatalogManagement/v4";
const SECRET: &str = "a-known-secret-of-the-listener";

fn with_keys(keys: SecretKeys) -> ApiConfig {
    ApiConfig {
        app: omni_app::AppConfig {
            webhooks: WebhookConfig {
                backoff_base: Duration::from_millis(20),
                backoff_max: Duration::from_millis(200),
                poll: Duration::from_millis(20),
                ..WebhookConfig::default()
            },
            secrets: keys,
            ..omni_app::AppConfig::default()
        },
        ..ApiConfig::default()
    }
}

fn admin(s: &TestServer) -> String {
    s.token(PrincipalKind::User, &["catalog.admin"], "default")
}

async fn post(s: &TestServer, path: &str, token: &str, body: Value) -> (u16, Value) {
    let resp = s
        .client
        .post(s.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn register(s: &TestServer, callback: &str) -> String {
    let (status, answer) = post(
        s,
        &format!("{CATALOG}/hub"),
        &admin(s),
        json!({"callback": callback, "secret": SECRET}),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    answer["id"].as_str().expect("id").to_string()
}

/// The stored subscription document, as the database holds it.
async fn stored_secret(s: &TestServer, id: &str) -> (String, String) {
    let doc = s
        .store
        .get_document("default", "eventSubscription", id)
        .await
        .expect("read")
        .expect("stored");
    let raw = serde_json::to_string(&doc.body).expect("json");
    let secret = doc.body["secret"].as_str().expect("secret").to_string();
    (raw, secret)
}

async fn make_offering(s: &TestServer, id: &str) {
    let (status, answer) = post(
        s,
        &format!("{CATALOG}/productOffering"),
        &admin(s),
        json!({"id": id, "name": "Sealed plan", "lifecycleStatus": "Active"}),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hub_secrets_are_stored_sealed_and_still_sign_deliveries() {
    let keys = SecretKeys::new(&[11; 32], &[]);
    let s = TestServer::start_with(with_keys(keys.clone())).await;
    let rx = Receiver::start().await;
    let id = register(&s, &rx.url).await;

    let (raw, secret) = stored_secret(&s, &id).await;
    assert!(
        !raw.contains(SECRET),
        "the secret is stored in clear: {raw}"
    );
    assert!(
        secret.starts_with(&format!("enc:v1:{}:", keys.current_id())),
        "{secret}"
    );

    make_offering(&s, "sealed-plan").await;
    let got = rx.wait_accepted(1, 10).await;
    assert!(
        got[0].signed_with(SECRET),
        "signed with the registered secret"
    );
    // Moving the cursor rewrote the subscription: still sealed.
    let (raw, _) = stored_secret(&s, &id).await;
    assert!(!raw.contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn secrets_survive_a_key_rotation_and_clear_ones_of_earlier_builds_still_work() {
    let (a, b) = ([21u8; 32], [22u8; 32]);
    let old = SecretKeys::new(&a, &[]);
    // Registered under key A by a server whose workers do not run.
    let first = TestServer::start_demo_without_workers_with(with_keys(old.clone())).await;
    let rx = Receiver::start().await;
    let id = register(&first, &rx.url).await;
    let (_, sealed_a) = stored_secret(&first, &id).await;
    assert!(sealed_a.starts_with(&format!("enc:v1:{}:", old.current_id())));

    // A value stored in clear by an earlier build.
    let legacy = register(&first, &rx.url).await;
    let mut doc = first
        .store
        .get_document("default", "eventSubscription", &legacy)
        .await
        .expect("read")
        .expect("stored");
    doc.body["secret"] = json!(SECRET);
    doc.version += 1;
    first
        .store
        .update_document(&doc, &omni_store::Effects::none())
        .await
        .expect("write the clear secret");

    // Restarted with key B, A kept for reading.
    let rotated = SecretKeys::new(&b, &[a]);
    let second = TestServer::start_on(first.store.clone(), with_keys(rotated.clone()), true).await;
    make_offering(&second, "rotated-plan").await;
    let got = rx.wait_accepted(2, 10).await;
    assert!(
        got.iter().all(|d| d.signed_with(SECRET)),
        "both signed with the secret"
    );

    // Both were sealed again with B when their cursors were written. The
    // cursor is written after the listener answered, so a test that reads
    // right after the delivery arrived waits for that write (up to 5 s).
    let prefix = format!("enc:v1:{}:", rotated.current_id());
    for sub in [&id, &legacy] {
        let (mut raw, mut secret) = stored_secret(&second, sub).await;
        for _ in 0..100 {
            if secret.starts_with(&prefix) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            (raw, secret) = stored_secret(&second, sub).await;
        }
        assert!(!raw.contains(SECRET));
        assert!(
            secret.starts_with(&format!("enc:v1:{}:", rotated.current_id())),
            "{secret}"
        );
    }

    // `omni rotate-secrets` does the same for every subscription at once;
    // here everything is already under B.
    let done = omni_app::webhook::subscription::reseal_all(&second.state.ctx)
        .await
        .expect("reseal");
    assert_eq!((done.checked, done.resealed), (2, 0));
    assert!(done.unreadable.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotate_secrets_reseals_clear_and_old_key_values_and_reports_unknown_keys() {
    let (a, b) = ([31u8; 32], [32u8; 32]);
    let s = TestServer::start_demo_without_workers_with(with_keys(SecretKeys::new(&a, &[]))).await;
    let sealed_a = register(&s, "http://127.0.0.1:9/a").await;
    let rotated = SecretKeys::new(&b, &[a]);
    let ctx = omni_app::Context::new(
        s.store.clone(),
        omni_app::AppConfig {
            secrets: rotated.clone(),
            ..omni_app::AppConfig::default()
        },
    );
    let done = omni_app::webhook::subscription::reseal_all(&ctx)
        .await
        .expect("reseal");
    assert_eq!((done.checked, done.resealed), (1, 1));
    let (raw, secret) = stored_secret(&s, &sealed_a).await;
    assert!(!raw.contains(SECRET));
    assert!(secret.starts_with(&format!("enc:v1:{}:", rotated.current_id())));
    assert_eq!(rotated.open(&secret).as_deref(), Ok(SECRET));

    // Without the key a value was sealed with, it is reported, not lost.
    let only_new = omni_app::Context::new(
        s.store.clone(),
        omni_app::AppConfig {
            secrets: SecretKeys::new(&[33; 32], &[]),
            ..omni_app::AppConfig::default()
        },
    );
    let done = omni_app::webhook::subscription::reseal_all(&only_new)
        .await
        .expect("reseal");
    assert_eq!(done.resealed, 0);
    assert_eq!(done.unreadable.len(), 1);
    let (_, unchanged) = stored_secret(&s, &sealed_a).await;
    assert_eq!(unchanged, secret);
}

// The binary's rules for the key, mirroring those of the JWT secret.

fn scratch(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("omni-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

const JWT: &str = "secrets-at-rest-test-secret-of-32-bytes-or-more";

fn omni(args: &[&str], db: &std::path::Path, envs: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_omni"))
        .args(args)
        .env("OMNI_DATABASE_URL", format!("sqlite:{}", db.display()))
        .env("OMNI_JWT_SECRET", JWT)
        .env("OMNI_DATA_DIR", data_dir())
        .env("OMNI_LOG", "error")
        .envs(envs.iter().copied())
        .output()
        .expect("run omni")
}

#[test]
fn without_a_key_a_loopback_server_keeps_a_private_development_key() {
    let dir = scratch("secrets-key");
    let db = dir.join("omni.db");
    let url = format!("sqlite:{}", db.display());
    let server = common::process::spawn(&url, &data_dir(), JWT, &[("OMNI_SECRETS_KEY", "")]);
    let file = dir.join("omni.db.secrets-key");
    let key = std::fs::read_to_string(&file).expect("the development key file");
    assert!(SecretKeys::from_base64(&key, "").is_ok(), "a 32-byte key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    drop(server);
    // `omni rotate-secrets` finds the same key and the (empty) set of secrets.
    let out = omni(&["rotate-secrets"], &db, &[("OMNI_SECRETS_KEY", "")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 webhook subscriptions checked"));
    assert_eq!(std::fs::read_to_string(&file).expect("file"), key);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_key_another_address_is_refused_and_bad_keys_are_named() {
    let dir = scratch("secrets-key-public");
    let db = dir.join("omni.db");
    let out = omni(
        &["serve", "--listen", "0.0.0.0:0"],
        &db,
        &[("OMNI_SECRETS_KEY", "")],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OMNI_SECRETS_KEY is not set"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert!(left.is_empty(), "nothing is written: {left:?}");

    let short = "c2hvcnQ="; // "short"
    for (setting, envs) in [
        ("OMNI_SECRETS_KEY", vec![("OMNI_SECRETS_KEY", short)]),
        (
            "OMNI_SECRETS_OLD_KEYS",
            vec![
                ("OMNI_SECRETS_KEY", common::process::TEST_SECRETS_KEY),
                ("OMNI_SECRETS_OLD_KEYS", "not base64!"),
            ],
        ),
    ] {
        let out = omni(&["serve", "--listen", "127.0.0.1:0"], &db, &envs);
        assert!(!out.status.success(), "{setting}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(setting), "{setting}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
