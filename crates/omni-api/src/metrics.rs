//! Prometheus metrics: request count and latency histogram per route, method
//! and status. Kept in the app state rather than a process-global recorder so
//! that several apps in one process (tests) do not share counters.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut series) = self.series.lock() else {
            return;
        };
        let s = series
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum += seconds;
        for (slot, bound) in s.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *slot += 1;
            }
        }
    }

    /// Every series as it stands, for the console's dashboard (which draws
    /// them rather than exposing them as text).
    pub fn snapshot(&self) -> Vec<Sample> {
        let Ok(series) = self.series.lock() else {
            return Vec::new();
        };
        series
            .iter()
            .map(|((method, route, status), s)| Sample {
                method: method.clone(),
                route: route.clone(),
                status: *status,
                count: s.count,
                sum: s.sum,
                buckets: s.buckets,
            })
            .collect()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(series) = self.series.lock() else {
            return out;
        };
        out.push_str("# HELP omni_http_requests_total HTTP requests served.\n");
        out.push_str("# TYPE omni_http_requests_total counter\n");
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "omni_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP omni_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE omni_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in series.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "omni_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "omni_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "omni_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "omni_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

/// One series of [`Metrics`]: requests answered on a route with a status.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub method: String,
    /// The route's pattern (`/tmf-api/…/productOrder/{id}`), `unmatched`
    /// when none matched.
    pub route: String,
    pub status: u16,
    pub count: u64,
    /// Seconds spent answering them, in all.
    pub sum: f64,
    /// Requests answered within each of [`BUCKETS`] (cumulative).
    pub buckets: [u64; BUCKETS.len()],
}

/// The `q`-quantile (0 < q ≤ 1) of `count` latencies counted in cumulative
/// `buckets` (as [`Sample::buckets`]), in seconds: found in the bucket that
/// holds it and placed linearly inside it, as Prometheus's
/// `histogram_quantile` does. Beyond the last bound it is that bound (the
/// true value is only known to be larger). `None` without requests.
pub fn quantile(buckets: &[u64; BUCKETS.len()], count: u64, q: f64) -> Option<f64> {
    if count == 0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * count as f64;
    let mut below = 0u64;
    let mut lower = 0.0;
    for (&upper, &within) in BUCKETS.iter().zip(buckets) {
        if within as f64 >= rank {
            let inside = (within - below) as f64;
            let share = if inside > 0.0 {
                (rank - below as f64) / inside
            } else {
                1.0
            };
            return Some(lower + (upper - lower) * share);
        }
        below = within;
        lower = upper;
    }
    Some(BUCKETS[BUCKETS.len() - 1])
}

/// Background jobs by kind and status (pending, done, failed), as a gauge.
pub fn render_jobs(out: &mut String, counts: &[omni_store::JobCount]) {
    out.push_str("# HELP omni_jobs Background jobs by kind and status.\n");
    out.push_str("# TYPE omni_jobs gauge\n");
    for c in counts {
        let _ = writeln!(
            out,
            "omni_jobs{{kind=\"{}\",status=\"{}\"}} {}",
            escape(&c.kind),
            c.status.as_str(),
            c.count
        );
    }
}

/// The NATS publisher's place: the outbox position the stream acknowledged,
/// the outbox's head (their difference is the lag, in events), events
/// published, and failures in a row (0 when the last attempt succeeded).
pub fn render_event_stream(out: &mut String, s: &omni_app::event_stream::PublisherState) {
    let stream = escape(&s.stream);
    let lag = (s.head - s.position).max(0);
    for (name, kind, help, value) in [
        (
            "omni_event_stream_position",
            "gauge",
            "Last outbox position the stream acknowledged.",
            s.position,
        ),
        (
            "omni_event_stream_head",
            "gauge",
            "Last position of the outbox stream.",
            s.head,
        ),
        (
            "omni_event_stream_lag_events",
            "gauge",
            "Committed events not yet acknowledged by the stream.",
            lag,
        ),
        (
            "omni_event_stream_published_total",
            "counter",
            "Events acknowledged by the stream (duplicates included).",
            i64::try_from(s.published).unwrap_or(i64::MAX),
        ),
        (
            "omni_event_stream_failures",
            "gauge",
            "Failed attempts in a row (connect, stream set-up, publish); 0 after a success.",
            i64::from(s.failures),
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name}{{stream=\"{stream}\"}} {value}");
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.observe("GET", "/health", 200, 0.002);
        m.observe("GET", "/health", 200, 0.2);
        let text = m.render();
        assert!(text.contains(
            "omni_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.0025\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
    }

    #[test]
    fn quantiles_come_from_the_bucket_that_holds_them() {
        let m = Metrics::default();
        // 90 answers within 1 ms, 10 between 10 and 25 ms.
        for _ in 0..90 {
            m.observe("GET", "/health", 200, 0.0008);
        }
        for _ in 0..10 {
            m.observe("GET", "/health", 200, 0.02);
        }
        let samples = m.snapshot();
        assert_eq!(samples.len(), 1);
        let s = &samples[0];
        assert_eq!((s.count, s.status, s.route.as_str()), (100, 200, "/health"));
        let p50 = quantile(&s.buckets, s.count, 0.5).unwrap_or_default();
        assert!(p50 > 0.0005 && p50 <= 0.001, "{p50}");
        let p99 = quantile(&s.buckets, s.count, 0.99).unwrap_or_default();
        assert!(p99 > 0.01 && p99 <= 0.025, "{p99}");
        assert_eq!(quantile(&s.buckets, 0, 0.5), None);
        // Slower than the last bound: the bound.
        let m = Metrics::default();
        m.observe("GET", "/slow", 200, 30.0);
        let s = &m.snapshot()[0];
        assert_eq!(quantile(&s.buckets, s.count, 0.99), Some(10.0));
    }
}
