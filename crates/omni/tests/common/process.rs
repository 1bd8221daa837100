//! The real `omni` binary as a separate process, for tests of several
//! nodes, restarts and kills.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `omni serve`; killed when dropped.
pub struct Process {
    pub child: Child,
    pub base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The secrets key spawned servers use unless a test names another: base64
/// of 32 bytes.
pub const TEST_SECRETS_KEY: &str = "dGVzdC1zZWNyZXRzLWtleS0wMTIzNDU2Nzg5YWJjZGU=";

/// Starts `omni serve` on an ephemeral port and waits until it listens.
pub fn spawn(database_url: &str, data_dir: &Path, secret: &str, envs: &[(&str, &str)]) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omni"))
        // Defaults a test's `envs` may override: a fixed key (no
        // development key file in the working directory) and no anonymous
        // write limit (tests send quickly from one address).
        .env("OMNI_SECRETS_KEY", TEST_SECRETS_KEY)
        .env("OMNI_ANONYMOUS_WRITE_RATE", "0")
        // Test subscribers listen on loopback; a test may set its own.
        .env("OMNI_WEBHOOK_ALLOW", "127.0.0.0/8")
        .envs(envs.iter().copied())
        .env("OMNI_LISTEN", "127.0.0.1:0")
        .env("OMNI_DATABASE_URL", database_url)
        .env("OMNI_JWT_SECRET", secret)
        .env("OMNI_DATA_DIR", data_dir)
        .env("OMNI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start omni");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("omni exited before listening")
            .expect("read stdout");
        if let Some(rest) = line.strip_prefix("Omni listening on ") {
            break rest.split_whitespace().next().expect("address").to_string();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Process { child, base }
}

/// A token minted by `omni token` with `secret`.
pub fn token(secret: &str, kind: &str, role: &str) -> String {
    token_with(secret, &["--type", kind, "--role", role])
}

/// A care token minted by `omni token --client`: m2m, role `care.ops`,
/// acting for the care client `client`.
pub fn care_token(secret: &str, client: &str) -> String {
    token_with(
        secret,
        &["--type", "m2m", "--role", "care.ops", "--client", client],
    )
}

fn token_with(secret: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_omni"))
        .arg("token")
        .args(args)
        .args(["--tenant", "default"])
        .env("OMNI_JWT_SECRET", secret)
        .env("OMNI_LOG", "error")
        .output()
        .expect("mint token");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string()
}
