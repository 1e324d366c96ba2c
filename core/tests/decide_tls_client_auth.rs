//! RFC 8705 §2.1 PKI method: subject DN or one SAN, a chain to the trust anchors, optional
//! issuer key pinning; and `x509_name`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{
    AuthMethod, ChainError, DnDifference, MemoryFiles, Reason, SanKind, SecretType,
};
use pki::{Ca, LeafSpec, NOT_AFTER_SECS, at, now};
use rcgen::ExtendedKeyUsagePurpose;

fn registry(secret_lines: &str) -> String {
    format!(
        r#"trust_anchors = ["ca.pem"]

[[clients]]
client_id = "pkiclient"
scopes = ["read"]

[[clients.secrets]]
type = "tls_client_auth"
{secret_lines}
"#
    )
}

struct Pki {
    root: Ca,
    issuing: Ca,
}

impl Pki {
    fn new() -> Self {
        let root = Ca::root("Example Root");
        let issuing = root.intermediate("Example Issuing CA");
        Self { root, issuing }
    }

    fn files(&self) -> MemoryFiles {
        MemoryFiles::new().with("ca.pem", self.root.pem.clone())
    }
}

#[test]
fn the_seed_pkiclient_is_accepted_through_an_intermediate() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        pki_.files(),
    );
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(
        loaded.registry.clients[0].token_endpoint_auth_method,
        AuthMethod::TlsClientAuth
    );
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    let accepted = pki::acceptance(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    assert_eq!(accepted.method, AuthMethod::TlsClientAuth);
    assert_eq!(accepted.secret_type, SecretType::TlsClientAuth);
    assert_eq!(
        accepted.x5t_s256.as_deref(),
        Some(pki::x5t_s256(&leaf.der).as_str())
    );
}

#[test]
fn every_written_form_of_the_subject_dn_is_accepted() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    for form in [
        "CN=pkiclient,O=Example,C=US",
        "CN=pkiclient, O=Example, C=US",
        "/C=US/O=Example/CN=pkiclient",
        "subject=C = US, O = Example, CN = pkiclient",
        "cn=PKICLIENT,  o=example ,c=us",
        "CN=pkiclient;O=Example;C=US",
        "CN=\"pkiclient\", O=\"Example\", C=US",
        "2.5.4.3=pkiclient,OID.2.5.4.10=Example,countryName=US",
        "CN=pki\\63lient,O=Example,C=US",
    ] {
        let loaded = pki::load(&registry(&format!("subject_dn = '{form}'")), pki_.files());
        pki::acceptance(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    }
}

#[test]
fn a_dn_that_differs_names_the_attribute() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example Inc,C=US""#),
        pki_.files(),
    );
    let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    let Reason::SubjectDiffers {
        actual, difference, ..
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(actual, "CN=pkiclient,O=Example,C=US");
    assert_eq!(
        *difference,
        DnDifference::Value {
            attribute: "O".into(),
            expected: "Example Inc".into(),
            actual: "Example".into()
        }
    );
    assert_eq!(
        reason.to_string(),
        "subject DN differs: registered \"CN=pkiclient,O=Example Inc,C=US\", certificate has \
         \"CN=pkiclient,O=Example,C=US\": O differs: registered \"Example Inc\", certificate has \
         \"Example\""
    );
}

#[test]
fn a_dn_in_reverse_order_is_rejected_with_a_hint() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    let loaded = pki::load(
        &registry(r#"subject_dn = "C=US,O=Example,CN=pkiclient""#),
        pki_.files(),
    );
    let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    assert!(
        matches!(
            reason,
            Reason::SubjectDiffers {
                difference: DnDifference::Reversed,
                ..
            }
        ),
        "{reason:?}"
    );
}

#[test]
fn a_missing_and_an_extra_attribute_are_named() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,OU=Payments,O=Example,C=US""#),
        pki_.files(),
    );
    let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    let Reason::SubjectDiffers { difference, .. } = &reason else {
        panic!("{reason:?}")
    };
    assert_eq!(
        *difference,
        DnDifference::Missing {
            attribute: "OU".into(),
            expected: "Payments".into()
        }
    );

    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,C=US""#),
        pki_.files(),
    );
    let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    let Reason::SubjectDiffers { difference, .. } = &reason else {
        panic!("{reason:?}")
    };
    assert_eq!(
        *difference,
        DnDifference::Extra {
            attribute: "O".into(),
            actual: "Example".into()
        }
    );
}

#[test]
fn sans_of_each_kind_match_and_differ() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(
        &LeafSpec::client("svc")
            .dns("Client.Example.COM")
            .uri("spiffe://example.com/payments")
            .email("Payments@Example.com")
            .ip("0:0:0:0:0:0:0:1")
            .ip("192.0.2.10"),
    );
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    for ok in [
        r#"san_dns = "client.example.com""#,
        r#"san_dns = "client.example.com.""#,
        r#"san_uri = "spiffe://example.com/payments""#,
        r#"san_email = "Payments@example.COM""#,
        r#"san_ip = "::1""#,
        r#"san_ip = "192.0.2.10""#,
    ] {
        let loaded = pki::load(&registry(ok), pki_.files());
        pki::acceptance(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    }
    let cases: [(&str, SanKind, &[&str]); 5] = [
        (
            r#"san_dns = "other.example.com""#,
            SanKind::Dns,
            &["Client.Example.COM"],
        ),
        (
            r#"san_uri = "spiffe://example.com/Payments""#,
            SanKind::Uri,
            &["spiffe://example.com/payments"],
        ),
        (
            r#"san_email = "payments@example.com""#,
            SanKind::Email,
            &["Payments@Example.com"],
        ),
        (r#"san_ip = "::2""#, SanKind::Ip, &["::1", "192.0.2.10"]),
        (
            r#"san_ip = "::ffff:192.0.2.10""#,
            SanKind::Ip,
            &["::1", "192.0.2.10"],
        ),
    ];
    for (secret, kind, found) in cases {
        let loaded = pki::load(&registry(secret), pki_.files());
        let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
        let Reason::SanDiffers {
            kind: k, found: f, ..
        } = &reason
        else {
            panic!("{secret}: {reason:?}")
        };
        assert_eq!(*k, kind);
        assert_eq!(f, found);
    }
}

#[test]
fn an_absent_san_kind_is_named() {
    let pki_ = Pki::new();
    let leaf = pki_
        .issuing
        .issue(&LeafSpec::client("svc").dns("svc.example.com"));
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    let loaded = pki::load(
        &registry(r#"san_uri = "https://svc.example.com/""#),
        pki_.files(),
    );
    let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    assert_eq!(
        reason,
        Reason::SanAbsent {
            kind: SanKind::Uri,
            expected: "https://svc.example.com/".into()
        }
    );
    assert_eq!(
        reason.to_string(),
        "the certificate has no URI SAN (registered https://svc.example.com/)"
    );
}

#[test]
fn without_the_intermediate_the_chain_does_not_lead_to_an_anchor() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        pki_.files(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "pkiclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    let Reason::ChainInvalid { error, issuer } = &reason else {
        panic!("{reason:?}")
    };
    assert_eq!(*error, ChainError::UnknownIssuer);
    assert_eq!(issuer, "CN=Example Issuing CA,O=Example CA,C=US");
    assert!(
        reason
            .to_string()
            .starts_with("chain invalid: the chain does not lead to a trust anchor")
    );
}

#[test]
fn a_certificate_from_an_untrusted_ca_with_the_same_names_is_rejected() {
    let pki_ = Pki::new();
    let impostor_root = Ca::root("Example Root");
    let impostor_issuing = impostor_root.intermediate("Example Issuing CA");
    let leaf = impostor_issuing.issue(&LeafSpec::client("pkiclient"));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        pki_.files(),
    );
    let presented = pki::presented(&leaf.der, &[&impostor_issuing.der]);
    let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    assert!(
        matches!(
            &reason,
            Reason::ChainInvalid {
                error: ChainError::UnknownIssuer | ChainError::BadSignature,
                ..
            }
        ),
        "{reason:?}"
    );
}

#[test]
fn decoy_intermediates_do_not_stop_path_building() {
    let pki_ = Pki::new();
    let decoy_root = Ca::root("Example Root");
    let decoy = decoy_root.intermediate("Example Issuing CA");
    let unrelated = pki_.root.intermediate("Unrelated CA");
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        pki_.files(),
    );
    let presented = pki::presented(&leaf.der, &[&decoy.der, &unrelated.der, &pki_.issuing.der]);
    pki::acceptance(pki::decide_at(&loaded, "pkiclient", &presented, now()));
}

#[test]
fn issuer_key_pinning_rejects_a_look_alike_ca_with_the_same_name() {
    let real = Pki::new();
    // A second CA with exactly the same names, also trusted (e.g. another tenant's CA in the
    // same anchor file).
    let look_alike_issuing = real.root.intermediate("Example Issuing CA");
    let genuine = real.issuing.issue(&LeafSpec::client("pkiclient"));
    let forged = look_alike_issuing.issue(&LeafSpec::client("pkiclient"));
    let pin = real.issuing.spki_sha256_hex();
    let loaded = pki::load(
        &registry(&format!(
            "subject_dn = \"CN=pkiclient,O=Example,C=US\"\nissuer_key_sha256 = \"{pin}\""
        )),
        real.files(),
    );
    // Without a pin both would pass: the names are identical.
    let unpinned = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        real.files(),
    );
    let forged_presented = pki::presented(&forged.der, &[&look_alike_issuing.der]);
    pki::acceptance(pki::decide_at(
        &unpinned,
        "pkiclient",
        &forged_presented,
        now(),
    ));

    pki::acceptance(pki::decide_at(
        &loaded,
        "pkiclient",
        &pki::presented(&genuine.der, &[&real.issuing.der]),
        now(),
    ));
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "pkiclient",
        &forged_presented,
        now(),
    ));
    let Reason::IssuerKeyNotPinned { expected, actual } = &reason else {
        panic!("{reason:?}")
    };
    assert_eq!(expected, &vec![pin]);
    assert_eq!(actual, &look_alike_issuing.spki_sha256_hex());
}

#[test]
fn a_pin_in_base64_with_curls_prefix_is_read() {
    let real = Pki::new();
    let leaf = real.issuing.issue(&LeafSpec::client("pkiclient"));
    let hex = real.issuing.spki_sha256_hex();
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let b64 = String::from_utf8(pki::openssl(&["base64", "-A"], &bytes)).unwrap();
    let loaded = pki::load(
        &registry(&format!(
            "subject_dn = \"CN=pkiclient,O=Example,C=US\"\nissuer_key_sha256 = [\"sha256//{b64}\"]"
        )),
        real.files(),
    );
    pki::acceptance(pki::decide_at(
        &loaded,
        "pkiclient",
        &pki::presented(&leaf.der, &[&real.issuing.der]),
        now(),
    ));
}

#[test]
fn a_server_only_certificate_is_refused_for_client_authentication() {
    let pki_ = Pki::new();
    let leaf = pki_
        .issuing
        .issue(&LeafSpec::client("pkiclient").eku(vec![ExtendedKeyUsagePurpose::ServerAuth]));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        pki_.files(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "pkiclient",
        &pki::presented(&leaf.der, &[&pki_.issuing.der]),
        now(),
    ));
    assert_eq!(
        reason,
        Reason::EkuNotClientAuth {
            present: vec!["serverAuth".into()]
        }
    );
    assert_eq!(
        reason.to_string(),
        "the extended key usage does not allow client authentication (clientAuth); the certificate \
         allows serverAuth"
    );
}

#[test]
fn leaf_expiry_is_checked_with_skew_and_the_chain_at_the_closest_valid_instant() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        pki_.files(),
    );
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    // The CAs expire at the same instant as the leaf; within the skew, all pass.
    pki::acceptance(pki::decide_at(
        &loaded,
        "pkiclient",
        &presented,
        at(NOT_AFTER_SECS + 200),
    ));
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "pkiclient",
        &presented,
        at(NOT_AFTER_SECS + 400),
    ));
    assert!(
        matches!(reason, Reason::CertificateExpired { .. }),
        "{reason:?}"
    );
}

#[test]
fn an_expired_intermediate_fails_the_chain() {
    let root = Ca::root("Example Root");
    let issuing = root.intermediate("Example Issuing CA");
    let leaf = issuing.issue(&LeafSpec::client("pkiclient").validity((2025, 1, 1), (2027, 1, 1)));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        MemoryFiles::new().with("ca.pem", root.pem.clone()),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "pkiclient",
        &pki::presented(&leaf.der, &[&issuing.der]),
        at(NOT_AFTER_SECS + 86_400),
    ));
    let Reason::ChainInvalid {
        error: ChainError::Expired { not_after, .. },
        ..
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(not_after.to_string(), "2026-01-01T00:00:00Z");
}

#[test]
fn client_and_secret_anchor_files_override_the_registry_default() {
    let default_pki = Pki::new();
    let partner = Pki::new();
    let leaf = partner.issuing.issue(&LeafSpec::client("pkiclient"));
    let presented = pki::presented(&leaf.der, &[&partner.issuing.der]);
    let files = default_pki
        .files()
        .with("partner.pem", partner.root.pem.clone());

    let default_only = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        files.clone(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &default_only,
        "pkiclient",
        &presented,
        now(),
    ));
    assert!(matches!(reason, Reason::ChainInvalid { .. }), "{reason:?}");

    let per_secret = pki::load(
        &registry(
            "subject_dn = \"CN=pkiclient,O=Example,C=US\"\ntrust_anchors = [\"partner.pem\"]",
        ),
        files.clone(),
    );
    pki::acceptance(pki::decide_at(&per_secret, "pkiclient", &presented, now()));

    let per_client = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#).replace(
            "scopes = [\"read\"]",
            "scopes = [\"read\"]\ntrust_anchors = \"partner.pem\"",
        ),
        files,
    );
    pki::acceptance(pki::decide_at(&per_client, "pkiclient", &presented, now()));
}

#[test]
fn a_trust_anchor_file_that_cannot_be_read_is_a_load_problem() {
    let problems = pki::problems(
        &registry(r#"subject_dn = "CN=pkiclient""#),
        MemoryFiles::new(),
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "trust_anchors");
    assert_eq!(problems[0].line, Some(1));
    assert!(
        problems[0].message.contains("ca.pem"),
        "{}",
        problems[0].message
    );
}

#[test]
fn without_a_file_system_anchors_can_be_given_as_data() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let mut files = certbind_core::NoFiles;
    let mut loaded = certbind_core::load_registry_toml(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        &certbind_core::LoadOptions::new(now()),
        &mut files,
    )
    .unwrap();
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    let reason = pki::only_reason(pki::decide_at(&loaded, "pkiclient", &presented, now()));
    assert_eq!(
        reason,
        Reason::TrustAnchorsMissing {
            files: vec!["ca.pem".into()]
        }
    );

    let root = certbind_core::Certificate::from_der(&pki_.root.der).unwrap();
    loaded
        .registry
        .trust
        .add_default_anchors(certbind_core::anchors_from_certificates(&[root]).unwrap());
    pki::acceptance(pki::decide_at(&loaded, "pkiclient", &presented, now()));
}

#[test]
fn x509_name_is_a_subject_dn_with_a_validated_chain() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let self_signed = LeafSpec::client("pkiclient").self_signed();
    let toml = r#"trust_anchors = ["ca.pem"]

[[clients]]
client_id = "named"
scopes = ["read"]

[[clients.secrets]]
type = "x509_name"
value = "CN=pkiclient, O=Example, C=US"
"#;
    let loaded = pki::load(toml, pki_.files());
    assert_eq!(
        loaded.registry.clients[0].token_endpoint_auth_method,
        AuthMethod::TlsClientAuth
    );
    let accepted = pki::acceptance(pki::decide_at(
        &loaded,
        "named",
        &pki::presented(&leaf.der, &[&pki_.issuing.der]),
        now(),
    ));
    assert_eq!(accepted.secret_type, SecretType::X509Name);
    // The same name on a self-signed certificate does not authenticate.
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "named",
        &pki::presented(&self_signed.der, &[]),
        now(),
    ));
    assert!(matches!(reason, Reason::ChainInvalid { .. }), "{reason:?}");
}

/// A cache that counts what it is asked.
#[derive(Debug, Default)]
struct CountingCache {
    keys: std::sync::Mutex<std::collections::HashSet<[u8; 32]>>,
    hits: core::sync::atomic::AtomicUsize,
}

impl certbind_core::SignatureCache for CountingCache {
    fn contains(&self, key: &[u8; 32]) -> bool {
        let hit = self.keys.lock().unwrap().contains(key);
        if hit {
            self.hits
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        }
        hit
    }

    fn insert(&self, key: [u8; 32]) {
        self.keys.lock().unwrap().insert(key);
    }
}

#[test]
fn a_signature_cache_remembers_only_signatures_that_verified() {
    let pki_ = Pki::new();
    let leaf = pki_.issuing.issue(&LeafSpec::client("pkiclient"));
    let loaded = pki::load(
        &registry(r#"subject_dn = "CN=pkiclient,O=Example,C=US""#),
        pki_.files(),
    );
    let client = &loaded.registry.clients[0];
    let cache = CountingCache::default();
    let mut ctx = certbind_core::DecisionContext::for_registry(&loaded.registry, now());
    ctx.signature_cache = Some(&cache);
    let presented = pki::presented(&leaf.der, &[&pki_.issuing.der]);
    assert!(certbind_core::decide(client, &presented, &ctx).is_accepted());
    assert_eq!(
        cache.keys.lock().unwrap().len(),
        2,
        "leaf and intermediate signatures"
    );
    assert_eq!(cache.hits.load(core::sync::atomic::Ordering::Relaxed), 0);
    assert!(certbind_core::decide(client, &presented, &ctx).is_accepted());
    assert_eq!(cache.hits.load(core::sync::atomic::Ordering::Relaxed), 2);

    // A forged leaf (same names, another CA) is not accepted because of the cache, and adds
    // nothing to it.
    let impostor = Ca::root("Example Root").intermediate("Example Issuing CA");
    let forged = impostor.issue(&LeafSpec::client("pkiclient"));
    let decision =
        certbind_core::decide(client, &pki::presented(&forged.der, &[&impostor.der]), &ctx);
    assert!(!decision.is_accepted());
    assert_eq!(cache.keys.lock().unwrap().len(), 2);
    // Validity is still checked on every decision, cached signatures or not.
    let mut later = ctx;
    later.now = at(NOT_AFTER_SECS + 3600);
    assert!(!certbind_core::decide(client, &presented, &later).is_accepted());
}
