//! The capacity table: for each measured window, what one unit of work
//! (a request, an order, a change request) cost in CPU on the Omni nodes,
//! in PostgreSQL and in this bench, and in WAL. docs/capacity.md builds its
//! model from these rows; `--json` appends them to a file, one object a line.

use crate::meter::{Reading, Usage, load_average};
use std::io::Write;
use std::path::Path;

pub const HEADER: &str = "| scenario | backend | nodes | connections | unit | units | units/s | HTTP requests/unit | Omni CPU ms/unit | PostgreSQL CPU ms/unit (run's backends + server processes) | bench CPU ms/unit | WAL bytes/unit | write transactions/unit | other databases' PostgreSQL CPU % | load average (1 min) before → after |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

/// One measured window.
pub struct Row {
    pub scenario: String,
    pub backend: String,
    pub nodes: usize,
    pub connections: usize,
    /// What was counted: `request`, `order`, `change request`.
    pub unit: &'static str,
    pub units: u64,
    /// HTTP requests the bench sent in the window.
    pub requests: u64,
    pub usage: Usage,
    /// The 1-minute load average when the window opened and closed.
    pub load: (Option<f64>, Option<f64>),
}

/// What a window needs to become a [`Row`]: its first reading and the
/// load average then.
pub struct Window {
    pub start: Reading,
    load: Option<f64>,
}

impl Window {
    pub fn open(start: Reading) -> Self {
        Self {
            start,
            load: load_average(),
        }
    }

    /// The load averages at the start and now.
    pub fn load(&self) -> (Option<f64>, Option<f64>) {
        (self.load, load_average())
    }
}

impl Row {
    fn per_unit(&self, seconds: f64) -> f64 {
        seconds * 1000.0 / self.units.max(1) as f64
    }

    pub fn markdown(&self) -> String {
        let u = &self.usage;
        let postgres = self.backend == "postgres";
        let optional = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("-".into(), f);
        format!(
            "| {} | {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.3} | {} | {:.3} | {} | {} | {} | {} → {} |",
            self.scenario,
            self.backend,
            self.nodes,
            self.connections,
            self.unit,
            self.units,
            self.units as f64 / u.seconds.max(1e-9),
            self.requests as f64 / self.units.max(1) as f64,
            self.per_unit(u.omni),
            if postgres {
                format!(
                    "{:.3} ({:.3} + {:.3})",
                    self.per_unit(u.pg_database + u.pg_server),
                    self.per_unit(u.pg_database),
                    self.per_unit(u.pg_server)
                )
            } else {
                "-".into()
            },
            self.per_unit(u.bench),
            optional(u.wal_bytes, &|b| format!(
                "{:.0}",
                b / self.units.max(1) as f64
            )),
            optional(u.write_transactions, &|t| format!(
                "{:.2}",
                t / self.units.max(1) as f64
            )),
            if postgres {
                format!("{:.0}", u.pg_other / u.seconds.max(1e-9) * 100.0)
            } else {
                "-".into()
            },
            optional(self.load.0, &|l| format!("{l:.1}")),
            optional(self.load.1, &|l| format!("{l:.1}")),
        )
    }

    pub fn json(&self) -> serde_json::Value {
        let u = &self.usage;
        serde_json::json!({
            "scenario": self.scenario,
            "backend": self.backend,
            "nodes": self.nodes,
            "connections": self.connections,
            "unit": self.unit,
            "units": self.units,
            "requests": self.requests,
            "seconds": u.seconds,
            "omni_cpu_s": u.omni,
            "bench_cpu_s": u.bench,
            "pg_database_cpu_s": u.pg_database,
            "pg_server_cpu_s": u.pg_server,
            "pg_other_cpu_s": u.pg_other,
            "wal_bytes": u.wal_bytes,
            "write_transactions": u.write_transactions,
            "load_before": self.load.0,
            "load_after": self.load.1,
        })
    }
}

/// Appends `rows` to `path` as JSON lines.
pub fn append_json(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    for row in rows {
        writeln!(file, "{}", row.json())?;
    }
    Ok(())
}
