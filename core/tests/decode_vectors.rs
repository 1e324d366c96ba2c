//! Every input of the shared fixture manifest (`tests/fixtures/vectors.json`) decodes to exactly
//! the certificates OpenSSL found in it, in order, with OpenSSL's thumbprints, names and
//! validity dates (before 1970 too); every bad input
//! fails with the expected error code and position. The expected values were computed by
//! `make-fixtures.sh` with the openssl CLI, not by certbind.

#[path = "support/fixtures.rs"]
mod fixtures;

use certbind_core::{DecodeOptions, Error, InputFormat, decode};
use sha1::Digest as _;

fn format_name(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Pem => "pem",
        InputFormat::Der => "der",
        InputFormat::Base64 => "base64",
        InputFormat::Hex => "hex",
        InputFormat::Pkcs7 => "pkcs7",
        InputFormat::Pkcs12 => "pkcs12",
        _ => "unknown",
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn options(input: &fixtures::InputVector) -> DecodeOptions<'_> {
    let mut options = DecodeOptions::default();
    options.password = input.password.as_deref();
    options
}

#[test]
fn the_manifest_covers_every_input_form_and_error() {
    let inputs = fixtures::input_vectors();
    for format in ["pem", "der", "base64", "hex", "pkcs7", "pkcs12"] {
        assert!(
            inputs.iter().any(|i| i.format.as_deref() == Some(format)),
            "no {format} input"
        );
    }
    assert!(inputs.len() > 60, "only {} inputs", inputs.len());
    // Every fixture file (other than keys, the generator and the manifest) is in the manifest.
    for entry in std::fs::read_dir(fixtures::fixtures_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.contains(".key.")
            || name.ends_with(".sh")
            || name.ends_with(".py")
            || name.ends_with(".json")
            || name.starts_with('.')
        {
            continue;
        }
        assert!(
            inputs.iter().any(|i| i.file == name),
            "{name} is not in vectors.json"
        );
    }
}

#[test]
fn every_good_input_gives_openssls_certificates_in_order() {
    let mut checked = 0;
    for input in fixtures::input_vectors()
        .iter()
        .filter(|i| i.error.is_none())
    {
        let bytes = fixtures::read_fixture(&input.file);
        if !cfg!(feature = "pkcs12") && input.format.as_deref() == Some("pkcs12") {
            let err = decode(&bytes, &options(input)).unwrap_err();
            assert_eq!(err.code(), "Pkcs12Unsupported", "{}: {err}", input.file);
            assert!(err.to_string().contains("`pkcs12` feature"), "{err}");
            checked += 1;
            continue;
        }
        let decoded =
            decode(&bytes, &options(input)).unwrap_or_else(|e| panic!("{}: {e}", input.file));
        assert_eq!(
            Some(format_name(decoded.format)),
            input.format.as_deref(),
            "{}: format",
            input.file
        );
        assert_eq!(
            decoded.certificates.len(),
            input.certificates.len(),
            "{}: count",
            input.file
        );
        for (i, (cert, expected)) in decoded
            .certificates
            .iter()
            .zip(&input.certificates)
            .enumerate()
        {
            let what = format!("{} certificate #{i}", input.file);
            // Digests of the exact bytes, computed here with the sha1/sha2 crates...
            assert_eq!(
                hex_upper(&sha1::Sha1::digest(cert.der())),
                expected.sha1,
                "{what}: SHA-1"
            );
            assert_eq!(
                hex_upper(&sha2::Sha256::digest(cert.der())),
                expected.sha256,
                "{what}: SHA-256"
            );
            // ...and by the core's thumbprints.
            let t = cert.thumbprints();
            assert_eq!(t.sha1_hex(), expected.sha1, "{what}: thumbprint SHA-1");
            assert_eq!(
                t.sha256_hex(),
                expected.sha256,
                "{what}: thumbprint SHA-256"
            );
            assert_eq!(t.x5t(), expected.x5t, "{what}: x5t");
            assert_eq!(t.x5t_s256(), expected.x5t_s256, "{what}: x5t#S256");
            // Names and validity as OpenSSL prints them (ASCII names: RFC2253 escapes nothing
            // else), times before 1970 and in 9999 included.
            let info = cert.info();
            assert_eq!(info.subject, expected.subject, "{what}: subject");
            assert_eq!(info.issuer, expected.issuer, "{what}: issuer");
            assert_eq!(info.not_before, expected.not_before, "{what}: notBefore");
            assert_eq!(info.not_after, expected.not_after, "{what}: notAfter");
            assert_eq!(info.not_before_unix, expected.not_before_unix, "{what}");
            assert_eq!(info.not_after_unix, expected.not_after_unix, "{what}");
        }
        if input.format.as_deref() == Some("pkcs12") {
            assert_eq!(
                decoded.key_certificate, input.key_certificate,
                "{}: key_certificate",
                input.file
            );
            assert_eq!(
                decoded.has_private_key,
                input.key_certificate.is_some(),
                "{}: has_private_key",
                input.file
            );
        } else {
            assert_eq!(decoded.key_certificate, None, "{}", input.file);
            assert_eq!(
                decoded.has_private_key,
                input.has_private_key.unwrap_or(false),
                "{}: has_private_key",
                input.file
            );
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} good inputs");
}

/// The position an error reports: (line, column, offset).
fn position(err: &Error) -> (Option<usize>, Option<usize>, Option<usize>) {
    match err {
        Error::PemUnterminated { line, .. } | Error::PemLabelMismatch { line, .. } => {
            (Some(*line), None, None)
        }
        Error::InvalidBase64 { line, column, .. } => (*line, Some(*column), None),
        Error::InvalidHex { offset, .. } | Error::InvalidPercentEncoding { offset } => {
            (None, None, Some(*offset))
        }
        _ => (None, None, None),
    }
}

#[test]
fn every_bad_input_fails_with_its_error_code_and_position() {
    let mut checked = 0;
    for input in fixtures::input_vectors()
        .iter()
        .filter(|i| i.error.is_some())
    {
        let bytes = fixtures::read_fixture(&input.file);
        let what = format!("{} (password {:?})", input.file, input.password);
        let mut expected = input.error.as_deref();
        if !cfg!(feature = "pkcs12") && expected.is_some_and(|c| c.starts_with("Pkcs12")) {
            expected = Some("Pkcs12Unsupported");
        }
        let err = match decode(&bytes, &options(input)) {
            Ok(d) => panic!(
                "{what}: decoded {} certificates, notes {:?}",
                d.certificates.len(),
                d.notes
            ),
            Err(e) => e,
        };
        assert_eq!(Some(err.code()), expected, "{what}: {err}");
        let (line, column, offset) = position(&err);
        if input.line.is_some() {
            assert_eq!(line, input.line, "{what}: line");
        }
        if input.column.is_some() {
            assert_eq!(column, input.column, "{what}: column");
        }
        if input.offset.is_some() {
            assert_eq!(offset, input.offset, "{what}: offset");
        }
        // Every message names something concrete.
        assert!(err.to_string().len() > 15, "{what}: {err}");
        checked += 1;
    }
    assert!(checked > 20, "only {checked} bad inputs");
}
