//! Runs the x509-limbo suite through certbind's chain validation (rustls-webpki on certbind's
//! pure-Rust signature algorithms) and writes the results in limbo's results format.
//!
//! ```text
//! limbo LIMBO.json[.xz] RESULTS.json [--compare OTHER-RESULTS.json[.xz]] [--include-client]
//!       [--algorithms core|openssl] [--differential [--subset FILE]]
//! ```
//!
//! The harness mirrors rustls-webpki's own limbo harness, so that the two results compare case
//! by case: the same cases are skipped (max chain depth, non-SERVER validation, explicit
//! signature algorithms or key usages), CRLs are checked for the whole chain with unknown status
//! denied and expired CRLs enforced, the peer name is checked when the case names one, and the
//! validation time is the case's. `--include-client` also runs the CLIENT cases (clientAuth),
//! which certbind's own use is about. `--compare` prints where the results differ from another
//! harness's (e.g. `results-rustls-webpki-*.json.xz`).
//!
//! `--algorithms openssl` validates with the server's OpenSSL signature algorithms
//! (`certbind_host::signatures`) instead of the core's pure-Rust ones. `--differential` runs every
//! case with both: every signature webpki checks is verified by both sets (any disagreement is
//! printed with its inputs), and each case's whole verdict with the OpenSSL set must equal the
//! one with the core's. It exits with 1 when anything differs. `--subset FILE` writes the
//! signatures CI replays (`tests/fixtures/limbo-signatures.json`): every invalid one and the first
//! valid ones of each algorithm.
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitCode};

use certbind_core::{
    Anchor, Certificate, ChainOptions, KeyPurpose, UnixTime, parse_rfc3339, verify_chain,
};
use certbind_tests::signature_pairs::{Differential, hex, pairs};
use pki_types::SignatureVerificationAlgorithm;
use pki_types::pem::PemObject;
use pki_types::{CertificateDer, CertificateRevocationListDer};
use serde_json::{Value, json};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let mut compare = None;
    let mut include_client = false;
    let mut differential = false;
    let mut subset = None;
    let mut algorithms = certbind_core::SIGNATURE_ALGORITHMS;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "--compare" => {
                i += 1;
                compare = args.get(i).cloned();
            }
            "--include-client" => include_client = true,
            "--differential" => differential = true,
            "--subset" => {
                i += 1;
                subset = args.get(i).cloned();
            }
            "--algorithms" => {
                i += 1;
                algorithms = match args.get(i).map(String::as_str) {
                    Some("core") => certbind_core::SIGNATURE_ALGORITHMS,
                    Some("openssl") => certbind_host::signatures::ALGORITHMS,
                    other => {
                        eprintln!("limbo: --algorithms core|openssl, not {other:?}");
                        return ExitCode::from(2);
                    }
                };
            }
            _ => positional.push(arg.clone()),
        }
        i += 1;
    }
    let [input, output] = positional.as_slice() else {
        eprintln!(
            "usage: limbo LIMBO.json[.xz] RESULTS.json [--compare OTHER.json[.xz]] [--include-client] [--algorithms core|openssl] [--differential [--subset FILE]]"
        );
        return ExitCode::from(2);
    };
    let limbo = match read_json(Path::new(input)) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("limbo: {input}: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(testcases) = limbo.get("testcases").and_then(Value::as_array) else {
        eprintln!("limbo: {input}: no \"testcases\" array");
        return ExitCode::from(2);
    };

    if differential {
        return run_differential(testcases, include_client, subset.as_deref());
    }
    let started = std::time::Instant::now();
    let results: Vec<Value> = testcases
        .iter()
        .map(|tc| evaluate(tc, include_client, algorithms))
        .collect();
    let elapsed = started.elapsed();
    let document = json!({"version": 1, "harness": "certbind", "results": results});
    let text = match serde_json::to_string_pretty(&document) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("limbo: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::write(output, text) {
        eprintln!("limbo: {output}: {e}");
        return ExitCode::from(2);
    }

    let expected: BTreeMap<&str, &str> = testcases
        .iter()
        .filter_map(|tc| {
            Some((
                tc.get("id")?.as_str()?,
                tc.get("expected_result")?.as_str()?,
            ))
        })
        .collect();
    let ours = outcome_map(&document);
    let summary = summarize(&ours, &expected);
    println!("certbind: {summary} ({elapsed:.1?})");

    if let Some(other) = compare {
        let other_doc = match read_json(Path::new(&other)) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("limbo: {other}: {e}");
                return ExitCode::from(2);
            }
        };
        let name = other_doc
            .get("harness")
            .and_then(Value::as_str)
            .unwrap_or("other")
            .to_string();
        let theirs = outcome_map(&other_doc);
        println!("{name}: {}", summarize(&theirs, &expected));
        let mut differences = 0;
        for (id, (result, context)) in &ours {
            let Some((their_result, their_context)) = theirs.get(id) else {
                continue;
            };
            if result != their_result {
                differences += 1;
                println!(
                    "  differs {id}: expected {}, certbind {result} ({context}), {name} {their_result} ({their_context})",
                    expected.get(id.as_str()).unwrap_or(&"?")
                );
            }
        }
        println!("{differences} case(s) where certbind and {name} differ");
    }
    ExitCode::SUCCESS
}

/// Reads JSON, through `xz -dc` when the file name ends in `.xz`.
fn read_json(path: &Path) -> Result<Value, String> {
    let bytes = if path.extension().is_some_and(|e| e == "xz") {
        let out = Command::new("xz")
            .arg("-dc")
            .arg(path)
            .output()
            .map_err(|e| format!("xz: {e}"))?;
        if !out.status.success() {
            return Err(format!("xz: {}", String::from_utf8_lossy(&out.stderr)));
        }
        out.stdout
    } else {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| e.to_string())?;
        bytes
    };
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

fn result(tc: &Value, actual: &str, context: Option<&str>) -> Value {
    json!({"id": tc.get("id").cloned().unwrap_or(Value::Null), "actual_result": actual, "context": context})
}

/// `--differential`: every case with both algorithm sets at once (each signature compared) and
/// with the OpenSSL set alone (each verdict compared); prints where they differ, what was
/// compared per algorithm, and the time each set takes for the whole suite. With `subset`,
/// writes the signatures the CI test replays (see [`write_subset`]).
fn run_differential(testcases: &[Value], include_client: bool, subset: Option<&str>) -> ExitCode {
    let compared: Vec<Differential> = pairs().into_iter().map(Differential::new).collect();
    let both: Vec<&dyn SignatureVerificationAlgorithm> = compared
        .iter()
        .map(|d| d as &dyn SignatureVerificationAlgorithm)
        .collect();
    let mut verdicts_differ = 0;
    // Per algorithm: inputs, accepted by both.
    let mut per_algorithm: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut kept: Vec<Value> = Vec::new();
    for tc in testcases {
        let with_both = evaluate(tc, include_client, &both);
        let with_openssl = evaluate(tc, include_client, certbind_host::signatures::ALGORITHMS);
        let field = |v: &Value, key: &str| v.get(key).cloned().unwrap_or(Value::Null);
        let outcome = |v: &Value| (field(v, "actual_result"), field(v, "context"));
        if outcome(&with_both) != outcome(&with_openssl) {
            verdicts_differ += 1;
            println!(
                "  verdict differs {}: core {:?}, OpenSSL {:?}",
                field(tc, "id"),
                outcome(&with_both),
                outcome(&with_openssl)
            );
        }
        for seen in compared.iter().flat_map(Differential::take) {
            let counts = per_algorithm.entry(seen.algorithm.clone()).or_default();
            counts.0 += 1;
            counts.1 += usize::from(seen.core && seen.openssl);
            if seen.core != seen.openssl {
                disagreements.push(seen.clone());
            }
            keep_for_subset(&mut kept, &per_algorithm, &field(tc, "id"), &seen);
        }
    }
    for (algorithm, (inputs, accepted)) in &per_algorithm {
        println!("  {algorithm}: {inputs} signatures compared, {accepted} valid");
    }
    for d in &disagreements {
        println!(
            "  signature differs ({}): core {}, OpenSSL {}, key {}, message {}, signature {}",
            d.algorithm,
            d.core,
            d.openssl,
            hex(&d.public_key),
            hex(&d.message),
            hex(&d.signature)
        );
    }
    // The time of each set alone, on the same cases.
    let timed = |algorithms: &[&dyn SignatureVerificationAlgorithm]| {
        let started = std::time::Instant::now();
        for tc in testcases {
            let _ = evaluate(tc, include_client, algorithms);
        }
        started.elapsed()
    };
    let core_time = timed(certbind_core::SIGNATURE_ALGORITHMS);
    let openssl_time = timed(certbind_host::signatures::ALGORITHMS);
    let signatures: usize = per_algorithm.values().map(|c| c.0).sum();
    println!(
        "{} cases: {verdicts_differ} verdict(s) differ; {signatures} signature verifications \
         compared, {} differ; whole suite with the core's algorithms {core_time:.1?}, with \
         OpenSSL's {openssl_time:.1?}",
        testcases.len(),
        disagreements.len()
    );
    if let Some(path) = subset
        && let Err(e) = write_subset(path, &kept)
    {
        eprintln!("limbo: {path}: {e}");
        return ExitCode::from(2);
    }
    if verdicts_differ == 0 && disagreements.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Valid signatures kept per algorithm for the subset (every invalid one is kept).
const VALID_PER_ALGORITHM: usize = 2;

/// Keeps `seen` for the CI subset when it is invalid (limbo's rare refusals are its
/// interesting signatures), or among the first valid ones of its algorithm.
fn keep_for_subset(
    kept: &mut Vec<Value>,
    per_algorithm: &BTreeMap<String, (usize, usize)>,
    case: &Value,
    seen: &certbind_tests::signature_pairs::Verdicts,
) {
    let valid_so_far = per_algorithm.get(&seen.algorithm).map_or(0, |c| c.1);
    let duplicate = kept
        .iter()
        .any(|k| k.get("signature").and_then(Value::as_str) == Some(hex(&seen.signature).as_str()));
    if duplicate || (seen.core && valid_so_far > VALID_PER_ALGORITHM) {
        return;
    }
    kept.push(json!({
        "case": case,
        "algorithm": seen.algorithm,
        "valid": seen.core,
        "public_key": hex(&seen.public_key),
        "message": hex(&seen.message),
        "signature": hex(&seen.signature),
    }));
}

/// Writes the signatures `tests/tests/signature_differential.rs` replays in CI (the suite itself
/// is not in the repository).
fn write_subset(path: &str, kept: &[Value]) -> Result<(), String> {
    let document = json!({
        "source": "x509-limbo (https://github.com/C2SP/x509-limbo, Apache-2.0): signatures \
                   rustls-webpki asked certbind to verify while validating its cases, every \
                   invalid one and the first valid ones of each algorithm; written by \
                   `limbo LIMBO.json.xz OUT.json --differential --include-client --subset FILE`",
        "signatures": kept,
    });
    let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| e.to_string())
}

fn evaluate(
    tc: &Value,
    include_client: bool,
    algorithms: &[&dyn SignatureVerificationAlgorithm],
) -> Value {
    let features: Vec<&str> = tc
        .get("features")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |f| f.iter().filter_map(Value::as_str).collect());
    if features.contains(&"max-chain-depth") {
        return result(
            tc,
            "SKIPPED",
            Some("max-chain-depth testcases are not supported by this API"),
        );
    }
    let purpose = match tc.get("validation_kind").and_then(Value::as_str) {
        Some("SERVER") => KeyPurpose::ServerAuth,
        Some("CLIENT") if include_client => KeyPurpose::ClientAuth,
        _ => {
            return result(
                tc,
                "SKIPPED",
                Some("non-SERVER testcases not supported yet"),
            );
        }
    };
    if tc
        .get("signature_algorithms")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return result(
            tc,
            "SKIPPED",
            Some("signature_algorithms not supported yet"),
        );
    }
    if tc
        .get("key_usage")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return result(tc, "SKIPPED", Some("key_usage not supported yet"));
    }
    match validate(tc, purpose, algorithms) {
        Ok(()) => result(tc, "SUCCESS", None),
        Err(e) => result(tc, "FAILURE", Some(&e)),
    }
}

fn pem_certificate(text: &str) -> Result<Vec<u8>, String> {
    CertificateDer::from_pem_slice(text.as_bytes())
        .map(|c| c.to_vec())
        .map_err(|e| format!("PEM: {e}"))
}

fn strings<'a>(tc: &'a Value, key: &str) -> Vec<&'a str> {
    tc.get(key)
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |a| a.iter().filter_map(Value::as_str).collect())
}

fn validate(
    tc: &Value,
    purpose: KeyPurpose,
    algorithms: &[&dyn SignatureVerificationAlgorithm],
) -> Result<(), String> {
    // Anchors: like webpki's harness, unusable ones are left out; none usable fails the case.
    let anchor_texts = strings(tc, "trusted_certs");
    let anchors: Vec<Anchor> = anchor_texts
        .iter()
        .filter_map(|pem| pem_certificate(pem).ok())
        .filter_map(|der| Certificate::from_der(&der).ok())
        .filter_map(|cert| Anchor::new(cert).ok())
        .collect();
    if anchors.is_empty() && !anchor_texts.is_empty() {
        return Err("trust anchor extraction failed".into());
    }
    let intermediates: Vec<Vec<u8>> = strings(tc, "untrusted_intermediates")
        .iter()
        .map(|pem| pem_certificate(pem))
        .collect::<Result<_, _>>()?;
    let crls: Vec<Vec<u8>> = strings(tc, "crls")
        .iter()
        .map(|pem| {
            CertificateRevocationListDer::from_pem_slice(pem.as_bytes())
                .map(|c| c.to_vec())
                .map_err(|e| format!("CRL PEM: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let leaf = pem_certificate(
        tc.get("peer_certificate")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )?;
    let at = match tc.get("validation_time").and_then(Value::as_str) {
        Some(text) => parse_rfc3339(text).map_err(|e| e.to_string())?,
        None => UnixTime::since_unix_epoch(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
        ),
    };
    let peer_name = tc
        .get("expected_peer_name")
        .and_then(|n| n.get("value"))
        .and_then(Value::as_str);

    let anchor_refs: Vec<&Anchor> = anchors.iter().collect();
    let intermediate_refs: Vec<&[u8]> = intermediates.iter().map(Vec::as_slice).collect();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let mut options = ChainOptions::for_purpose(purpose);
    options.crls = &crl_refs;
    options.server_name = peer_name;
    options.algorithms = algorithms;
    verify_chain(&leaf, &intermediate_refs, &anchor_refs, at, &options).map_err(|e| {
        let code = serde_json::to_value(&e)
            .ok()
            .and_then(|v| v.get("code").and_then(Value::as_str).map(String::from));
        format!("{}: {e}", code.unwrap_or_default())
    })?;
    Ok(())
}

/// id → (actual_result, context).
fn outcome_map(doc: &Value) -> BTreeMap<String, (String, String)> {
    doc.get("results")
        .and_then(Value::as_array)
        .map(|results| {
            results
                .iter()
                .filter_map(|r| {
                    Some((
                        r.get("id")?.as_str()?.to_string(),
                        (
                            r.get("actual_result")?.as_str()?.to_string(),
                            r.get("context")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string(),
                        ),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn summarize(
    results: &BTreeMap<String, (String, String)>,
    expected: &BTreeMap<&str, &str>,
) -> String {
    let mut run = 0;
    let mut pass = 0;
    let mut skipped = 0;
    for (id, (actual, _)) in results {
        if actual == "SKIPPED" {
            skipped += 1;
            continue;
        }
        run += 1;
        if expected.get(id.as_str()) == Some(&actual.as_str()) {
            pass += 1;
        }
    }
    let rate = if run == 0 {
        0.0
    } else {
        f64::from(pass) * 100.0 / f64::from(run)
    };
    format!(
        "{pass}/{run} as expected ({rate:.2}%), {skipped} skipped, {} total",
        results.len()
    )
}
