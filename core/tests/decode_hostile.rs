//! Hostile inputs: absurd lengths, deep nesting, many blocks, huge inputs, every truncation and
//! many bit flips of real files. Decoding must return (an error, usually) quickly, never panic,
//! and never allocate or loop without bound.

// Test helpers (outside #[test] functions) may unwrap too.
#![allow(clippy::unwrap_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use core::time::Duration;
use std::time::Instant;

use certbind_core::{DecodeOptions, Error, Limits, decode};
use der::Encode as _;

fn quickly<T>(limit_ms: u64, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_millis(limit_ms),
        "took {elapsed:?} (limit {limit_ms} ms)"
    );
    value
}

fn pem(label: &str, body_base64: &str) -> String {
    format!("-----BEGIN {label}-----\n{body_base64}\n-----END {label}-----\n")
}

fn b64(bytes: &[u8]) -> String {
    use base64ct::Encoding as _;
    base64ct::Base64::encode_string(bytes)
}

#[test]
fn absurd_der_lengths_are_errors_without_allocation() {
    for input in [
        &[0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x00][..],
        &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x00],
        &[
            0x30, 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00,
        ],
        &[0x30, 0x82, 0x01, 0x00, 0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF],
        &[0x30, 0x80, 0x30, 0x80, 0x02],
        &[0x30, 0x03, 0x30, 0x84, 0xFF],
    ] {
        let err = quickly(50, || decode(input, &DecodeOptions::default()).unwrap_err());
        assert_eq!(err.code(), "BadDer", "{input:02X?}: {err}");
        // The same inside PEM and base64.
        let text = pem("CERTIFICATE", &b64(input));
        assert_eq!(
            decode(text.as_bytes(), &DecodeOptions::default())
                .unwrap_err()
                .code(),
            "BadDer"
        );
    }
}

#[test]
fn a_pkcs7_with_an_absurd_certificate_length_is_a_pkcs7_error() {
    let mut p7b = fixtures::read_fixture("basic.chain.p7b");
    let first = decode(&p7b, &DecodeOptions::default())
        .unwrap()
        .certificates[0]
        .source()
        .offset;
    // The first certificate claims 65 535 bytes, far more than there are.
    assert_eq!(p7b[first + 1], 0x82);
    p7b[first + 2..first + 4].copy_from_slice(&[0xFF, 0xFF]);
    let err = quickly(50, || decode(&p7b, &DecodeOptions::default()).unwrap_err());
    let Error::Pkcs7 { offset, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(offset.is_some_and(|o| o >= first), "{err:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // 20 000 nested definite-length SEQUENCEs.
    let mut der: Vec<u8> = Vec::new();
    for _ in 0..20_000 {
        let len = der.len();
        let mut outer = vec![0x30];
        outer.extend(der::Length::try_from(len).unwrap().to_der().unwrap());
        outer.extend(der);
        der = outer;
    }
    let err = quickly(500, || decode(&der, &DecodeOptions::default()).unwrap_err());
    assert_eq!(err.code(), "BadDer", "{err}");

    // 20 000 nested indefinite-length SEQUENCEs (BER), inside a ContentInfo.
    let mut ber = vec![
        0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0, 0x80,
    ];
    ber.extend(core::iter::repeat_n([0x30, 0x80], 20_000).flatten());
    ber.extend(core::iter::repeat_n(0, 2 * 20_002));
    let err = quickly(500, || decode(&ber, &DecodeOptions::default()).unwrap_err());
    assert!(matches!(err.code(), "BadDer" | "Pkcs7"), "{err}");
}

#[test]
fn ten_thousand_pem_blocks_are_read_in_linear_time_with_bounded_notes() {
    let cert = String::from_utf8(fixtures::read_fixture("basic.client.ee.pem")).unwrap();
    let mut text = pem("X", "QUJD").repeat(10_000);
    text.push_str(&cert);
    let decoded = quickly(10_000, || {
        decode(text.as_bytes(), &DecodeOptions::default()).unwrap()
    });
    assert_eq!(decoded.certificates.len(), 1);
    assert_eq!(decoded.certificates[0].source().line, Some(30_001));
    assert!(decoded.notes.len() <= 65, "{} notes", decoded.notes.len());
    assert!(decoded.notes.last().unwrap().contains("more notes"));

    // 2000 certificates (2.2 MB): over the limit of 1000, stopped at the 1001st.
    let many = cert.repeat(2000);
    let err = quickly(10_000, || {
        decode(many.as_bytes(), &DecodeOptions::default()).unwrap_err()
    });
    assert_eq!(err, Error::TooManyCertificates { limit: 1000 });
    let mut options = DecodeOptions::default();
    options.limits.max_certificates = 2000;
    assert_eq!(
        decode(many.as_bytes(), &options)
            .unwrap()
            .certificates
            .len(),
        2000
    );
}

#[test]
fn inputs_over_the_size_limit_are_refused_before_reading() {
    let big = vec![b'A'; Limits::DEFAULT.max_input_bytes + 1];
    let err = quickly(50, || decode(&big, &DecodeOptions::default()).unwrap_err());
    assert_eq!(
        err,
        Error::InputTooLarge {
            size: big.len(),
            limit: 4 * 1024 * 1024
        }
    );
    let mut options = DecodeOptions::default();
    options.limits.max_input_bytes = 100;
    let err = decode(&fixtures::read_fixture("basic.client.ee.der"), &options).unwrap_err();
    assert_eq!(
        err,
        Error::InputTooLarge {
            size: 782,
            limit: 100
        }
    );
}

#[test]
fn a_four_megabyte_single_line_is_linear() {
    // Base64 that is one 4 MB line with a bad character at the very end.
    let mut text = vec![b'M'; Limits::DEFAULT.max_input_bytes - 1];
    text[1] = b'I';
    text.push(b'*');
    let err = quickly(10_000, || {
        decode(&text, &DecodeOptions::default()).unwrap_err()
    });
    assert!(
        matches!(
            err,
            Error::InvalidBase64 {
                line: Some(1),
                column: 4_194_304,
                ..
            }
        ),
        "{err:?}"
    );
    // The same inside a PEM block.
    let mut text = b"-----BEGIN CERTIFICATE-----\n".to_vec();
    text.extend(core::iter::repeat_n(b'A', 4_000_000));
    text.extend(b"*\n-----END CERTIFICATE-----\n");
    let err = quickly(10_000, || {
        decode(&text, &DecodeOptions::default()).unwrap_err()
    });
    assert!(
        matches!(
            err,
            Error::InvalidBase64 {
                line: Some(2),
                column: 4_000_001,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn every_truncation_of_real_files_is_an_error_not_a_panic() {
    for (name, password) in [
        ("basic.client.ee.der", None),
        ("basic.client.ee.pem", None),
        ("basic.chain.p7b", None),
        ("cms.signed-message-ber.p7s", None),
        ("client.modern.p12", Some("certbind-test")),
        ("client.legacy-rc2.p12", Some("certbind-test")),
    ] {
        let bytes = fixtures::read_fixture(name);
        let mut options = DecodeOptions::default();
        options.password = password;
        for end in 0..bytes.len() {
            let prefix = &bytes[..end];
            let result = decode(prefix, &options);
            // Only a PEM prefix that still holds the END line's label is whole (the closing
            // dashes may be missing: that is accepted, with a note).
            let whole = String::from_utf8_lossy(prefix).contains("-----END CERTIFICATE");
            assert_eq!(result.is_ok(), whole, "{name} cut at {end}: {result:?}");
        }
    }
}

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
}

#[test]
fn random_corruptions_of_real_files_never_panic() {
    let mut rng = Rng(0x5EED_CE27_B1ED);
    for (name, password, rounds) in [
        ("basic.chain.pem", None, 2000),
        ("basic.chain.p7b", None, 2000),
        ("cms.signed-message-ber.p7s", None, 2000),
        ("basic.client.ee.hex", None, 500),
        ("pem.chain-bag-attributes.pem", None, 500),
        // PKCS#12 corruptions that keep the structure cost a key derivation each.
        ("client.legacy-rc2.p12", Some("certbind-test"), 100),
        ("client.no-localkeyid.p12", Some("certbind-test"), 100),
        ("client.nomac.p12", Some("certbind-test"), 100),
    ] {
        let original = fixtures::read_fixture(name);
        let mut options = DecodeOptions::default();
        options.password = password;
        for _ in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] ^= 1 << rng.below(8),
                    1 => bytes[at] = u8::try_from(rng.below(256)).unwrap(),
                    2 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, u8::try_from(rng.below(256)).unwrap()),
                }
            }
            // Must not panic; the result itself may be anything.
            let _ = decode(&bytes, &options);
        }
    }
}
