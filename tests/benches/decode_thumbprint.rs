//! Decode a typical client certificate (RSA-2048, ~1.2 KB DER, subject with 6 attributes, 5 SANs,
//! EKU, key usage, basic constraints, SKI, AKI) and compute all four thumbprints (SHA-1 hex,
//! SHA-256 hex, `x5t`, `x5t#S256`): certbind versus OpenSSL through the `openssl` crate
//! (`X509::from_der` + `X509::digest` + hex/base64), side by side in one run.
//!
//! certbind's `thumbprints()` also hashes the SubjectPublicKeyInfo (the key hash), which the
//! OpenSSL side does not do: that work is counted against certbind.
//!
//! Run: `cargo bench -p certbind-tests --bench decode_thumbprint`.

// A benchmark harness: a failure to build the fixture should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use certbind_core::{Certificate, Thumbprints};
use criterion::{Criterion, criterion_group, criterion_main};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

/// A CA-issued RSA-2048 client certificate, as DER.
fn typical_certificate() -> Vec<u8> {
    let ca_key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut ca_name = X509NameBuilder::new().unwrap();
    ca_name.append_entry_by_text("C", "DE").unwrap();
    ca_name
        .append_entry_by_text("O", "Example Trust Services GmbH")
        .unwrap();
    ca_name
        .append_entry_by_text("CN", "Example Issuing CA 2025")
        .unwrap();
    let ca_name = ca_name.build();
    let mut name = X509NameBuilder::new().unwrap();
    for (field, value) in [
        ("C", "DE"),
        ("ST", "Bayern"),
        ("L", "München"),
        ("O", "Example Payments AG"),
        ("OU", "Platform Engineering"),
        ("CN", "payments-client.prod.example.com"),
    ] {
        name.append_entry_by_text(field, value).unwrap();
    }
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_hex_str("4F1C8A92D3E5B7A60912C4D8E3F1A2B3C4D5E6F7").unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&ca_name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_str("20250101000000Z").unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_str("20260101000000Z").unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().build().unwrap())
        .unwrap();
    b.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .key_encipherment()
            .build()
            .unwrap(),
    )
    .unwrap();
    b.append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns("payments-client.prod.example.com")
        .dns("payments-client.example.com")
        .uri("spiffe://example.com/ns/payments/sa/client")
        .email("platform@example.com")
        .ip("10.20.30.40")
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(san).unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    // The AKI needs the issuer's certificate; a throwaway self-signed CA is enough for the bytes.
    let mut ca = X509Builder::new().unwrap();
    ca.set_version(2).unwrap();
    ca.set_subject_name(&ca_name).unwrap();
    ca.set_issuer_name(&ca_name).unwrap();
    ca.set_pubkey(&ca_key).unwrap();
    ca.set_not_before(&Asn1Time::from_str("20250101000000Z").unwrap())
        .unwrap();
    ca.set_not_after(&Asn1Time::from_str("20300101000000Z").unwrap())
        .unwrap();
    let ca_ski = SubjectKeyIdentifier::new()
        .build(&ca.x509v3_context(None, None))
        .unwrap();
    ca.append_extension(ca_ski).unwrap();
    ca.sign(&ca_key, MessageDigest::sha256()).unwrap();
    let ca = ca.build();
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(Some(&ca), None))
        .unwrap();
    b.append_extension(aki).unwrap();
    b.sign(&ca_key, MessageDigest::sha256()).unwrap();
    b.build().to_der().unwrap()
}

fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn certbind_all(der: &[u8]) -> (String, String, String, String) {
    let cert = Certificate::from_der(der).unwrap();
    let t = cert.thumbprints();
    (t.sha1_hex(), t.sha256_hex(), t.x5t(), t.x5t_s256())
}

fn openssl_all(der: &[u8]) -> (String, String, String, String) {
    let x509 = X509::from_der(der).unwrap();
    let sha1 = x509.digest(MessageDigest::sha1()).unwrap();
    let sha256 = x509.digest(MessageDigest::sha256()).unwrap();
    (
        hex_upper(&sha1),
        hex_upper(&sha256),
        URL_SAFE_NO_PAD.encode(sha1),
        URL_SAFE_NO_PAD.encode(sha256),
    )
}

/// OpenSSL's best case: the same decode, and the digests of the input bytes through OpenSSL's
/// one-shot `SHA1` and `SHA256` functions instead of `X509_digest` (which goes through EVP and,
/// in OpenSSL 3, an algorithm fetch on every call).
fn openssl_oneshot(der: &[u8]) -> (String, String, String, String) {
    let _x509 = X509::from_der(der).unwrap();
    let sha1 = openssl::sha::sha1(der);
    let sha256 = openssl::sha::sha256(der);
    (
        hex_upper(&sha1),
        hex_upper(&sha256),
        URL_SAFE_NO_PAD.encode(sha1),
        URL_SAFE_NO_PAD.encode(sha256),
    )
}

fn bench(c: &mut Criterion) {
    let der = typical_certificate();
    eprintln!("certificate: {} bytes of DER", der.len());
    // Both sides must compute the same thing before they are timed.
    assert_eq!(certbind_all(&der), openssl_all(&der));
    assert_eq!(certbind_all(&der), openssl_oneshot(&der));

    let mut group = c.benchmark_group("decode + sha1/sha256 hex + x5t/x5t#S256");
    group.bench_function("certbind", |b| b.iter(|| certbind_all(black_box(&der))));
    group.bench_function("openssl", |b| b.iter(|| openssl_all(black_box(&der))));
    group.bench_function("openssl one-shot SHA", |b| {
        b.iter(|| openssl_oneshot(black_box(&der)))
    });
    group.finish();

    // The parts of certbind's time, to see where it goes.
    let mut parts = c.benchmark_group("certbind parts");
    parts.bench_function("Certificate::from_der", |b| {
        b.iter(|| Certificate::from_der(black_box(&der)).unwrap())
    });
    parts.bench_function("Thumbprints::of_der (incl. SPKI hash)", |b| {
        b.iter(|| Thumbprints::of_der(black_box(&der)))
    });
    parts.finish();

    let mut parts = c.benchmark_group("openssl parts");
    parts.bench_function("X509::from_der", |b| {
        b.iter(|| X509::from_der(black_box(&der)).unwrap())
    });
    parts.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
