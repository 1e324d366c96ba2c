//! The `decisions` section of tests/fixtures/vectors.json, run against certbind-core: the same
//! cases the npm package (wasm/tests/decisions.test.mjs) and the checker page run, so the three
//! can never disagree.
//!
//! A case that presents a certificate goes through the shared explain report
//! ([`explain_certificate`], what `certbind explain` and the npm package's `explain()` return);
//! a case that presents only a shared secret goes through the decision itself (no explain
//! front end takes a secret).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use certbind_core::{
    ClientIndex, DecisionContext, LoadOptions, NoFiles, Presented, PresentedCertificate,
    PresentedSecret, SecretTransport, Selection, anchors_from_certificates, decode,
    explain_certificate, load_registry_toml, parse_rfc3339,
};
use certbind_tests::fixtures::{read_fixture, vectors};
use serde_json::Value;

fn certificate_ders(file: &str) -> Vec<Vec<u8>> {
    let decoded = decode(
        &read_fixture(file),
        &certbind_core::DecodeOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{file}: {e}"));
    decoded
        .certificates
        .iter()
        .map(|c| c.der().to_vec())
        .collect()
}

fn codes(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.as_str().expect("code").to_owned())
        .collect()
}

/// The registry of the section, its anchors given as data.
fn index(decisions: &Value, now: certbind_core::UnixTime) -> ClientIndex {
    let registry_text = decisions["registry"].as_str().expect("registry");
    let mut loaded = load_registry_toml(registry_text, &LoadOptions::new(now), &mut NoFiles)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut anchors = Vec::new();
    for file in decisions["anchors"].as_array().expect("anchors") {
        let file = file.as_str().expect("file");
        let certs = decode(
            &read_fixture(file),
            &certbind_core::DecodeOptions::default(),
        )
        .expect("anchor");
        anchors.extend(anchors_from_certificates(&certs.certificates).expect("usable anchor"));
    }
    loaded.registry.trust.add_default_anchors(anchors);
    ClientIndex::new(loaded.registry)
}

/// The openssl-made thumbprints of the first certificate of an input file.
fn vector_of(vectors: &Value, file: &str) -> Value {
    vectors["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["file"] == file && i.get("error").is_none())
        .unwrap_or_else(|| panic!("no vector for {file}"))["certificates"][0]
        .clone()
}

/// A decision (its JSON) against the case's `expected`.
fn check_decision(name: &str, json: &Value, expected: &Value) {
    assert_eq!(json["outcome"], expected["outcome"], "{name}: {json:#}");
    if json["outcome"] == "accepted" {
        for key in ["secret_index", "secret_type", "method", "x5t#S256"] {
            assert_eq!(json[key], expected[key], "{name}: {key}");
        }
        return;
    }
    let secrets = json["secrets"].as_array().expect("secrets");
    let got: Vec<String> = secrets
        .iter()
        .map(|s| s["reason"]["code"].as_str().expect("code").to_owned())
        .collect();
    assert_eq!(
        got,
        codes(expected["reasons"].as_array().expect("reasons")),
        "{name}"
    );
    if let Some(hints) = expected["hints"].as_array() {
        let got: Vec<String> = secrets
            .iter()
            .map(|s| {
                s["reason"]["hint"]["kind"]
                    .as_str()
                    .unwrap_or("none")
                    .to_owned()
            })
            .collect();
        assert_eq!(got, codes(hints), "{name}");
    }
    let got: Vec<String> = json["client_reasons"]
        .as_array()
        .expect("client_reasons")
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_owned())
        .collect();
    let want = expected["client_reasons"]
        .as_array()
        .map(|a| codes(a))
        .unwrap_or_default();
    assert_eq!(got, want, "{name}");
}

#[test]
fn every_decision_vector_holds() {
    let vectors = vectors();
    let decisions = &vectors["decisions"];
    let now = parse_rfc3339(decisions["at"].as_str().expect("at")).expect("at");
    let index = index(decisions, now);

    let cases = decisions["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10);
    let mut through_report = 0;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let at = case["at"]
            .as_str()
            .map_or(now, |t| parse_rfc3339(t).expect("case at"));
        let client_id = case["client_id"].as_str().expect("client_id");
        let decision = if let Some(file) = case["certificate"].as_str() {
            assert!(
                case.get("secret").is_none(),
                "{name}: explain takes no secret"
            );
            let mut chain: Vec<Vec<u8>> = Vec::new();
            for extra in case["chain"].as_array().expect("chain") {
                chain.extend(certificate_ders(extra.as_str().expect("chain file")));
            }
            let leaf = certificate_ders(file).remove(0);
            let certificate = PresentedCertificate::new(leaf, chain).expect("leaf");
            let report = explain_certificate(&index, &certificate, Some(client_id), at);
            assert_eq!(report.selected_by, Selection::ClientId, "{name}");
            assert_eq!(report.unknown_client, None, "{name}");
            let json = serde_json::to_value(&report).expect("json");
            assert_eq!(json["clients"].as_array().expect("clients").len(), 1);
            assert_eq!(json["accepted"], expected_accepted(case), "{name}");
            // The report's certificate is the one openssl thumbprinted.
            let want = vector_of(&vectors, file);
            for key in ["sha1", "sha256", "x5t#S256"] {
                assert_eq!(json["certificate"][key], want[key], "{name}: {key}");
            }
            through_report += 1;
            json["clients"][0]["decision"].clone()
        } else {
            let secret = case["secret"].as_str().expect("a certificate or a secret");
            let transport = match case["secret_transport"].as_str() {
                Some("post") => SecretTransport::Post,
                _ => SecretTransport::Basic,
            };
            let presented = Presented::secret(PresentedSecret::new(secret, transport));
            let client = index.get(client_id).expect("client");
            let ctx = DecisionContext::for_registry(index.registry(), at);
            let explanation = certbind_core::explain(client, &presented, &ctx);
            serde_json::to_value(&explanation.decision).expect("json")
        };
        check_decision(name, &decision, &case["expected"]);
    }
    assert!(through_report >= 10, "most cases present a certificate");
}

fn expected_accepted(case: &Value) -> bool {
    case["expected"]["outcome"] == "accepted"
}
