//! The secret of bearer tokens when none is configured (issue 14, finding 5):
//! never a public constant. `omni serve` on a loopback address generates one
//! per database, keeps it beside the SQLite file readable by its owner only,
//! and `omni token` reads it; on any other address, or with a secret shorter
//! than 32 bytes, the server refuses to start and writes nothing.

mod common;

use common::process;
use omni_api::auth::{Auth, Claims};
use omni_core::PrincipalKind;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The constant every earlier build signed with when no secret was set.
const FORMER_PUBLIC_SECRET: &[u8] = b"omni-development-secret-do-not-use-in-production";

fn scratch(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("omni-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// `omni token` as the README runs it: no secret in the environment.
fn mint(database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_omni"))
        .args(["token", "--type", "user", "--role", "jobs.admin"])
        .env("OMNI_DATABASE_URL", database_url)
        .env("OMNI_JWT_SECRET", "")
        .env("OMNI_LOG", "error")
        .output()
        .expect("run omni token")
}

async fn status_with(base: &str, token: &str) -> u16 {
    common::http_client()
        .get(format!("{base}/admin/v1/job"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_loopback_server_without_a_secret_keeps_a_private_one_that_omni_token_reads() {
    let dir = scratch("dev-secret");
    let url = format!("sqlite:{}", dir.join("omni.db").display());
    let secret_file = dir.join("omni.db.jwt-secret");

    let server = process::spawn(&url, &data_dir(), "", &[]);
    let secret = std::fs::read_to_string(&secret_file).expect("the development secret file");
    assert!(secret.len() >= 32, "a secret of {} bytes", secret.len());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the secret file is readable by its owner only"
        );
    }

    let minted = mint(&url);
    assert!(
        minted.status.success(),
        "{}",
        String::from_utf8_lossy(&minted.stderr)
    );
    let token = String::from_utf8(minted.stdout)
        .expect("utf8")
        .trim()
        .to_string();
    assert_eq!(status_with(&server.base, &token).await, 200);

    // The constant earlier builds used is worth nothing now.
    let now = chrono::Utc::now().timestamp();
    let forged = Auth::new(FORMER_PUBLIC_SECRET, "default")
        .mint(&Claims {
            sub: "intruder".into(),
            kind: PrincipalKind::User,
            roles: vec!["jobs.admin".into(), "events.admin".into()],
            tenant: "default".into(),
            iat: now,
            exp: now + 600,
            client_id: None,
        })
        .expect("mint");
    assert_eq!(status_with(&server.base, &forged).await, 401);

    // A restart keeps the database's secret, so tokens stay valid.
    drop(server);
    let again = process::spawn(&url, &data_dir(), "", &[]);
    assert_eq!(std::fs::read_to_string(&secret_file).expect("file"), secret);
    assert_eq!(status_with(&again.base, &token).await, 200);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_secret_a_server_on_another_address_refuses_to_start_and_writes_nothing() {
    let dir = scratch("dev-secret-public");
    let db = dir.join("omni.db");
    let out = Command::new(env!("CARGO_BIN_EXE_omni"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env("OMNI_DATABASE_URL", format!("sqlite:{}", db.display()))
        .env("OMNI_JWT_SECRET", "")
        .env("OMNI_DATA_DIR", data_dir())
        .env("OMNI_LOG", "error")
        .output()
        .expect("run omni serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a loopback address"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert!(left.is_empty(), "nothing is written: {left:?}");
    // And `omni token` has no secret to mint with.
    let minted = mint(&format!("sqlite:{}", db.display()));
    assert!(!minted.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_secret_shorter_than_32_bytes_is_refused() {
    let dir = scratch("dev-secret-short");
    for args in [
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["token", "--role", "x"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_omni"))
            .args(args)
            .env(
                "OMNI_DATABASE_URL",
                format!("sqlite:{}", dir.join("omni.db").display()),
            )
            .env("OMNI_JWT_SECRET", "a".repeat(31))
            .env("OMNI_DATA_DIR", data_dir())
            .env("OMNI_LOG", "error")
            .output()
            .expect("run omni");
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("at least 32 bytes"), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
