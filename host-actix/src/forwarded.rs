//! Client certificates forwarded by a reverse proxy that terminates TLS (nginx, HAProxy, Envoy,
//! Traefik, AWS ALB, Azure App Service, or any proxy speaking RFC 9440).
//!
//! A listener marked `behind_proxy` names the proxies it trusts (`trusted_proxies`, addresses
//! and CIDRs) and the header format they use ([`HeaderFormat`]). For each request:
//!
//! - Only the TCP peer address decides whether the request comes from a trusted proxy;
//!   `X-Forwarded-For`, `Forwarded` and the like are never consulted (a client writes them).
//! - From an address that is not a trusted proxy, the certificate header is ignored whatever it
//!   holds (a warning is logged once per address, in a bounded set) and the request is treated
//!   as carrying no forwarded certificate: only the certificate of its own TLS connection, if
//!   any, counts.
//! - From a trusted proxy, the forwarded certificate is the client's. A malformed header is
//!   `invalid_client` (the parse error goes to the log, never to the caller): a proxy that sends
//!   garbage is misconfigured or under attack, and certbind fails closed.
//! - **The proxy's certificate wins.** On a connection from a trusted proxy, a certificate on the
//!   TLS connection itself belongs to the proxy (its upstream client certificate, e.g. nginx's
//!   `proxy_ssl_certificate`), not to the OAuth client, and is never used to authenticate a
//!   client or bind a token. Using it would authenticate every client behind the proxy as the
//!   proxy, or bind their tokens to the proxy's key.
//!
//! Parsing is strict and bounded: at most [`MAX_HEADER_BYTES`] of header and
//! [`MAX_CERTIFICATES`] certificates; a header that occurs twice, a PEM holding a private key,
//! two certificates where one is expected, bad percent-encoding or base64 are errors
//! ([`ForwardedError`], naming the header and what is wrong). Every certificate must be one
//! well-formed DER certificate (certbind-core checks it).

use std::fmt;
use std::str::FromStr;

use actix_web::http::header::{HeaderMap, HeaderName};

mod base64_der;
mod error;
mod listener;
mod nginx;
mod pem;
mod percent;
mod rfc9440;
mod sf;
mod traefik;
mod trust;
mod warn_once;
mod xfcc;

pub use error::{ForwardedError, Problem};
pub use listener::{BehindProxy, ProxyListener, on_connect};
pub use trust::{ProxyNet, TrustedProxies};

/// Largest certificate header accepted, in bytes (all instances of the chain header together
/// with the certificate header). A URL-encoded PEM of an RSA-4096 certificate is about 2.2 KiB.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Most certificates one request may forward (the client's and its chain together).
pub const MAX_CERTIFICATES: usize = 8;

/// How a proxy writes the client certificate into a request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderFormat {
    /// RFC 9440: `Client-Cert: :<base64 DER>:` (an RFC 8941 Byte Sequence) and optionally
    /// `Client-Cert-Chain: :<base64 DER>:, …` (a List of them; the chain header is the
    /// certificate header's name with `-Chain` appended).
    Rfc9440,
    /// nginx `$ssl_client_escaped_cert`: the PEM certificate, URL-encoded.
    NginxEscaped,
    /// nginx's deprecated `$ssl_client_cert`: PEM whose continuation lines start with a tab.
    /// Sent raw, it is an obsolete line folding that certbind's HTTP parser refuses (400);
    /// this format reads it once an intermediary has unfolded it (line breaks become spaces).
    NginxLegacy,
    /// Envoy `x-forwarded-client-cert` (XFCC): `By=…;Hash=…;Cert="…";Chain="…"` elements
    /// separated by commas; certbind reads the last element (the one the proxy in front of it
    /// added) and its `Cert` (URL-encoded PEM), checking `Hash` and using `Chain`.
    EnvoyXfcc,
    /// Traefik `X-Forwarded-Tls-Client-Cert`: base64 DER without PEM armour, the chain
    /// comma-separated after the client's certificate (Traefik 2 also URL-escaped each one).
    Traefik,
    /// AWS Application Load Balancer `X-Amzn-Mtls-Clientcert`: URL-encoded PEM with `+`, `=`
    /// and `/` left as they are; in passthrough mode the whole chain, client certificate first.
    AwsAlb,
    /// HAProxy `%[ssl_c_der,base64]`: base64 DER of the client certificate.
    HaproxyBase64,
    /// Azure App Service `X-ARR-ClientCert`: base64 DER of the client certificate.
    Azure,
}

impl HeaderFormat {
    /// Every format, in documentation order.
    pub const ALL: [Self; 8] = [
        Self::Rfc9440,
        Self::NginxEscaped,
        Self::NginxLegacy,
        Self::EnvoyXfcc,
        Self::Traefik,
        Self::AwsAlb,
        Self::HaproxyBase64,
        Self::Azure,
    ];

    /// The name used in `certbind.toml` (`client_cert_header = "…"`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Rfc9440 => "rfc9440",
            Self::NginxEscaped => "nginx-escaped",
            Self::NginxLegacy => "nginx-legacy",
            Self::EnvoyXfcc => "envoy-xfcc",
            Self::Traefik => "traefik",
            Self::AwsAlb => "aws-alb",
            Self::HaproxyBase64 => "haproxy-base64",
            Self::Azure => "azure",
        }
    }

    /// The header the format's proxy uses by default (`client_cert_header_name` overrides it).
    #[must_use]
    pub const fn default_header(self) -> &'static str {
        match self {
            Self::Rfc9440 => "client-cert",
            Self::NginxEscaped | Self::NginxLegacy | Self::HaproxyBase64 => "x-ssl-client-cert",
            Self::EnvoyXfcc => "x-forwarded-client-cert",
            Self::Traefik => "x-forwarded-tls-client-cert",
            Self::AwsAlb => "x-amzn-mtls-clientcert",
            Self::Azure => "x-arr-clientcert",
        }
    }
}

impl fmt::Display for HeaderFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HeaderFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<String> = Self::ALL
                    .iter()
                    .map(|f| format!("\"{}\"", f.name()))
                    .collect();
                format!("unknown format {s:?}; use one of {}", names.join(", "))
            })
    }
}

/// A listener's reverse-proxy settings (`behind_proxy = true`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxySettings {
    /// The proxies whose certificate header is used (by TCP peer address).
    pub trusted: TrustedProxies,
    /// How the proxy writes the certificate.
    pub format: HeaderFormat,
    /// The header it writes it in.
    pub header: HeaderName,
}

impl ProxySettings {
    /// Settings for `format` in its default header.
    #[must_use]
    pub fn new(trusted: TrustedProxies, format: HeaderFormat) -> Self {
        Self {
            trusted,
            format,
            header: HeaderName::from_static(format.default_header()),
        }
    }

    /// The RFC 9440 chain header: the certificate header's name with `-Chain` appended
    /// (`Client-Cert-Chain`); `None` for the other formats.
    #[must_use]
    pub fn chain_header(&self) -> Option<HeaderName> {
        match self.format {
            HeaderFormat::Rfc9440 => {
                HeaderName::try_from(format!("{}-chain", self.header.as_str())).ok()
            }
            _ => None,
        }
    }

    /// Whether the request carries the certificate header (or the chain header).
    #[must_use]
    pub fn present(&self, headers: &HeaderMap) -> bool {
        headers.contains_key(&self.header)
            || self.chain_header().is_some_and(|h| headers.contains_key(h))
    }
}

/// A certificate forwarded by a proxy: the client's certificate and the chain it sent, as DER.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Forwarded {
    /// The client's certificate.
    pub leaf: Vec<u8>,
    /// The certificates after it (intermediates), without the leaf.
    pub chain: Vec<Vec<u8>>,
}

/// Reads the forwarded certificate of a request from a trusted proxy: `Ok(None)` when the
/// header is absent or empty (the client sent no certificate to the proxy).
///
/// # Errors
/// [`ForwardedError`] naming the header and what is wrong with it.
pub fn read(
    settings: &ProxySettings,
    headers: &HeaderMap,
) -> Result<Option<Forwarded>, ForwardedError> {
    let fail = |problem: Problem| ForwardedError::new(&settings.header, settings.format, problem);
    let values: Vec<&[u8]> = headers
        .get_all(&settings.header)
        .map(|v| v.as_bytes())
        .collect();
    let chain_header = settings.chain_header();
    let chain_values: Vec<&[u8]> = chain_header
        .as_ref()
        .map(|h| headers.get_all(h).map(|v| v.as_bytes()).collect())
        .unwrap_or_default();
    let size = values
        .iter()
        .chain(&chain_values)
        .map(|v| v.len())
        .sum::<usize>();
    if size > MAX_HEADER_BYTES {
        return Err(fail(Problem::TooLarge {
            size,
            limit: MAX_HEADER_BYTES,
        }));
    }
    let value = match values.as_slice() {
        [] => None,
        [one] => Some(*one),
        more => return Err(fail(Problem::Repeated { count: more.len() })),
    };
    for v in values.iter().chain(&chain_values) {
        check_text(v).map_err(fail)?;
    }
    let value = value.map(trim).filter(|v| !v.is_empty());
    let chain_given = chain_values.iter().any(|v| !trim(v).is_empty());
    let Some(value) = value else {
        // No certificate header (or an empty one: some proxies send it empty when the client
        // presented no certificate).
        return if chain_given {
            Err(fail(Problem::ChainWithoutCertificate))
        } else {
            Ok(None)
        };
    };
    let ders = match settings.format {
        HeaderFormat::Rfc9440 => rfc9440::parse(value, &chain_values),
        HeaderFormat::NginxEscaped => nginx::escaped(value),
        HeaderFormat::NginxLegacy => nginx::legacy(value),
        HeaderFormat::EnvoyXfcc => xfcc::parse(value),
        HeaderFormat::Traefik => traefik::parse(value),
        HeaderFormat::AwsAlb => {
            percent::decode(value).and_then(|pem| pem::certificates(&pem, MAX_CERTIFICATES))
        }
        HeaderFormat::HaproxyBase64 | HeaderFormat::Azure => {
            base64_der::parse(value).map(|der| vec![der])
        }
    }
    .and_then(finish)
    .map_err(fail)?;
    Ok(Some(ders))
}

/// Checks that each DER is one certificate and splits the client's certificate from its chain
/// (a copy of the leaf in the chain is dropped, as on a TLS connection).
fn finish(ders: Vec<Vec<u8>>) -> Result<Forwarded, Problem> {
    if ders.len() > MAX_CERTIFICATES {
        return Err(Problem::TooManyCertificates {
            found: ders.len(),
            limit: MAX_CERTIFICATES,
        });
    }
    for (index, der) in ders.iter().enumerate() {
        certbind_core::Certificate::from_der(der).map_err(|error| Problem::NotACertificate {
            index,
            error: Box::new(error),
        })?;
    }
    let mut ders = ders.into_iter();
    let leaf = ders.next().ok_or(Problem::NoCertificate)?;
    let chain = ders.filter(|c| *c != leaf).collect();
    Ok(Forwarded { leaf, chain })
}

/// Header values are visible ASCII, spaces and tabs (RFC 9110 §5.5 without obs-text).
fn check_text(value: &[u8]) -> Result<(), Problem> {
    match value
        .iter()
        .position(|b| !matches!(*b, b'\t' | b' '..=b'~'))
    {
        Some(offset) => Err(Problem::NotText { offset }),
        None => Ok(()),
    }
}

/// Strips spaces and tabs around a header value.
fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !matches!(*b, b' ' | b'\t'))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !matches!(*b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests;
