//! PKCS#12 behaviour beyond the manifest: password conventions, how the key is paired with its
//! certificate, limits that fail fast, unsupported algorithms, and that the key never leaks.
#![cfg(feature = "pkcs12")]
// Test helpers (outside #[test] functions) may unwrap too.
#![allow(clippy::unwrap_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use core::time::Duration;
use std::time::Instant;

use certbind_core::{DecodeOptions, Decoded, Error, Limits, decode};
use der::Encode as _;

const PASSWORD: &str = "certbind-test";

fn with_password(name: &str, password: Option<&str>) -> Result<Decoded, Error> {
    let mut options = DecodeOptions::default();
    options.password = password;
    decode(&fixtures::read_fixture(name), &options)
}

fn with_limit(bytes: &[u8], password: &str, max_iterations: u64) -> Result<Decoded, Error> {
    let mut limits = Limits::DEFAULT;
    limits.max_pkcs12_iterations = max_iterations;
    let mut options = DecodeOptions::with_password(password);
    options.limits = limits;
    decode(bytes, &options)
}

/// A DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(
        der::Length::try_from(content.len())
            .unwrap()
            .to_der()
            .unwrap(),
    );
    out.extend_from_slice(content);
    out
}

/// A PFX with an empty AuthenticatedSafe and a SHA-256 MAC asking for `iterations`, DER-encoded
/// as the INTEGER bytes given.
fn pfx_with_mac_iterations(iterations_integer: &[u8]) -> Vec<u8> {
    const ID_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
    const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    let auth_safe = tlv(0x30, &[]);
    let content_info = tlv(
        0x30,
        &[tlv(0x06, ID_DATA), tlv(0xA0, &tlv(0x04, &auth_safe))].concat(),
    );
    let digest_info = tlv(
        0x30,
        &[
            tlv(0x30, &[tlv(0x06, SHA256), tlv(0x05, &[])].concat()),
            tlv(0x04, &[0; 32]),
        ]
        .concat(),
    );
    let mac_data = tlv(
        0x30,
        &[
            digest_info,
            tlv(0x04, &[7; 8]),
            tlv(0x02, iterations_integer),
        ]
        .concat(),
    );
    tlv(0x30, &[tlv(0x02, &[3]), content_info, mac_data].concat())
}

#[test]
fn an_empty_password_opens_with_none_empty_or_any_password() {
    for name in [
        "client.empty-password.p12",
        "client.empty-password-legacy.p12",
    ] {
        let expected = with_password(name, Some("")).unwrap();
        assert_eq!(expected.certificates.len(), 3);
        let none = with_password(name, None).unwrap();
        assert_eq!(none.certificates.len(), 3, "{name}");
        let other = with_password(name, Some("something")).unwrap();
        assert_eq!(other.certificates.len(), 3, "{name}");
        assert!(
            other.notes.iter().any(|n| n.contains("password is empty")),
            "{name}: {:?}",
            other.notes
        );
        assert_eq!(other.key_certificate, Some(0));
    }
}

#[test]
fn a_missing_password_is_not_a_wrong_one() {
    for name in [
        "client.modern.p12",
        "client.legacy-rc2.p12",
        "client.legacy-3des.p12",
        "client.certonly.p12",
    ] {
        assert_eq!(
            with_password(name, None).unwrap_err(),
            Error::Pkcs12PasswordRequired,
            "{name}"
        );
        assert_eq!(
            with_password(name, Some("")).unwrap_err(),
            Error::Pkcs12PasswordRequired,
            "{name}"
        );
        assert_eq!(
            with_password(name, Some("wrong")).unwrap_err(),
            Error::Pkcs12WrongPassword,
            "{name}"
        );
    }
}

#[test]
fn files_without_mac_check_a_given_password_on_the_key() {
    // -nomac: certificates in the clear, key encrypted.
    let ok = with_password("client.nomac.p12", Some(PASSWORD)).unwrap();
    assert_eq!(ok.certificates.len(), 3);
    assert!(ok.notes.iter().any(|n| n.contains("no integrity MAC")));
    assert_eq!(
        with_password("client.nomac.p12", Some("wrong")).unwrap_err(),
        Error::Pkcs12WrongPassword
    );
    // Without a password the certificates are still readable; the key is not.
    let no_password = with_password("client.nomac.p12", None).unwrap();
    assert_eq!(no_password.certificates.len(), 3);
    assert!(no_password.has_private_key);
    assert!(
        no_password
            .notes
            .iter()
            .any(|n| n.contains("no password was given")),
        "{:?}",
        no_password.notes
    );
}

#[test]
fn the_key_is_paired_by_public_key_when_there_is_no_local_key_id() {
    for name in ["client.no-localkeyid.p12", "client-rsa.no-localkeyid.p12"] {
        let decoded = with_password(name, Some(PASSWORD)).unwrap();
        assert_eq!(decoded.key_certificate, Some(1), "{name}");
        assert!(
            decoded
                .notes
                .iter()
                .any(|n| n.contains("certificate #2 has its public key")),
            "{name}: {:?}",
            decoded.notes
        );
    }
    // With a localKeyId, nothing is said (and the key is not decrypted).
    let decoded = with_password("client.modern.p12", Some(PASSWORD)).unwrap();
    assert_eq!(decoded.key_certificate, Some(0));
    assert!(decoded.notes.is_empty(), "{:?}", decoded.notes);
}

#[test]
fn certificate_only_files_have_no_key() {
    let decoded = with_password("client.certonly.p12", Some(PASSWORD)).unwrap();
    assert_eq!(decoded.certificates.len(), 3);
    assert!(!decoded.has_private_key);
    assert_eq!(decoded.key_certificate, None);
}

#[test]
fn the_private_key_never_appears_in_the_result() {
    // The EC private scalar, from the SEC1 form of the same key: OCTET STRING at byte 5.
    let sec1 = fixtures::read_fixture("bad.sec1-key.der");
    assert_eq!(&sec1[5..7], &[0x04, 0x20]);
    let scalar = &sec1[7..39];
    let scalar_hex: String = scalar.iter().map(|b| format!("{b:02x}")).collect();
    for name in [
        "client.modern.p12",
        "client.no-localkeyid.p12",
        "client.unencrypted.p12",
    ] {
        let decoded = with_password(name, Some(PASSWORD)).unwrap();
        for cert in &decoded.certificates {
            assert!(!cert.der().windows(32).any(|w| w == scalar), "{name}");
        }
        let debug = format!("{decoded:?}").to_lowercase();
        assert!(!debug.contains(&scalar_hex), "{name}");
    }
}

#[test]
fn iteration_counts_over_the_limit_fail_before_any_derivation() {
    let modern = fixtures::read_fixture("client.modern.p12");
    assert_eq!(
        with_limit(&modern, PASSWORD, 2047).unwrap_err(),
        Error::Pkcs12TooManyIterations {
            iterations: 2048,
            limit: 2047
        }
    );
    assert!(with_limit(&modern, PASSWORD, 2048).is_ok());

    let start = Instant::now();
    let err = with_password("bad.p12-too-many-iterations.p12", Some(PASSWORD)).unwrap_err();
    assert_eq!(
        err,
        Error::Pkcs12TooManyIterations {
            iterations: 1_000_001,
            limit: 1_000_000
        }
    );
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn two_to_the_31_iterations_fail_fast_with_the_typed_error() {
    let pfx = pfx_with_mac_iterations(&[0x00, 0x80, 0x00, 0x00, 0x00]);
    let start = Instant::now();
    assert_eq!(
        decode(&pfx, &DecodeOptions::with_password("x")).unwrap_err(),
        Error::Pkcs12TooManyIterations {
            iterations: 1 << 31,
            limit: 1_000_000
        }
    );
    // Even when the caller lifts the limit, the KDFs take at most i32::MAX.
    assert_eq!(
        with_limit(&pfx, "x", u64::MAX).unwrap_err(),
        Error::Pkcs12TooManyIterations {
            iterations: 1 << 31,
            limit: 2_147_483_647
        }
    );
    // 2^63 and 2^64-1 too.
    let err = decode(
        &pfx_with_mac_iterations(&[0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        &DecodeOptions::default(),
    );
    assert_eq!(err.unwrap_err().code(), "Pkcs12TooManyIterations");
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    // A negative count is malformed, not huge.
    let err = decode(&pfx_with_mac_iterations(&[0xFF]), &DecodeOptions::default()).unwrap_err();
    assert_eq!(err.code(), "Pkcs12Malformed", "{err}");
}

#[test]
fn pbmac1_is_reported_as_unsupported() {
    let mut p12 = fixtures::read_fixture("client.modern.p12");
    let sha256 = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    let pbmac1 = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0E,
    ];
    let at = p12
        .windows(sha256.len())
        .rposition(|w| w == sha256)
        .expect("the MAC's SHA-256 OID");
    p12[at..at + pbmac1.len()].copy_from_slice(&pbmac1);
    let err = decode(&p12, &DecodeOptions::with_password(PASSWORD)).unwrap_err();
    let Error::Pkcs12Unsupported { algorithm } = &err else {
        panic!("{err:?}")
    };
    assert!(algorithm.contains("PBMAC1"), "{algorithm}");
}

#[test]
fn a_corrupted_file_fails_its_mac() {
    let mut p12 = fixtures::read_fixture("client.modern.p12");
    let middle = p12.len() / 2;
    p12[middle] ^= 0x01;
    let err = decode(&p12, &DecodeOptions::with_password(PASSWORD)).unwrap_err();
    // The MAC cannot tell corruption from a wrong password; either way the MAC is checked first.
    assert!(
        matches!(
            err,
            Error::Pkcs12WrongPassword | Error::Pkcs12Malformed { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn a_base64_pfx_is_read_like_the_pfx() {
    let b64 = with_password("client.modern.p12.b64", Some(PASSWORD)).unwrap();
    let bin = with_password("client.modern.p12", Some(PASSWORD)).unwrap();
    let ders = |d: &Decoded| {
        d.certificates
            .iter()
            .map(|c| c.der().to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(ders(&b64), ders(&bin));
    assert_eq!(b64.key_certificate, bin.key_certificate);
}

#[test]
fn without_mac_and_password_the_key_is_tried_once() {
    let decoded = with_password("client-rsa.no-localkeyid.p12", None);
    // The certificates are encrypted here, so no password means no certificates.
    assert_eq!(decoded.unwrap_err(), Error::Pkcs12PasswordRequired);
    let decoded = with_password("client.nomac.p12", None).unwrap();
    let notes = decoded
        .notes
        .iter()
        .filter(|n| n.contains("no password was given"))
        .count();
    assert_eq!(notes, 1, "{:?}", decoded.notes);
}
