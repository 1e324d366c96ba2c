//! What one access token costs the token endpoint besides TLS and HTTP, same run:
//! - the one log line per token (`certbind::token`, INFO, text format as `certbind serve` writes
//!   it), formatted and written to `/dev/null` (one `write` per line, as to a log file), against
//!   the same event with the level filtered out (`log = "warn"`);
//! - signing, against what the signature itself costs on the OpenSSL certbind links:
//! - certbind's whole `tokens::issue` (claims JSON, `jti` from OpenSSL's RNG, header, base64,
//!   ES256 signature, the compact JWS);
//! - josekit's ES256 signer alone on the same signing input (what `issue` calls);
//! - OpenSSL's ECDSA P-256 alone with a key object built once: `ECDSA_do_sign` on a SHA-256
//!   digest, and the EVP one-shot signer on a `PKey` (what josekit uses underneath, without
//!   josekit's conversions).
//!
//! Run: `cargo bench -p certbind-tests --bench token_costs`.

// A benchmark harness: a failure to build the fixture should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::hint::black_box;
use std::path::Path;

use certbind_host::keys::{Algorithm, KeySet, SigningKey, generate_pem};
use certbind_host::tokens::{TokenRequest, issue};
use criterion::{Criterion, criterion_group, criterion_main};
use josekit::jws::{ES256, JwsSigner as _};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

fn bench(c: &mut Criterion) {
    let pem = generate_pem(Algorithm::Es256).unwrap();
    let keys = KeySet::new(vec![
        SigningKey::from_pem(&pem, Algorithm::Es256, Path::new("bench")).unwrap(),
    ])
    .unwrap();
    let audience = ["https://as.example/resources".to_owned()];
    let scopes = ["read".to_owned()];
    let request = TokenRequest {
        issuer: "https://as.example",
        audience: &audience,
        client_id: "certclient",
        scopes: &scopes,
        x5t_s256: Some("uBWy5CxhZRdfz-ZdYjKjVb-8SBp4pTbyjUNWD4g4e8I"),
        now: 1_800_000_000,
        lifetime: 3600,
    };
    let token = issue(&keys, &request).unwrap().access_token;
    // The signing input of a real token: header.payload.
    let signing_input = token.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    println!(
        "OpenSSL {}; signing input {} bytes",
        openssl::version::version(),
        signing_input.len()
    );

    c.bench_function("tokens::issue (whole ES256 access token)", |b| {
        b.iter(|| black_box(issue(&keys, black_box(&request)).unwrap()));
    });

    let pkey = PKey::private_key_from_pem(&pem).unwrap();
    let pkcs8 = pkey.private_key_to_pem_pkcs8().unwrap();
    let josekit_signer = ES256.signer_from_pem(&pkcs8).unwrap();
    c.bench_function("josekit ES256 signature alone", |b| {
        b.iter(|| black_box(josekit_signer.sign(black_box(&signing_input)).unwrap()));
    });

    c.bench_function("OpenSSL EVP one-shot ECDSA P-256 (PKey built once)", |b| {
        b.iter(|| {
            let mut signer = Signer::new(MessageDigest::sha256(), &pkey).unwrap();
            black_box(
                signer
                    .sign_oneshot_to_vec(black_box(&signing_input))
                    .unwrap(),
            )
        });
    });

    let ec_key = pkey.ec_key().unwrap();
    c.bench_function("OpenSSL ECDSA_do_sign P-256 (EC_KEY built once)", |b| {
        b.iter(|| {
            let digest = openssl::sha::sha256(black_box(&signing_input));
            let signature = EcdsaSig::sign(&digest, &ec_key).unwrap();
            // The JWS form: r || s, 32 bytes each.
            let mut raw = signature.r().to_vec_padded(32).unwrap();
            raw.extend(signature.s().to_vec_padded(32).unwrap());
            black_box(raw)
        });
    });
}

/// The event `routes/token.rs` writes for an issued token, with realistic values.
fn token_event() {
    tracing::info!(
        target: "certbind::token",
        client = "certclient",
        method = "tls_client_auth",
        outcome = "ok",
        matched = "secret #1 (x509_thumbprint)",
        cert_sha1 = Some("9424E8B10868828FEAE6CA0ED4BD11580DA3122A"),
        cert_sha256 = Some("B815B2E42C4F6165FCFDE65D6232A55D1B55BFCC481A78C236560F88F3387BC2"),
        cert_via = Some("tls"),
        "token issued"
    );
}

fn bench_log_line(c: &mut Criterion) {
    for (level, label) in [
        ("info", "written"),
        ("warn", "filtered out (log = \"warn\")"),
    ] {
        let null = std::sync::Mutex::new(std::fs::File::create("/dev/null").unwrap());
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .with_writer(null)
            .with_ansi(false)
            .with_target(true)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            c.bench_function(&format!("token log line, {label}"), |b| b.iter(token_event));
        });
    }
}

criterion_group!(benches, bench, bench_log_line);
criterion_main!(benches);
