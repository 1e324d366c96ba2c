//! The `decisions` section of tests/fixtures/vectors.json, run against certbind-core: the same
//! cases the npm package and the checker page run, so the three can never disagree.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use certbind_core::{
    Decision, DecisionContext, LoadOptions, NoFiles, Presented, PresentedCertificate,
    PresentedSecret, SecretTransport, anchors_from_certificates, decode, explain,
    load_registry_toml, parse_rfc3339,
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

#[test]
fn every_decision_vector_holds() {
    let vectors = vectors();
    let decisions = &vectors["decisions"];
    let default_at = decisions["at"].as_str().expect("at");
    let registry_text = decisions["registry"].as_str().expect("registry");
    let now = parse_rfc3339(default_at).expect("at");
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
    let registry = &loaded.registry;

    let cases = decisions["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let at = case["at"]
            .as_str()
            .map_or(now, |t| parse_rfc3339(t).expect("case at"));
        let mut presented = Presented::nothing();
        if let Some(file) = case["certificate"].as_str() {
            let mut chain: Vec<Vec<u8>> = Vec::new();
            for extra in case["chain"].as_array().expect("chain") {
                chain.extend(certificate_ders(extra.as_str().expect("chain file")));
            }
            let leaf = certificate_ders(file).remove(0);
            presented =
                Presented::certificate(PresentedCertificate::new(leaf, chain).expect("leaf"));
        }
        if let Some(secret) = case["secret"].as_str() {
            let transport = match case["secret_transport"].as_str() {
                Some("post") => SecretTransport::Post,
                _ => SecretTransport::Basic,
            };
            presented = presented.with_secret(PresentedSecret::new(secret, transport));
        }
        let client_id = case["client_id"].as_str().expect("client_id");
        let client = registry
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
            .expect("client");
        let ctx = DecisionContext::for_registry(registry, at);
        let explanation = explain(client, &presented, &ctx);
        let json = serde_json::to_value(&explanation.decision).expect("json");
        let expected = &case["expected"];
        assert_eq!(json["outcome"], expected["outcome"], "{name}: {json:#}");
        match &explanation.decision {
            Decision::Accepted(_) => {
                for key in ["secret_index", "secret_type", "method", "x5t#S256"] {
                    assert_eq!(json[key], expected[key], "{name}: {key}");
                }
            }
            Decision::Rejected(_) => {
                let got: Vec<String> = json["secrets"]
                    .as_array()
                    .expect("secrets")
                    .iter()
                    .map(|s| s["reason"]["code"].as_str().expect("code").to_owned())
                    .collect();
                assert_eq!(
                    got,
                    codes(expected["reasons"].as_array().expect("reasons")),
                    "{name}"
                );
                if let Some(hints) = expected["hints"].as_array() {
                    let got: Vec<String> = json["secrets"]
                        .as_array()
                        .expect("secrets")
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
            _ => panic!("{name}: unknown outcome"),
        }
    }
}
