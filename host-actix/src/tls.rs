//! TLS with OpenSSL: the acceptors, and the client certificate of each connection.
//!
//! The mTLS acceptor **requests** a client certificate during the handshake and accepts any
//! certificate the client sends (expired, self-signed, from an unknown CA): whether it
//! authenticates a client is the core's decision, made per request with the reason logged. A
//! TLS-layer rejection would only give the client an opaque alert. TLS 1.2 and 1.3; ALPN `h2`
//! and `http/1.1` are added by actix-web. A session id context is set so that TLS 1.3
//! resumption works and the resumed session still carries the client certificate.
//!
//! ## No chain verification in the handshake
//! Since the core decides about every certificate, OpenSSL does not build or verify a chain for
//! it: [`certbind_ffi::skip_chain_verification`] replaces `X509_verify_cert` (which ran
//! on every full handshake only for an accept-all callback to override its verdict) with
//! accepting the certificates as sent. The TLS handshake itself is unchanged: OpenSSL parses
//! the certificates, refuses a leaf key it cannot use, and checks the client's
//! CertificateVerify with the leaf's key, so a client that sends someone else's certificate
//! without its private key fails the handshake (tested in certbind-ffi and
//! `tests/server_tls.rs`).
//!
//! ## A resumed session keeps the chain the client sent
//! A resumed handshake carries no Certificate message: the client certificate and the
//! intermediates come from the session. OpenSSL's default stateless tickets serialise the
//! client's certificate into the ticket but not the intermediates, so a `tls_client_auth` client
//! whose chain needs an intermediate failed on every resumed connection ("the chain does not lead
//! to a trust anchor"), which Java, Go and .NET clients make by default. The mTLS acceptor
//! therefore keeps its sessions in the server's memory (`SSL_OP_NO_TICKET`: TLS 1.2 resumes by
//! session id, TLS 1.3 by a ticket that only names the session): a resumed connection gets
//! exactly the certificate and the intermediates of the full handshake that created its session.
//!
//! Why that is sound: only a client that completed that handshake, proving possession of the
//! certificate's private key (CertificateVerify, which OpenSSL checks in every full
//! handshake), holds the secret that resumes the session; and the intermediates are the ones
//! it sent itself. Nothing is shared between sessions or looked up by certificate, so no
//! connection's chain can help another presentation. Intermediates are only ever candidates
//! for path building: the core still validates the chain to the trust anchors on every decision.
//!
//! Bounded: OpenSSL's session cache holds at most `server.tls.session_cache_size` sessions
//! ([`DEFAULT_SESSION_CACHE_SIZE`] by default; one per full handshake: a TLS 1.3 handshake
//! issues one ticket, not OpenSSL's default two) for two hours (OpenSSL's default). Each holds
//! the client's certificates, a few kilobytes: the cache, not the traffic, is what a server that
//! has seen many clients keeps in memory, so its size is the operator's choice. A session
//! evicted or expired is simply not resumed: the client makes a full handshake and sends its
//! chain again. It never turns into a failed authentication, as a cache of chains looked up
//! by certificate would. Sessions are per process, as tickets were (each process has its own
//! ticket key). The public acceptor asks for no certificate and keeps OpenSSL's stateless tickets.
//!
//! ## Bounded work on the presented chain
//! A client may send at most `server.tls.max_intermediates` certificates after its own
//! ([`DEFAULT_MAX_INTERMEDIATES`] by default; a proxy's forwarded chain has its own bound, see
//! [`crate::forwarded::MAX_CERTIFICATES`]). OpenSSL builds no chain (see above); what it does
//! with every certificate it receives (parsing it) is bounded by its own limit on the
//! Certificate message (100 KB). A connection whose client sent more authenticates no client by
//! certificate:
//! the certificate is marked, its chain is not kept, and a request relying on it gets
//! `invalid_client` with the reason in the log. A client that authenticates with a shared secret
//! is not affected (the certificate on its connection is not used).

use std::any::Any;
use std::path::Path;
use std::rc::Rc;
use std::sync::OnceLock;

use actix_web::dev::Extensions;
use openssl::ex_data::Index;
use openssl::ssl::{
    SslAcceptor, SslAcceptorBuilder, SslContext, SslFiletype, SslMethod, SslOptions,
    SslSessionCacheMode, SslVerifyMode, SslVersion,
};
use openssl::stack::Stack;
use openssl::x509::X509;

use crate::decisions::Decisions;

/// Session id context for resumption (any constant; same for every worker).
const SESSION_ID_CONTEXT: &[u8] = b"certbind";

/// Default of `server.tls.session_cache_size`: the sessions the mTLS acceptor keeps for
/// resumption, one per full handshake (a few kilobytes each with the client's certificate; see
/// docs/server.md for the measured memory). OpenSSL's own default is 20,480, with two sessions
/// per TLS 1.3 handshake.
pub const DEFAULT_SESSION_CACHE_SIZE: usize = 1_024;

/// The largest `server.tls.session_cache_size` accepted.
pub const SESSION_CACHE_SIZE_LIMIT: usize = 1_000_000;

/// Default of `server.tls.max_intermediates`: the most certificates a client may send after its
/// own on a TLS connection (real chains have one to three).
pub const DEFAULT_MAX_INTERMEDIATES: usize = 8;

/// Largest value `server.tls.max_intermediates` accepts.
pub const MAX_INTERMEDIATES_LIMIT: usize = 32;

/// The chain bound of an mTLS acceptor, kept with its OpenSSL context so that
/// [`on_connect`] applies the bound of the listener the connection came in on.
#[derive(Debug, Clone, Copy)]
struct ChainBound(usize);

/// The OpenSSL ex-data slot of [`ChainBound`] (OpenSSL's slots are process-wide; one is
/// registered the first time it is needed).
fn chain_bound_index() -> Option<Index<SslContext, ChainBound>> {
    static INDEX: OnceLock<Option<Index<SslContext, ChainBound>>> = OnceLock::new();
    *INDEX.get_or_init(|| SslContext::new_ex_index().ok())
}

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
    /// `(sent, bound)` when the client sent more intermediates than its listener accepts.
    too_many_intermediates: Option<(usize, usize)>,
    /// Decisions already made for this certificate on its connection.
    decisions: Decisions,
}

/// Why the certificate of a request cannot authenticate a client (see
/// [`PresentedCertificate::usable`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Unusable<'a> {
    /// The core cannot read it (OpenSSL accepted it).
    Unreadable(&'a certbind_core::Error),
    /// The client sent more intermediates than the listener accepts
    /// (`server.tls.max_intermediates`).
    TooManyIntermediates {
        /// How many it sent.
        sent: usize,
        /// How many the listener accepts.
        bound: usize,
    },
}

impl Unusable<'_> {
    /// A short fixed label for metrics.
    #[must_use]
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "certificate_unreadable",
            Self::TooManyIntermediates { .. } => "too_many_intermediates",
        }
    }
}

impl std::fmt::Display for Unusable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(e) => write!(f, "the client certificate cannot be read: {e}"),
            Self::TooManyIntermediates { sent, bound } => write!(
                f,
                "the client sent {sent} certificates after its own; this listener accepts at \
                 most {bound} (server.tls.max_intermediates)"
            ),
        }
    }
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
            too_many_intermediates: None,
            decisions: Decisions::default(),
        }
    }

    /// A certificate sent on a TLS connection whose listener accepts at most
    /// `max_intermediates` certificates after it: with more, the chain is not kept and the
    /// certificate authenticates no client ([`PresentedCertificate::usable`]).
    #[must_use]
    pub fn bounded(der: Vec<u8>, chain: Vec<Vec<u8>>, max_intermediates: usize) -> Self {
        let sent = chain.len();
        if sent <= max_intermediates {
            return Self::new(der, chain);
        }
        Self {
            too_many_intermediates: Some((sent, max_intermediates)),
            ..Self::new(der, Vec::new())
        }
    }

    /// The core's view of the certificate, when it can authenticate a client; otherwise why
    /// not.
    ///
    /// # Errors
    /// [`Unusable`]: the core cannot read it, or the client sent too many intermediates.
    pub fn usable(&self) -> Result<&certbind_core::PresentedCertificate, Unusable<'_>> {
        if let Some((sent, bound)) = self.too_many_intermediates {
            return Err(Unusable::TooManyIntermediates { sent, bound });
        }
        self.core.as_ref().map_err(Unusable::Unreadable)
    }

    /// Decisions made for this certificate on its connection (empty for a certificate a proxy
    /// forwarded: each request forwards its own).
    pub(crate) const fn decisions(&self) -> &Decisions {
        &self.decisions
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

/// Connection data of every TLS connection: whether its session was resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsSession {
    /// The handshake resumed an earlier session (no certificate was sent: it comes from the
    /// session, with the intermediates of the handshake that created it).
    pub resumed: bool,
}

/// `HttpServer::on_connect` callback: stores [`PeerCertificate`] from *this* TLS connection
/// (bounded by its listener's `max_intermediates`) and [`TlsSession`].
pub fn on_connect(connection: &dyn Any, data: &mut Extensions) {
    let Some(ssl) = crate::limits::tls_of(connection) else {
        return;
    };
    data.insert(TlsSession {
        resumed: ssl.session_reused(),
    });
    let bound = chain_bound_index()
        .and_then(|index| ssl.ssl_context().ex_data(index))
        .map_or(DEFAULT_MAX_INTERMEDIATES, |b| b.0);
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
        Some(Rc::new(PresentedCertificate::bounded(der, chain, bound)))
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
    // The server picks the TLS 1.3 suite: AES-128-GCM-SHA256 first (Mozilla's order) rather
    // than the client's first choice, which is often AES-256-GCM-SHA384, whose SHA-384 key
    // schedule costs 4% of a full handshake here (the SHA-256 one runs on the SHA extensions);
    // a client that puts ChaCha20-Poly1305 first (no AES instructions) still gets it.
    b.set_options(SslOptions::CIPHER_SERVER_PREFERENCE | SslOptions::PRIORITIZE_CHACHA);
    // Read ahead: OpenSSL asks the socket for as much as its read buffer holds instead of
    // each record's 5-byte header and then its body. A keep-alive request in one record took
    // three `recv` calls (header, body, and the one that finds the socket empty); now one,
    // as tokio sees the short read and does not ask again until epoll says so. Safe because
    // actix-http and h2 read until `Pending`, so records OpenSSL holds are never left waiting
    // for a wake-up the socket will not give.
    b.set_read_ahead(true);
    Ok(b)
}

/// The mTLS acceptor: requests a client certificate, accepts any, optionally advertising
/// `ca_names` (DER subjects are taken from these certificates) in the CertificateRequest.
/// Clients may send at most `max_intermediates` certificates after their own; sessions are
/// kept in memory so that a resumed one keeps them (see the module documentation).
///
/// # Errors
/// The server certificate or key cannot be used.
pub fn mtls_acceptor(
    certificate: &Path,
    private_key: &Path,
    ca_names: &[X509],
    max_intermediates: usize,
) -> Result<SslAcceptorBuilder, TlsError> {
    let mut b = base_acceptor(certificate, private_key)?;
    // PEER without FAIL_IF_NO_PEER_CERT: ask, don't require. Every certificate is accepted
    // as sent, without a chain (the core decides, per client, with a reason), except from a
    // client that sends more certificates after its own than the listener accepts: its
    // handshake fails ("certificate chain too long"), counted as received, whether they chain
    // or not.
    b.set_verify(SslVerifyMode::PEER);
    certbind_ffi::skip_chain_verification_up_to(&mut b, max_intermediates);
    if let Some(index) = chain_bound_index() {
        b.set_ex_data(index, ChainBound(max_intermediates));
    }
    // Stateful resumption: a resumed session keeps the intermediates the client sent. One
    // ticket per TLS 1.3 handshake: each names a cached session holding the certificates, and a
    // client resumes with one (OpenSSL's default of two would double the cache's memory).
    b.set_options(SslOptions::NO_TICKET);
    ctx(b.set_num_tickets(1), || "TLS 1.3 tickets".into())?;
    set_session_cache_size(&mut b, DEFAULT_SESSION_CACHE_SIZE);
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

/// How many sessions an mTLS acceptor keeps for resumption (`server.tls.session_cache_size`);
/// 0 keeps none, so every connection makes a full handshake.
pub fn set_session_cache_size(builder: &mut SslAcceptorBuilder, sessions: usize) {
    if sessions == 0 {
        builder.set_session_cache_mode(SslSessionCacheMode::OFF);
    } else {
        builder.set_session_cache_mode(SslSessionCacheMode::SERVER);
        builder.set_session_cache_size(i32::try_from(sessions).unwrap_or(i32::MAX));
    }
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
