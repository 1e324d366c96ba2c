//! What decoding does with each input form beyond the certificates themselves: the exact bytes
//! kept, where each certificate was found, the notes, and the precise error (variant, position,
//! label, message) for each way an input can be wrong.

#[path = "support/fixtures.rs"]
mod fixtures;

use certbind_core::{Certificate, DecodeOptions, Error, InputFormat, PemPosition, decode};

fn decode_fixture(name: &str) -> Result<certbind_core::Decoded, Error> {
    decode(&fixtures::read_fixture(name), &DecodeOptions::default())
}

fn decode_str(text: &str) -> Result<certbind_core::Decoded, Error> {
    decode(text.as_bytes(), &DecodeOptions::default())
}

fn client_der() -> Vec<u8> {
    fixtures::read_fixture("basic.client.ee.der")
}

fn base64(der: &[u8]) -> String {
    use base64ct::Encoding as _;
    base64ct::Base64::encode_string(der)
}

#[test]
fn every_encoding_of_the_client_certificate_gives_its_exact_der() {
    let der = client_der();
    for name in [
        "basic.client.ee.pem",
        "basic.client.ee.der",
        "basic.client.ee.b64",
        "basic.client.ee.b64-wrapped",
        "basic.client.ee.hex",
        "basic.client.ee.hex-colons",
        "pem.client-bom.pem",
        "pem.client-76col.pem",
        "pem.client-single-line-body.pem",
        "pem.client-one-line.txt",
        "pem.client-json-escaped.txt",
        "pem.client-nginx-escaped.txt",
        "pem.client-envoy-xfcc.txt",
        "pem.client-form-encoded.txt",
        "pem.client-k8s-secret.txt",
        "pem.client-indented.yaml",
        "pem.client-x509-label.pem",
        "pem.client-headers.pem",
        "pem.client-utf16le.pem",
        "pem.client-trusted.pem",
        "pem.key-and-cert.pem",
        "pem.many-blocks.pem",
    ] {
        let decoded = decode_fixture(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded.certificates.len(), 1, "{name}");
        assert_eq!(decoded.certificates[0].der(), der.as_slice(), "{name}");
    }
}

#[test]
fn pem_certificates_know_their_begin_line() {
    let decoded = decode_fixture("basic.chain.pem").unwrap();
    let lines: Vec<Option<usize>> = decoded
        .certificates
        .iter()
        .map(|c| c.source().line)
        .collect();
    assert_eq!(lines, [Some(1), Some(20), Some(37)]);
    // Line numbers are the same whatever the line endings.
    for name in [
        "pem.chain-crlf.pem",
        "pem.chain-cr.pem",
        "pem.chain-mixed-eol.pem",
    ] {
        let decoded = decode_fixture(name).unwrap();
        let l: Vec<Option<usize>> = decoded
            .certificates
            .iter()
            .map(|c| c.source().line)
            .collect();
        assert_eq!(l, lines, "{name}");
    }
    let text = fixtures::read_fixture("basic.chain.pem");
    let second = decoded.certificates[1].source().offset;
    assert!(text[second..].starts_with(b"-----BEGIN CERTIFICATE-----"));
}

#[test]
fn pkcs7_certificates_are_the_exact_bytes_at_their_offsets() {
    let p7b = fixtures::read_fixture("basic.chain.p7b");
    let decoded = decode(&p7b, &DecodeOptions::default()).unwrap();
    assert_eq!(decoded.format, InputFormat::Pkcs7);
    let chain = decode_fixture("basic.chain.pem").unwrap();
    for (cert, expected) in decoded.certificates.iter().zip(&chain.certificates) {
        let at = cert.source().offset;
        assert_eq!(&p7b[at..at + cert.der().len()], cert.der());
        assert_eq!(cert.der(), expected.der());
    }
}

#[test]
fn skipped_pem_blocks_are_noted_with_their_lines() {
    let decoded = decode_fixture("pem.key-and-cert.pem").unwrap();
    assert!(decoded.has_private_key);
    for expected in [
        "line 1: skipped PEM block EC PARAMETERS",
        "line 4: skipped PEM block EC PRIVATE KEY (a private key; not read)",
        "line 28: skipped PEM block CERTIFICATE REQUEST",
        "line 35: skipped PEM block PUBLIC KEY",
        "line 39: skipped PEM block PRIVATE KEY (a private key; not read)",
        "line 67: skipped PEM block RSA PRIVATE KEY (a private key; not read)",
    ] {
        assert!(
            decoded.notes.iter().any(|n| n == expected),
            "no note {expected:?} in {:?}",
            decoded.notes
        );
    }
}

#[test]
fn trusted_certificate_keeps_only_the_certificate_and_says_so() {
    let decoded = decode_fixture("pem.client-trusted.pem").unwrap();
    assert_eq!(decoded.certificates[0].der(), client_der().as_slice());
    let note = decoded
        .notes
        .iter()
        .find(|n| n.contains("TRUSTED CERTIFICATE"))
        .expect("a note");
    assert!(
        note.starts_with("line 1: ") && note.contains("dropped") && note.contains("trust settings"),
        "{note}"
    );
}

#[test]
fn interpretations_are_noted() {
    let cases = [
        ("pem.client-bom.pem", "byte-order mark"),
        ("pem.client-utf16le.pem", "UTF-16"),
        ("pem.client-json-escaped.txt", "\\n"),
        ("pem.client-nginx-escaped.txt", "URL-encoded PEM"),
        ("pem.client-envoy-xfcc.txt", "URL-encoded PEM"),
        ("pem.client-form-encoded.txt", "URL-encoded PEM"),
        ("pem.client-k8s-secret.txt", "base64 decodes to PEM text"),
        ("x5c.client-jwk.json", "JSON x5c arrays"),
        (
            "base64.chain-one-per-line.txt",
            "read each of the 3 lines as one base64 certificate",
        ),
        (
            "pem.client-email-spaces.pem",
            "line 4, column 21: skipped 2 non-ASCII space or invisible character(s) in the base64 of PEM block CERTIFICATE, the first U+00A0 NO-BREAK SPACE",
        ),
        ("xml.saml-metadata.xml", "<X509Certificate> element(s)"),
        ("pem.client-headers.pem", "header line"),
        (
            "pem.chain-p7b-in-certificate-block.pem",
            "holds a PKCS#7 bundle",
        ),
    ];
    for (name, needle) in cases {
        let decoded = decode_fixture(name).unwrap();
        assert!(
            decoded.notes.iter().any(|n| n.contains(needle)),
            "{name}: {:?}",
            decoded.notes
        );
    }
    // Nothing to say about a plain file.
    assert!(decode_fixture("basic.chain.pem").unwrap().notes.is_empty());
}

#[test]
fn base64_in_quotes_url_safe_and_unpadded_is_read() {
    let der = client_der();
    let b64 = base64(&der);
    let url: String = b64
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .filter(|&c| c != '=')
        .collect();
    for text in [
        format!("\"{b64}\""),
        format!("  {b64}\n"),
        b64.trim_end_matches('=').to_owned(),
        url.clone(),
    ] {
        let decoded = decode_str(&text).unwrap_or_else(|e| panic!("{text:.20}: {e}"));
        assert_eq!(decoded.format, InputFormat::Base64);
        assert_eq!(decoded.certificates[0].der(), der.as_slice());
    }
    if url.contains(['-', '_']) {
        assert!(
            decode_str(&url)
                .unwrap()
                .notes
                .iter()
                .any(|n| n.contains("URL-safe"))
        );
    }
}

#[test]
fn hex_with_prefix_spaces_and_any_case_is_read() {
    let der = client_der();
    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
    let spaced: Vec<String> = der.iter().map(|b| format!("{b:02X}")).collect();
    for text in [
        format!("0x{hex}"),
        spaced.join(" "),
        spaced.join(":"),
        format!("\\x{hex}\n"),
    ] {
        let decoded = decode_str(&text).unwrap();
        assert_eq!(decoded.format, InputFormat::Hex);
        assert_eq!(decoded.certificates[0].der(), der.as_slice());
    }
}

#[test]
fn der_errors_name_the_offset_and_the_pem_block() {
    // Trailing bytes after a binary certificate.
    let err = decode_fixture("bad.der-trailing.der").unwrap_err();
    assert_eq!(
        err,
        Error::TrailingData {
            offset: client_der().len(),
            count: 1,
            pem: None
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "1 unexpected byte(s) after the end of the certificate at byte {}",
            client_der().len()
        )
    );

    // A certificate cut short inside a PEM block.
    let err = decode_fixture("bad.pem-truncated-body.pem").unwrap_err();
    let Error::BadDer { pem, offset, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(pem.as_ref(), Some(&PemPosition::new("CERTIFICATE", 1)));
    assert!(offset.is_some());
    assert!(
        err.to_string()
            .starts_with("PEM block CERTIFICATE at line 1: malformed DER certificate"),
        "{err}"
    );

    // A key in a CERTIFICATE block.
    let err = decode_fixture("bad.pem-key-in-certificate-block.pem").unwrap_err();
    assert_eq!(
        err,
        Error::NotACertificate {
            found: String::from("a PKCS#8 private key"),
            pem: Some(PemPosition::new("CERTIFICATE", 1)),
        }
    );
}

#[test]
fn well_known_non_certificates_are_named() {
    for (name, found) in [
        ("bad.pkcs8-key.der", "a PKCS#8 private key"),
        ("bad.sec1-key.der", "a SEC1 EC private key"),
        ("bad.rsa-key.der", "a PKCS#1 RSA private key"),
        ("bad.spki.der", "a public key (SubjectPublicKeyInfo)"),
        ("bad.csr.der", "a certificate signing request (PKCS#10 CSR)"),
        ("bad.crl.der", "a certificate revocation list (CRL)"),
    ] {
        assert_eq!(
            decode_fixture(name).unwrap_err(),
            Error::NotACertificate {
                found: String::from(found),
                pem: None
            },
            "{name}"
        );
    }
    let err = decode_fixture("bad.cms-enveloped.der").unwrap_err();
    let Error::NotACertificate { found, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(found.contains("envelopedData"), "{found}");
}

#[test]
fn certificate_from_der_rejects_containers_and_keys() {
    for name in [
        "basic.chain.p7b",
        "client.modern.p12",
        "bad.pkcs8-key.der",
        "bad.csr.der",
    ] {
        let err = Certificate::from_der(&fixtures::read_fixture(name)).unwrap_err();
        assert_eq!(err.code(), "NotACertificate", "{name}: {err}");
    }
    assert!(Certificate::from_der(&client_der()).is_ok());
}

#[test]
fn pem_errors_name_line_column_and_label() {
    assert_eq!(
        decode_fixture("bad.pem-unterminated.pem").unwrap_err(),
        Error::PemUnterminated {
            label: String::from("CERTIFICATE"),
            line: 1
        }
    );
    let err = decode_fixture("bad.pem-label-mismatch.pem").unwrap_err();
    assert_eq!(
        err,
        Error::PemLabelMismatch {
            begin: String::from("CERTIFICATE"),
            end: String::from("CERTIFICATE REQUEST"),
            line: 19,
        }
    );
    let err = decode_fixture("bad.pem-invalid-base64.pem").unwrap_err();
    assert_eq!(
        err,
        Error::InvalidBase64 {
            label: Some(String::from("CERTIFICATE")),
            line: Some(3),
            column: 10,
            reason: String::from("'*' is not a base64 character"),
        }
    );
    assert_eq!(
        err.to_string(),
        "line 3, column 10: in PEM block CERTIFICATE: invalid base64: '*' is not a base64 character"
    );
    // A second BEGIN before the END.
    let text = "-----BEGIN CERTIFICATE-----\nMIIB\n-----BEGIN CERTIFICATE-----\n";
    assert_eq!(
        decode_str(text).unwrap_err(),
        Error::PemUnterminated {
            label: String::from("CERTIFICATE"),
            line: 1
        }
    );
    // An empty block.
    let err = decode_str("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").unwrap_err();
    assert!(
        matches!(err, Error::InvalidBase64 { line: Some(1), .. }),
        "{err:?}"
    );
}

#[test]
fn bare_text_errors_name_where() {
    assert_eq!(
        decode_fixture("bad.base64-invalid.txt").unwrap_err(),
        Error::InvalidBase64 {
            label: None,
            line: Some(2),
            column: 6,
            reason: String::from("'!' is not a base64 character"),
        }
    );
    let err = decode_fixture("bad.hex-invalid.txt").unwrap_err();
    assert_eq!(
        err,
        Error::InvalidHex {
            offset: 20,
            reason: String::from("'z' is not a hex digit")
        }
    );
    let err = decode_fixture("bad.hex-odd.txt").unwrap_err();
    let Error::InvalidHex { reason, offset } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("odd number of hex digits"), "{reason}");
    assert_eq!(*offset, client_der().len() * 2);
}

#[test]
fn unrecognised_inputs_say_what_they_look_like() {
    let err = decode_fixture("bad.thumbprint.txt").unwrap_err();
    assert!(
        err.to_string()
            .contains("hex of 20 bytes: this looks like a SHA-1 thumbprint"),
        "{err}"
    );
    // x5t#S256 pasted where a certificate belongs.
    let err = decode_str("868Xb9p0Ma6E5jbh3VOKLyEhUS8XGWZ3-mzIYSEBeMg").unwrap_err();
    assert!(
        err.to_string()
            .contains("base64 of 32 bytes: this looks like a SHA-256"),
        "{err}"
    );
    let err = decode_fixture("bad.garbage.bin").unwrap_err();
    assert!(
        err.to_string()
            .contains("binary data starting with 7F 45 4C 46"),
        "{err}"
    );
    let err = decode_fixture("bad.text.txt").unwrap_err();
    assert!(
        err.to_string()
            .contains("\"Hello, this is not a certificate"),
        "{err}"
    );
    assert_eq!(
        decode_fixture("bad.empty.txt").unwrap_err(),
        Error::EmptyInput
    );
    assert_eq!(
        decode(b"", &DecodeOptions::default()).unwrap_err(),
        Error::EmptyInput
    );
    assert_eq!(
        decode(b"\xEF\xBB\xBF\n", &DecodeOptions::default()).unwrap_err(),
        Error::EmptyInput
    );
}

#[test]
fn inputs_without_certificates_list_what_they_hold() {
    assert_eq!(
        decode_fixture("bad.key-only.pem").unwrap_err(),
        Error::NoCertificate {
            found: vec![String::from("PEM block PRIVATE KEY at line 1")]
        }
    );
    assert_eq!(
        decode_fixture("bad.p7b-empty.p7b").unwrap_err(),
        Error::NoCertificate {
            found: vec![String::from("a PKCS#7 bundle with no certificates")]
        }
    );
    assert_eq!(
        decode_str("hello\n-----BEGIN X-----\nQUJD\n-----END X-----\n")
            .unwrap_err()
            .code(),
        "NoCertificate"
    );
}

#[test]
fn signed_messages_give_their_certificates_whether_der_or_streamed_ber() {
    let der = decode_fixture("cms.signed-message.p7s").unwrap();
    let ber = decode_fixture("cms.signed-message-ber.p7s").unwrap();
    assert_eq!(der.format, InputFormat::Pkcs7);
    assert_eq!(ber.format, InputFormat::Pkcs7);
    assert_eq!(der.certificates.len(), 2);
    let ders: Vec<&[u8]> = der.certificates.iter().map(Certificate::der).collect();
    let bers: Vec<&[u8]> = ber.certificates.iter().map(Certificate::der).collect();
    assert_eq!(ders, bers);
}

#[test]
fn a_pkcs7_that_is_broken_inside_says_where() {
    let mut p7b = fixtures::read_fixture("basic.chain.p7b");
    // Make the first certificate's tag something else: the certificate set holds a BOOLEAN.
    let first = decode(&p7b, &DecodeOptions::default())
        .unwrap()
        .certificates[0]
        .source()
        .offset;
    p7b[first] = 0x01;
    let err = decode(&p7b, &DecodeOptions::default()).unwrap_err();
    let Error::Pkcs7 { offset, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*offset, Some(first));
}

#[test]
fn crls_and_other_certificate_choices_in_a_bundle_are_skipped_with_a_note() {
    let decoded = decode_fixture("basic.chain-and-crl.p7b").unwrap();
    assert_eq!(decoded.certificates.len(), 3);
    assert!(
        decoded.notes.iter().any(|n| n.contains("skipped the CRLs")),
        "{:?}",
        decoded.notes
    );

    // A SignedData whose certificate set holds an attribute certificate ([2]) before the
    // certificate.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let len = content.len();
        let mut out = vec![tag];
        if len < 0x80 {
            out.push(u8::try_from(len).unwrap());
        } else {
            out.extend([
                0x82,
                u8::try_from(len >> 8).unwrap(),
                u8::try_from(len & 0xFF).unwrap(),
            ]);
        }
        out.extend_from_slice(content);
        out
    }
    const SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
    const DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
    let attribute_certificate = tlv(0xA2, &tlv(0x30, &[]));
    let set = tlv(0xA0, &[attribute_certificate, client_der()].concat());
    let signed_data = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x31, &[]),
            tlv(0x30, &tlv(0x06, DATA)),
            set,
            tlv(0x31, &[]),
        ]
        .concat(),
    );
    let content_info = tlv(
        0x30,
        &[tlv(0x06, SIGNED_DATA), tlv(0xA0, &signed_data)].concat(),
    );
    let decoded = decode(&content_info, &DecodeOptions::default()).unwrap();
    assert_eq!(decoded.certificates.len(), 1);
    assert_eq!(decoded.certificates[0].der(), client_der().as_slice());
    assert!(
        decoded
            .notes
            .iter()
            .any(|n| n.contains("skipped an attribute certificate")),
        "{:?}",
        decoded.notes
    );
}

#[test]
fn hex_offsets_count_from_the_start_of_the_input() {
    let err = decode(b"\xEF\xBB\xBF3082zz", &DecodeOptions::default()).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidHex {
            offset: 7,
            reason: String::from("'z' is not a hex digit")
        }
    );
    // UTF-16 text that is only whitespace is empty.
    assert_eq!(
        decode(b"\xFF\xFE \0\n\0", &DecodeOptions::default()).unwrap_err(),
        Error::EmptyInput
    );
}

#[test]
fn url_encoded_pem_with_an_error_inside_names_the_decoded_line() {
    // A bad base64 character inside URL-encoded PEM: the position is in the decoded text, as
    // the note says.
    let pem = fixtures::read_fixture("basic.client.ee.pem");
    let mut text = String::from_utf8(pem).unwrap();
    text.replace_range(70..71, "*");
    let encoded = text.replace(' ', "%20").replace('\n', "%0A");
    let err = decode(encoded.as_bytes(), &DecodeOptions::default()).unwrap_err();
    assert!(
        matches!(err, Error::InvalidBase64 { line: Some(2), .. }),
        "{err:?}"
    );
}

#[test]
fn base64_of_pem_is_read_once_and_not_again() {
    // base64 of (base64 of PEM): the inner layer is plain base64 text, not DER and not PEM; it
    // is not unwrapped a second time.
    let pem = fixtures::read_fixture("basic.client.ee.pem");
    let once = base64_std(&pem);
    let twice = base64_std(once.as_bytes());
    let err = decode(twice.as_bytes(), &DecodeOptions::default()).unwrap_err();
    assert_eq!(err.code(), "UnrecognizedFormat", "{err}");
}

fn base64_std(bytes: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    Base64::encode_string(bytes)
}

#[test]
fn an_x5c_element_that_is_not_a_certificate_is_named() {
    // A JWK whose x5c holds a thumbprint by mistake, and one with a broken base64 string: the
    // error says what the element is, or where the bad character is.
    let err = decode(
        br#"{"kid":"a","x5c":["dmJ4F1kK5cRS9GkJ0rmM03CyiBk="]}"#,
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::UnrecognizedFormat { found } if found.contains("SHA-1")),
        "{err:?}"
    );
    let err = decode(
        b"{\n  \"x5c\": [\"MIIB*AAA\"]\n}",
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidBase64 {
                line: Some(2),
                column: 16,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn ber_pkcs12_is_read_and_said_to_be_ber() {
    for name in [
        "client.ber-outer.p12",
        "client.ber-all.p12",
        "client.ber-segments-nomac.p12",
    ] {
        let decoded = decode(
            &fixtures::read_fixture(name),
            &DecodeOptions::with_password("certbind-test"),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded.certificates.len(), 3, "{name}");
        assert!(
            decoded.notes.iter().any(|n| n.contains("BER-encoded")),
            "{name}: {:?}",
            decoded.notes
        );
    }
    // A DER file says nothing about BER.
    let der = decode(
        &fixtures::read_fixture("client.modern.p12"),
        &DecodeOptions::with_password("certbind-test"),
    )
    .unwrap();
    assert!(
        !der.notes.iter().any(|n| n.contains("BER")),
        "{:?}",
        der.notes
    );
}
