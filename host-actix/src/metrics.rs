//! Prometheus metrics, hand-rolled on atomics: a counter increment and a histogram observation
//! on the hot path are a few relaxed atomic adds, with no lock and no allocation.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The endpoints counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /connect/token`.
    Token,
    /// `POST /connect/introspect`.
    Introspect,
    /// Both discovery documents.
    Discovery,
    /// `GET /jwks`.
    Jwks,
    /// `GET /healthz`.
    Health,
    /// `GET /metrics`.
    Metrics,
    /// `POST /connect/revocation`.
    Revocation,
    /// `/connect/register` and `/connect/register/{client_id}`.
    Registration,
    /// `GET /readyz`.
    Ready,
}

const ENDPOINTS: [(Endpoint, &str); 9] = [
    (Endpoint::Token, "token"),
    (Endpoint::Introspect, "introspect"),
    (Endpoint::Discovery, "discovery"),
    (Endpoint::Jwks, "jwks"),
    (Endpoint::Health, "health"),
    (Endpoint::Metrics, "metrics"),
    (Endpoint::Revocation, "revocation"),
    (Endpoint::Registration, "registration"),
    (Endpoint::Ready, "ready"),
];

/// What became of a certificate header on a listener behind a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedOutcome {
    /// From a trusted proxy, well-formed: the request's certificate.
    Used,
    /// From an address that is not a trusted proxy: ignored.
    IgnoredUntrusted,
    /// From a trusted proxy, malformed: `invalid_client`.
    Malformed,
}

const FORWARDED_OUTCOMES: [(ForwardedOutcome, &str); 3] = [
    (ForwardedOutcome::Used, "used"),
    (ForwardedOutcome::IgnoredUntrusted, "ignored_untrusted"),
    (ForwardedOutcome::Malformed, "malformed"),
];

/// Outcomes: `ok`, then the RFC 6749 §5.2 error codes, RFC 6750's and RFC 7591's, and
/// `server_error` last (it also counts anything unknown).
const OUTCOMES: [&str; 11] = [
    "ok",
    "invalid_request",
    "invalid_client",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "temporarily_unavailable",
    "invalid_token",
    "invalid_client_metadata",
    "not_found",
    "server_error",
];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// All counters of one server.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; OUTCOMES.len()]; ENDPOINTS.len()],
    latency: [Histogram; 2],
    auth_failures: Mutex<Vec<(&'static str, u64)>>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    forwarded: [AtomicU64; FORWARDED_OUTCOMES.len()],
    /// Client decisions: made by the validator, reused on a connection.
    decisions: [AtomicU64; 2],
    /// TLS connections: full handshakes, resumed sessions.
    tls_sessions: [AtomicU64; 2],
    /// Memory given back to the system.
    pub memory: crate::memory::MemoryMetrics,
}

const fn endpoint_index(endpoint: Endpoint) -> usize {
    match endpoint {
        Endpoint::Token => 0,
        Endpoint::Introspect => 1,
        Endpoint::Discovery => 2,
        Endpoint::Jwks => 3,
        Endpoint::Health => 4,
        Endpoint::Metrics => 5,
        Endpoint::Revocation => 6,
        Endpoint::Registration => 7,
        Endpoint::Ready => 8,
    }
}

impl Metrics {
    /// Counts one request with its outcome (`"ok"` or an OAuth error code).
    pub fn request(&self, endpoint: Endpoint, outcome: &str) {
        let outcome_index = OUTCOMES
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(OUTCOMES.len() - 1);
        if let Some(counter) = self
            .requests
            .get(endpoint_index(endpoint))
            .and_then(|row| row.get(outcome_index))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records the handling time of a token or introspection request.
    pub fn latency(&self, endpoint: Endpoint, elapsed: Duration) {
        let histogram = match endpoint {
            Endpoint::Token => &self.latency[0],
            Endpoint::Introspect => &self.latency[1],
            _ => return,
        };
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b)
            && let Some(bucket) = histogram.buckets.get(i)
        {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        histogram.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        histogram.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Counts a failed client authentication by reason (a short fixed label).
    pub fn auth_failure(&self, reason: &'static str) {
        let Ok(mut failures) = self.auth_failures.lock() else {
            return;
        };
        if let Some(entry) = failures.iter_mut().find(|(r, _)| *r == reason) {
            entry.1 += 1;
        } else {
            failures.push((reason, 1));
        }
    }

    /// Counts a certificate header seen on a listener behind a proxy.
    pub fn forwarded(&self, outcome: ForwardedOutcome) {
        if let Some(counter) = FORWARDED_OUTCOMES
            .iter()
            .position(|(o, _)| *o == outcome)
            .and_then(|i| self.forwarded.get(i))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a client decision: made by the validator for this request, or reused from an
    /// earlier request on the same connection.
    pub fn decision(&self, reused: bool) {
        if let Some(counter) = self.decisions.get(usize::from(reused)) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a TLS connection: a full handshake, or a resumed session.
    pub fn tls_session(&self, resumed: bool) {
        if let Some(counter) = self.tls_sessions.get(usize::from(resumed)) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a configuration reload.
    pub fn reload(&self, ok: bool) {
        let counter = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP certbind_requests_total Requests by endpoint and outcome.\n");
        out.push_str("# TYPE certbind_requests_total counter\n");
        for (row, (_, endpoint)) in self.requests.iter().zip(ENDPOINTS) {
            for (counter, outcome) in row.iter().zip(OUTCOMES) {
                let n = counter.load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "certbind_requests_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {n}"
                    );
                }
            }
        }
        out.push_str(
            "# HELP certbind_auth_failures_total Failed client authentications by reason.\n",
        );
        out.push_str("# TYPE certbind_auth_failures_total counter\n");
        if let Ok(failures) = self.auth_failures.lock() {
            for (reason, n) in failures.iter() {
                let _ = writeln!(
                    out,
                    "certbind_auth_failures_total{{reason=\"{reason}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP certbind_request_duration_seconds Handling time of token and introspection requests.\n",
        );
        out.push_str("# TYPE certbind_request_duration_seconds histogram\n");
        for (histogram, endpoint) in self.latency.iter().zip(["token", "introspect"]) {
            let mut cumulative = 0;
            for (bucket, bound) in histogram.buckets.iter().zip(BUCKETS) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "certbind_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = histogram.count.load(Ordering::Relaxed);
            let sum = histogram.sum_micros.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "certbind_request_duration_seconds_bucket{{endpoint=\"{endpoint}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "certbind_request_duration_seconds_sum{{endpoint=\"{endpoint}\"}} {}",
                Duration::from_micros(sum).as_secs_f64()
            );
            let _ = writeln!(
                out,
                "certbind_request_duration_seconds_count{{endpoint=\"{endpoint}\"}} {count}"
            );
        }
        out.push_str("# HELP certbind_reloads_total Configuration reloads (SIGHUP) by result.\n");
        out.push_str("# TYPE certbind_reloads_total counter\n");
        let _ = writeln!(
            out,
            "certbind_reloads_total{{result=\"ok\"}} {}",
            self.reloads_ok.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "certbind_reloads_total{{result=\"failed\"}} {}",
            self.reloads_failed.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP certbind_forwarded_certificates_total Certificate headers on listeners behind a proxy, by result.\n",
        );
        out.push_str("# TYPE certbind_forwarded_certificates_total counter\n");
        for (counter, (_, result)) in self.forwarded.iter().zip(FORWARDED_OUTCOMES) {
            let _ = writeln!(
                out,
                "certbind_forwarded_certificates_total{{result=\"{result}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP certbind_client_decisions_total Client authentication decisions: made by the validator, or reused from an earlier request on the same connection.\n",
        );
        out.push_str("# TYPE certbind_client_decisions_total counter\n");
        for (counter, source) in self.decisions.iter().zip(["validator", "reused"]) {
            let _ = writeln!(
                out,
                "certbind_client_decisions_total{{source=\"{source}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP certbind_tls_sessions_total TLS connections: full handshakes and resumed sessions.\n",
        );
        out.push_str("# TYPE certbind_tls_sessions_total counter\n");
        for (counter, session) in self.tls_sessions.iter().zip(["full", "resumed"]) {
            let _ = writeln!(
                out,
                "certbind_tls_sessions_total{{session=\"{session}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        if let Some(resident) = crate::memory::resident_bytes() {
            write_single(
                &mut out,
                ("process_resident_memory_bytes", "gauge"),
                "Resident memory size in bytes.",
                resident,
            );
        }
        write_single(
            &mut out,
            ("certbind_memory_released_bytes_total", "counter"),
            "Resident memory given back to the system after bursts (memory_release_interval).",
            self.memory.released_bytes(),
        );
        out
    }
}

/// Appends a metric without labels, given as its name and type (`counter`, `gauge`): its
/// `HELP` and `TYPE` lines and its one value.
pub fn write_single(
    out: &mut String,
    (name, kind): (&str, &str),
    help: &str,
    value: impl std::fmt::Display,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    let _ = writeln!(out, "{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request(Endpoint::Token, "ok");
        m.request(Endpoint::Token, "invalid_client");
        m.auth_failure("no_certificate");
        m.latency(Endpoint::Token, Duration::from_micros(300));
        m.latency(Endpoint::Token, Duration::from_millis(3));
        let text = m.render();
        assert!(text.contains("certbind_requests_total{endpoint=\"token\",outcome=\"ok\"} 1"));
        assert!(text.contains("certbind_auth_failures_total{reason=\"no_certificate\"} 1"));
        assert!(text.contains("endpoint=\"token\",le=\"0.0005\"} 1\n"));
        assert!(text.contains("endpoint=\"token\",le=\"0.005\"} 2\n"));
        assert!(text.contains("certbind_request_duration_seconds_count{endpoint=\"token\"} 2"));
        m.forwarded(ForwardedOutcome::Malformed);
        m.forwarded(ForwardedOutcome::Malformed);
        let text = m.render();
        assert!(text.contains("certbind_forwarded_certificates_total{result=\"malformed\"} 2\n"));
        assert!(text.contains("certbind_forwarded_certificates_total{result=\"used\"} 0\n"));
    }
}
