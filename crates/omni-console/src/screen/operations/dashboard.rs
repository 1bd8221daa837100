//! The dashboard: this process's requests, errors and latency per API
//! family (from `omni_api::metrics::Metrics`, counted since the process
//! started), and product orders completed per minute over the last half
//! hour (from the store, `omni_app::operations::completed_per_minute`).
//! Charts are SVG drawn here ([`super::chart`]); the same numbers are in
//! tables. The figures refresh themselves every few seconds.

use super::chart::{self, Series};
use crate::page::{self, Refusal};
use crate::screen::DASHBOARD;
use crate::session::Agent;
use axum::extract::State;
use maud::{Markup, html};
use omni_api::metrics::{BUCKETS, Sample, quantile};
use omni_api::state::AppState;
use omni_app::operations;

/// Minutes of completed orders shown.
const MINUTES: u32 = 30;
/// How often the figures are read again, in milliseconds.
const REFRESH_MS: &str = "5000";

/// Requests of one API family.
#[derive(Debug, Default, Clone, PartialEq)]
struct Family {
    name: String,
    requests: u64,
    refused: u64,
    failed: u64,
    buckets: [u64; BUCKETS.len()],
}

impl Family {
    fn percentile_ms(&self, q: f64) -> Option<f64> {
        quantile(&self.buckets, self.requests, q).map(|s| s * 1000.0)
    }
}

/// The family a route belongs to: the API's name under `/tmf-api`, `/api`
/// and `/msapi` (`productOrderingManagement`, `orderingMobility`,
/// `cpopoffer`), otherwise its first segment (`omni-svcs`, `admin`,
/// `console`, `health`…).
fn family_of(route: &str) -> String {
    let mut parts = route.trim_start_matches('/').split('/');
    let first = parts.next().unwrap_or("");
    let name = match first {
        "tmf-api" | "api" | "msapi" => parts.next().unwrap_or(first),
        "" => "/",
        other => other,
    };
    name.to_string()
}

/// Series summed by family, busiest first.
fn families(samples: &[Sample]) -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    for s in samples {
        let name = family_of(&s.route);
        let at = match out.iter().position(|f| f.name == name) {
            Some(at) => at,
            None => {
                out.push(Family {
                    name,
                    ..Family::default()
                });
                out.len() - 1
            }
        };
        let f = &mut out[at];
        f.requests += s.count;
        if (400..500).contains(&s.status) {
            f.refused += s.count;
        } else if s.status >= 500 {
            f.failed += s.count;
        }
        for (total, n) in f.buckets.iter_mut().zip(s.buckets) {
            *total += n;
        }
    }
    out.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.name.cmp(&b.name)));
    out
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into())
}

pub async fn page(State(state): State<AppState>, agent: Agent) -> Result<Markup, Refusal> {
    agent.require_any(DASHBOARD.roles)?;
    let families = families(&state.metrics.snapshot());
    let minutes = operations::completed_per_minute(&state.ctx, &agent.principal, MINUTES).await?;
    let names: Vec<String> = families.iter().map(|f| f.name.clone()).collect();
    let requests = chart::bars(
        "requests-chart",
        "Requests and errors per API family",
        &format!(
            "Requests answered since this process started, and how many were refused (4xx) or failed (5xx), for {} families; the table below gives each number.",
            families.len()
        ),
        &names,
        &[
            Series {
                name: "requests",
                colour: chart::BLUE,
                values: families.iter().map(|f| f.requests as f64).collect(),
            },
            Series {
                name: "4xx",
                colour: chart::BROWN,
                values: families.iter().map(|f| f.refused as f64).collect(),
            },
            Series {
                name: "5xx",
                colour: chart::RED,
                values: families.iter().map(|f| f.failed as f64).collect(),
            },
        ],
        |v| format!("{v:.0}"),
    );
    let latency = chart::bars(
        "latency-chart",
        "Latency per API family, in milliseconds",
        "The 50th, 95th and 99th percentiles of the time to answer, estimated from the latency histogram; the table below gives each number.",
        &names,
        &[
            Series {
                name: "p50",
                colour: chart::GREEN,
                values: families
                    .iter()
                    .map(|f| f.percentile_ms(0.5).unwrap_or(0.0))
                    .collect(),
            },
            Series {
                name: "p95",
                colour: chart::BLUE,
                values: families
                    .iter()
                    .map(|f| f.percentile_ms(0.95).unwrap_or(0.0))
                    .collect(),
            },
            Series {
                name: "p99",
                colour: chart::RED,
                values: families
                    .iter()
                    .map(|f| f.percentile_ms(0.99).unwrap_or(0.0))
                    .collect(),
            },
        ],
        |v| format!("{v:.1} ms"),
    );
    let labels: Vec<String> = minutes
        .iter()
        .map(|m| m.minute.format("%H:%M").to_string())
        .collect();
    let completed: Vec<f64> = minutes.iter().map(|m| m.completed as f64).collect();
    let total_completed: u64 = minutes.iter().map(|m| m.completed).sum();
    let orders = chart::columns(
        "orders-chart",
        "Product orders completed per minute",
        &format!(
            "Product orders completed in each minute of the last {MINUTES} minutes and the current one (UTC): {total_completed} in all; the table below gives each minute."
        ),
        &labels,
        &completed,
        chart::GREEN,
    );
    let main = html! {
        h1 { (DASHBOARD.title) }
        div id="dashboard-live" data-refresh-ms=(REFRESH_MS) {
            p class="muted" {
                "Requests since this process started, read at "
                time datetime=(omni_core::time::rfc3339(state.ctx.now())) {
                    (state.ctx.now().format("%H:%M:%S")) " UTC"
                }
                "; the figures refresh every five seconds."
            }
            section aria-labelledby="traffic-title" {
                h2 id="traffic-title" { "Requests and errors" }
                (requests)
                (latency)
                div class="table-wrap" tabindex="0" role="region" aria-label="Requests per family table" {
                    table id="families-table" {
                        caption { "Requests, errors and latency per API family" }
                        thead {
                            tr {
                                th scope="col" { "Family" }
                                th scope="col" class="num" { "Requests" }
                                th scope="col" class="num" { "4xx" }
                                th scope="col" class="num" { "5xx" }
                                th scope="col" class="num" { "p50 ms" }
                                th scope="col" class="num" { "p95 ms" }
                                th scope="col" class="num" { "p99 ms" }
                            }
                        }
                        tbody {
                            @for f in &families {
                                tr {
                                    th scope="row" { (f.name) }
                                    td class="num" { (f.requests) }
                                    td class="num" { (f.refused) }
                                    td class="num" { (f.failed) }
                                    td class="num" { (ms(f.percentile_ms(0.5))) }
                                    td class="num" { (ms(f.percentile_ms(0.95))) }
                                    td class="num" { (ms(f.percentile_ms(0.99))) }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="completed-title" {
                h2 id="completed-title" { "Orders completed" }
                (orders)
                details {
                    summary { "Orders completed, minute by minute" }
                    div class="table-wrap" tabindex="0" role="region" aria-label="Orders completed per minute table" {
                        table id="completed-table" {
                            thead {
                                tr {
                                    th scope="col" { "Minute (UTC)" }
                                    th scope="col" class="num" { "Completed" }
                                }
                            }
                            tbody {
                                @for (label, m) in labels.iter().zip(&minutes) {
                                    tr {
                                        th scope="row" { (label) }
                                        td class="num" { (m.completed) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page::layout(
        &agent,
        DASHBOARD.title,
        Some(&DASHBOARD),
        main,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(route: &str, status: u16, count: u64) -> Sample {
        let mut buckets = [0; BUCKETS.len()];
        // Every request answered within 5 ms.
        for (b, bound) in buckets.iter_mut().zip(BUCKETS) {
            if bound >= 0.005 {
                *b = count;
            }
        }
        Sample {
            method: "GET".into(),
            route: route.into(),
            status,
            count,
            sum: 0.0,
            buckets,
        }
    }

    #[test]
    fn routes_are_grouped_by_api_family() {
        assert_eq!(
            family_of("/tmf-api/productOrderingManagement/v4/productOrder/{id}"),
            "productOrderingManagement"
        );
        assert_eq!(
            family_of("/api/orderingMobility/v1/careOrder"),
            "orderingMobility"
        );
        assert_eq!(family_of("/omni-svcs/v1/order/{id}"), "omni-svcs");
        assert_eq!(family_of("/health"), "health");
        assert_eq!(family_of("unmatched"), "unmatched");
        let f = families(&[
            sample("/health", 200, 5),
            sample("/tmf-api/shoppingCart/v4/shoppingCart", 201, 7),
            sample("/tmf-api/shoppingCart/v4/shoppingCart", 400, 2),
            sample("/tmf-api/shoppingCart/v4/shoppingCart/{id}", 503, 1),
        ]);
        assert_eq!(f.len(), 2);
        assert_eq!(
            (f[0].name.as_str(), f[0].requests, f[0].refused, f[0].failed),
            ("shoppingCart", 10, 2, 1)
        );
        assert_eq!(f[0].buckets[BUCKETS.len() - 1], 10);
        let p99 = f[0].percentile_ms(0.99).unwrap_or_default();
        assert!(p99 > 2.5 && p99 <= 5.0, "{p99}");
    }
}
