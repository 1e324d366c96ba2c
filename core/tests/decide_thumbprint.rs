//! The IdentityServer3 case: clients registered by certificate thumbprint (SHA-1 and SHA-256).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{
    AuthMethod, ClientReason, DigestKind, MemoryFiles, Presented, PresentedSecret, Reason,
    SecretTransport, SecretType, ThumbprintHint,
};
use pki::sha2_for_tests::{sha1_hex, sha256_hex};
use pki::{Ca, LeafSpec, NOT_AFTER_SECS, NOT_BEFORE_SECS, at, now};

fn colon_pairs(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|p| core::str::from_utf8(p).unwrap())
        .collect::<Vec<_>>()
        .join(":")
}

fn thumbprint_registry(kind: &str, value: &str) -> String {
    format!(
        r#"
[[clients]]
client_id = "certclient"
name = "Client Credentials Flow Client with Client Certificate"
scopes = ["read", "write"]

[[clients.secrets]]
type = "{kind}"
value = "{value}"
"#
    )
}

#[test]
fn the_seed_example_accepts_the_certificate_whose_sha1_is_registered() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let sha1 = sha1_hex(&leaf.der);
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint", &sha1),
        MemoryFiles::new(),
    );
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let client = &loaded.registry.clients[0];
    assert_eq!(
        client.token_endpoint_auth_method,
        AuthMethod::SelfSignedTlsClientAuth
    );
    assert!(client.certificate_bound_access_tokens);

    let accepted = pki::acceptance(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    assert_eq!(accepted.secret_index, 0);
    assert_eq!(accepted.secret_type, SecretType::X509Thumbprint);
    assert_eq!(accepted.method, AuthMethod::SelfSignedTlsClientAuth);
    assert!(accepted.certificate_bound);
    // x5t#S256 is base64url(SHA-256(DER)); the expectation comes from openssl.
    let expected_x5t = pki::x5t_s256(&leaf.der);
    assert_eq!(accepted.x5t_s256.as_deref(), Some(expected_x5t.as_str()));
}

#[test]
fn a_pasted_thumbprint_with_colons_and_an_invisible_mark_loads_with_a_warning_and_matches() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let pasted = format!(
        "\u{200E}{}",
        colon_pairs(&sha1_hex(&leaf.der).to_lowercase())
    );
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint", &pasted),
        MemoryFiles::new(),
    );
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let warning = &loaded.warnings[0];
    assert_eq!(warning.field, "clients[0].secrets[0].value");
    assert_eq!(warning.client_id.as_deref(), Some("certclient"));
    assert_eq!(warning.line, Some(9));
    assert!(warning.message.contains("U+200E"), "{}", warning.message);
    assert!(
        warning.message.contains("LEFT-TO-RIGHT MARK"),
        "{}",
        warning.message
    );
    pki::acceptance(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
}

#[test]
fn another_certificate_is_rejected_with_both_thumbprints() {
    let ca = Ca::root("Example Root");
    let registered = ca.issue(&LeafSpec::client("certclient"));
    let other = ca.issue(&LeafSpec::client("certclient"));
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint", &sha1_hex(&registered.der)),
        MemoryFiles::new(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&other.der, &[]),
        now(),
    ));
    let Reason::ThumbprintDiffers {
        algorithm,
        expected,
        actual,
        hint,
        ..
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(*algorithm, DigestKind::Sha1);
    assert_eq!(expected, &sha1_hex(&registered.der));
    assert_eq!(actual, &sha1_hex(&other.der));
    assert_eq!(*hint, None);
    assert_eq!(
        reason.to_string(),
        format!(
            "thumbprint differs: registered SHA-1 {}, the certificate's is {}",
            sha1_hex(&registered.der),
            sha1_hex(&other.der)
        )
    );
}

#[test]
fn a_sha256_registered_as_x509_thumbprint_is_named_as_the_wrong_algorithm() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint", &sha256_hex(&leaf.der)),
        MemoryFiles::new(),
    );
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0]
            .message
            .contains("x509_thumbprint_sha256")
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    let Reason::ThumbprintDiffers {
        hint: Some(hint), ..
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(
        *hint,
        ThumbprintHint::OtherAlgorithm {
            algorithm: DigestKind::Sha256,
            use_type: SecretType::X509ThumbprintSha256
        }
    );
    assert!(reason.to_string().ends_with(
        "the registered value is this certificate's SHA-256 thumbprint: register it as \
         x509_thumbprint_sha256"
    ));
}

#[test]
fn a_sha1_registered_as_x509_thumbprint_sha256_is_named_as_the_wrong_algorithm() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint_sha256", &sha1_hex(&leaf.der)),
        MemoryFiles::new(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    let Reason::ThumbprintDiffers {
        algorithm,
        hint: Some(hint),
        ..
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(*algorithm, DigestKind::Sha256);
    assert_eq!(
        *hint,
        ThumbprintHint::OtherAlgorithm {
            algorithm: DigestKind::Sha1,
            use_type: SecretType::X509Thumbprint
        }
    );
}

#[test]
fn the_issuers_thumbprint_is_recognised_in_the_presented_chain() {
    let root = Ca::root("Example Root");
    let issuing = root.intermediate("Example Issuing CA");
    let leaf = issuing.issue(&LeafSpec::client("certclient"));
    for (kind, value) in [
        ("x509_thumbprint", sha1_hex(&issuing.der)),
        ("x509_thumbprint_sha256", sha256_hex(&issuing.der)),
    ] {
        let loaded = pki::load(&thumbprint_registry(kind, &value), MemoryFiles::new());
        let presented = pki::presented(&leaf.der, &[&issuing.der]);
        let reason = pki::only_reason(pki::decide_at(&loaded, "certclient", &presented, now()));
        let Reason::ThumbprintDiffers {
            hint: Some(ThumbprintHint::ChainCertificate { position, subject }),
            ..
        } = &reason
        else {
            panic!("{reason:?}")
        };
        assert_eq!(*position, 1);
        assert_eq!(subject, "CN=Example Issuing CA,O=Example CA,C=US");
        assert!(
            reason.to_string().contains("certificate #1 of the chain"),
            "{reason}"
        );
    }
}

#[test]
fn the_public_key_hash_is_recognised() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let spki_hash = sha256_hex(&rcgen::PublicKeyData::subject_public_key_info(&leaf.key));
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint_sha256", &spki_hash),
        MemoryFiles::new(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    assert!(
        matches!(
            reason,
            Reason::ThumbprintDiffers {
                hint: Some(ThumbprintHint::KeyHash),
                ..
            }
        ),
        "{reason:?}"
    );
}

#[test]
fn x5t_s256_form_registers_a_sha256_thumbprint() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let x5t = pki::x5t_s256(&leaf.der);
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint_sha256", &x5t),
        MemoryFiles::new(),
    );
    let accepted = pki::acceptance(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    assert_eq!(accepted.secret_type, SecretType::X509ThumbprintSha256);
}

#[test]
fn validity_is_checked_with_the_clock_skew() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint", &sha1_hex(&leaf.der)),
        MemoryFiles::new(),
    );
    let presented = pki::presented(&leaf.der, &[]);
    // Default skew: 300 s either side.
    for ok in [
        NOT_BEFORE_SECS - 300,
        NOT_BEFORE_SECS,
        NOT_AFTER_SECS,
        NOT_AFTER_SECS + 300,
    ] {
        pki::acceptance(pki::decide_at(&loaded, "certclient", &presented, at(ok)));
    }
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &presented,
        at(NOT_AFTER_SECS + 301),
    ));
    let Reason::CertificateExpired {
        not_after, skew, ..
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(not_after.unix(), 1_767_225_600);
    assert_eq!(*skew, 300);
    assert_eq!(
        reason.to_string(),
        "the certificate expired at 2026-01-01T00:00:00Z (now 2026-01-01T00:05:01Z, clock skew 300 s)"
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &presented,
        at(NOT_BEFORE_SECS - 301),
    ));
    assert!(
        matches!(reason, Reason::CertificateNotYetValid { .. }),
        "{reason:?}"
    );
    assert_eq!(
        reason.to_string(),
        "the certificate is not valid before 2025-01-01T00:00:00Z (now 2024-12-31T23:54:59Z, clock \
         skew 300 s)"
    );
}

#[test]
fn a_configured_clock_skew_applies() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let toml = format!(
        "clock_skew = 0\n{}",
        thumbprint_registry("x509_thumbprint", &sha1_hex(&leaf.der))
    );
    let loaded = pki::load(&toml, MemoryFiles::new());
    let presented = pki::presented(&leaf.der, &[]);
    pki::acceptance(pki::decide_at(
        &loaded,
        "certclient",
        &presented,
        at(NOT_AFTER_SECS),
    ));
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &presented,
        at(NOT_AFTER_SECS + 1),
    ));
    assert!(
        matches!(reason, Reason::CertificateExpired { skew: 0, .. }),
        "{reason:?}"
    );
}

#[test]
fn an_expired_secret_says_when_and_that_it_would_otherwise_match() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let toml = format!(
        "{}expires = 2025-03-01T00:00:00Z\n",
        thumbprint_registry("x509_thumbprint", &sha1_hex(&leaf.der))
    );
    let loaded = pki::load(&toml, MemoryFiles::new());
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(loaded.warnings[0].field, "clients[0].secrets[0].expires");
    assert!(loaded.warnings[0].message.contains("2025-03-01T00:00:00Z"));
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    assert!(
        matches!(
            reason,
            Reason::SecretExpired {
                would_match: true,
                ..
            }
        ),
        "{reason:?}"
    );
    assert_eq!(
        reason.to_string(),
        "the secret expired at 2025-03-01T00:00:00Z (it would otherwise match)"
    );
    // Before it expired, it matched.
    pki::acceptance(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        at(1_740_000_000),
    ));
}

#[test]
fn no_certificate_is_a_client_reason_and_a_secret_does_not_switch_the_method() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let loaded = pki::load(
        &thumbprint_registry("x509_thumbprint", &sha1_hex(&leaf.der)),
        MemoryFiles::new(),
    );
    let rejection = pki::rejection(pki::decide_at(
        &loaded,
        "certclient",
        &Presented::nothing(),
        now(),
    ));
    assert_eq!(
        rejection.client_reasons,
        vec![ClientReason::NoCertificatePresented {
            method: AuthMethod::SelfSignedTlsClientAuth
        }]
    );
    assert_eq!(rejection.secrets[0].reason, Reason::NoCertificate);

    let with_secret = Presented::secret(PresentedSecret::new("secret", SecretTransport::Post));
    let rejection = pki::rejection(pki::decide_at(&loaded, "certclient", &with_secret, now()));
    assert_eq!(rejection.client_reasons.len(), 2);
    assert_eq!(
        rejection.client_reasons[1].to_string(),
        "a client secret in the request body was presented, but the client uses \
         self_signed_tls_client_auth: it does not count"
    );
}

#[test]
fn a_disabled_client_is_rejected_even_when_the_certificate_matches() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let toml = thumbprint_registry("x509_thumbprint", &sha1_hex(&leaf.der))
        .replace("scopes = ", "enabled = false\nscopes = ");
    let loaded = pki::load(&toml, MemoryFiles::new());
    let rejection = pki::rejection(pki::decide_at(
        &loaded,
        "certclient",
        &pki::presented(&leaf.der, &[]),
        now(),
    ));
    assert_eq!(rejection.client_reasons, vec![ClientReason::Disabled]);
    assert!(
        rejection.secrets.is_empty(),
        "the secret itself matched: {rejection:?}"
    );
    assert_eq!(rejection.summary(), "the client is disabled");
}

#[test]
fn explain_reports_every_secret_and_the_most_specific_reason() {
    let ca = Ca::root("Example Root");
    let leaf = ca.issue(&LeafSpec::client("certclient"));
    let other = ca.issue(&LeafSpec::client("other"));
    let toml = format!(
        "{}\n[[clients.secrets]]\ntype = \"x509_thumbprint\"\nvalue = \"{}\"\nexpires = \
         2025-02-01T00:00:00Z\n",
        thumbprint_registry("x509_thumbprint", &sha1_hex(&other.der)),
        sha1_hex(&leaf.der)
    );
    let loaded = pki::load(&toml, MemoryFiles::new());
    let client = &loaded.registry.clients[0];
    let ctx = certbind_core::DecisionContext::for_registry(&loaded.registry, now());
    let explanation = certbind_core::explain(client, &pki::presented(&leaf.der, &[]), &ctx);
    assert_eq!(explanation.secrets.len(), 2);
    let certbind_core::Decision::Rejected(rejection) = &explanation.decision else {
        panic!()
    };
    let best = rejection.most_specific().unwrap();
    assert_eq!(best.index, 1);
    assert!(matches!(
        best.reason,
        Reason::SecretExpired {
            would_match: true,
            ..
        }
    ));
    assert!(
        rejection
            .summary()
            .starts_with("secret #2 (x509_thumbprint): the secret expired at")
    );
}
