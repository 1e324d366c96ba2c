//! Why a forwarded certificate header cannot be used: which header, in which format, and what
//! is wrong with it, with the byte offset where that helps.

use std::fmt;

use actix_web::http::header::HeaderName;

use super::HeaderFormat;

/// A certificate header from a trusted proxy that cannot be used. The caller gets
/// `invalid_client`; this goes to the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("header {header} ({format}): {problem}")]
#[non_exhaustive]
pub struct ForwardedError {
    /// The header's name (lowercase, as HTTP/2 writes it).
    pub header: String,
    /// The format the listener expects.
    pub format: HeaderFormat,
    /// What is wrong.
    pub problem: Problem,
}

impl ForwardedError {
    /// An error about `header`.
    #[must_use]
    pub fn new(header: &HeaderName, format: HeaderFormat, problem: Problem) -> Self {
        Self {
            header: header.as_str().to_owned(),
            format,
            problem,
        }
    }
}

/// What is wrong with a certificate header. Offsets are byte offsets in the header value (after
/// percent-decoding where the variant says so).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The header (with the chain header) is larger than the limit.
    TooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The header occurs more than once; the proxy must replace, not append.
    Repeated {
        /// How many times.
        count: usize,
    },
    /// A byte that is not visible ASCII, space or tab.
    NotText {
        /// Where.
        offset: usize,
    },
    /// A `%` not followed by two hex digits.
    BadPercentEncoding {
        /// Where the `%` is.
        offset: usize,
    },
    /// Base64 that does not decode.
    BadBase64 {
        /// Which item (0 for a single certificate; the position in a list or PEM block order).
        item: usize,
        /// The decoder's reason.
        reason: String,
    },
    /// The PEM text holds a private key (the whole header is refused: a proxy never forwards a
    /// key, and a key must not travel in headers or logs).
    PrivateKey {
        /// The PEM label, e.g. `PRIVATE KEY`.
        label: String,
    },
    /// A PEM block that is not a `CERTIFICATE`.
    UnexpectedPemBlock {
        /// Its label.
        label: String,
    },
    /// PEM text that is not a sequence of complete `CERTIFICATE` blocks.
    BadPem {
        /// Where (in the decoded text).
        offset: usize,
        /// What.
        reason: String,
    },
    /// No certificate at all.
    NoCertificate,
    /// Several certificates where the format carries exactly one.
    ExpectedOneCertificate {
        /// How many were found.
        found: usize,
    },
    /// More certificates than [`super::MAX_CERTIFICATES`].
    TooManyCertificates {
        /// How many were found.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// RFC 8941 structured-field syntax (RFC 9440 headers).
    StructuredField {
        /// Where.
        offset: usize,
        /// What was expected.
        reason: &'static str,
    },
    /// The RFC 9440 chain header without the certificate header.
    ChainWithoutCertificate,
    /// Envoy XFCC syntax.
    XfccSyntax {
        /// Where.
        offset: usize,
        /// What was expected.
        reason: &'static str,
    },
    /// An XFCC key that may occur once per element occurs twice.
    XfccRepeatedKey {
        /// The key.
        key: String,
        /// The element (0-based).
        element: usize,
    },
    /// The XFCC element added by the trusted proxy (the last one) has no `Cert`.
    XfccNoCert {
        /// The element (0-based).
        element: usize,
    },
    /// XFCC `Hash` is not the SHA-256 of `Cert`.
    XfccHashMismatch {
        /// The `Hash` value.
        hash: String,
        /// SHA-256 of the `Cert`, lowercase hex.
        computed: String,
    },
    /// XFCC `Chain` does not start with `Cert`.
    XfccChainMismatch,
    /// A value that is not one DER certificate.
    NotACertificate {
        /// Its position (0 = the client's certificate, then the chain).
        index: usize,
        /// certbind-core's reason.
        error: Box<certbind_core::Error>,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { size, limit } => {
                write!(f, "{size} bytes, more than the {limit}-byte limit")
            }
            Self::Repeated { count } => write!(
                f,
                "occurs {count} times; it must occur once (configure the proxy to replace the \
                 header, not to add to it)"
            ),
            Self::NotText { offset } => {
                write!(f, "byte {offset} is not visible ASCII, space or tab")
            }
            Self::BadPercentEncoding { offset } => write!(
                f,
                "bad URL-encoding at byte {offset}: '%' must be followed by two hex digits"
            ),
            Self::BadBase64 { item, reason } => {
                write!(f, "certificate #{item}: bad base64: {reason}")
            }
            Self::PrivateKey { label } => write!(
                f,
                "the PEM text holds a private key ({label}); the whole header is refused"
            ),
            Self::UnexpectedPemBlock { label } => {
                write!(f, "PEM block {label:?} is not a CERTIFICATE")
            }
            Self::BadPem { offset, reason } => write!(f, "bad PEM at byte {offset}: {reason}"),
            Self::NoCertificate => f.write_str("no certificate in it"),
            Self::ExpectedOneCertificate { found } => write!(
                f,
                "{found} certificates where this format carries exactly one"
            ),
            Self::TooManyCertificates { found, limit } => {
                write!(f, "{found} certificates, more than the limit of {limit}")
            }
            Self::StructuredField { offset, reason } => write!(
                f,
                "not an RFC 8941 structured field at byte {offset}: {reason}"
            ),
            Self::ChainWithoutCertificate => f.write_str(
                "the chain header is present without the certificate header (RFC 9440 §2)",
            ),
            Self::XfccSyntax { offset, reason } => {
                write!(f, "bad XFCC syntax at byte {offset}: {reason}")
            }
            Self::XfccRepeatedKey { key, element } => {
                write!(f, "element #{element} has {key} more than once")
            }
            Self::XfccNoCert { element } => write!(
                f,
                "element #{element} (the one the proxy in front of certbind added) has no Cert= \
                 (configure Envoy's set_current_client_cert_details with cert: true)"
            ),
            Self::XfccHashMismatch { hash, computed } => {
                write!(f, "Hash={hash} is not the SHA-256 of Cert ({computed})")
            }
            Self::XfccChainMismatch => {
                f.write_str("Chain does not start with the Cert certificate")
            }
            Self::NotACertificate { index, error } => {
                write!(f, "certificate #{index} is not a DER certificate: {error}")
            }
        }
    }
}
