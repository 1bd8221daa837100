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
    /// The server's default limit on anonymous writes (20/s, burst 40 per
    /// address) when true; off otherwise, so that throughput scenarios,
    /// whose anonymous traffic all comes from 127.0.0.1, are not throttled.
    pub anonymous_limit: bool,
    /// Further settings (e.g. `OMNI_NATS_URL` for `event-stream`).
    pub envs: &'a [(&'a str, &'a str)],
}

/// The key webhook secrets are sealed with on benchmark servers (base64 of
/// 32 bytes): set, so that no development key file is written.
const BENCH_SECRETS_KEY: &str = "YmVuY2gtc2VjcmV0cy1rZXktMDEyMzQ1Njc4OWFiY2Q=";

impl Server {
    pub fn start(config: &ServerConfig<'_>) -> anyhow::Result<Self> {
        let started = Instant::now();
        let mut child = Command::new(config.binary)
            .env("OMNI_LISTEN", "127.0.0.1:0")
            .env("OMNI_DATABASE_URL", config.database_url)
            .env("OMNI_DATA_DIR", config.data_dir)
            .env("OMNI_JWT_SECRET", config.secret)
            .env("OMNI_SQLITE_SYNC", config.sqlite_sync)
            .env("OMNI_SECRETS_KEY", BENCH_SECRETS_KEY)
            .env(
                "OMNI_ANONYMOUS_WRITE_RATE",
                if config.anonymous_limit { "20" } else { "0" },
            )
            .env("OMNI_ANONYMOUS_WRITE_BURST", "40")
            .env("OMNI_LOG", "warn")
            .envs(config.envs.iter().copied())
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

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Omni nodes sharing one database, as behind a load balancer: the same
/// database, secret and keys, each on a port of its own.
pub struct Nodes(Vec<Server>);

impl Nodes {
    /// Starts `count` nodes one after another: the first finds an empty
    /// database and loads the data directory (see `OMNI_DATA_DIR`); the
    /// others start on a loaded one and load nothing.
    pub fn start(config: &ServerConfig<'_>, count: usize) -> anyhow::Result<Self> {
        let mut nodes = Vec::with_capacity(count.max(1));
        for _ in 0..count.max(1) {
            nodes.push(Server::start(config)?);
        }
        Ok(Self(nodes))
    }

    /// The first node: the one scenarios that do not spread their load use.
    pub fn first(&self) -> &Server {
        &self.0[0]
    }

    /// Every node's address, in start order.
    pub fn addrs(&self) -> Vec<String> {
        self.0.iter().map(|s| s.addr.clone()).collect()
    }

    pub fn pids(&self) -> Vec<u32> {
        self.0.iter().map(Server::pid).collect()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Resident memory of every node together, in MiB.
    pub fn rss_mib(&self) -> Option<f64> {
        self.0.iter().map(Server::rss_mib).sum()
    }
}

/// A bearer token for a `user` principal with `role`, minted by the server
/// binary with the server's secret, valid for two hours. A care token names
/// its care `client` (the `X-ATT-ClientId` its calls must send).
pub fn mint_token(
    binary: &Path,
    secret: &str,
    role: &str,
    client: Option<&str>,
) -> anyhow::Result<String> {
    mint_token_with(binary, secret, &[role], client)
}

/// As [`mint_token`], with every one of `roles`.
pub fn mint_token_with(
    binary: &Path,
    secret: &str,
    roles: &[&str],
    client: Option<&str>,
) -> anyhow::Result<String> {
    let mut command = Command::new(binary);
    command.args(["token", "--type", "user", "--ttl", "7200"]);
    for role in roles {
        command.args(["--role", role]);
    }
    if let Some(client) = client {
        command.args(["--client", client]);
    }
    let output = command
        .env("OMNI_JWT_SECRET", secret)
        .env("OMNI_LOG", "warn")
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {} token", binary.display()))?;
    anyhow::ensure!(output.status.success(), "omni token failed");
    let token = String::from_utf8(output.stdout)?.trim().to_string();
    anyhow::ensure!(!token.is_empty(), "omni token printed nothing");
    Ok(token)
}

/// utime + stime of the process whose `/proc/<pid>/stat` is `stat_path`.
pub fn cpu_seconds(stat_path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    // The command name may hold spaces; the fields after it do not.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of stat(5); 12 and 13 after `comm`.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let per_second = clock_ticks()?;
    (per_second > 0).then(|| ticks as f64 / per_second as f64)
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), read from the kernel's
/// auxiliary vector: pairs of native words, key `AT_CLKTCK` = 17.
fn clock_ticks() -> Option<u64> {
    const AT_CLKTCK: usize = 17;
    let auxv = std::fs::read("/proc/self/auxv").ok()?;
    let word = std::mem::size_of::<usize>();
    for pair in auxv.chunks_exact(2 * word) {
        let key = usize::from_ne_bytes(pair[..word].try_into().ok()?);
        if key == AT_CLKTCK {
            return Some(usize::from_ne_bytes(pair[word..].try_into().ok()?) as u64);
        }
    }
    None
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
