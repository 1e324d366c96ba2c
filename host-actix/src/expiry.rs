//! When clients' certificates expire, so that an operator hears of it before tokens stop.
//!
//! - A secret that registers certificates (`self_signed_tls_client_auth` with `pem`,
//!   `pem_file`, `x5c` or `jwks_file`) says when: the latest notAfter among them (the secret
//!   authenticates until the last one expires; certbind-core reads it with the registry).
//! - A secret that registers only a digest or a name (`x509_thumbprint`,
//!   `x509_thumbprint_sha256`, `x509_name`, `tls_client_auth`, `self_signed_tls_client_auth`
//!   with `sha256`) does not: the server remembers the notAfter of the last certificate that
//!   authenticated with it. That is in the memory of each replica (each knows the clients that
//!   came to it) and starts empty after a restart.
//!
//! Both are gauges in `/metrics` (`certbind_client_certificate_not_after_seconds`), logged as
//! warnings inside `expiry_warning_days` (at start, every six hours, and when a certificate
//! seen for the first time is already inside the window), and the registered ones are listed by
//! `certbind clients expiring`. Time is passed in as a value.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use certbind_core::{SecretKind, SecretType, When};

/// Where a date comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// The certificates the secret registers.
    Registered,
    /// The last certificate that authenticated with the secret (this replica, since its start).
    LastAuthenticated,
}

impl Source {
    /// The `source` label.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::LastAuthenticated => "last_authenticated",
        }
    }
}

/// When one secret's certificate expires.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Expiry {
    /// The client.
    pub client_id: String,
    /// The secret, 1-based as in the log (`secret #1`).
    pub secret: usize,
    /// The secret's type.
    #[serde(rename = "type")]
    pub secret_type: SecretType,
    /// The certificate's notAfter.
    pub not_after: When,
    /// Where the date comes from.
    pub source: Source,
}

impl Expiry {
    /// Seconds from `now` until the certificate expires (negative: expired that long ago).
    #[must_use]
    pub const fn left(&self, now: When) -> i64 {
        self.not_after.unix().saturating_sub(now.unix())
    }

    /// Whether it expires within `window` seconds of `now` (or has expired).
    #[must_use]
    pub fn within(&self, now: When, window: u64) -> bool {
        self.left(now) <= i64::try_from(window).unwrap_or(i64::MAX)
    }
}

/// Whether a secret of this kind says when its certificate expires (or only the certificate
/// that authenticates with it can).
const fn registers_date(kind: &SecretKind) -> bool {
    matches!(kind, SecretKind::SelfSignedTlsClientAuth(s) if s.not_after.is_some())
}

/// The dates the registry itself gives: one per secret with registered certificates.
#[must_use]
pub fn registered(clients: &[certbind_core::Client]) -> Vec<Expiry> {
    let mut out = Vec::new();
    for client in clients {
        for (index, secret) in client.secrets.iter().enumerate() {
            if let SecretKind::SelfSignedTlsClientAuth(s) = &secret.kind
                && let Some(not_after) = s.not_after
            {
                out.push(Expiry {
                    client_id: client.client_id.clone(),
                    secret: index + 1,
                    secret_type: secret.secret_type(),
                    not_after,
                    source: Source::Registered,
                });
            }
        }
    }
    out
}

/// Secrets that register no certificate date (a digest or a name), as `(client, secret)`.
#[must_use]
pub fn undated(clients: &[certbind_core::Client]) -> Vec<(String, usize, SecretType)> {
    clients
        .iter()
        .flat_map(|c| {
            c.secrets
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.secret_type().method().uses_certificate() && !registers_date(&s.kind)
                })
                .map(|(i, s)| (c.client_id.clone(), i + 1, s.secret_type()))
        })
        .collect()
}

/// The notAfter of the last certificate that authenticated with each undated secret, in this
/// process's memory.
#[derive(Debug, Default)]
pub struct LastAuthenticated {
    seen: Mutex<BTreeMap<(String, usize), (SecretType, When)>>,
}

impl LastAuthenticated {
    /// Records that a certificate expiring at `not_after` authenticated `client_id` with its
    /// secret `secret` (1-based). Returns the entry when it is new or changed (a renewed
    /// certificate), for the caller to warn about when it is inside the window.
    pub fn record(
        &self,
        client_id: &str,
        secret: usize,
        secret_type: SecretType,
        not_after: When,
    ) -> Option<Expiry> {
        let Ok(mut seen) = self.seen.lock() else {
            return None;
        };
        let key = (client_id.to_owned(), secret);
        if seen.get(&key) == Some(&(secret_type, not_after)) {
            return None;
        }
        seen.insert(key, (secret_type, not_after));
        Some(Expiry {
            client_id: client_id.to_owned(),
            secret,
            secret_type,
            not_after,
            source: Source::LastAuthenticated,
        })
    }

    /// Every date recorded for a secret `keep` still knows (entries of clients or secrets a
    /// reload removed are dropped).
    pub fn entries(&self, keep: impl Fn(&str, usize, SecretType) -> bool) -> Vec<Expiry> {
        let Ok(mut seen) = self.seen.lock() else {
            return Vec::new();
        };
        seen.retain(|(client, secret), (secret_type, _)| keep(client, *secret, *secret_type));
        seen.iter()
            .map(|((client_id, secret), (secret_type, not_after))| Expiry {
                client_id: client_id.clone(),
                secret: *secret,
                secret_type: *secret_type,
                not_after: *not_after,
                source: Source::LastAuthenticated,
            })
            .collect()
    }
}

/// A Prometheus label value: `\`, `"` and line breaks escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The gauge lines of `expiries`.
pub fn render(out: &mut String, expiries: &[Expiry]) {
    out.push_str("# HELP certbind_client_certificate_not_after_seconds When a client's certificate expires (Unix time), per client and secret: registered with the secret, or the last one that authenticated with it on this replica.\n");
    out.push_str("# TYPE certbind_client_certificate_not_after_seconds gauge\n");
    for e in expiries {
        let _ = writeln!(
            out,
            "certbind_client_certificate_not_after_seconds{{client_id=\"{}\",secret=\"{}\",type=\"{}\",source=\"{}\"}} {}",
            label(&e.client_id),
            e.secret,
            e.secret_type,
            e.source.name(),
            e.not_after.unix()
        );
    }
}

/// Logs a warning for each of `expiries` inside `window_days` of `now` (none when the window
/// is zero).
pub fn warn(expiries: &[Expiry], now: When, window_days: u64) {
    if window_days == 0 {
        return;
    }
    let window = window_days.saturating_mul(86_400);
    for e in expiries.iter().filter(|e| e.within(now, window)) {
        let left = e.left(now);
        tracing::warn!(
            target: "certbind::expiry",
            client = %e.client_id,
            secret = e.secret,
            secret_type = %e.secret_type,
            not_after = %e.not_after,
            days_left = left.div_euclid(86_400),
            source = e.source.name(),
            "{}",
            if left < 0 {
                "a client certificate has expired"
            } else {
                "a client certificate expires soon"
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiry(not_after: i64) -> Expiry {
        Expiry {
            client_id: "a\"b".into(),
            secret: 2,
            secret_type: SecretType::X509Thumbprint,
            not_after: When(not_after),
            source: Source::LastAuthenticated,
        }
    }

    #[test]
    fn within_counts_from_now_and_includes_expired_certificates() {
        let now = When(1_000_000);
        assert!(expiry(1_000_000 + 86_400).within(now, 86_400));
        assert!(!expiry(1_000_000 + 86_401).within(now, 86_400));
        assert!(expiry(10).within(now, 0), "expired");
        assert_eq!(expiry(999_000).left(now), -1000);
    }

    #[test]
    fn the_last_certificate_replaces_the_one_before_and_removed_clients_are_dropped() {
        let last = LastAuthenticated::default();
        let t = SecretType::X509Name;
        assert!(last.record("c", 1, t, When(5)).is_some());
        assert!(last.record("c", 1, t, When(5)).is_none(), "unchanged");
        assert!(last.record("c", 1, t, When(9)).is_some(), "renewed");
        assert!(last.record("d", 1, t, When(7)).is_some());
        let kept = last.entries(|client, _, _| client == "c");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].not_after, When(9));
        assert_eq!(last.entries(|_, _, _| true).len(), 1, "d was dropped");
    }

    #[test]
    fn gauges_escape_the_client_id() {
        let mut out = String::new();
        render(&mut out, &[expiry(1_800_000_000)]);
        assert!(out.contains(
            "certbind_client_certificate_not_after_seconds{client_id=\"a\\\"b\",secret=\"2\",type=\"x509_thumbprint\",source=\"last_authenticated\"} 1800000000\n"
        ));
    }
}
