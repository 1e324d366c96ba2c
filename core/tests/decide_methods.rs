//! Shared secrets, and the rule that the registered method decides which credentials count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{
    AuthMethod, ClientReason, Credential, MemoryFiles, Presented, PresentedSecret, Reason,
    SecretTransport,
};
use pki::sha2_for_tests::sha1_hex;
use pki::{Ca, LeafSpec, now};

/// SHA-256("s3cr3t") in hex and base64, computed with openssl.
fn hashed(secret: &str) -> (String, String) {
    let hex = pki::sha2_for_tests::sha256_hex(secret.as_bytes()).to_lowercase();
    let digest = pki::openssl(&["dgst", "-sha256", "-binary"], secret.as_bytes());
    let b64 = String::from_utf8(pki::openssl(&["base64", "-A"], &digest)).unwrap();
    (hex, b64)
}

fn secret_client(value: &str, method: Option<&str>) -> String {
    let method = method
        .map(|m| format!("token_endpoint_auth_method = \"{m}\"\n"))
        .unwrap_or_default();
    format!(
        "[[clients]]\nclient_id = \"app\"\nscopes = [\"api\"]\n{method}\n[[clients.secrets]]\ntype = \
         \"shared_secret\"\nvalue = \"{value}\"\n"
    )
}

fn basic(secret: &str) -> Presented<'static> {
    Presented::secret(PresentedSecret::new(secret, SecretTransport::Basic))
}

fn post(secret: &str) -> Presented<'static> {
    Presented::secret(PresentedSecret::new(secret, SecretTransport::Post))
}

#[test]
fn a_shared_secret_stored_as_hex_or_identityserver_base64_matches() {
    let (hex, b64) = hashed("s3cr3t");
    for stored in [hex, b64] {
        let loaded = pki::load(&secret_client(&stored, None), MemoryFiles::new());
        let client = &loaded.registry.clients[0];
        assert_eq!(
            client.token_endpoint_auth_method,
            AuthMethod::ClientSecretBasic
        );
        assert!(client.method_derived);
        assert!(!client.certificate_bound_access_tokens);
        let accepted = pki::acceptance(pki::decide_at(&loaded, "app", &basic("s3cr3t"), now()));
        assert_eq!(accepted.method, AuthMethod::ClientSecretBasic);
        assert_eq!(accepted.x5t_s256, None);
        assert!(!accepted.certificate_bound);
        // Derived from shared secrets only: the body works too.
        pki::acceptance(pki::decide_at(&loaded, "app", &post("s3cr3t"), now()));
        let reason = pki::only_reason(pki::decide_at(&loaded, "app", &basic("wrong"), now()));
        assert_eq!(reason, Reason::SecretDiffers);
        assert_eq!(reason.to_string(), "the client secret does not match");
    }
}

#[test]
fn a_plain_secret_in_the_registry_does_not_load() {
    let problems = pki::problems(&secret_client("s3cr3t", None), MemoryFiles::new());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "clients[0].secrets[0].value");
    assert!(
        problems[0].message.contains("SHA-256"),
        "{}",
        problems[0].message
    );
}

#[test]
fn a_written_method_refuses_the_other_transport() {
    let (hex, _) = hashed("s3cr3t");
    let loaded = pki::load(
        &secret_client(&hex, Some("client_secret_basic")),
        MemoryFiles::new(),
    );
    pki::acceptance(pki::decide_at(&loaded, "app", &basic("s3cr3t"), now()));
    let rejection = pki::rejection(pki::decide_at(&loaded, "app", &post("s3cr3t"), now()));
    assert_eq!(
        rejection.client_reasons,
        vec![ClientReason::MethodNotAllowed {
            presented: Credential::SecretPost,
            method: AuthMethod::ClientSecretBasic
        }]
    );

    let loaded = pki::load(
        &secret_client(&hex, Some("client_secret_post")),
        MemoryFiles::new(),
    );
    pki::acceptance(pki::decide_at(&loaded, "app", &post("s3cr3t"), now()));
    pki::rejection(pki::decide_at(&loaded, "app", &basic("s3cr3t"), now()));
}

#[test]
fn a_certificate_never_authenticates_a_secret_client() {
    let (hex, _) = hashed("s3cr3t");
    let ca = Ca::root("Example Root");
    let cert = ca.issue(&LeafSpec::client("app"));
    let loaded = pki::load(&secret_client(&hex, None), MemoryFiles::new());
    let rejection = pki::rejection(pki::decide_at(
        &loaded,
        "app",
        &pki::presented(&cert.der, &[]),
        now(),
    ));
    assert_eq!(
        rejection.client_reasons,
        vec![
            ClientReason::NoSecretPresented {
                method: AuthMethod::ClientSecretBasic
            },
            ClientReason::MethodNotAllowed {
                presented: Credential::Certificate,
                method: AuthMethod::ClientSecretBasic
            },
        ]
    );
    assert_eq!(rejection.secrets[0].reason, Reason::NoSecret);
    // With the secret as well, the secret counts and no token binding happens.
    let both = pki::presented(&cert.der, &[])
        .with_secret(PresentedSecret::new("s3cr3t", SecretTransport::Basic));
    let accepted = pki::acceptance(pki::decide_at(&loaded, "app", &both, now()));
    assert_eq!(accepted.x5t_s256, None);
}

#[test]
fn a_secret_never_authenticates_a_certificate_client_and_mixed_secrets_need_a_method() {
    let (hex, _) = hashed("s3cr3t");
    let ca = Ca::root("Example Root");
    let cert = ca.issue(&LeafSpec::client("app"));
    let mixed = format!(
        "{}\n[[clients.secrets]]\ntype = \"x509_thumbprint\"\nvalue = \"{}\"\n",
        secret_client(&hex, None),
        sha1_hex(&cert.der)
    );
    let problems = pki::problems(&mixed, MemoryFiles::new());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "clients[0]");
    assert!(
        problems[0]
            .message
            .contains("write token_endpoint_auth_method"),
        "{}",
        problems[0].message
    );

    let explicit = mixed.replace(
        "scopes = [\"api\"]",
        "scopes = [\"api\"]\ntoken_endpoint_auth_method = \"self_signed_tls_client_auth\"",
    );
    let loaded = pki::load(&explicit, MemoryFiles::new());
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert_eq!(loaded.warnings[0].field, "clients[0].secrets[0]");
    let rejection = pki::rejection(pki::decide_at(&loaded, "app", &basic("s3cr3t"), now()));
    assert_eq!(
        rejection.client_reasons,
        vec![
            ClientReason::NoCertificatePresented {
                method: AuthMethod::SelfSignedTlsClientAuth
            },
            ClientReason::MethodNotAllowed {
                presented: Credential::SecretBasic,
                method: AuthMethod::SelfSignedTlsClientAuth
            },
        ]
    );
    assert_eq!(
        rejection.secrets[0].reason,
        Reason::MethodNotAllowed {
            secret_method: AuthMethod::ClientSecretBasic,
            client_method: AuthMethod::SelfSignedTlsClientAuth
        }
    );
    assert_eq!(
        rejection.secrets[0].reason.to_string(),
        "method not allowed: this secret is for client_secret_basic, and the client uses \
         self_signed_tls_client_auth"
    );
    let accepted = pki::acceptance(pki::decide_at(
        &loaded,
        "app",
        &pki::presented(&cert.der, &[]),
        now(),
    ));
    assert_eq!(accepted.secret_index, 1);
}

#[test]
fn binding_tokens_to_a_certificate_needs_a_certificate_method() {
    let (hex, _) = hashed("s3cr3t");
    let toml = secret_client(&hex, None)
        .replace("scopes", "certificate_bound_access_tokens = true\nscopes");
    let problems = pki::problems(&toml, MemoryFiles::new());
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].field,
        "clients[0].certificate_bound_access_tokens"
    );
}

#[test]
fn decisions_serialise_with_codes_and_messages() {
    let (hex, _) = hashed("s3cr3t");
    let loaded = pki::load(&secret_client(&hex, None), MemoryFiles::new());
    let decision = pki::decide_at(&loaded, "app", &basic("wrong"), now());
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "outcome": "rejected",
            "client_id": "app",
            "client_reasons": [],
            "secrets": [{
                "index": 0,
                "type": "shared_secret",
                "description": null,
                "reason": {"code": "secret_differs"},
                "message": "the client secret does not match"
            }]
        })
    );
    let accepted = pki::decide_at(&loaded, "app", &basic("s3cr3t"), now());
    assert_eq!(
        serde_json::to_value(&accepted).unwrap(),
        serde_json::json!({
            "outcome": "accepted",
            "client_id": "app",
            "secret_index": 0,
            "secret_type": "shared_secret",
            "method": "client_secret_basic",
            "x5t#S256": null,
            "certificate_bound": false
        })
    );
}
