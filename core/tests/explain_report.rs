//! The explain report (`explain_certificate`): which clients it explains, its words and its
//! JSON; the certificate a decoded file presents; and the public constructors a
//! `ClientValidator` of one's own answers with. Expected thumbprints come from the openssl CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/fixtures.rs"]
mod fixtures;
#[path = "support/pki.rs"]
mod pki;

use core::fmt::Write as _;

use certbind_core::{
    Acceptance, AuthMethod, ClientIndex, ClientReason, DecodeOptions, MAX_EXPLAINED, MemoryFiles,
    PresentedCertificate, Reason, Rejection, SecretRejection, SecretType, Selection, decode,
    explain_certificate,
};
use pki::sha2_for_tests::{sha1_hex, sha256_hex};
use pki::{LeafSpec, now};

fn thumbprint_client(client_id: &str, sha1: &str) -> String {
    format!(
        "[[clients]]\nclient_id = \"{client_id}\"\nscopes = [\"read\"]\n\n[[clients.secrets]]\n\
         type = \"x509_thumbprint\"\nvalue = \"{sha1}\"\n\n"
    )
}

fn index(toml: &str) -> ClientIndex {
    ClientIndex::new(pki::load(toml, MemoryFiles::new()).registry)
}

#[test]
fn a_named_client_is_explained_and_an_unknown_one_is_reported() {
    let cert = LeafSpec::client("alpha").self_signed();
    let presented = PresentedCertificate::from_der(&cert.der, &[]).unwrap();
    let index = index(&thumbprint_client("alpha", &sha1_hex(&cert.der)));

    let report = explain_certificate(&index, &presented, Some("alpha"), now());
    assert_eq!(report.selected_by, Selection::ClientId);
    assert!(report.accepted);
    assert_eq!(report.clients.len(), 1);
    assert_eq!(
        report.clients[0].method,
        AuthMethod::SelfSignedTlsClientAuth
    );
    assert!(report.clients[0].method_derived);

    let report = explain_certificate(&index, &presented, Some("nobody"), now());
    assert_eq!(report.unknown_client.as_deref(), Some("nobody"));
    assert!(report.clients.is_empty());
    assert!(!report.accepted);
    assert!(
        report
            .to_string()
            .contains("rejected: no client has client_id \"nobody\"\n"),
        "{report}"
    );
}

#[test]
fn without_a_client_the_index_finds_the_clients_of_the_certificate() {
    let cert = LeafSpec::client("alpha").self_signed();
    let other = LeafSpec::client("beta").self_signed();
    let presented = PresentedCertificate::from_der(&cert.der, &[]).unwrap();
    let toml = thumbprint_client("beta", &sha1_hex(&other.der))
        + &thumbprint_client("alpha", &sha1_hex(&cert.der));
    let report = explain_certificate(&index(&toml), &presented, None, now());
    assert_eq!(report.selected_by, Selection::Index);
    let ids: Vec<&str> = report
        .clients
        .iter()
        .map(|c| c.client_id.as_str())
        .collect();
    assert_eq!(ids, ["alpha"], "only the client that registered it");
    assert!(report.accepted);
}

#[test]
fn with_no_client_naming_it_every_client_of_a_small_registry_is_explained() {
    let cert = LeafSpec::client("alpha").self_signed();
    let presented = PresentedCertificate::from_der(&cert.der, &[]).unwrap();
    let wrong = sha1_hex(&LeafSpec::client("beta").self_signed().der);
    let toml = thumbprint_client("one", &wrong) + &thumbprint_client("two", &wrong);
    let report = explain_certificate(&index(&toml), &presented, None, now());
    assert_eq!(report.selected_by, Selection::All);
    assert!(!report.truncated);
    assert!(!report.accepted);
    let ids: Vec<&str> = report
        .clients
        .iter()
        .map(|c| c.client_id.as_str())
        .collect();
    assert_eq!(ids, ["one", "two"]);
    let text = report.to_string();
    assert!(text.contains("; every client, and why:\n"), "{text}");
    assert!(
        text.contains(&format!(
            "client \"one\" (self_signed_tls_client_auth): REJECTED\n  secret #1 \
             (x509_thumbprint): thumbprint differs: registered SHA-1 {wrong}, the certificate's \
             is {}\n",
            sha1_hex(&cert.der)
        )),
        "{text}"
    );
}

#[test]
fn a_large_registry_with_no_client_naming_it_explains_none() {
    let cert = LeafSpec::client("alpha").self_signed();
    let presented = PresentedCertificate::from_der(&cert.der, &[]).unwrap();
    let wrong = sha1_hex(&LeafSpec::client("beta").self_signed().der);
    let mut toml = String::new();
    for i in 0..=MAX_EXPLAINED {
        toml += &thumbprint_client(&format!("client{i}"), &wrong);
    }
    let report = explain_certificate(&index(&toml), &presented, None, now());
    assert_eq!(report.selected_by, Selection::All);
    assert!(report.truncated);
    assert!(report.clients.is_empty());
    assert!(
        report.to_string().contains(&format!(
            "the registry has more than {MAX_EXPLAINED} clients"
        )),
        "{report}"
    );
}

#[test]
fn the_report_shows_the_certificate_as_openssl_sees_it() {
    let cert = LeafSpec::client("alpha").self_signed();
    let presented = PresentedCertificate::from_der(&cert.der, &[]).unwrap();
    let index = index(&thumbprint_client("alpha", &sha1_hex(&cert.der)));
    let report = explain_certificate(&index, &presented, None, now());

    let json = serde_json::to_value(&report).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "accepted",
            "at",
            "certificate",
            "clients",
            "selected_by",
            "truncated",
            "unknown_client",
            "warnings"
        ]
    );
    let c = &json["certificate"];
    assert_eq!(c["subject"], "CN=alpha,O=Example,C=US");
    assert_eq!(c["issuer"], "CN=alpha,O=Example,C=US");
    assert_eq!(c["sha1"], sha1_hex(&cert.der));
    assert_eq!(c["sha256"], sha256_hex(&cert.der));
    assert_eq!(c["x5t#S256"], pki::x5t_s256(&cert.der));
    assert_eq!(c["not_before"], "2025-01-01T00:00:00Z");
    assert_eq!(c["not_after"], "2026-01-01T00:00:00Z");
    assert_eq!(json["at"], "2025-06-01T00:00:00Z");
    assert_eq!(json["selected_by"], "index");
    let client = &json["clients"][0];
    assert_eq!(client["client_id"], "alpha");
    assert_eq!(client["method"], "self_signed_tls_client_auth");
    assert_eq!(client["decision"]["outcome"], "accepted");
    assert_eq!(client["secrets"][0]["matched"], true);

    let mut want = String::new();
    writeln!(
        want,
        "certificate CN=alpha,O=Example,C=US (issued by CN=alpha,O=Example,C=US)"
    )
    .unwrap();
    writeln!(
        want,
        "  SHA-1 {}  x5t#S256 {}",
        sha1_hex(&cert.der),
        pki::x5t_s256(&cert.der)
    )
    .unwrap();
    want +=
        "  valid 2025-01-01T00:00:00Z to 2026-01-01T00:00:00Z; checked at 2025-06-01T00:00:00Z\n";
    want +=
        "client \"alpha\" (self_signed_tls_client_auth): ACCEPTED by secret #1 (x509_thumbprint)\n";
    want += "  secret #1 (x509_thumbprint): matches (self_signed_tls_client_auth)\n";
    assert_eq!(report.to_string(), want);
}

#[test]
fn a_decoded_file_presents_the_key_certificate_and_the_rest_as_its_chain() {
    // PKCS#12: the certificate the key belongs to is the leaf, wherever it is in the file.
    let input = fixtures::input_vectors()
        .into_iter()
        .find(|i| i.file == "client.modern.p12" && i.error.is_none())
        .unwrap();
    let password = input.password.clone().unwrap();
    let mut options = DecodeOptions::default();
    options.password = Some(&password);
    let decoded = decode(&fixtures::read_fixture(&input.file), &options).unwrap();
    let key = decoded.key_certificate.unwrap();
    let count = decoded.certificates.len();
    let extra = fixtures::read_fixture("basic.root.ca.der");
    let presented = PresentedCertificate::from_decoded(decoded, [extra.clone()]).unwrap();
    assert_eq!(sha1_hex(presented.der()), input.certificates[key].sha1);
    assert_eq!(presented.chain().len(), count);
    assert_eq!(presented.chain().last(), Some(&extra));

    // Without a key, the first certificate.
    let chain = decode(
        &fixtures::read_fixture("basic.chain.pem"),
        &DecodeOptions::default(),
    )
    .unwrap();
    let first = chain.certificates[0].der().to_vec();
    let presented = PresentedCertificate::from_decoded(chain, []).unwrap();
    assert_eq!(presented.der(), first.as_slice());

    let nothing = decode(
        &fixtures::read_fixture("basic.chain.pem"),
        &DecodeOptions::default(),
    )
    .map(|mut d| {
        d.certificates.clear();
        d
    })
    .unwrap();
    assert_eq!(
        PresentedCertificate::from_decoded(nothing, [])
            .unwrap_err()
            .code(),
        "NoCertificate"
    );
}

#[test]
fn a_validator_of_ones_own_builds_its_answers_with_the_public_constructors() {
    let cert = LeafSpec::client("alpha").self_signed();
    let presented = PresentedCertificate::from_der(&cert.der, &[]).unwrap();

    let acceptance = Acceptance::new(
        "alpha",
        2,
        SecretType::X509ThumbprintSha256,
        AuthMethod::SelfSignedTlsClientAuth,
    );
    assert_eq!(acceptance.x5t_s256, None);
    assert!(!acceptance.certificate_bound);
    let bound = acceptance.with_certificate(&presented, true);
    assert_eq!(bound.x5t_s256, Some(pki::x5t_s256(&cert.der)));
    assert!(bound.certificate_bound);
    assert_eq!(bound.secret_index, 2);

    let custom = Rejection::custom("alpha", "revoked in our database");
    assert_eq!(custom.summary(), "revoked in our database");
    assert_eq!(
        serde_json::to_value(&custom).unwrap()["client_reasons"],
        serde_json::json!([{ "code": "custom", "message": "revoked in our database" }])
    );

    let per_secret = Rejection::new("alpha")
        .with_client_reason(ClientReason::Disabled)
        .with_secret(
            SecretRejection::new(
                0,
                SecretType::X509Thumbprint,
                Reason::Custom {
                    message: "pin rotated".into(),
                },
            )
            .with_description("old laptop"),
        );
    let json = serde_json::to_value(&per_secret).unwrap();
    assert_eq!(json["client_reasons"][0]["code"], "disabled");
    assert_eq!(
        json["client_reasons"][0]["message"],
        "the client is disabled"
    );
    assert_eq!(json["secrets"][0]["reason"]["code"], "custom");
    assert_eq!(json["secrets"][0]["message"], "pin rotated");
    assert_eq!(json["secrets"][0]["description"], "old laptop");
    assert_eq!(per_secret.summary(), "the client is disabled");
    assert_eq!(
        Rejection::unknown_client("x").summary(),
        "no client is registered with this client_id"
    );
}
