//! The `bindings` section of tests/fixtures/vectors.json against certbind-core's
//! `check_binding`: the outcome, the kind of every near-miss hint and the exact words. The npm
//! package (wasm/tests/binding.test.mjs) and the checker page run the same cases and must
//! print the same words.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use certbind_core::{PresentedCertificate, check_binding, decode};
use certbind_host::resource::confirmation;
use certbind_tests::fixtures::{read_fixture, vectors};
use serde_json::{Value, json};

fn ders(file: &str) -> Vec<Vec<u8>> {
    decode(
        &read_fixture(file),
        &certbind_core::DecodeOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{file}: {e}"))
    .certificates
    .iter()
    .map(|c| c.der().to_vec())
    .collect()
}

/// The binding of one case, as JSON (the core's serde form).
fn binding_of(case: &Value) -> Value {
    let certificate = case["certificate"].as_str().map(|file| {
        let mut certs = ders(file).into_iter();
        let leaf = certs.next().expect("a certificate");
        let mut chain: Vec<Vec<u8>> = certs.collect();
        for extra in case["chain"].as_array().expect("chain") {
            chain.extend(ders(extra.as_str().expect("file")));
        }
        PresentedCertificate::new(leaf, chain).expect("readable")
    });
    let cnf = (!case["cnf"].is_null()).then(|| confirmation(&case["cnf"]));
    serde_json::to_value(check_binding(cnf.as_ref(), certificate.as_ref())).unwrap()
}

#[test]
fn every_binding_vector_gives_its_outcome_hints_and_words() {
    let vectors = vectors();
    let cases = vectors["bindings"]["cases"]
        .as_array()
        .expect("bindings.cases");
    assert!(cases.len() >= 10);
    let mut wrong = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = &case["expected"];
        let got = binding_of(case);
        let kinds: Vec<&Value> = got["hints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| &h["kind"])
            .collect();
        let hint_messages: Vec<&Value> = got["hints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| &h["message"])
            .collect();
        assert_eq!(got["outcome"], expected["outcome"], "{name}: {got:#}");
        assert_eq!(
            got["bound"],
            json!(expected["outcome"] == "bound"),
            "{name}"
        );
        let expected_kinds: Vec<&Value> = expected["hints"].as_array().unwrap().iter().collect();
        assert_eq!(kinds, expected_kinds, "{name}: {got:#}");
        if let Some(matches) = expected.get("matches_certificate") {
            let got_matches: Vec<&Value> = got["hints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| &h["matches_certificate"])
                .collect();
            assert_eq!(
                got_matches,
                matches.as_array().unwrap().iter().collect::<Vec<_>>(),
                "{name}"
            );
        }
        if got["message"] != expected["message"]
            || json!(hint_messages) != expected["hint_messages"]
        {
            wrong.push(
                json!({"name": name, "message": got["message"], "hint_messages": hint_messages}),
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "the words differ from vectors.json:\n{}",
        serde_json::to_string_pretty(&wrong).unwrap()
    );
}
