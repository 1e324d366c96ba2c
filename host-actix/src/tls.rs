//! TLS with OpenSSL: the acceptors, and the client certificate of each connection.
//!
//! The mTLS acceptor **requests** a client certificate during the handshake and accepts any
//! certificate the client sends (expired, self-signed, from an unknown CA): whether it
//! authenticates a client is the core's decision, made per request with the reason logged. A
//! TLS-layer rejection would only give the client an opaque alert. TLS 1.2 and 1.3; ALPN `h2`
//! and `http/1.1` are added by actix-web. A session id context is set so that TLS 1.3
//! resumption works and the resumed session still carries the client certificate.

use std::any::Any;
use std::path::Path;
use std::rc::Rc;

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use openssl::ssl::{
    SslAcceptor, SslAcceptorBuilder, SslFiletype, SslMethod, SslVerifyMode, SslVersion,
};
use openssl::stack::Stack;
use openssl::x509::X509;

/// Session id context for resumption (any constant; same for every worker).
const SESSION_ID_CONTEXT: &[u8] = b"certbind";

/// The client certificate presented on a connection, read once per connection (not per
/// request: keep-alive clients send many requests over one handshake).
#[derive(Debug)]
pub struct PresentedCertificate {
    /// The core's view (exact DER, chain, digests, validity), or why it cannot be read.
    pub core: Result<certbind_core::PresentedCertificate, certbind_core::Error>,
    /// SHA-1 of the leaf DER.
    pub sha1: [u8; 20],
    /// SHA-256 of the leaf DER.
    pub sha256: [u8; 32],
    /// SHA-1 as uppercase hex, for the log (formatted once per connection).
    sha1_hex: String,
    /// SHA-256 as uppercase hex, for the log.
    sha256_hex: String,
    /// Whether a trusted reverse proxy forwarded it (else it came on this TLS connection).
    forwarded: bool,
}

impl PresentedCertificate {
    /// Reads a certificate the client sent (leaf DER and the certificates after it).
    #[must_use]
    pub fn new(der: Vec<u8>, chain: Vec<Vec<u8>>) -> Self {
        let (sha1, sha256, core) =
            match certbind_core::PresentedCertificate::new(der.clone(), chain) {
                Ok(core) => (*core.sha1(), *core.sha256(), Ok(core)),
                // Unreadable for the core (OpenSSL accepted it): digest it anyway for the log.
                Err(e) => (openssl::sha::sha1(&der), openssl::sha::sha256(&der), Err(e)),
            };
        Self {
            core,
            sha1,
            sha256,
            sha1_hex: hex_upper(&sha1),
            sha256_hex: hex_upper(&sha256),
            forwarded: false,
        }
    }

    /// A certificate a trusted reverse proxy forwarded in a header (see [`crate::forwarded`]).
    #[must_use]
    pub fn from_proxy(der: Vec<u8>, chain: Vec<Vec<u8>>) -> Self {
        Self {
            forwarded: true,
            ..Self::new(der, chain)
        }
    }

    /// Whether a trusted reverse proxy forwarded it (else the client sent it on the TLS
    /// connection to certbind).
    #[must_use]
    pub const fn forwarded(&self) -> bool {
        self.forwarded
    }

    /// SHA-1 as uppercase hex (the IdentityServer3 thumbprint form).
    #[must_use]
    pub fn sha1_hex(&self) -> &str {
        &self.sha1_hex
    }

    /// SHA-256 as uppercase hex.
    #[must_use]
    pub fn sha256_hex(&self) -> &str {
        &self.sha256_hex
    }
}

/// Uppercase hex, the form thumbprints are shown in (IdentityServer3's, the log's).
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

/// Connection data: the client certificate of this connection, if it sent one.
#[derive(Debug, Clone)]
pub struct PeerCertificate(pub Option<Rc<PresentedCertificate>>);

/// `HttpServer::on_connect` callback: stores [`PeerCertificate`] from *this* TLS connection.
pub fn on_connect(connection: &dyn Any, data: &mut Extensions) {
    let Some(tls) = connection.downcast_ref::<actix_tls::accept::openssl::TlsStream<TcpStream>>()
    else {
        return;
    };
    let ssl = tls.ssl();
    let presented = ssl.peer_certificate().and_then(|leaf| {
        let der = leaf.to_der().ok()?;
        // On the server side OpenSSL's peer chain does not include the leaf.
        let chain = ssl
            .peer_cert_chain()
            .map(|stack| {
                stack
                    .iter()
                    .filter_map(|c| c.to_der().ok())
                    .filter(|c| *c != der)
                    .collect()
            })
            .unwrap_or_default();
        Some(Rc::new(PresentedCertificate::new(der, chain)))
    });
    data.insert(PeerCertificate(presented));
}

/// A TLS configuration problem (file and reason).
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct TlsError {
    what: String,
    source: openssl::error::ErrorStack,
}

fn ctx<T>(
    r: Result<T, openssl::error::ErrorStack>,
    what: impl FnOnce() -> String,
) -> Result<T, TlsError> {
    r.map_err(|source| TlsError {
        what: what(),
        source,
    })
}

fn base_acceptor(certificate: &Path, private_key: &Path) -> Result<SslAcceptorBuilder, TlsError> {
    // Mozilla "intermediate": TLS 1.2 + 1.3 with modern cipher suites.
    let mut b = ctx(
        SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()),
        || "OpenSSL acceptor".into(),
    )?;
    ctx(b.set_min_proto_version(Some(SslVersion::TLS1_2)), || {
        "TLS minimum version".into()
    })?;
    ctx(b.set_certificate_chain_file(certificate), || {
        format!("server certificate {}", certificate.display())
    })?;
    ctx(
        b.set_private_key_file(private_key, SslFiletype::PEM),
        || format!("server private key {}", private_key.display()),
    )?;
    ctx(b.check_private_key(), || {
        format!(
            "{} does not match {}",
            private_key.display(),
            certificate.display()
        )
    })?;
    ctx(b.set_session_id_context(SESSION_ID_CONTEXT), || {
        "session id context".into()
    })?;
    Ok(b)
}

/// The mTLS acceptor: requests a client certificate, accepts any, optionally advertising
/// `ca_names` (DER subjects are taken from these certificates) in the CertificateRequest.
///
/// # Errors
/// The server certificate or key cannot be used.
pub fn mtls_acceptor(
    certificate: &Path,
    private_key: &Path,
    ca_names: &[X509],
) -> Result<SslAcceptorBuilder, TlsError> {
    let mut b = base_acceptor(certificate, private_key)?;
    // PEER without FAIL_IF_NO_PEER_CERT: ask, don't require. The callback accepts every
    // certificate: the core decides, per client, with a reason.
    b.set_verify_callback(SslVerifyMode::PEER, |_preverified, _ctx| true);
    if !ca_names.is_empty() {
        let mut names = ctx(Stack::new(), || "CA name list".into())?;
        for ca in ca_names {
            let name = ctx(ca.subject_name().to_owned(), || "CA subject".into())?;
            ctx(names.push(name), || "CA name list".into())?;
        }
        b.set_client_ca_list(names);
    }
    Ok(b)
}

/// The public acceptor: never asks for a client certificate.
///
/// # Errors
/// The server certificate or key cannot be used.
pub fn public_acceptor(
    certificate: &Path,
    private_key: &Path,
) -> Result<SslAcceptorBuilder, TlsError> {
    let mut b = base_acceptor(certificate, private_key)?;
    b.set_verify(SslVerifyMode::NONE);
    Ok(b)
}
