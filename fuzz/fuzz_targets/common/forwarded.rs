//! Shared by the `forwarded_*` targets: one proxy header format, its header (and, for RFC 9440,
//! its chain header) built from the fuzz input, read by `certbind_host::forwarded::read`.
//!
//! Input framing: the bytes are split at `\n`; a piece starting with `>` is one instance of the
//! chain header (`Client-Cert-Chain`), any other piece one instance of the certificate header
//! (so repeated headers are reached too). Pieces that are not valid header values (control
//! characters) are dropped, as an HTTP parser would have refused them.
//!
//! Checked beyond "no panic": an accepted header yields one well-formed DER certificate as the
//! leaf, at most `MAX_CERTIFICATES` in all, a chain without the leaf, and every error formats.

use actix_web::http::header::{HeaderMap, HeaderValue};
use certbind_host::forwarded::{self, HeaderFormat, ProxySettings, TrustedProxies};

pub fn run(format: HeaderFormat, data: &[u8]) {
    let settings = ProxySettings::new(TrustedProxies::new(Vec::new()), format);
    let chain = settings.chain_header();
    let mut headers = HeaderMap::new();
    for piece in data.split(|b| *b == b'\n') {
        let (name, value) = match (piece.strip_prefix(b">"), &chain) {
            (Some(rest), Some(chain)) => (chain.clone(), rest),
            _ => (settings.header.clone(), piece),
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    match forwarded::read(&settings, &headers) {
        Ok(Some(certificate)) => {
            assert!(certbind_core::Certificate::from_der(&certificate.leaf).is_ok());
            assert!(certificate.chain.len() < forwarded::MAX_CERTIFICATES);
            assert!(certificate.chain.iter().all(|c| *c != certificate.leaf));
        }
        Ok(None) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
