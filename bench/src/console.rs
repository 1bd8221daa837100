//! The `console` scenario: signs in to the Omni Console once (the sign-in
//! form, its CSRF cookie, the session cookie), then GETs each main page
//! over and over with that session, one page after another, reporting p50
//! and p99 per page. Issue 15's target is a page rendered in ≤ 30 ms p99 on
//! the demo data.
//!
//! Before measuring, the demo data gets product orders (TMF622, as an
//! `order.ops` user): most wait for a far start date (acknowledged), a few
//! are completed by the server's worker, so the Operations lists and the
//! dashboard's chart of completed orders have something to show.

use crate::load::{self, CheckFn, RequestFn};
use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// The pages measured, with the roles a token needs to open all of them.
pub const PAGES: &[&str] = &[
    "/console",
    "/console/operations",
    "/console/operations?family=product&state=acknowledged",
    "/console/dashboard",
    "/console/customers?q=jordan",
    "/console/customers/CA-1001",
    "/console/customers/CA-1001/offers?categoryName=Mobile_Offers",
    "/console/care/lines/1234567890",
    "/console/catalog",
    "/console/catalog/offerings/0b690f7e-3f41-49bf-a6cf-6f65caa650ca",
    "/console/catalog/preview?channel=ECOMM&categoryName=Mobile_Offers",
];
pub const ROLES: &[&str] = &[
    "events.admin",
    "jobs.admin",
    "order.ops",
    "sc.ops",
    "care.ops",
    "catalog.admin",
];

/// Product orders written before measuring, and how many of them the
/// worker completes.
const ORDERS: usize = 200;
const COMPLETED: usize = 20;

/// One page's figures.
pub struct PageRow {
    pub path: &'static str,
    pub result: load::LoadResult,
}

async fn send(
    addr: &str,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<(u16, hyper::HeaderMap, Bytes)> {
    let mut sender = load::connect(addr).await?;
    let response = sender.send_request(request).await?;
    let (parts, body) = response.into_parts();
    Ok((
        parts.status.as_u16(),
        parts.headers,
        body.collect().await?.to_bytes(),
    ))
}

/// The `name=value` of cookie `name` among a response's `Set-Cookie`s.
fn cookie(headers: &hyper::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(hyper::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// Signs in with `token`; the session's `Cookie` header value.
pub async fn sign_in(addr: &str, token: &str) -> anyhow::Result<String> {
    let (status, headers, body) = send(addr, crate::scenarios::get("/console/sign-in")).await?;
    anyhow::ensure!(status == 200, "sign-in page answered {status}");
    let form_cookie =
        cookie(&headers, "omni_console_sign_in").context("no sign-in cookie was set")?;
    let page = String::from_utf8_lossy(&body);
    let marker = r#"name="csrf" value=""#;
    let start = page.find(marker).context("no csrf field")? + marker.len();
    let csrf = &page[start..start + page[start..].find('"').context("csrf end")?];
    let form = format!("token={token}&csrf={csrf}");
    let request = Request::post("/console/sign-in")
        .header("host", "bench")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", form_cookie)
        .body(Full::new(Bytes::from(form)))?;
    let (status, headers, _) = send(addr, request).await?;
    anyhow::ensure!(status == 303, "sign-in answered {status}");
    cookie(&headers, "omni_console").context("no session cookie was set")
}

/// Writes the product orders the pages list; how many were accepted.
pub async fn place_orders(addr: &str, token: &str) -> anyhow::Result<usize> {
    let mut sender = load::connect(addr).await?;
    let mut accepted = 0;
    for i in 0..ORDERS {
        // The far start date keeps the order acknowledged; without it the
        // worker completes the order now.
        let start = if i < COMPLETED {
            String::new()
        } else {
            r#""requestedStartDate": "2099-01-01T00:00:00Z","#.to_string()
        };
        let body = format!(
            r#"{{"externalId": "BENCH-{i}", {start}
            "channel": [{{"id": "ECOMM", "name": "Online store"}}],
            "relatedParty": [{{"id": "cust-1001", "role": "customer", "@referredType": "Individual"}}],
            "billingAccount": {{"id": "556165899573"}},
            "productOrderItem": [
              {{"id": "1", "action": "add", "quantity": 1,
                "productOffering": {{"id": "{plan}", "name": "Unlimited Premium"}}}},
              {{"id": "2", "action": "add", "quantity": 1,
                "productOffering": {{"id": "{sim}", "name": "Physical SIM Card"}},
                "productOrderItemRelationship": [{{"id": "1", "relationshipType": "reliesOn"}}]}}]}}"#,
            plan = crate::scenarios::PLAN,
            sim = crate::scenarios::SIM,
        );
        let request = Request::post("/tmf-api/productOrderingManagement/v4/productOrder")
            .header("host", "bench")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Full::new(Bytes::from(body)))?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        response.into_body().collect().await?;
        if status == 201 {
            accepted += 1;
        }
    }
    Ok(accepted)
}

/// Measures each page for `duration` on `connections` connections, after a
/// second of warm-up, all with the one session.
pub async fn run(
    addr: &str,
    session: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Vec<PageRow>> {
    let mut rows = Vec::new();
    for path in PAGES {
        let session = session.to_string();
        let make: Arc<RequestFn> = Arc::new(move |_| {
            Request::get(*path)
                .header("host", "bench")
                .header("cookie", session.as_str())
                .body(Full::new(Bytes::new()))
                .unwrap_or_default()
        });
        // A page, whole: signed in (a sign-in redirect would be a 303).
        let check: Arc<CheckFn> =
            Arc::new(|status, body| status == 200 && body.windows(4).any(|w| w == b"<h1>"));
        load::run(
            addr,
            connections,
            Duration::from_secs(1),
            make.clone(),
            check.clone(),
        )
        .await?;
        let result = load::run(addr, connections, duration, make, check).await?;
        rows.push(PageRow { path, result });
    }
    Ok(rows)
}
