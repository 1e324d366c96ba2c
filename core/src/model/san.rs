//! Subject alternative names registered for `tls_client_auth` (RFC 8705 §2.1.2), compared with a
//! certificate's SAN extension.
//!
//! - `san_dns`: dNSName, ASCII case-insensitive, a trailing dot ignored; no wildcard matching
//!   (the registered value is a name, not a pattern).
//! - `san_uri`: uniformResourceIdentifier, compared as strings (RFC 3986 §6.2.1, as RFC 8705
//!   says).
//! - `san_ip`: iPAddress, compared as bytes: `::1` equals `0:0:0:0:0:0:0:1`; an IPv4 address never
//!   equals an IPv6 one (not even `::ffff:a.b.c.d`).
//! - `san_email`: rfc822Name; the local part exactly, the domain case-insensitively.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use x509_cert::ext::pkix::name::GeneralName;

use crate::holder_names::HolderNames;

/// A SAN type that `tls_client_auth` can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum SanKind {
    /// dNSName (`tls_client_auth_san_dns`).
    #[serde(rename = "dns")]
    Dns,
    /// uniformResourceIdentifier (`tls_client_auth_san_uri`).
    #[serde(rename = "uri")]
    Uri,
    /// iPAddress (`tls_client_auth_san_ip`).
    #[serde(rename = "ip")]
    Ip,
    /// rfc822Name (`tls_client_auth_san_email`).
    #[serde(rename = "email")]
    Email,
}

impl SanKind {
    /// The registry key that names this kind (`san_dns`, …).
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Dns => "san_dns",
            Self::Uri => "san_uri",
            Self::Ip => "san_ip",
            Self::Email => "san_email",
        }
    }

    /// The kind in words.
    #[must_use]
    pub const fn words(self) -> &'static str {
        match self {
            Self::Dns => "DNS name",
            Self::Uri => "URI",
            Self::Ip => "IP address",
            Self::Email => "email address",
        }
    }
}

impl fmt::Display for SanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// A registered SAN value, parsed for comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SanRequirement {
    kind: SanKind,
    /// As written.
    text: String,
    value: SanValue,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum SanValue {
    /// Lowercase, no trailing dot.
    Dns(String),
    Uri(String),
    Ip(IpAddr),
    Email {
        local: String,
        domain: String,
    },
}

/// How a certificate fails a SAN requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SanMismatch {
    /// No SAN of the kind (or no SAN extension at all).
    Absent,
    /// SANs of the kind exist, none equal; their values as text.
    Differs(Vec<String>),
    /// The SAN extension cannot be decoded.
    Unreadable(String),
}

impl SanRequirement {
    /// Reads a registered value of a kind.
    ///
    /// # Errors
    /// What is wrong with the value, in words.
    pub fn parse(kind: SanKind, text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(String::from("the value is empty"));
        }
        if trimmed.len() != text.len() {
            return Err(String::from("the value has leading or trailing spaces"));
        }
        let value = match kind {
            SanKind::Dns => {
                if !text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._*".contains(c))
                {
                    return Err(String::from(
                        "a DNS name has only letters, digits, '-', '.' (IDNs in A-label form)",
                    ));
                }
                SanValue::Dns(dns_key(text))
            }
            SanKind::Uri => {
                if !text.contains(':') || text.chars().any(char::is_whitespace) {
                    return Err(String::from("not a URI (expected scheme:…, no spaces)"));
                }
                SanValue::Uri(text.to_string())
            }
            SanKind::Ip => SanValue::Ip(text.parse::<IpAddr>().map_err(|_| {
                String::from("not an IP address (expected e.g. 192.0.2.1 or 2001:db8::1)")
            })?),
            SanKind::Email => {
                let (local, domain) = text
                    .rsplit_once('@')
                    .filter(|(l, d)| !l.is_empty() && !d.is_empty())
                    .ok_or_else(|| String::from("not an email address (expected local@domain)"))?;
                SanValue::Email {
                    local: local.to_string(),
                    domain: domain.to_ascii_lowercase(),
                }
            }
        };
        Ok(Self {
            kind,
            text: text.to_string(),
            value,
        })
    }

    /// The kind.
    #[must_use]
    pub const fn kind(&self) -> SanKind {
        self.kind
    }

    /// The value as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Checks a certificate's SANs.
    pub(crate) fn check(&self, names: &HolderNames) -> Result<(), SanMismatch> {
        let names = match &names.san {
            Ok(Some(san)) => &san.0,
            Ok(None) => return Err(SanMismatch::Absent),
            Err(e) => return Err(SanMismatch::Unreadable(e.clone())),
        };
        let mut found = Vec::new();
        for name in names {
            let Some(candidate) = self.candidate(name) else {
                continue;
            };
            if candidate.matches {
                return Ok(());
            }
            found.push(candidate.shown);
        }
        if found.is_empty() {
            Err(SanMismatch::Absent)
        } else {
            Err(SanMismatch::Differs(found))
        }
    }

    /// A SAN of this requirement's kind, whether it matches, and how to show it.
    fn candidate(&self, name: &GeneralName) -> Option<Candidate> {
        match (&self.value, name) {
            (SanValue::Dns(want), GeneralName::DnsName(got)) => {
                let got = got.as_str();
                Some(Candidate {
                    matches: dns_key(got) == *want,
                    shown: got.to_string(),
                })
            }
            (SanValue::Uri(want), GeneralName::UniformResourceIdentifier(got)) => {
                let got = got.as_str();
                Some(Candidate {
                    matches: got == want,
                    shown: got.to_string(),
                })
            }
            (SanValue::Ip(want), GeneralName::IpAddress(got)) => {
                let bytes = got.as_bytes();
                let matches = match want {
                    IpAddr::V4(v4) => bytes == v4.octets(),
                    IpAddr::V6(v6) => bytes == v6.octets(),
                };
                Some(Candidate {
                    matches,
                    shown: show_ip(bytes),
                })
            }
            (SanValue::Email { local, domain }, GeneralName::Rfc822Name(got)) => {
                let got = got.as_str();
                let matches = got
                    .rsplit_once('@')
                    .is_some_and(|(l, d)| l == local && d.eq_ignore_ascii_case(domain));
                Some(Candidate {
                    matches,
                    shown: got.to_string(),
                })
            }
            _ => None,
        }
    }
}

struct Candidate {
    matches: bool,
    shown: String,
}

fn dns_key(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// An iPAddress SAN as text (canonical RFC 5952 for IPv6), or hex when it is neither 4 nor 16
/// bytes (e.g. a name-constraint style address/mask).
fn show_ip(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return core::net::Ipv4Addr::from(v4).to_string();
    }
    if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        return core::net::Ipv6Addr::from(v6).to_string();
    }
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("#{}", hex.join(""))
}
