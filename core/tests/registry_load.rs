//! Loading a registry: the seed example, every problem collected with field and line, warnings,
//! the server's config with other sections, and the same document as JSON.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{
    AuthMethod, LoadOptions, MemoryFiles, RegistryProblem, SecretKind, load_registry_data,
    load_registry_toml,
};
use pki::{Ca, now};

const SEED: &str = r#"trust_anchors = ["ca.pem"]          # paths relative to the file; used by tls_client_auth

[[clients]]
client_id = "certclient"
name = "Client Credentials Flow Client with Client Certificate"
scopes = ["read", "write"]

[[clients.secrets]]
type = "x509_thumbprint"
value = "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29"

[[clients]]
client_id = "pkiclient"
scopes = ["read"]

[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=pkiclient,O=Example,C=US"
"#;

fn ca_files() -> MemoryFiles {
    MemoryFiles::new().with("ca.pem", Ca::root("Example Root").pem)
}

fn find<'a>(problems: &'a [RegistryProblem], field: &str) -> &'a RegistryProblem {
    problems
        .iter()
        .find(|p| p.field == field)
        .unwrap_or_else(|| panic!("no problem at {field}: {problems:#?}"))
}

#[test]
fn the_seed_example_loads_as_written() {
    let loaded = pki::load(SEED, ca_files());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let registry = &loaded.registry;
    assert_eq!(registry.trust_anchor_files, vec!["ca.pem".to_string()]);
    assert_eq!(registry.clock_skew, 300);
    assert_eq!(registry.clients.len(), 2);
    let cert = &registry.clients[0];
    assert_eq!(cert.client_id, "certclient");
    assert_eq!(
        cert.name.as_deref(),
        Some("Client Credentials Flow Client with Client Certificate")
    );
    assert_eq!(cert.scopes, vec!["read", "write"]);
    assert_eq!(cert.grant_types, vec!["client_credentials"]);
    assert_eq!(cert.access_token_lifetime, 3600);
    assert!(cert.enabled);
    assert_eq!(
        cert.token_endpoint_auth_method,
        AuthMethod::SelfSignedTlsClientAuth
    );
    assert_eq!(cert.line, Some(3));
    let SecretKind::X509Thumbprint(t) = &cert.secrets[0].kind else {
        panic!()
    };
    assert_eq!(t.text, "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29");
    assert_eq!(t.digest.len(), 20);
    let pki = &registry.clients[1];
    assert_eq!(pki.token_endpoint_auth_method, AuthMethod::TlsClientAuth);
    assert!(pki.certificate_bound_access_tokens);
    assert_eq!(registry.trust.resolve(None).anchors.len(), 1);
}

#[test]
fn every_problem_is_reported_together_with_its_client_field_and_line() {
    let toml = r#"clock_skew = "5m"
colour = "blue"

[[clients]]
client_id = "a"
scopes = []
secret = "oops"

[[clients.secrets]]
type = "x509_thumbprint"
value = "not a thumbprint"

[[clients.secrets]]
type = "tls_client_auth"

[[clients]]
client_id = "a"
scopes = ["read"]
access_token_lifetime = 0

[[clients.secrets]]
type = "tls_client_auth"
subject_dn = "CN=x"
san_dns = "x.example.com"

[[clients.secrets]]
type = "x509_thumbprint_sha256"
value = "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29"
subject_dn = "CN=x"

[[clients.secrets]]
type = "x509_thumbprnt"
value = "x"
"#;
    let problems = pki::problems(toml, MemoryFiles::new());
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let expect = |field: &str, line: usize, needle: &str| {
        let p = find(&problems, field);
        assert_eq!(p.line, Some(line), "{field}: {shown:#?}");
        assert!(
            p.message.contains(needle),
            "{field}: {:?} lacks {needle:?}",
            p.message
        );
    };
    expect("clock_skew", 1, "whole number of seconds");
    expect("colour", 2, "unknown key `colour`");
    expect("clients[0].scopes", 6, "scope list is empty");
    expect("clients[0].secret", 7, "did you mean `secrets`?");
    expect("clients[0].secrets[0].value", 11, "not a thumbprint");
    expect("clients[0].secrets[1]", 13, "none is given");
    expect(
        "clients[1].client_id",
        17,
        "duplicate client_id, already used by clients[0] at line 5",
    );
    expect("clients[1].access_token_lifetime", 19, "out of range");
    expect(
        "clients[1].secrets[0]",
        24,
        "subject_dn and san_dns are given",
    );
    expect(
        "clients[1].secrets[1].subject_dn",
        29,
        "belongs to tls_client_auth secrets",
    );
    expect(
        "clients[1].secrets[2].type",
        32,
        "did you mean `x509_thumbprint`?",
    );
    assert_eq!(
        find(&problems, "clients[1].client_id").client_id.as_deref(),
        Some("a")
    );
    // In file order.
    let lines: Vec<usize> = problems.iter().map(|p| p.line.unwrap()).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
    assert_eq!(problems.len(), 11, "{shown:#?}");
    // And the error's text lists them all.
    let error = certbind_core::Error::Registry { problems };
    let text = error.to_string();
    assert!(
        text.starts_with("the client registry has 11 problem(s)"),
        "{text}"
    );
    assert!(
        text.contains("line 17: clients[1].client_id (client \"a\"): duplicate client_id"),
        "{text}"
    );
}

#[test]
fn a_toml_syntax_error_has_its_line() {
    let problems = pki::problems(
        "[[clients]]\nclient_id = \"a\nscopes = []\n",
        MemoryFiles::new(),
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(2));
}

#[test]
fn missing_fields_are_problems() {
    let problems = pki::problems("[[clients]]\nname = \"x\"\n", MemoryFiles::new());
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("missing `client_id`")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("missing `scopes`")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("missing `secrets`")),
        "{messages:?}"
    );
}

#[test]
fn the_servers_config_loads_with_its_other_sections_left_to_the_server() {
    let toml = format!(
        "[server]\nissuer = \"https://localhost:8443\"\n\n[[listeners]]\naddress = \
         \"127.0.0.1:8443\"\n\n[tokens]\nlifetime = 3600\n\n{SEED}"
    );
    let mut files = ca_files();
    let loaded = load_registry_toml(&toml, &LoadOptions::embedded(now()), &mut files).unwrap();
    assert_eq!(loaded.registry.clients.len(), 2);
    let mut files = ca_files();
    let Err(certbind_core::Error::Registry { problems }) =
        load_registry_toml(&toml, &LoadOptions::new(now()), &mut files)
    else {
        panic!("a registry-only load must reject other sections")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, vec!["server", "listeners", "tokens"]);
}

#[test]
fn the_same_registry_loads_from_json_without_lines() {
    let json = serde_json::json!({
        "clients": [{
            "client_id": "certclient",
            "scopes": ["read"],
            "access_token_lifetime": 600,
            "secrets": [{"type": "x509_thumbprint", "value": "61:B7:54:C5:41:BB:CF:C6:A4:5A:9E:9E:C5:E4:7D:87:02:B7:8C:29", "expires": "2030-01-01T00:00:00Z"}]
        }]
    });
    let mut files = MemoryFiles::new();
    let loaded = load_registry_data(json, &LoadOptions::new(now()), &mut files).unwrap();
    let client = &loaded.registry.clients[0];
    assert_eq!(client.access_token_lifetime, 600);
    assert_eq!(
        client.secrets[0].expires.unwrap().to_string(),
        "2030-01-01T00:00:00Z"
    );
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(loaded.warnings[0].line, None);
    // The cleaning is reported in the normaliser's words (as `certbind normalize` prints them).
    assert_eq!(
        loaded.warnings[0].message,
        "the value was cleaned to 61B754C541BBCFC6A45A9E9EC5E47D8702B78C29: removed 19 separator(s) (':'), first at position 2"
    );

    let bad = serde_json::json!({"clients": [{"client_id": 7, "scopes": ["read"], "secrets": [], "extra": null}]});
    let mut files = MemoryFiles::new();
    let Err(certbind_core::Error::Registry { problems }) =
        load_registry_data(bad, &LoadOptions::new(now()), &mut files)
    else {
        panic!()
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"clients[0].client_id"), "{fields:?}");
    assert!(fields.contains(&"clients[0].secrets"), "{fields:?}");
    assert!(fields.contains(&"clients[0].extra"), "{fields:?}");
}

#[test]
fn invalid_scopes_grant_types_and_client_ids_are_problems() {
    let toml = "[[clients]]\nclient_id = \"caf\u{e9}\"\nscopes = [\"read write\"]\ngrant_types = \
                [\"password\"]\n\n[[clients.secrets]]\ntype = \"x509_thumbprint\"\nvalue = \
                \"61B754C541BBCFC6A45A9E9EC5E47D8702B78C29\"\n";
    let problems = pki::problems(toml, MemoryFiles::new());
    assert!(
        find(&problems, "clients[0].client_id")
            .message
            .contains("only printable ASCII")
    );
    assert!(
        find(&problems, "clients[0].scopes")
            .message
            .contains("not allowed in a scope")
    );
    assert!(
        find(&problems, "clients[0].grant_types")
            .message
            .contains("unsupported grant type")
    );
}
