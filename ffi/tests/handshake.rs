//! Real TLS handshakes over loopback between an OpenSSL server with and without
//! [`skip_chain_verification`] and OpenSSL clients:
//! - with it, OpenSSL's chain verification (`X509_verify_cert`) does not run: the verify
//!   callback it would call is never called, and the verify result is "ok" for a certificate
//!   no anchor vouches for;
//! - the client must still prove it holds the key of the certificate it sends
//!   (CertificateVerify): a client presenting someone else's certificate with a key that only
//!   matches its public part fails the handshake, for RSA and EC keys, over TLS 1.2 and 1.3;
//! - with [`skip_chain_verification_up_to`], a client that sends more intermediates than the
//!   bound fails the handshake with "certificate chain too long", and one at the bound passes.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use certbind_ffi::{skip_chain_verification, skip_chain_verification_up_to};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, PointConversionForm};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{
    Ssl, SslConnector, SslContext, SslContextBuilder, SslMethod, SslVerifyMode, SslVersion,
};
use openssl::x509::{X509, X509NameBuilder, X509VerifyResult};

#[derive(Clone, Copy, Debug)]
enum KeyKind {
    Rsa,
    Ec,
}

fn key(kind: KeyKind) -> PKey<Private> {
    match kind {
        KeyKind::Rsa => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        KeyKind::Ec => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
            PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
        }
    }
}

/// A certificate for `cn` and `key`, signed by `issuer` (or self-signed), valid now.
fn certificate(cn: &str, key: &PKey<Private>, issuer: Option<(&X509, &PKey<Private>)>) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(7).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |(c, _)| c.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())
        .unwrap();
    b.build()
}

/// A private key whose public part is `victim`'s but whose private part is unrelated: what an
/// attacker who copied someone's certificate can make. OpenSSL's own "does the key match the
/// certificate" check compares public parts only, so a client accepts it.
fn forged_key(victim: &X509) -> PKey<Private> {
    let public = victim.public_key().unwrap();
    if let Ok(rsa) = public.rsa() {
        // The victim's modulus and exponent with another key's private exponent and primes.
        let other = Rsa::generate(2048).unwrap();
        let copy = |n: &openssl::bn::BigNumRef| n.to_owned().unwrap();
        let forged = Rsa::from_private_components(
            copy(rsa.n()),
            copy(rsa.e()),
            copy(other.d()),
            copy(other.p().unwrap()),
            copy(other.q().unwrap()),
            copy(other.dmp1().unwrap()),
            copy(other.dmq1().unwrap()),
            copy(other.iqmp().unwrap()),
        )
        .unwrap();
        return PKey::from_rsa(forged).unwrap();
    }
    // The victim's public point with a random private scalar.
    let ec = public.ec_key().unwrap();
    let group = ec.group();
    let mut ctx = BigNumContext::new().unwrap();
    let point = ec
        .public_key()
        .to_bytes(group, PointConversionForm::UNCOMPRESSED, &mut ctx)
        .unwrap();
    let point = openssl::ec::EcPoint::from_bytes(group, &point, &mut ctx).unwrap();
    let mut order = BigNum::new().unwrap();
    group.order(&mut order, &mut ctx).unwrap();
    let mut scalar = BigNum::new().unwrap();
    order.rand_range(&mut scalar).unwrap();
    let forged = EcKey::from_private_components(group, &scalar, &point).unwrap();
    PKey::from_ec_key(forged).unwrap()
}

/// What the server saw of one handshake.
#[derive(Debug)]
struct ServerSide {
    /// `Ok(verify result)` when the handshake completed, else OpenSSL's error.
    outcome: Result<X509VerifyResult, String>,
    /// The client certificate the server holds after the handshake (DER).
    peer: Option<Vec<u8>>,
    /// How often the verify callback of `X509_verify_cert` ran.
    verify_callback_calls: usize,
}

/// How the test server treats the client's chain.
#[derive(Clone, Copy, Debug)]
enum Chain {
    /// OpenSSL verifies it (`X509_verify_cert`), the verify callback accepts everything.
    Verified,
    /// [`skip_chain_verification`].
    Skipped,
    /// [`skip_chain_verification_up_to`] this many intermediates.
    SkippedUpTo(usize),
}

/// A server context that asks for a client certificate, trusts no CA, and accepts whatever the
/// verify callback is asked (as certbind did before it skipped the chain).
fn server_context(chain: Chain, calls: &Arc<AtomicUsize>) -> SslContext {
    let server_key = key(KeyKind::Ec);
    let server_cert = certificate("localhost", &server_key, None);
    let mut b = SslContextBuilder::new(SslMethod::tls_server()).unwrap();
    b.set_certificate(&server_cert).unwrap();
    b.set_private_key(&server_key).unwrap();
    let counter = Arc::clone(calls);
    b.set_verify_callback(SslVerifyMode::PEER, move |_preverified, _ctx| {
        counter.fetch_add(1, Ordering::SeqCst);
        true
    });
    match chain {
        Chain::Verified => {}
        Chain::Skipped => skip_chain_verification(&mut b),
        Chain::SkippedUpTo(max) => skip_chain_verification_up_to(&mut b, max),
    }
    b.build()
}

/// One handshake over loopback: the client presents `identity` (certificate, chain, key)
/// with TLS `version`, then reads the server's one-byte greeting.
fn handshake(
    chain: Chain,
    identity: Option<(&X509, &[X509], &PKey<Private>)>,
    version: SslVersion,
) -> (ServerSide, Result<(), String>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let context = server_context(chain, &calls);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let ssl = Ssl::new(&context).unwrap();
        match ssl.accept(stream) {
            Ok(mut tls) => {
                let peer = tls.ssl().peer_certificate().map(|c| c.to_der().unwrap());
                let result = tls.ssl().verify_result();
                // TLS 1.3: the client learns of a refusal only when it reads.
                let _ = tls.write_all(b"!");
                let _ = tls.shutdown();
                (Ok(result), peer)
            }
            Err(e) => (Err(e.to_string()), None),
        }
    });

    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.set_verify(SslVerifyMode::NONE);
    connector.set_min_proto_version(Some(version)).unwrap();
    connector.set_max_proto_version(Some(version)).unwrap();
    if let Some((cert, chain, key)) = identity {
        connector.set_certificate(cert).unwrap();
        for extra in chain {
            connector.add_extra_chain_cert(extra.clone()).unwrap();
        }
        connector.set_private_key(key).unwrap();
        // The client's own check passes for a forged key: it compares public parts only.
        connector.check_private_key().unwrap();
    }
    let connector = connector.build();
    let tcp = TcpStream::connect(address).unwrap();
    let client = connector
        .configure()
        .unwrap()
        .verify_hostname(false)
        .connect("localhost", tcp)
        .map_err(|e| e.to_string())
        .and_then(|mut tls| {
            let mut greeting = [0_u8; 1];
            tls.read_exact(&mut greeting).map_err(|e| e.to_string())
        });
    let (outcome, peer) = server.join().unwrap();
    (
        ServerSide {
            outcome,
            peer,
            verify_callback_calls: calls.load(Ordering::SeqCst),
        },
        client,
    )
}

const VERSIONS: [SslVersion; 2] = [SslVersion::TLS1_2, SslVersion::TLS1_3];

#[test]
fn with_the_skip_openssl_verifies_no_chain_and_reports_no_error() {
    for kind in [KeyKind::Ec, KeyKind::Rsa] {
        // A client certificate from a CA the server does not know, with its intermediate.
        let root_key = key(kind);
        let root = certificate("unknown root", &root_key, None);
        let int_key = key(kind);
        let int = certificate("unknown intermediate", &int_key, Some((&root, &root_key)));
        let leaf_key = key(kind);
        let leaf = certificate("client", &leaf_key, Some((&int, &int_key)));
        for version in VERSIONS {
            let identity = Some((&leaf, std::slice::from_ref(&int), &leaf_key));

            let (before, client) = handshake(Chain::Verified, identity, version);
            assert!(client.is_ok(), "{kind:?} {version:?}: {client:?}");
            assert!(
                before.verify_callback_calls > 0,
                "{kind:?} {version:?}: without the skip, X509_verify_cert runs and calls back"
            );
            assert_ne!(
                before.outcome.unwrap(),
                X509VerifyResult::OK,
                "{kind:?} {version:?}: without the skip, OpenSSL finds no anchor"
            );

            let (after, client) = handshake(Chain::Skipped, identity, version);
            assert!(client.is_ok(), "{kind:?} {version:?}: {client:?}");
            assert_eq!(
                after.verify_callback_calls, 0,
                "{kind:?} {version:?}: X509_verify_cert did not run"
            );
            assert_eq!(after.outcome.unwrap(), X509VerifyResult::OK);
            assert_eq!(after.peer, Some(leaf.to_der().unwrap()));
        }
    }
}

#[test]
fn a_client_without_a_certificate_still_connects() {
    for version in VERSIONS {
        let (server, client) = handshake(Chain::Skipped, None, version);
        assert!(client.is_ok(), "{version:?}: {client:?}");
        assert!(server.outcome.is_ok(), "{version:?}: {server:?}");
        assert_eq!(server.peer, None);
    }
}

#[test]
fn someone_elses_certificate_without_its_key_fails_the_handshake() {
    for kind in [KeyKind::Ec, KeyKind::Rsa] {
        let victim_key = key(kind);
        let victim = certificate("victim", &victim_key, None);
        let forged = forged_key(&victim);
        for version in VERSIONS {
            // Control: the holder of the key gets through, and the server has its certificate.
            let (server, client) =
                handshake(Chain::Skipped, Some((&victim, &[], &victim_key)), version);
            assert!(client.is_ok(), "{kind:?} {version:?}: {client:?}");
            assert_eq!(server.peer, Some(victim.to_der().unwrap()));

            let (server, client) =
                handshake(Chain::Skipped, Some((&victim, &[], &forged)), version);
            let error = server
                .outcome
                .expect_err("the server refuses the handshake");
            assert!(
                error.contains("bad signature"),
                "{kind:?} {version:?}: the CertificateVerify signature is what fails: {error}"
            );
            assert_eq!(server.peer, None);
            assert!(
                client.is_err(),
                "{kind:?} {version:?}: the client is refused"
            );
        }
    }
}

#[test]
fn with_a_bound_a_longer_chain_fails_the_handshake() {
    let kind = KeyKind::Ec;
    let root_key = key(kind);
    let root = certificate("root", &root_key, None);
    let int1_key = key(kind);
    let int1 = certificate("intermediate 1", &int1_key, Some((&root, &root_key)));
    let int2_key = key(kind);
    let int2 = certificate("intermediate 2", &int2_key, Some((&int1, &int1_key)));
    let leaf_key = key(kind);
    let leaf = certificate("client", &leaf_key, Some((&int2, &int2_key)));
    let two = [int2.clone(), int1.clone()];
    for version in VERSIONS {
        // At the bound: accepted as presented, no X509_verify_cert.
        let (server, client) = handshake(
            Chain::SkippedUpTo(2),
            Some((&leaf, &two, &leaf_key)),
            version,
        );
        assert!(client.is_ok(), "{version:?}: {client:?}");
        assert_eq!(server.outcome.unwrap(), X509VerifyResult::OK, "{version:?}");
        assert_eq!(server.verify_callback_calls, 0, "{version:?}");
        assert_eq!(server.peer, Some(leaf.to_der().unwrap()));

        // One over: the handshake fails, with the reason.
        let (server, client) = handshake(
            Chain::SkippedUpTo(1),
            Some((&leaf, &two, &leaf_key)),
            version,
        );
        let error = server
            .outcome
            .expect_err("the server refuses the handshake");
        assert!(
            error.contains("certificate chain too long"),
            "{version:?}: the verify result names the reason: {error}"
        );
        assert!(client.is_err(), "{version:?}: the client is refused");
        assert_eq!(server.peer, None);

        // No certificate at all is still not a chain over the bound.
        let (server, client) = handshake(Chain::SkippedUpTo(0), None, version);
        assert!(client.is_ok(), "{version:?}: {client:?}");
        assert!(server.outcome.is_ok(), "{version:?}: {server:?}");

        // Bound 0: the client's own certificate alone passes.
        let (server, client) = handshake(
            Chain::SkippedUpTo(0),
            Some((&leaf, &[], &leaf_key)),
            version,
        );
        assert!(client.is_ok(), "{version:?}: {client:?}");
        assert!(server.outcome.is_ok(), "{version:?}: {server:?}");
    }
}
