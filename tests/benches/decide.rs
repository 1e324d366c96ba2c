//! The decision, measured:
//! - a thumbprint client (IdentityServer3's `x509_thumbprint`), from the presented DER to the
//!   decision (two hashes, a validity read, a constant-time comparison);
//! - a `tls_client_auth` client with a 3-certificate chain (root → intermediate → leaf), RSA-2048
//!   and ECDSA P-256, from the presented DER to the decision; and the chain validation alone,
//!   certbind's (rustls-webpki on pure-Rust RustCrypto algorithms) against rustls-webpki on
//!   `ring` with the same certificates, anchors and time, and with the OpenSSL algorithms the
//!   server uses (`certbind_host::signatures`);
//! - index lookups in a registry of 100,000 clients, by `client_id` and by SHA-1.
//!
//! Run: `cargo bench -p certbind-tests --bench decide`.

// A benchmark harness: a failure to build the fixture should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::fmt::Write as _;
use core::hint::black_box;

use certbind_core::{
    Anchor, Certificate, ChainOptions, ClientIndex, DecisionContext, LoadOptions, MemoryFiles,
    Presented, PresentedCertificate, UnixTime, anchors_from_certificates, decide,
    load_registry_toml, verify_chain,
};
use criterion::{Criterion, criterion_group, criterion_main};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use openssl::x509::{X509, X509NameBuilder};

/// Every certificate is valid from NOT_BEFORE for a year; decisions happen at NOW.
const NOT_BEFORE: i64 = 1_735_689_600; // 2025-01-01
const NOW: u64 = 1_748_736_000; // 2025-06-01

#[derive(Clone, Copy)]
enum Kind {
    Rsa,
    Ec,
}

fn key(kind: Kind) -> PKey<Private> {
    match kind {
        Kind::Rsa => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        Kind::Ec => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
            PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
        }
    }
}

fn certificate(
    subject: &[(&str, &str)],
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    ca: bool,
    serial: u32,
) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    for (k, v) in subject {
        name.append_entry_by_text(k, v).unwrap();
    }
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(serial).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |(c, _)| c.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(NOT_BEFORE).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(NOT_BEFORE + 365 * 86_400).unwrap())
        .unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(BasicConstraints::new().critical().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
            .unwrap();
    }
    let signer = issuer.map_or(key, |(_, k)| k);
    b.sign(signer, MessageDigest::sha256()).unwrap();
    b.build()
}

/// DERs of root, intermediate and leaf (`CN=pkiclient,O=Example,C=US`).
fn chain(kind: Kind) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (rk, ik, lk) = (key(kind), key(kind), key(kind));
    let root = certificate(
        &[("C", "US"), ("O", "Example CA"), ("CN", "Root")],
        &rk,
        None,
        true,
        1,
    );
    let int = certificate(
        &[("C", "US"), ("O", "Example CA"), ("CN", "Issuing")],
        &ik,
        Some((&root, &rk)),
        true,
        2,
    );
    let leaf = certificate(
        &[("C", "US"), ("O", "Example"), ("CN", "pkiclient")],
        &lk,
        Some((&int, &ik)),
        false,
        3,
    );
    (
        root.to_der().unwrap(),
        int.to_der().unwrap(),
        leaf.to_der().unwrap(),
    )
}

fn now() -> UnixTime {
    UnixTime::since_unix_epoch(core::time::Duration::from_secs(NOW))
}

fn sha1_hex(der: &[u8]) -> String {
    openssl::hash::hash(MessageDigest::sha1(), der)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn root_pem(der: &[u8]) -> Vec<u8> {
    X509::from_der(der).unwrap().to_pem().unwrap()
}

fn bench_thumbprint(c: &mut Criterion) {
    let (_, _, leaf) = chain(Kind::Rsa);
    let toml = format!(
        "[[clients]]\nclient_id = \"certclient\"\nscopes = [\"read\"]\n[[clients.secrets]]\ntype = \
         \"x509_thumbprint\"\nvalue = \"{}\"\n",
        sha1_hex(&leaf)
    );
    let loaded =
        load_registry_toml(&toml, &LoadOptions::new(now()), &mut MemoryFiles::new()).unwrap();
    let registry = loaded.registry;
    let client = &registry.clients[0];
    let ctx = DecisionContext::for_registry(&registry, now());
    let certificate = PresentedCertificate::from_der(&leaf, &[]).unwrap();
    assert!(decide(client, &Presented::certificate(&certificate), &ctx).is_accepted());

    c.bench_function("thumbprint client: DER to decision", |b| {
        b.iter(|| {
            let certificate = PresentedCertificate::from_der(black_box(&leaf), &[]).unwrap();
            black_box(decide(client, &Presented::certificate(&certificate), &ctx))
        });
    });
    let presented = Presented::certificate(&certificate);
    c.bench_function("thumbprint client: decide only", |b| {
        b.iter(|| black_box(decide(client, black_box(&presented), &ctx)));
    });
}

fn bench_chain(c: &mut Criterion, kind: Kind, label: &str) {
    let (root, int, leaf) = chain(kind);
    let toml = "trust_anchors = [\"ca.pem\"]\n[[clients]]\nclient_id = \"pkiclient\"\nscopes = \
                [\"read\"]\n[[clients.secrets]]\ntype = \"tls_client_auth\"\nsubject_dn = \
                \"CN=pkiclient,O=Example,C=US\"\n";
    let mut files = MemoryFiles::new().with("ca.pem", root_pem(&root));
    let registry = load_registry_toml(toml, &LoadOptions::new(now()), &mut files)
        .unwrap()
        .registry;
    let client = &registry.clients[0];
    let ctx = DecisionContext::for_registry(&registry, now());
    let certificate = PresentedCertificate::from_der(&leaf, &[&int]).unwrap();
    let decision = decide(client, &Presented::certificate(&certificate), &ctx);
    assert!(decision.is_accepted(), "{decision:?}");

    c.bench_function(
        &format!("tls_client_auth {label} 3-cert chain: DER to decision"),
        |b| {
            b.iter(|| {
                let certificate =
                    PresentedCertificate::from_der(black_box(&leaf), &[&int]).unwrap();
                black_box(decide(client, &Presented::certificate(&certificate), &ctx))
            });
        },
    );
    // The server's decision: the same, with its OpenSSL signature algorithms.
    let mut server_ctx = ctx;
    server_ctx.algorithms = certbind_host::signatures::ALGORITHMS;
    c.bench_function(
        &format!("tls_client_auth {label} 3-cert chain: DER to decision, OpenSSL (the server)"),
        |b| {
            b.iter(|| {
                let certificate =
                    PresentedCertificate::from_der(black_box(&leaf), &[&int]).unwrap();
                black_box(decide(
                    client,
                    &Presented::certificate(&certificate),
                    &server_ctx,
                ))
            });
        },
    );
    // The same chain presented again, with verified signatures remembered.
    let cache = SetCache::default();
    let mut cached_ctx = ctx;
    cached_ctx.signature_cache = Some(&cache);
    c.bench_function(
        &format!("tls_client_auth {label} 3-cert chain: DER to decision, signature cache"),
        |b| {
            b.iter(|| {
                let certificate =
                    PresentedCertificate::from_der(black_box(&leaf), &[&int]).unwrap();
                black_box(decide(
                    client,
                    &Presented::certificate(&certificate),
                    &cached_ctx,
                ))
            });
        },
    );

    // The chain validation alone: certbind (pure Rust) vs webpki on ring.
    let anchors = anchors_from_certificates(&[Certificate::from_der(&root).unwrap()]).unwrap();
    let anchor_refs: Vec<&Anchor> = anchors.iter().collect();
    let options = ChainOptions::client_auth();
    verify_chain(&leaf, &[&int], &anchor_refs, now(), &options).unwrap();
    c.bench_function(&format!("chain {label}: certbind (RustCrypto)"), |b| {
        b.iter(|| {
            black_box(
                verify_chain(black_box(&leaf), &[&int], &anchor_refs, now(), &options).unwrap(),
            )
        });
    });
    // What the server runs: the same validation with its OpenSSL signature algorithms.
    let mut server_options = ChainOptions::client_auth();
    server_options.algorithms = certbind_host::signatures::ALGORITHMS;
    verify_chain(&leaf, &[&int], &anchor_refs, now(), &server_options).unwrap();
    c.bench_function(
        &format!("chain {label}: certbind (OpenSSL, the server)"),
        |b| {
            b.iter(|| {
                black_box(
                    verify_chain(
                        black_box(&leaf),
                        &[&int],
                        &anchor_refs,
                        now(),
                        &server_options,
                    )
                    .unwrap(),
                )
            });
        },
    );

    let root_der = pki_types::CertificateDer::from(root.as_slice());
    let ring_anchors = [webpki::anchor_from_trusted_cert(&root_der)
        .unwrap()
        .to_owned()];
    let int_der = [pki_types::CertificateDer::from(int.as_slice())];
    let leaf_der = pki_types::CertificateDer::from(leaf.as_slice());
    let ring_verify = || {
        let ee = webpki::EndEntityCert::try_from(&leaf_der).unwrap();
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &ring_anchors,
            &int_der,
            now(),
            webpki::KeyUsage::client_auth(),
            None,
            None,
        )
        .map(|_| ())
        .unwrap();
    };
    ring_verify();
    c.bench_function(&format!("chain {label}: webpki + ring"), |b| {
        b.iter(ring_verify)
    });
}

/// The simplest host cache: a set behind a mutex (a server would bound its size).
#[derive(Debug, Default)]
struct SetCache(std::sync::Mutex<std::collections::HashSet<[u8; 32]>>);

impl certbind_core::SignatureCache for SetCache {
    fn contains(&self, key: &[u8; 32]) -> bool {
        self.0.lock().unwrap().contains(key)
    }

    fn insert(&self, key: [u8; 32]) {
        self.0.lock().unwrap().insert(key);
    }
}

fn bench_chains(c: &mut Criterion) {
    bench_chain(c, Kind::Ec, "ECDSA P-256");
    bench_chain(c, Kind::Rsa, "RSA-2048");
}

fn bench_index(c: &mut Criterion) {
    const CLIENTS: usize = 100_000;
    let mut toml = String::with_capacity(CLIENTS * 160);
    let mut thumbprints = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let digest: [u8; 20] = openssl::sha::sha1(&i.to_be_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        let _ = write!(
            toml,
            "[[clients]]\nclient_id = \"client-{i}\"\nscopes = [\"read\"]\n[[clients.secrets]]\ntype \
             = \"x509_thumbprint\"\nvalue = \"{hex}\"\n"
        );
        thumbprints.push(digest);
    }
    let started = std::time::Instant::now();
    let registry = load_registry_toml(&toml, &LoadOptions::new(now()), &mut MemoryFiles::new())
        .unwrap()
        .registry;
    let loaded = started.elapsed();
    let started = std::time::Instant::now();
    let index = ClientIndex::new(registry);
    eprintln!(
        "100,000 clients: TOML load {loaded:?}, index build {:?}",
        started.elapsed()
    );

    let ids: Vec<String> = (0..1000).map(|i| format!("client-{}", i * 97)).collect();
    let mut n = 0;
    c.bench_function("index 100k: by client_id", |b| {
        b.iter(|| {
            n = (n + 1) % ids.len();
            black_box(index.get(black_box(&ids[n])).unwrap());
        });
    });
    let mut m = 0;
    c.bench_function("index 100k: by SHA-1", |b| {
        b.iter(|| {
            m = (m + 7919) % CLIENTS;
            black_box(index.by_sha1(black_box(&thumbprints[m])).next().unwrap());
        });
    });
}

criterion_group!(benches, bench_thumbprint, bench_chains, bench_index);
criterion_main!(benches);
