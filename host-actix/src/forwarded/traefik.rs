//! Traefik's `passTLSClientCert` with `pem: true` (`X-Forwarded-Tls-Client-Cert`): each
//! certificate the client sent as base64 DER (the PEM body with armour and line breaks
//! removed), joined with `,`, the client's certificate first. Traefik 2 also URL-escaped each
//! one (`url.QueryEscape`: `%2B`, `%2F`, `%3D`); Traefik 3 does not. Both are read: base64 has no
//! `%`, so percent-decoding first is unambiguous.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{MAX_CERTIFICATES, Problem, percent};

/// The client's certificate, then the chain.
///
/// # Errors
/// [`Problem::BadPercentEncoding`], [`Problem::BadBase64`], [`Problem::TooManyCertificates`].
pub(super) fn parse(value: &[u8]) -> Result<Vec<Vec<u8>>, Problem> {
    let mut ders = Vec::new();
    let mut offset = 0;
    for (item, part) in value.split(|b| *b == b',').enumerate() {
        if item == MAX_CERTIFICATES {
            return Err(Problem::TooManyCertificates {
                found: value.split(|b| *b == b',').count(),
                limit: MAX_CERTIFICATES,
            });
        }
        let decoded = percent::decode(part).map_err(|p| match p {
            Problem::BadPercentEncoding { offset: o } => {
                Problem::BadPercentEncoding { offset: offset + o }
            }
            other => other,
        })?;
        let der = STANDARD.decode(&decoded).map_err(|e| Problem::BadBase64 {
            item,
            reason: if part.is_empty() {
                "empty list member".to_owned()
            } else {
                e.to_string()
            },
        })?;
        ders.push(der);
        offset += part.len() + 1;
    }
    Ok(ders)
}
