//! Benchmark scenarios as code: what data the server starts with, and how
//! each request is built and judged.

use crate::load::{CheckFn, RequestFn};
use crate::server::Server;
use http_body_util::Full;
use hyper::Request;
use hyper::body::Bytes;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSet {
    /// The repository's demo data.
    Demo,
}

pub struct Context<'a> {
    pub server: &'a Server,
    pub omni_bin: &'a Path,
    pub secret: &'a str,
}

type Built = (Arc<RequestFn>, Arc<CheckFn>);

pub struct Scenario {
    pub name: &'static str,
    pub description: &'static str,
    pub data: DataSet,
    /// Overrides --connections when the scenario defines its own.
    pub connections: Option<usize>,
    pub build: fn(&Context<'_>) -> anyhow::Result<Built>,
}

pub fn all() -> Vec<Scenario> {
    vec![Scenario {
        name: "health",
        description: "GET /health: the ceiling of the HTTP stack on this machine",
        data: DataSet::Demo,
        connections: None,
        build: |_| {
            Ok((
                Arc::new(|_| get("/health")),
                Arc::new(|status, _| status == 200),
            ))
        },
    }]
}

/// Writes or finds the data directory the server loads at start.
pub fn prepare(data: DataSet, _omni_bin: &Path, _scratch: &Path) -> anyhow::Result<PathBuf> {
    match data {
        DataSet::Demo => Ok(PathBuf::from("data")),
    }
}

pub fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "bench")
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}
