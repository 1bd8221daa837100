//! The `cart-abuse` scenarios: does one abusive anonymous sender hurt
//! everyone else's cart creation? Normal traffic is authenticated (a
//! token, as a shop's backend or a signed-in customer sends it); the abuser
//! is anonymous. All traffic comes from 127.0.0.1 here, and the server
//! keys anonymous callers by the socket's address (no forwarding header is
//! trusted), so the abuser cannot be given an address of its own: it is
//! told apart by having no token, which is the realistic case anyway.
//!
//! Phase one measures the normal traffic alone; phase two the same traffic
//! while the abuser posts 99-item carts on its own connections as fast as
//! the server answers.

use crate::load::{self, CheckFn, LoadResult, RequestFn};
use crate::scenarios::{CARTS, PHONE, PLAN, SIM};
use http_body_util::Full;
use hyper::Request;
use hyper::body::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Connections the abuser keeps busy.
pub const ABUSER_CONNECTIONS: usize = 8;

pub struct AbuseResult {
    pub quiet: LoadResult,
    pub abused: LoadResult,
    pub abuser: LoadResult,
    /// The abuser's answers: created, refused with 429, anything else.
    pub abuser_created: u64,
    pub abuser_throttled: u64,
    pub abuser_other: u64,
}

fn cart(items: usize, token: Option<&str>) -> Request<Full<Bytes>> {
    let list: Vec<String> = (0..items)
        .map(|i| {
            let offering = [PLAN, PHONE, SIM][i % 3];
            format!(
                "{{\"id\":\"{}\",\"productOffering\":{{\"id\":\"{offering}\"}}}}",
                i + 1
            )
        })
        .collect();
    let body = format!("{{\"cartItem\":[{}]}}", list.join(","));
    let mut request = Request::post(CARTS)
        .header("host", "bench")
        .header("content-type", "application/json")
        .header("channelId", "ECOMM");
    if let Some(token) = token {
        request = request.header("authorization", token);
    }
    request
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default()
}

pub async fn run(
    addr: &str,
    connections: usize,
    duration: Duration,
    token: &str,
) -> anyhow::Result<AbuseResult> {
    let bearer = Arc::new(format!("Bearer {token}"));
    let normal: Arc<RequestFn> = {
        let bearer = bearer.clone();
        Arc::new(move |_| cart(3, Some(&bearer)))
    };
    let created: Arc<CheckFn> = Arc::new(|status, _| status == 201);
    // Warm-up, then the quiet measurement.
    load::run(
        addr,
        connections,
        Duration::from_secs(1),
        normal.clone(),
        created.clone(),
    )
    .await?;
    let quiet = load::run(addr, connections, duration, normal.clone(), created.clone()).await?;

    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let abusive: Arc<RequestFn> = Arc::new(|_| cart(99, None));
    let tally: Arc<CheckFn> = {
        let counts = counts.clone();
        Arc::new(move |status, _| {
            let slot = match status {
                201 => 0,
                429 => 1,
                _ => 2,
            };
            counts[slot].fetch_add(1, Ordering::Relaxed);
            true
        })
    };
    let (abused, abuser) = tokio::join!(
        load::run(addr, connections, duration, normal, created),
        load::run(addr, ABUSER_CONNECTIONS, duration, abusive, tally),
    );
    Ok(AbuseResult {
        quiet,
        abused: abused?,
        abuser: abuser?,
        abuser_created: counts[0].load(Ordering::Relaxed),
        abuser_throttled: counts[1].load(Ordering::Relaxed),
        abuser_other: counts[2].load(Ordering::Relaxed),
    })
}
