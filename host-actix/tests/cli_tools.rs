//! End-to-end tests of `certbind thumbprint`, `inspect` and `normalize`: the real binary, the
//! shared fixtures, expected values from tests/fixtures/vectors.json (computed by the openssl CLI
//! when the fixtures were made, independently of certbind).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn vectors() -> Value {
    let text = std::fs::read_to_string(fixtures().join("vectors.json")).expect("vectors.json");
    serde_json::from_str(&text).expect("vectors.json is JSON")
}

fn certbind(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certbind"))
        .args(args)
        .current_dir(fixtures())
        .env_remove("CERTBIND_PASSWORD")
        .output()
        .expect("run certbind")
}

fn certbind_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_certbind"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn certbind");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait certbind")
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn thumbprint_json_matches_every_good_vector() {
    let vectors = vectors();
    let mut checked = 0;
    for input in vectors["inputs"].as_array().expect("inputs") {
        if input.get("error").is_some() {
            continue;
        }
        let file = input["file"].as_str().expect("file");
        let mut args = vec!["thumbprint", "--json", file];
        let password = input["password"].as_str().map(str::to_owned);
        let pw_arg;
        if let Some(password) = &password {
            pw_arg = format!("--password={password}");
            args.push(&pw_arg);
        }
        let rows = stdout_json(&certbind(&args));
        let rows = rows.as_array().expect("array");
        let expected = input["certificates"].as_array().expect("certificates");
        assert_eq!(rows.len(), expected.len(), "{file}: certificate count");
        for (row, want) in rows.iter().zip(expected) {
            for key in ["sha1", "sha256", "x5t", "x5t#S256"] {
                assert_eq!(row[key], want[key], "{file}: {key}");
            }
            assert_eq!(row["file"], file);
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} vectors checked");
}

#[test]
fn thumbprint_json_has_exactly_the_documented_keys_in_file_order() {
    let rows = stdout_json(&certbind(&[
        "thumbprint",
        "--json",
        "basic.root.ca.pem",
        "basic.chain.pem",
    ]));
    let rows = rows.as_array().expect("array");
    let chain = vectors()["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["file"] == "basic.chain.pem")
        .expect("chain vector")["certificates"]
        .as_array()
        .expect("certs")
        .len();
    assert_eq!(rows.len(), 1 + chain);
    assert_eq!(rows[0]["file"], "basic.root.ca.pem");
    assert_eq!(rows[1]["file"], "basic.chain.pem");
    assert_eq!(rows[1]["index"], 0);
    for row in rows {
        for key in ["sha1", "sha256", "x5t", "x5t#S256"] {
            assert!(row[key].is_string(), "missing {key}");
        }
        assert_eq!(row["sha1"].as_str().map(str::len), Some(40));
        assert_eq!(row["sha256"].as_str().map(str::len), Some(64));
    }
}

#[test]
fn thumbprint_password_comes_from_the_environment_and_marks_the_key_certificate() {
    let out = Command::new(env!("CARGO_BIN_EXE_certbind"))
        .args(["thumbprint", "--json", "client.modern.p12"])
        .current_dir(fixtures())
        .env("CERTBIND_PASSWORD", "certbind-test")
        .output()
        .expect("run");
    let rows = stdout_json(&out);
    let with_key: Vec<&Value> = rows
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["has_private_key"] == true)
        .collect();
    assert_eq!(with_key.len(), 1, "exactly one certificate carries the key");
}

#[test]
fn thumbprint_wrong_password_is_a_one_line_error_with_exit_2() {
    let out = certbind(&["thumbprint", "--password", "nope", "client.modern.p12"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("wrong password"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn thumbprint_bad_inputs_fail_with_a_message_naming_the_file() {
    for input in vectors()["inputs"].as_array().expect("inputs") {
        if input.get("error").is_none() || input.get("password").is_some() {
            continue;
        }
        let file = input["file"].as_str().expect("file");
        let out = certbind(&["thumbprint", file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("certbind: ") && stderr.contains(file),
            "{file}: {stderr}"
        );
        let json = certbind(&["thumbprint", "--json", file]);
        assert_eq!(json.status.code(), Some(2));
        let body: Value = serde_json::from_slice(&json.stdout).expect("json error body");
        assert!(body["error"]["message"].is_string());
    }
}

#[test]
fn thumbprint_formats_idserver_openssl_and_x5t() {
    let vectors = vectors();
    let want = &vectors["inputs"][0]["certificates"][0];
    let file = vectors["inputs"][0]["file"].as_str().expect("file");
    let id = certbind(&["thumbprint", "--format", "idserver", file]);
    assert_eq!(
        String::from_utf8_lossy(&id.stdout).trim(),
        want["sha1"].as_str().expect("sha1")
    );
    let x5t = certbind(&["thumbprint", "--format", "x5t", file]);
    assert_eq!(
        String::from_utf8_lossy(&x5t.stdout).trim(),
        want["x5t#S256"].as_str().expect("x5t")
    );
    let openssl = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(fixtures().join(file))
        .output()
        .expect("openssl");
    let ours = certbind(&["thumbprint", "--format", "openssl", file]);
    let first_line = String::from_utf8_lossy(&ours.stdout)
        .lines()
        .next()
        .map(str::to_owned);
    let theirs = String::from_utf8_lossy(&openssl.stdout)
        .trim()
        .replace("sha1 ", "SHA1 ");
    assert_eq!(first_line.as_deref(), Some(theirs.as_str()));
}

#[test]
fn thumbprint_reads_standard_input() {
    let der = std::fs::read(fixtures().join("basic.client.ee.der")).expect("fixture");
    let rows = stdout_json(&certbind_stdin(&["thumbprint", "--json", "-"], &der));
    let expected = vectors()["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["file"] == "basic.client.ee.der")
        .expect("vector")["certificates"][0]["sha1"]
        .clone();
    assert_eq!(rows[0]["sha1"], expected);
}

#[test]
fn inspect_json_has_the_documented_fields_and_agrees_with_openssl_subject() {
    let rows = stdout_json(&certbind(&["inspect", "--json", "basic.client.ee.pem"]));
    let row = &rows[0];
    for key in [
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "san",
        "key_algorithm",
        "sha1",
        "sha256",
        "x5t",
        "x5t#S256",
    ] {
        assert!(!row[key].is_null(), "missing {key}");
    }
    for san in row["san"].as_array().expect("san list") {
        assert!(san["type"].is_string() && san["value"].is_string());
    }
    let openssl = Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in"])
        .arg(fixtures().join("basic.client.ee.pem"))
        .output()
        .expect("openssl");
    let subject = String::from_utf8_lossy(&openssl.stdout)
        .trim()
        .trim_start_matches("subject=")
        .to_owned();
    assert_eq!(row["subject"], subject.as_str());
}

/// Certificates dated before 1970 (UTCTime 50-69, GeneralizedTime before 1950 or in 1969) and
/// until 9999-12-31 are read, thumbprinted and shown with their dates exactly, as openssl
/// prints them (vectors.json).
#[test]
fn certificates_dated_before_1970_are_inspected_with_their_exact_dates() {
    let vectors = vectors();
    for file in [
        "time.utc-1950.ee.pem",
        "time.utc-1969.ee.der",
        "time.generalized-1900.ee.pem",
        "time.generalized-1969.ee.pem",
    ] {
        let want = &vectors["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .find(|i| i["file"] == file)
            .expect("vector")["certificates"][0];
        let rows = stdout_json(&certbind(&["inspect", "--json", file]));
        for key in [
            "sha1",
            "sha256",
            "subject",
            "issuer",
            "not_before",
            "not_after",
        ] {
            assert_eq!(rows[0][key], want[key], "{file}: {key}");
        }
        for key in ["not_before_unix", "not_after_unix"] {
            assert_eq!(rows[0][key], want[key], "{file}: {key}");
        }
        let prints = stdout_json(&certbind(&["thumbprint", "--json", file]));
        assert_eq!(prints[0]["sha1"], want["sha1"], "{file}");
    }
    let out = certbind(&["inspect", "time.utc-1950.ee.pem"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("  Not before           1950-01-01T00:00:00Z\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  Not after            9999-12-31T23:59:59Z (no expiration date, RFC 5280)\n"
        ),
        "{text}"
    );
    let text = String::from_utf8_lossy(&certbind(&["inspect", "time.utc-1969.ee.pem"]).stdout)
        .into_owned();
    assert!(
        text.contains("  Not after            1969-12-31T23:59:59Z (EXPIRED)\n"),
        "{text}"
    );
}

/// Attribute types by the names OpenSSL prints (serialNumber, organizationIdentifier, …), in the
/// text output as in the JSON.
#[test]
fn inspect_names_attributes_as_openssl_does() {
    let out = certbind(&["inspect", "names.eidas.ee.pem"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let subject = vectors()["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["file"] == "names.eidas.ee.pem")
        .expect("vector")["certificates"][0]["subject"]
        .as_str()
        .expect("subject")
        .to_owned();
    assert!(
        subject.contains(",serialNumber=IDCES-12345678Z,organizationIdentifier=VATES-Q2826004J,")
    );
    assert!(
        text.contains(&format!("  Subject              {subject}\n")),
        "{text}"
    );
}

#[test]
fn inspect_text_shows_thumbprints_and_names() {
    let out = certbind(&["inspect", "basic.client.ee.pem"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for label in [
        "Subject",
        "Issuer",
        "Serial",
        "Not after",
        "SHA-1 (IdentityServer)",
        "x5t#S256",
    ] {
        assert!(text.contains(label), "missing {label} in\n{text}");
    }
}

#[test]
fn normalize_prints_the_clean_value_alone_and_reports_removals_on_stderr() {
    let pasted = "\u{200e}61:b7:54:c5:41:bb:cf:c6:a4:5a:9e:9e:c5:e4:7d:87:02:b7:8c:29\n";
    let out = certbind_stdin(&["normalize"], pasted.as_bytes());
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("U+200E LEFT-TO-RIGHT MARK at position 0"),
        "{stderr}"
    );
    assert!(stderr.contains("19 separator(s)"), "{stderr}");
}

#[test]
fn normalize_json_lists_every_change_with_position() {
    let out = certbind(&[
        "normalize",
        "--json",
        "\u{feff}SHA1 Fingerprint=61B754C541BBCFC6A45A9E9EC5E47D8702B78C29",
    ]);
    let body = stdout_json(&out);
    assert_eq!(body["value"], "61B754C541BBCFC6A45A9E9EC5E47D8702B78C29");
    let changes = body["changes"].as_array().expect("changes");
    assert_eq!(changes[0]["index"], 0);
    assert_eq!(changes[0]["code_point"], "U+FEFF");
}

#[test]
fn normalize_rejects_a_short_thumbprint_with_exit_2_and_the_reason() {
    let out = certbind(&["normalize", "61B754C541BBCFC6A45A9E9EC5E47D8702B78C2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("39") && stderr.contains("40"), "{stderr}");
    let json = certbind(&[
        "normalize",
        "--json",
        "61B754C541BBCFC6A45A9E9EC5E47D8702B78C2",
    ]);
    let body: Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(body["error"]["code"], "ThumbprintLength");
}
