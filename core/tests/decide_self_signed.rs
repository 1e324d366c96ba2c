//! RFC 8705 §2.2 self-signed method: the certificate must be one registered for the client, as
//! PEM (inline or file), `x5c`, a JWKS file or its SHA-256.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{AuthMethod, MemoryFiles, Reason, SecretType};
use pki::sha2_for_tests::sha256_hex;
use pki::{LeafSpec, NOT_AFTER_SECS, at, now};

fn registry(secret_lines: &str) -> String {
    format!(
        "[[clients]]\nclient_id = \"selfie\"\nscopes = [\"read\"]\n\n[[clients.secrets]]\ntype = \
         \"self_signed_tls_client_auth\"\n{secret_lines}\n"
    )
}

fn base64_der(der: &[u8]) -> String {
    String::from_utf8(pki::openssl(&["base64", "-A"], der)).unwrap()
}

#[test]
fn every_registration_form_accepts_the_registered_certificate() {
    let cert = LeafSpec::client("selfie").self_signed();
    let presented = pki::presented(&cert.der, &[]);
    let forms = [
        (
            format!("pem = \"\"\"\n{}\"\"\"", cert.pem),
            MemoryFiles::new(),
        ),
        (
            "pem_file = \"client.pem\"".to_string(),
            MemoryFiles::new().with("client.pem", cert.pem.clone()),
        ),
        (
            format!("x5c = [\"{}\"]", base64_der(&cert.der)),
            MemoryFiles::new(),
        ),
        (
            "jwks_file = \"client.jwks\"".to_string(),
            MemoryFiles::new().with_jwks("client.jwks", vec![cert.der.clone()]),
        ),
        (
            format!("sha256 = \"{}\"", sha256_hex(&cert.der)),
            MemoryFiles::new(),
        ),
        (
            format!("sha256 = [\"{}\"]", pki::x5t_s256(&cert.der)),
            MemoryFiles::new(),
        ),
    ];
    for (lines, files) in forms {
        let loaded = pki::load(&registry(&lines), files);
        assert!(loaded.warnings.is_empty(), "{lines}: {:?}", loaded.warnings);
        let client = &loaded.registry.clients[0];
        assert_eq!(
            client.token_endpoint_auth_method,
            AuthMethod::SelfSignedTlsClientAuth
        );
        let accepted = pki::acceptance(pki::decide_at(&loaded, "selfie", &presented, now()));
        assert_eq!(accepted.secret_type, SecretType::SelfSignedTlsClientAuth);
        assert_eq!(
            accepted.x5t_s256.as_deref(),
            Some(pki::x5t_s256(&cert.der).as_str())
        );
    }
}

#[test]
fn another_certificate_with_the_same_names_and_key_type_is_rejected() {
    let registered = LeafSpec::client("selfie").self_signed();
    let other = LeafSpec::client("selfie").self_signed();
    let loaded = pki::load(
        &registry(&format!("pem = '''\n{}'''", registered.pem)),
        MemoryFiles::new(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "selfie",
        &pki::presented(&other.der, &[]),
        now(),
    ));
    let Reason::CertificateNotRegistered {
        registered: list,
        actual,
        hint,
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(list, &vec![sha256_hex(&registered.der)]);
    assert_eq!(actual, &sha256_hex(&other.der));
    assert_eq!(*hint, None);
}

#[test]
fn an_expired_self_signed_certificate_is_rejected_even_though_it_is_registered() {
    let cert = LeafSpec::client("selfie").self_signed();
    let loaded = pki::load(
        &registry(&format!("x5c = \"{}\"", base64_der(&cert.der))),
        MemoryFiles::new(),
    );
    let reason = pki::only_reason(pki::decide_at(
        &loaded,
        "selfie",
        &pki::presented(&cert.der, &[]),
        at(NOT_AFTER_SECS + 3600),
    ));
    assert!(
        matches!(reason, Reason::CertificateExpired { .. }),
        "{reason:?}"
    );
}

#[test]
fn a_registered_certificate_already_expired_at_load_time_is_a_warning() {
    let cert = LeafSpec::client("selfie")
        .validity((2024, 1, 1), (2025, 1, 1))
        .self_signed();
    let loaded = pki::load(
        &registry(&format!("x5c = \"{}\"", base64_der(&cert.der))),
        MemoryFiles::new(),
    );
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert_eq!(loaded.warnings[0].field, "clients[0].secrets[0].x5c");
    assert!(
        loaded.warnings[0].message.contains("2025-01-01T00:00:00Z"),
        "{}",
        loaded.warnings[0].message
    );
}

#[test]
fn a_registration_without_a_certificate_does_not_load() {
    let problems = pki::problems(&registry(""), MemoryFiles::new());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .message
            .contains("pem, pem_file, x5c, jwks_file or sha256")
    );
    let problems = pki::problems(&registry("x5c = [\"not base64!\"]"), MemoryFiles::new());
    assert!(problems[0].message.contains("not base64"), "{problems:?}");
    let problems = pki::problems(&registry("pem_file = \"missing.pem\""), MemoryFiles::new());
    assert!(problems[0].message.contains("missing.pem"), "{problems:?}");
}
