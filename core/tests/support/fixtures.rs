//! Reading the shared fixtures (`tests/fixtures`) and their manifest `vectors.json` from the
//! core's integration tests. (The `certbind-tests` crate has the same helpers for the other
//! crates; the core cannot depend on it.)
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use serde_json::Value;

/// The shared fixture directory.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// The bytes of a fixture file.
pub fn read(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

/// One expected certificate of an input.
#[derive(Clone, Debug)]
pub struct ExpectedCertificate {
    pub sha1: String,
    pub sha256: String,
    pub x5t: String,
    pub x5t_s256: String,
    pub subject: String,
}

/// One entry of `vectors.json` `inputs`.
#[derive(Clone, Debug)]
pub struct Input {
    pub file: String,
    pub format: Option<String>,
    pub password: Option<String>,
    pub certificates: Vec<ExpectedCertificate>,
    pub key_certificate: Option<usize>,
    pub has_private_key: Option<bool>,
    pub error: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub offset: Option<usize>,
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(v: &Value, key: &str) -> Option<usize> {
    v.get(key)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).unwrap())
}

/// Every entry of `vectors.json` `inputs`.
pub fn inputs() -> Vec<Input> {
    let text = read("vectors.json");
    let json: Value = serde_json::from_slice(&text).expect("vectors.json is JSON");
    json["inputs"]
        .as_array()
        .expect("vectors.json has an inputs array")
        .iter()
        .map(|v| Input {
            file: string(v, "file").expect("file"),
            format: string(v, "format"),
            password: string(v, "password"),
            certificates: v
                .get("certificates")
                .and_then(Value::as_array)
                .map(|certs| {
                    certs
                        .iter()
                        .map(|c| ExpectedCertificate {
                            sha1: string(c, "sha1").unwrap(),
                            sha256: string(c, "sha256").unwrap(),
                            x5t: string(c, "x5t").unwrap(),
                            x5t_s256: string(c, "x5t#S256").unwrap(),
                            subject: string(c, "subject").unwrap(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            key_certificate: number(v, "key_certificate"),
            has_private_key: v.get("has_private_key").and_then(Value::as_bool),
            error: string(v, "error"),
            line: number(v, "line"),
            column: number(v, "column"),
            offset: number(v, "offset"),
        })
        .collect()
}
