//! What a run costs: CPU seconds of the Omni nodes, of this bench and of
//! PostgreSQL read from `/proc` before and after the measured window, and
//! the WAL PostgreSQL wrote meanwhile. Divided by the requests (or orders,
//! or change requests) the window completed, they give the per-unit costs
//! the capacity model in docs/capacity.md is built from.
//!
//! The local PostgreSQL is shared with other work on this machine, so its
//! processes are split three ways: the backends of the run's own database
//! (its sessions, found by the database name in their process title), the
//! server's own processes (WAL writer, checkpointer, background writer,
//! postmaster: they work for every database), and other databases'
//! backends, which are noise and are only reported as a share of a core.
//! WAL bytes and transaction ids (one per transaction that wrote) are the
//! whole server's: other databases' writes count too, which the "other
//! databases" CPU share tells about.

use crate::server::{Nodes, cpu_seconds};
use std::collections::HashMap;
use std::time::Instant;

/// Reads the costs of one server group.
pub struct Meter {
    pids: Vec<u32>,
    /// The run's PostgreSQL database and a session on it; `None` on SQLite.
    postgres: Option<(String, sqlx::PgConnection)>,
}

/// Whom a PostgreSQL process works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Serves {
    /// A session on the run's database.
    Run,
    /// The server as a whole (WAL writer, checkpointer, …).
    Server,
    /// A session on another database.
    Other,
}

/// Cumulative counters at one instant.
#[derive(Debug, Clone)]
pub struct Reading {
    at: Instant,
    omni: f64,
    bench: f64,
    /// Each PostgreSQL process's CPU seconds so far, by pid: a window sums
    /// the growth of each, so a session that ends inside it loses only its
    /// own share instead of making the sum go down.
    postgres: HashMap<u32, (Serves, f64)>,
    /// Bytes of WAL since the server's first (`pg_current_wal_lsn()`),
    /// and the next transaction id (each writing transaction takes one).
    wal: Option<(f64, f64)>,
}

/// Costs between two readings.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub seconds: f64,
    pub omni: f64,
    pub bench: f64,
    pub pg_database: f64,
    pub pg_server: f64,
    pub pg_other: f64,
    pub wal_bytes: Option<f64>,
    /// Transactions that wrote (and so committed with a WAL flush).
    pub write_transactions: Option<f64>,
}

impl Meter {
    pub async fn new(nodes: &Nodes, database_url: &str) -> anyhow::Result<Self> {
        let postgres = if database_url.starts_with("postgres") {
            use sqlx::Connection;
            let name = database_name(database_url).to_string();
            Some((name, sqlx::PgConnection::connect(database_url).await?))
        } else {
            None
        };
        Ok(Self {
            pids: nodes.pids(),
            postgres,
        })
    }

    pub async fn read(&mut self) -> Reading {
        let at = Instant::now();
        let omni = self
            .pids
            .iter()
            .filter_map(|pid| cpu_seconds(&format!("/proc/{pid}/stat")))
            .sum();
        let bench = cpu_seconds("/proc/self/stat").unwrap_or(0.0);
        let mut postgres = HashMap::new();
        let mut wal = None;
        if let Some((name, connection)) = &mut self.postgres {
            for (pid, title, seconds) in postgres_processes() {
                let serves = match backend_database(&title) {
                    Some(db) if db == name.as_str() => Serves::Run,
                    Some(_) => Serves::Other,
                    None => Serves::Server,
                };
                postgres.insert(pid, (serves, seconds));
            }
            // A reading without it still has the CPU figures.
            wal = sqlx::query_as::<_, (f64, f64)>(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8, \
                 pg_snapshot_xmax(pg_current_snapshot())::text::float8",
            )
            .fetch_one(connection)
            .await
            .ok();
        }
        Reading {
            at,
            omni,
            bench,
            postgres,
            wal,
        }
    }
}

impl Reading {
    pub fn until(&self, later: &Reading) -> Usage {
        let grown = |whom: Serves| -> f64 {
            later
                .postgres
                .iter()
                .filter(|(_, (serves, _))| *serves == whom)
                .map(|(pid, (_, now))| {
                    // A pid new in the window (or reused) grew from zero.
                    match self.postgres.get(pid) {
                        Some((_, then)) if then <= now => now - then,
                        _ => *now,
                    }
                })
                .sum()
        };
        Usage {
            seconds: later.at.duration_since(self.at).as_secs_f64(),
            omni: later.omni - self.omni,
            bench: later.bench - self.bench,
            pg_database: grown(Serves::Run),
            pg_server: grown(Serves::Server),
            pg_other: grown(Serves::Other),
            wal_bytes: self.wal.zip(later.wal).map(|(a, b)| b.0 - a.0),
            write_transactions: self.wal.zip(later.wal).map(|(a, b)| b.1 - a.1),
        }
    }
}

impl Usage {
    /// Percent of one core over the window: Omni (all nodes), this bench,
    /// PostgreSQL (the run's backends and the server's own processes);
    /// "-" where not measured.
    pub fn percents(&self, postgres: bool) -> [String; 3] {
        let pct = |s: f64| format!("{:.0}", s / self.seconds.max(1e-9) * 100.0);
        [
            pct(self.omni),
            pct(self.bench),
            if postgres {
                pct(self.pg_database + self.pg_server)
            } else {
                "-".into()
            },
        ]
    }
}

/// The database of a PostgreSQL URL: the path after the last `/`, without
/// a query.
pub fn database_name(url: &str) -> &str {
    let name = url.rsplit_once('/').map_or("", |(_, n)| n);
    name.split('?').next().unwrap_or(name)
}

/// Every process named `postgres` on this machine: its pid, its title
/// (which a backend sets to `postgres: CLUSTER: USER DATABASE HOST(PORT)
/// STATE`) and its CPU seconds so far. A backend that exits inside a window
/// takes its CPU with it; the nodes' pools keep their sessions, so that is
/// rare for the run's own.
fn postgres_processes() -> Vec<(u32, String, f64)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() != "postgres" {
            continue;
        }
        let title = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let title = String::from_utf8_lossy(&title).replace('\0', " ");
        if let Some(seconds) = cpu_seconds(&format!("/proc/{pid}/stat")) {
            found.push((pid, title, seconds));
        }
    }
    found
}

/// The database a backend's title names: the word before its client
/// address (`HOST(PORT)` or `[local]`); `None` for the server's own
/// processes.
fn backend_database(title: &str) -> Option<&str> {
    let words: Vec<&str> = title.split_whitespace().collect();
    let client = words
        .iter()
        .position(|w| *w == "[local]" || (w.contains('(') && w.ends_with(')')))?;
    client.checked_sub(1).map(|i| words[i])
}

/// The 1-minute load average now (`/proc/loadavg`).
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Microseconds from an event's own `eventTime` (in its JSON `payload`) to
/// `arrived`, when the payload has one: how far a listener or a stream
/// reader was behind the commit.
pub fn event_lag_us(payload: &[u8], arrived: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let time = serde_json::from_slice::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["eventTime"].as_str().map(str::to_string))
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())?;
    Some(
        (arrived - time.with_timezone(&chrono::Utc))
            .num_microseconds()
            .unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            backend_database("postgres: 15/main: postgres omni_test_ab 127.0.0.1(5432) idle"),
            Some("omni_test_ab")
        );
        assert_eq!(
            backend_database("postgres: 15/main: postgres db [local] SELECT"),
            Some("db")
        );
        assert_eq!(backend_database("postgres: 15/main: walwriter"), None);
        assert_eq!(
            backend_database("/usr/lib/postgresql/15/bin/postgres -D /var/lib/x"),
            None
        );
        assert_eq!(
            database_name("postgres://u@h:5432/omni_x?sslmode=disable"),
            "omni_x"
        );
    }
}
