//! The shared fixtures in `tests/fixtures`: their paths, their bytes, and the manifest
//! `vectors.json` that says what each input file holds (computed by `make-fixtures.sh` with the
//! openssl CLI, never by certbind).
//!
//! The manifest's `inputs` section lists every certificate input: its `format`, the `password`
//! for PKCS#12, the expected `certificates` (`sha1`, `sha256`, `x5t`, `x5t#S256`, `subject` and
//! `issuer` in OpenSSL's RFC 2253 form, `not_before` and `not_after` in RFC 3339 with their
//! `_unix` seconds, negative before 1970), `key_certificate` for PKCS#12, and for bad inputs the expected
//! `error` code (`certbind_core::Error::code`) and sometimes its `line`, `column` or `offset`.
//! Other sections belong to other test suites.

use std::path::PathBuf;

use serde_json::Value;

/// The password of the PKCS#12 fixtures (unless their manifest entry says otherwise).
pub const FIXTURE_PASSWORD: &str = "certbind-test";

/// The fixture directory, `tests/fixtures`.
///
/// Found from the compiling crate's directory one level up, so that the core's tests, which
/// compile this file too (`core/tests/support/fixtures.rs`), find the same directory.
#[must_use]
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// The path of fixture `name`, e.g. `basic.client.ee.pem`.
#[must_use]
pub fn fixture_path(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// The bytes of fixture `name`.
///
/// # Panics
/// When the file cannot be read (a test setup error, with the path in the message).
#[must_use]
pub fn read_fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

/// The whole manifest, `vectors.json`.
///
/// # Panics
/// When the manifest is missing or is not JSON.
#[must_use]
pub fn vectors() -> Value {
    serde_json::from_slice(&read_fixture("vectors.json"))
        .unwrap_or_else(|e| panic!("tests/fixtures/vectors.json is not JSON: {e}"))
}

/// One expected certificate of an input, as OpenSSL computed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedCertificate {
    /// SHA-1 of the DER, 40 uppercase hex digits.
    pub sha1: String,
    /// SHA-256 of the DER, 64 uppercase hex digits.
    pub sha256: String,
    /// base64url SHA-1.
    pub x5t: String,
    /// base64url SHA-256.
    pub x5t_s256: String,
    /// The subject as `openssl x509 -subject -nameopt RFC2253` prints it.
    pub subject: String,
    /// The issuer, as OpenSSL prints it.
    pub issuer: String,
    /// notBefore as `openssl x509 -startdate -dateopt iso_8601` prints it, in RFC 3339 form.
    pub not_before: String,
    /// notBefore in seconds since the Unix epoch (GNU `date`), negative before 1970.
    pub not_before_unix: i64,
    /// notAfter, as `not_before`.
    pub not_after: String,
    /// notAfter in seconds since the Unix epoch.
    pub not_after_unix: i64,
}

/// One entry of the manifest's `inputs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputVector {
    /// File name in the fixture directory.
    pub file: String,
    /// `pem`, `der`, `base64`, `hex`, `pkcs7` or `pkcs12`; `None` for bad inputs.
    pub format: Option<String>,
    /// The password to decode with, if any.
    pub password: Option<String>,
    /// The certificates, in input order.
    pub certificates: Vec<ExpectedCertificate>,
    /// For PKCS#12: index of the certificate the private key belongs to.
    pub key_certificate: Option<usize>,
    /// Whether the input holds a private key, when the entry says so.
    pub has_private_key: Option<bool>,
    /// For bad inputs: the expected `Error::code()`.
    pub error: Option<String>,
    /// For bad inputs: the expected line, column or byte offset of the error, where given.
    pub line: Option<usize>,
    /// See `line`.
    pub column: Option<usize>,
    /// See `line`.
    pub offset: Option<usize>,
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(v: &Value, key: &str) -> Option<usize> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

fn expected_certificate(c: &Value) -> ExpectedCertificate {
    let field = |key: &str| {
        string(c, key).unwrap_or_else(|| panic!("vectors.json: a certificate lacks {key}"))
    };
    let seconds = |key: &str| {
        c.get(key)
            .and_then(Value::as_i64)
            .unwrap_or_else(|| panic!("vectors.json: a certificate lacks {key}"))
    };
    ExpectedCertificate {
        sha1: field("sha1"),
        sha256: field("sha256"),
        x5t: field("x5t"),
        x5t_s256: field("x5t#S256"),
        subject: field("subject"),
        issuer: field("issuer"),
        not_before: field("not_before"),
        not_before_unix: seconds("not_before_unix"),
        not_after: field("not_after"),
        not_after_unix: seconds("not_after_unix"),
    }
}

/// Every entry of the manifest's `inputs`, typed.
///
/// # Panics
/// When the manifest lacks `inputs` or an entry lacks `file`.
#[must_use]
pub fn input_vectors() -> Vec<InputVector> {
    let json = vectors();
    let inputs = json
        .get("inputs")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("vectors.json has no inputs array"));
    inputs
        .iter()
        .map(|v| InputVector {
            file: string(v, "file").unwrap_or_else(|| panic!("vectors.json: an input lacks file")),
            format: string(v, "format"),
            password: string(v, "password"),
            certificates: v
                .get("certificates")
                .and_then(Value::as_array)
                .map(|certs| certs.iter().map(expected_certificate).collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_vector_names_an_existing_file() {
        let inputs = input_vectors();
        assert!(!inputs.is_empty());
        for input in &inputs {
            assert!(fixture_path(&input.file).is_file(), "{}", input.file);
            assert!(
                input.error.is_some() != input.format.is_some(),
                "{}",
                input.file
            );
        }
    }
}
