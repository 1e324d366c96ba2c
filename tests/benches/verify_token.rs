//! One access-token verification with the issuer's keys already cached, measured in the same run
//! as the baselines:
//! - `jsonwebtoken` alone (signature, `iss`, `aud`, `exp`: the pure-Rust JOSE crate many APIs use);
//! - josekit alone (the signature check certbind's verifier uses, on OpenSSL);
//! - certbind's whole check (`certbind_host::resource::check`: signature, `typ`, `iss`, `aud`,
//!   times and the certificate binding);
//! - the binding check alone (`certbind_core::check_binding`: the cost the binding adds).
//!
//! The token is an ES256 RFC 9068 token signed by certbind's own signer, bound to the fixtures'
//! client certificate, presented with that certificate (wrapped once, as the server does per
//! connection).
//!
//! Run: `cargo bench -p certbind-tests --bench verify_token`.

// A benchmark harness: a failure to build the fixture should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::hint::black_box;
use std::path::Path;

use certbind_core::{PresentedCertificate, check_binding};
use certbind_host::keys::{Algorithm, KeySet as SigningKeys, SigningKey, generate_pem};
use certbind_host::resource::{Expectations, KeySet, check, confirmation, decode};
use certbind_host::tokens::{TokenRequest, issue};
use certbind_tests::fixtures::{input_vectors, read_fixture};
use criterion::{Criterion, criterion_group, criterion_main};

const ISSUER: &str = "https://as.example";
const AUDIENCE: &str = "https://api.example";
const NOW: u64 = 1_800_000_000;

fn bench(c: &mut Criterion) {
    let pem = generate_pem(Algorithm::Es256).unwrap();
    let signing = SigningKeys::new(vec![
        SigningKey::from_pem(&pem, Algorithm::Es256, Path::new("bench")).unwrap(),
    ])
    .unwrap();
    let client = input_vectors()
        .into_iter()
        .find(|v| v.file == "basic.client.ee.der")
        .unwrap();
    let x5t = client.certificates[0].x5t_s256.clone();
    let token = issue(
        &signing,
        &TokenRequest {
            issuer: ISSUER,
            audience: &[AUDIENCE.to_owned()],
            client_id: "certclient",
            scopes: &["read".to_owned()],
            x5t_s256: Some(&x5t),
            now: NOW,
            lifetime: 3600,
        },
    )
    .unwrap()
    .access_token;
    let jwks_json = signing.jwks_json().to_vec();
    let algorithms = vec!["ES256".to_owned()];
    let keys = KeySet::from_json(&jwks_json, &algorithms).unwrap();
    let certificate =
        PresentedCertificate::new(read_fixture("basic.client.ee.der"), Vec::new()).unwrap();
    let expect = Expectations {
        issuer: Some(ISSUER),
        audience: Some(AUDIENCE),
        leeway: 60,
        algorithms: &algorithms,
        require_binding: true,
    };
    // Every check passes: the benchmark measures the accepting path.
    let report = check(
        &token,
        decode(&token).unwrap(),
        Some(&keys),
        Some(&certificate),
        &expect,
        NOW,
    );
    assert!(report.valid, "{report:?}");

    // jsonwebtoken with the same key, from the same JWKS.
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(&jwks_json).unwrap();
    let decoding = jsonwebtoken::DecodingKey::from_jwk(&set.keys[0]).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    // jsonwebtoken reads the clock; the token is valid until NOW + 3600, which is in the future
    // of any machine running this before 2027.
    validation.validate_exp = NOW > certbind_host::time::now_unix();
    jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();

    let verifier = keys.candidates(Some(signing.current().kid()), "ES256")[0].1;
    let cnf = confirmation(&serde_json::json!({ "x5t#S256": x5t }));

    let mut group = c.benchmark_group("verify_token");
    group.bench_function("jsonwebtoken alone (ES256, iss, aud, exp)", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &decoding, &validation)
                .unwrap()
        });
    });
    group.bench_function("josekit signature alone", |b| {
        b.iter(|| josekit::jws::deserialize_compact(black_box(&token), verifier).unwrap());
    });
    group.bench_function(
        "certbind whole check (signature, typ, iss, aud, times, binding)",
        |b| {
            b.iter(|| {
                let decoded = decode(black_box(&token)).unwrap();
                check(
                    &token,
                    decoded,
                    Some(&keys),
                    Some(&certificate),
                    &expect,
                    NOW,
                )
                .valid
            });
        },
    );
    group.bench_function("binding check alone (check_binding)", |b| {
        b.iter(|| check_binding(Some(black_box(&cnf)), Some(&certificate)).bound);
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
