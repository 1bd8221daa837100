//! Runs the release `omni` binary as a separate process, as an operator would.

use anyhow::{Context, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub addr: String,
    /// From process start to the first successful /health.
    pub startup: Duration,
}

pub struct ServerConfig<'a> {
    pub binary: &'a Path,
    pub database_url: &'a str,
    pub data_dir: &'a Path,
    pub secret: &'a str,
    pub sqlite_sync: &'a str,
}

impl Server {
    pub fn start(config: &ServerConfig<'_>) -> anyhow::Result<Self> {
        let started = Instant::now();
        let mut child = Command::new(config.binary)
            .env("OMNI_LISTEN", "127.0.0.1:0")
            .env("OMNI_DATABASE_URL", config.database_url)
            .env("OMNI_DATA_DIR", config.data_dir)
            .env("OMNI_JWT_SECRET", config.secret)
            .env("OMNI_SQLITE_SYNC", config.sqlite_sync)
            .env("OMNI_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", config.binary.display()))?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            match lines.next() {
                Some(line) => {
                    if let Some(rest) = line?.strip_prefix("Omni listening on http://") {
                        break rest
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_string();
                    }
                }
                None => bail!("omni exited before it listened"),
            }
        };
        std::thread::spawn(move || for _ in lines {});
        wait_healthy(&addr)?;
        Ok(Self {
            child,
            addr,
            startup: started.elapsed(),
        })
    }

    /// Resident memory of the server process now, in MiB.
    pub fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn wait_healthy(addr: &str) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            if s.read_to_string(&mut buf).is_ok() && buf.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("omni did not become healthy within 120 s")
}

/// A scratch directory removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> anyhow::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("omni-bench-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
