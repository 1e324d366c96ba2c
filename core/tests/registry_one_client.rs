//! One client definition checked alone (a database row, an RFC 7591 registration): the same
//! checks and the same messages as the same entry in a TOML registry, with field paths relative
//! to the client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{
    AuthMethod, Error, LoadOptions, MemoryFiles, NoFiles, RegistryProblem, load_client_data,
    load_registry_toml,
};
use pki::{Ca, LeafSpec, now};

fn problems_of_client(json: &serde_json::Value) -> Vec<RegistryProblem> {
    match load_client_data(json, &LoadOptions::new(now()), &mut NoFiles) {
        Err(Error::Registry { problems }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn problems_of_toml(toml: &str) -> Vec<RegistryProblem> {
    match load_registry_toml(toml, &LoadOptions::new(now()), &mut NoFiles) {
        Err(Error::Registry { problems }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn the_same_bad_client_gets_the_same_messages_alone_and_in_a_registry() {
    let toml = r#"
[[clients]]
client_id = "bad"
scopes = ["read", "wr ite"]
token_endpoint_auth_method = "private_key_jwt"
[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=a,,O=b"
"#;
    let json = serde_json::json!({
        "client_id": "bad",
        "scopes": ["read", "wr ite"],
        "token_endpoint_auth_method": "private_key_jwt",
        "secrets": [{"type": "tls_client_auth", "subject_dn": "CN=a,,O=b"}],
    });
    let in_registry = problems_of_toml(toml);
    let alone = problems_of_client(&json);
    assert_eq!(in_registry.len(), 3, "{in_registry:#?}");
    assert_eq!(alone.len(), in_registry.len(), "{alone:#?}");
    for (a, r) in alone.iter().zip(&in_registry) {
        assert_eq!(a.message, r.message);
        assert_eq!(format!("clients[0].{}", a.field), r.field);
        assert_eq!(a.line, None);
        assert_eq!(a.client_id.as_deref(), Some("bad"));
    }
    assert_eq!(alone[1].field, "token_endpoint_auth_method");
    assert!(
        alone[1]
            .message
            .contains("unknown method \"private_key_jwt\"")
    );
    assert_eq!(alone[2].field, "secrets[0].subject_dn");
    assert!(alone[2].message.starts_with("not a distinguished name"));
}

#[test]
fn a_good_client_loads_with_its_own_anchor_files() {
    let ca = Ca::root("One Client Root");
    let json = serde_json::json!({
        "client_id": "pki",
        "scopes": "read",
        "trust_anchors": ["ca.pem"],
        "secrets": [{"type": "tls_client_auth", "san_dns": "client.example.com"}],
    });
    let mut files = MemoryFiles::new().with("ca.pem", ca.pem.clone());
    let loaded = load_client_data(&json, &LoadOptions::new(now()), &mut files).unwrap();
    assert_eq!(loaded.client.client_id, "pki");
    assert_eq!(
        loaded.client.token_endpoint_auth_method,
        AuthMethod::TlsClientAuth
    );
    assert_eq!(
        loaded.trust.resolve(Some(&["ca.pem".into()])).anchors.len(),
        1
    );
    assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
}

#[test]
fn a_ca_certificate_or_a_server_certificate_registered_as_a_client_is_a_warning() {
    use base64ct::Encoding as _;
    let ca = Ca::root("Registered By Mistake");
    let mut server = LeafSpec::client("server.example.com");
    server.eku = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let server = server.self_signed();
    let client = LeafSpec::client("fine").self_signed();
    for (der, says) in [
        (&ca.der, Some("is a CA certificate")),
        (&server.der, Some("without clientAuth")),
        (&client.der, None),
    ] {
        let json = serde_json::json!({
            "client_id": "c",
            "scopes": ["read"],
            "secrets": [{"type": "self_signed_tls_client_auth",
                         "x5c": [base64ct::Base64::encode_string(der)]}],
        });
        let loaded = load_client_data(&json, &LoadOptions::new(now()), &mut NoFiles).unwrap();
        match says {
            Some(says) => {
                assert_eq!(loaded.warnings.len(), 1, "{:#?}", loaded.warnings);
                assert_eq!(loaded.warnings[0].field, "secrets[0].x5c");
                assert!(
                    loaded.warnings[0].message.contains(says),
                    "{:#?}",
                    loaded.warnings
                );
            }
            None => assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings),
        }
    }
}

#[test]
fn a_definition_that_is_not_a_table_is_one_problem() {
    let problems = problems_of_client(&serde_json::json!(["not", "a", "client"]));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].message, "expected a table, found an array");
}
