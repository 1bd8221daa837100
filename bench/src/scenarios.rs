//! Benchmark scenarios as code: what data the server starts with, and how
//! each request is built and judged.

use crate::load::{CheckFn, RequestFn};
use http_body_util::Full;
use hyper::Request;
use hyper::body::Bytes;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSet {
    /// The repository's demo data (`data/`), loaded at the server's first start.
    Demo,
    /// `omni gen-catalog --offers N` (N from `--offers`, [`OFFERS`]),
    /// loaded before the server starts.
    Generated,
    /// The demo data plus `--care-lines` generated business lines
    /// (`care_data.rs`), on a server of the named scenario's own: the
    /// backlog one scenario leaves must not slow down the next.
    Care(&'static str),
    /// `--list-documents` product orders written through omni-store
    /// (`lists.rs`) before the server starts, beside the demo data.
    Orders,
}

const DISCOVERY: &str = "/msapi/cpopoffer/v1/product-offers";
/// Offers of the generated catalog (`--offers`), which lookups pick ids from.
pub static OFFERS: AtomicUsize = AtomicUsize::new(100_000);
pub const CARTS: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
pub const PLAN: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
pub const PHONE: &str = "Mobile_Device_pkey73001_sku2680262";
pub const SIM: &str = "790650ec-b512-4bee-ae7f-535668eadf1b";

type Built = (Arc<RequestFn>, Arc<CheckFn>);

pub struct Scenario {
    pub name: &'static str,
    pub description: &'static str,
    pub data: DataSet,
    /// Overrides --connections when the scenario defines its own.
    pub connections: Option<usize>,
    /// Whether the server runs with its default limit on anonymous writes
    /// (`OMNI_ANONYMOUS_WRITE_RATE` 20/s, burst 40). Off for throughput
    /// scenarios: all their traffic comes from 127.0.0.1 and most of it is
    /// anonymous, so it would measure the limit instead of the server.
    pub anonymous_limit: bool,
    pub drive: Drive,
}

/// How a scenario loads the server.
pub enum Drive {
    /// Each connection sends one request after another (`load.rs`).
    Requests(fn() -> anyhow::Result<Built>),
    /// Each connection runs whole partner orders to completion (`flow.rs`).
    OrderFlow,
    /// Each connection posts care orders (`care.rs`).
    CareAccept,
    /// A backlog of care change requests, accepted while processed (`care.rs`).
    CareProcess,
    /// A backlog of care change requests due together later, then drained.
    CareDrain,
    /// Authenticated cart creation, quiet and then beside one abusive
    /// anonymous sender (`abuse.rs`).
    CartAbuse,
    /// Filtered TMF622 lists as an `order.ops` user (`lists.rs`).
    List(ListFilter),
    /// The console's main pages, signed in once (`console.rs`).
    Console,
}

/// What a list scenario filters on.
#[derive(Debug, Clone, Copy)]
pub enum ListFilter {
    /// `relatedParty.id`: 50 orders each.
    Party,
    /// `state`: a fifth of the orders each.
    State,
}

pub fn all() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "list-party",
            description: "GET productOrder?relatedParty.id=…&limit=20 (50 orders per party) on --list-documents orders, as an order.ops user",
            data: DataSet::Orders,
            connections: None,
            anonymous_limit: false,
            drive: Drive::List(ListFilter::Party),
        },
        Scenario {
            name: "list-state",
            description: "GET productOrder?state=…&limit=20 (a fifth of the orders per state, counted for X-Total-Count) on --list-documents orders",
            data: DataSet::Orders,
            connections: None,
            anonymous_limit: false,
            drive: Drive::List(ListFilter::State),
        },
        Scenario {
            name: "care-accept",
            description: "POST care orders as a care.ops user: --care-changes change requests each (label updates and add-ons, due now) on --care-lines generated lines",
            data: DataSet::Care("care-accept"),
            connections: None,
            anonymous_limit: false,
            drive: Drive::CareAccept,
        },
        Scenario {
            name: "care-process",
            description: "Accept --care-backlog change requests as fast as possible, then wait until the worker processed every one; change requests/s from the first accept",
            data: DataSet::Care("care-process"),
            connections: None,
            anonymous_limit: false,
            drive: Drive::CareProcess,
        },
        Scenario {
            name: "care-drain",
            description: "As care-process, but every change request is due --care-due-in seconds after the start: the worker drains the whole backlog alone; change requests/s from the due time",
            data: DataSet::Care("care-drain"),
            connections: None,
            anonymous_limit: false,
            drive: Drive::CareDrain,
        },
        Scenario {
            name: "console",
            description: "Sign in to the console once, then GET each main page (home, operations, a filtered order list, dashboard, customers, care, catalog) with that session; p50/p99 per page on the demo data plus 200 product orders; on 4 connections (a few agents at once: the render time, not a queue)",
            data: DataSet::Demo,
            connections: Some(4),
            anonymous_limit: false,
            drive: Drive::Console,
        },
        Scenario {
            name: "order-flow",
            description: "Whole partner orders as user order.ops: create, a new line (plan, phone, SIM), terms, shipping, card, submit, poll until completed; demo data",
            data: DataSet::Demo,
            connections: None,
            anonymous_limit: false,
            drive: Drive::OrderFlow,
        },
        Scenario {
            name: "cart-create",
            description: "POST a 3-item cart (plan, phone, SIM) that a promotion applies to, as a prospect in ECOMM, on the demo catalog",
            data: DataSet::Demo,
            connections: None,
            anonymous_limit: false,
            drive: Drive::Requests(|| {
                Ok((
                    Arc::new(|_| {
                        let body = format!(
                            "{{\"cartItem\":[{{\"id\":\"1\",\"productOffering\":{{\"id\":\"{PLAN}\"}}}},\
                             {{\"id\":\"2\",\"productOffering\":{{\"id\":\"{PHONE}\"}}}},\
                             {{\"id\":\"3\",\"productOffering\":{{\"id\":\"{SIM}\"}}}}]}}"
                        );
                        Request::post(CARTS)
                            .header("host", "bench")
                            .header("content-type", "application/json")
                            .header("channelId", "ECOMM")
                            .body(Full::new(Bytes::from(body)))
                            .unwrap_or_default()
                    }),
                    Arc::new(|status, body| {
                        status == 201 && body.windows(11).any(|w| w == b"promotionId")
                    }),
                ))
            }),
        },
        Scenario {
            name: "cart-abuse",
            description: "3-item carts as an authenticated sc.ops user on --connections connections: quiet, then beside one anonymous sender posting 99-item carts on 8 connections as fast as it can; the server's default anonymous write limit is on",
            data: DataSet::Demo,
            connections: None,
            anonymous_limit: true,
            drive: Drive::CartAbuse,
        },
        Scenario {
            name: "cart-abuse-unlimited",
            description: "As cart-abuse, with the anonymous write limit off (OMNI_ANONYMOUS_WRITE_RATE=0): what the limit buys",
            data: DataSet::Demo,
            connections: None,
            anonymous_limit: false,
            drive: Drive::CartAbuse,
        },
        Scenario {
            name: "health",
            description: "GET /health on the 100,000-offer server: the ceiling of the HTTP stack here",
            data: DataSet::Generated,
            connections: None,
            anonymous_limit: false,
            drive: Drive::Requests(|| {
                Ok((
                    Arc::new(|_| get("/health")),
                    Arc::new(|status, _| status == 200),
                ))
            }),
        },
        Scenario {
            name: "discovery-search",
            description: "Discovery search on 100,000 offers: channel + category, paymentType, customerType; limit 20, varied pages",
            data: DataSet::Generated,
            connections: None,
            anonymous_limit: false,
            drive: Drive::Requests(|| {
                Ok((
                    Arc::new(|i| {
                        let category =
                            ["Mobile_Offers", "Mobile_Accessories", "BB_Plans"][(i % 3) as usize];
                        let payment = ["Prepaid", "Postpaid"][(i / 3 % 2) as usize];
                        let customer = ["Consumer", "Business"][(i / 6 % 2) as usize];
                        discovery(&format!(
                            "{DISCOVERY}?channel=ECOMM&categoryName={category}&paymentType={payment}&customerType={customer}&limit=20&offset={}",
                            i / 12 % 20
                        ))
                    }),
                    Arc::new(|status, body| status == 200 && body.starts_with(b"[{")),
                ))
            }),
        },
        Scenario {
            name: "discovery-lookup",
            description: "Discovery lookup of 5 ids (with cmsInfo) on 100,000 offers",
            data: DataSet::Generated,
            connections: None,
            anonymous_limit: false,
            drive: Drive::Requests(|| {
                Ok((
                    Arc::new(|i| {
                        let ids: Vec<String> = (0..5u64)
                            .map(|k| {
                                format!(
                                    "gen-offer-{:06}",
                                    (i.wrapping_mul(7919) + k * 20_011)
                                        % OFFERS.load(Ordering::Relaxed).max(1) as u64
                                )
                            })
                            .collect();
                        discovery(&format!("{DISCOVERY}?channel=ECOMM&ids={}", ids.join(",")))
                    }),
                    // `[]` is right when none of the five is sold in the channel.
                    Arc::new(|status, body| status == 200 && body.starts_with(b"[")),
                ))
            }),
        },
    ]
}

/// Writes the data the server needs before it starts: a data directory for
/// its first start, after loading what must already be in the database.
pub fn prepare(
    data: DataSet,
    omni_bin: &Path,
    scratch: &Path,
    database_url: &str,
    care_lines: usize,
) -> anyhow::Result<PathBuf> {
    match data {
        DataSet::Demo | DataSet::Orders => Ok(PathBuf::from("data")),
        DataSet::Care(_) => crate::care_data::prepare(Path::new("data"), scratch, care_lines),
        DataSet::Generated => {
            let n = OFFERS.load(Ordering::Relaxed);
            let dir = scratch.join("generated");
            let run = |args: &[&str]| -> anyhow::Result<()> {
                let status = std::process::Command::new(omni_bin)
                    .args(args)
                    .env("OMNI_DATABASE_URL", database_url)
                    .env("OMNI_LOG", "warn")
                    .stdout(std::process::Stdio::null())
                    .status()?;
                anyhow::ensure!(status.success(), "omni {} failed", args.join(" "));
                Ok(())
            };
            let dir_text = dir.display().to_string();
            run(&[
                "gen-catalog",
                "--offers",
                &n.to_string(),
                "--out",
                &dir_text,
            ])?;
            let started = std::time::Instant::now();
            run(&["load", &dir_text])?;
            eprintln!(
                "loaded {n} generated offers in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            // The server then starts on a database that already has them.
            let empty = scratch.join("no-demo-data");
            std::fs::create_dir_all(&empty)?;
            Ok(empty)
        }
    }
}

pub fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "bench")
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

fn discovery(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "bench")
        .header("X-ATT-ClientId", "bench")
        .header("idpctx-appname", "omni-bench")
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}
