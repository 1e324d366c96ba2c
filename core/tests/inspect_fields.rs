//! `Certificate::info()` on certificates built with rcgen: every field equals what the certificate
//! was built with, written as the documented rules say (RFC 4514 names, RFC 3339 times, RFC 5952
//! IPv6, OpenSSL's algorithm names). The field-by-field comparison with OpenSSL itself, over the
//! system CA bundle and OpenSSL-made certificates, is in tests/tests/openssl_crosscheck.rs.

// Helpers outside #[test] functions panic on purpose: clippy's allow-*-in-tests does not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::net::IpAddr;
use std::process::Command;

use certbind_core::{Certificate, CertificateInfo};
use rcgen::{
    CertificateParams, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod,
    KeyPair, KeyUsagePurpose, SanType, date_time_ymd,
};

fn info_of(der: &[u8]) -> CertificateInfo {
    Certificate::from_der(der).unwrap().info()
}

/// Seconds since the epoch of a UTC date-time, by GNU `date` (an independent calendar).
fn gnu_date_seconds(text: &str) -> i64 {
    let out = Command::new("date")
        .args(["-u", "-d", text, "+%s"])
        .output()
        .expect("GNU date is needed for this test");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn rfc4514_params() -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    // A fresh name: `CertificateParams::new` starts with a CN of its own.
    params.distinguished_name = rcgen::DistinguishedName::new();
    let dn = &mut params.distinguished_name;
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString("DE".try_into().unwrap()),
    );
    dn.push(
        DnType::OrganizationName,
        "Acme, Inc. + \"Partners\" <x>; y\\z",
    );
    dn.push(
        DnType::OrganizationalUnitName,
        DnValue::BmpString("Ünïcode Ω".try_into().unwrap()),
    );
    dn.push(
        DnType::LocalityName,
        DnValue::TeletexString("Zurich".try_into().unwrap()),
    );
    // emailAddress (1.2.840.113549.1.9.1), an IA5String.
    dn.push(
        DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
        DnValue::Ia5String("ops@example.com".try_into().unwrap()),
    );
    // serialNumber (2.5.4.5): named as OpenSSL names it (RFC 4514 lists no name for it).
    dn.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString("123".try_into().unwrap()),
    );
    // An attribute type nobody names: dotted OID and `#` + the hex of the DER (RFC 4514 §2.4).
    dn.push(
        DnType::CustomDnType(vec![1, 3, 6, 1, 4, 1, 99999, 1]),
        DnValue::Utf8String("x".into()),
    );
    dn.push(DnType::CommonName, " #lead and trail ");
    params
}

#[test]
fn names_are_rfc4514_most_specific_first_with_escapes_and_decoded_string_types() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rfc4514_params().self_signed(&key).unwrap();
    let info = info_of(cert.der());
    let expected = concat!(
        r"CN=\ #lead and trail\ ,",
        "1.3.6.1.4.1.99999.1=#0C0178,",
        "serialNumber=123,",
        "emailAddress=ops@example.com,",
        "L=Zurich,",
        "OU=Ünïcode Ω,",
        r#"O=Acme\, Inc. \+ \"Partners\" \<x\>\; y\\z,"#,
        "C=DE"
    );
    assert_eq!(info.subject, expected);
    assert_eq!(info.issuer, expected);
    assert!(info.self_issued);
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    // The raw DER of the names is in the certificate, byte for byte.
    let subject_der = (0..info.subject_der.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&info.subject_der[i..i + 2], 16).unwrap())
        .collect::<Vec<u8>>();
    assert!(
        cert.der()
            .windows(subject_der.len())
            .any(|w| w == subject_der.as_slice())
    );
    assert_eq!(subject_der[0], 0x30);
}

#[test]
fn validity_is_rfc3339_utc_across_utctime_and_generalizedtime() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    for (not_before, not_after, nb_text, na_text) in [
        (
            (1999, 12, 31),
            (2049, 12, 31),
            "1999-12-31T00:00:00Z",
            "2049-12-31T00:00:00Z",
        ),
        (
            (2038, 1, 19),
            (2050, 1, 1),
            "2038-01-19T00:00:00Z",
            "2050-01-01T00:00:00Z",
        ),
        (
            (1970, 1, 1),
            (9999, 12, 31),
            "1970-01-01T00:00:00Z",
            "9999-12-31T00:00:00Z",
        ),
        // Before 1970: UTCTime 50-69 (RFC 5280 §4.1.2.5.1), GeneralizedTime before 1950.
        (
            (1950, 1, 1),
            (1969, 12, 31),
            "1950-01-01T00:00:00Z",
            "1969-12-31T00:00:00Z",
        ),
        (
            (1900, 3, 1),
            (1969, 7, 20),
            "1900-03-01T00:00:00Z",
            "1969-07-20T00:00:00Z",
        ),
    ] {
        let mut params = CertificateParams::new(vec!["a.example".to_string()]).unwrap();
        params.not_before = date_time_ymd(not_before.0, not_before.1, not_before.2);
        params.not_after = date_time_ymd(not_after.0, not_after.1, not_after.2);
        let info = info_of(params.self_signed(&key).unwrap().der());
        assert_eq!(
            (info.not_before.as_str(), info.not_after.as_str()),
            (nb_text, na_text)
        );
        assert_eq!(info.not_before_unix, gnu_date_seconds(nb_text));
        assert_eq!(info.not_after_unix, gnu_date_seconds(na_text));
    }
}

#[test]
fn subject_alternative_names_in_certificate_order_and_canonical_text() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let ip = |s: &str| SanType::IpAddress(s.parse::<IpAddr>().unwrap());
    params.subject_alt_names = vec![
        SanType::DnsName("client.example".try_into().unwrap()),
        ip("192.0.2.7"),
        ip("2001:0db8:0000:0000:0000:0000:0000:0001"),
        ip("0:0:0:0:0:0:0:1"),
        ip("::ffff:192.0.2.1"),
        ip("2001:db8:0:1:1:1:1:1"),
        SanType::Rfc822Name("alice@example.com".try_into().unwrap()),
        SanType::URI("spiffe://example.org/ns/prod/sa/client".try_into().unwrap()),
        SanType::OtherName((
            vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 3],
            rcgen::OtherNameValue::Utf8String("alice@corp.example".into()),
        )),
    ];
    let info = info_of(params.self_signed(&key).unwrap().der());
    let got: Vec<(&str, &str)> = info
        .san
        .iter()
        .map(|s| (s.kind.as_str(), s.value.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("dns", "client.example"),
            ("ip", "192.0.2.7"),
            ("ip", "2001:db8::1"),
            ("ip", "::1"),
            ("ip", "::ffff:192.0.2.1"),
            // RFC 5952 §4.2.2: a single 16-bit 0 field is not shortened to "::".
            ("ip", "2001:db8:0:1:1:1:1:1"),
            ("email", "alice@example.com"),
            ("uri", "spiffe://example.org/ns/prod/sa/client"),
            ("other_name", "1.3.6.1.4.1.311.20.2.3:alice@corp.example"),
        ]
    );
    assert_eq!(info.key_algorithm, "EC P-384");
    assert_eq!(info.signature_algorithm, "ecdsa-with-SHA384");
}

#[test]
fn extensions_key_usage_constraints_and_key_identifiers() {
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, "Test CA");
    ca.is_ca = IsCa::Ca(rcgen::BasicConstraints::Constrained(3));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.key_identifier_method = KeyIdMethod::PreSpecified(vec![0xCA, 0xFE, 0x01, 0x02]);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let ca_info = info_of(ca_cert.der());
    let bc = ca_info.basic_constraints.unwrap();
    assert_eq!((bc.ca, bc.path_len), (true, Some(3)));
    assert_eq!(ca_info.key_usage, ["keyCertSign", "cRLSign"]);
    assert_eq!(ca_info.subject_key_id.as_deref(), Some("CAFE0102"));

    let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut leaf = CertificateParams::new(vec!["client.example".to_string()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, "client");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyAgreement,
    ];
    leaf.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::Other(vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 2]),
        ExtendedKeyUsagePurpose::Other(vec![1, 2, 3, 4, 5]),
    ];
    leaf.use_authority_key_identifier_extension = true;
    leaf.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x80, 0x00, 0x01]));
    let issuer = Issuer::new(ca, ca_key);
    let leaf_info = info_of(leaf.signed_by(&leaf_key, &issuer).unwrap().der());
    let bc = leaf_info.basic_constraints.unwrap();
    assert_eq!((bc.ca, bc.path_len), (false, None));
    assert_eq!(leaf_info.key_usage, ["digitalSignature", "keyAgreement"]);
    assert_eq!(
        leaf_info.extended_key_usage,
        ["clientAuth", "serverAuth", "msSmartcardLogin", "1.2.3.4.5"]
    );
    assert_eq!(leaf_info.authority_key_id.as_deref(), Some("CAFE0102"));
    assert_eq!(leaf_info.issuer, "CN=Test CA");
    assert_eq!(leaf_info.subject, "CN=client");
    assert!(!leaf_info.self_issued);
    // DER 02 04 00 80 00 01: the sign byte is not shown.
    assert_eq!(leaf_info.serial, "800001");
    assert_eq!(leaf_info.version, 3);
    assert_eq!(leaf_info.key_algorithm, "Ed25519");
    assert_eq!(leaf_info.signature_algorithm, "ecdsa-with-SHA256");
}

#[test]
fn json_has_the_documented_keys() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rfc4514_params().self_signed(&key).unwrap();
    let json = serde_json::to_value(info_of(cert.der())).unwrap();
    for key in [
        "version",
        "serial",
        "subject",
        "issuer",
        "subject_der",
        "issuer_der",
        "not_before",
        "not_after",
        "not_before_unix",
        "not_after_unix",
        "san",
        "key_algorithm",
        "signature_algorithm",
        "extended_key_usage",
        "key_usage",
        "basic_constraints",
        "subject_key_id",
        "authority_key_id",
        "self_issued",
        "warnings",
    ] {
        assert!(json.get(key).is_some(), "{key} missing in {json}");
    }
}

fn with_extension(key: &KeyPair, oid: &[u64], value: &[u8]) -> Option<CertificateInfo> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "odd");
    params.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
        oid,
        value.to_vec(),
    )];
    let cert = params.self_signed(key).unwrap();
    Certificate::from_der(cert.der()).ok().map(|c| c.info())
}

const SAN: &[u64] = &[2, 5, 29, 17];
const EKU: &[u64] = &[2, 5, 29, 37];
const KU: &[u64] = &[2, 5, 29, 15];
const BC: &[u64] = &[2, 5, 29, 19];
const SKI: &[u64] = &[2, 5, 29, 14];
const AKI: &[u64] = &[2, 5, 29, 35];

#[test]
fn malformed_extension_values_become_warnings_naming_them() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    for (oid, value, warning) in [
        (SAN, &[][..], "subjectAltName could not be read"),
        (EKU, &[], "extKeyUsage could not be read"),
        (KU, &[], "keyUsage could not be read"),
        (BC, &[], "basicConstraints could not be read"),
        (SKI, &[], "subjectKeyIdentifier could not be read"),
        (AKI, &[], "authorityKeyIdentifier could not be read"),
        (
            SAN,
            &[0x30, 0x03, 0x87, 0x01, 0x00],
            "subjectAltName entry 0: iPAddress of 1 bytes",
        ),
        (
            SAN,
            &[0x30, 0x04, 0x82, 0x02, 0xC3, 0xA9],
            "subjectAltName entry 0: dNSName has bytes that are not printable ASCII",
        ),
        (
            BC,
            &[0x30, 0x03, 0x02, 0x01, 0xFF],
            "basicConstraints could not be read",
        ),
        (KU, &[0x03, 0x02, 0x08, 0xFF], "keyUsage could not be read"),
        (
            EKU,
            &[0x30, 0x03, 0x02, 0x01, 0x01],
            "extKeyUsage could not be read",
        ),
    ] {
        let info = with_extension(&key, oid, value).expect("the certificate itself is well formed");
        assert!(
            info.warnings.iter().any(|w| w.starts_with(warning)),
            "{oid:?} {value:02X?}: {:?}",
            info.warnings
        );
        // The rest of the certificate is still shown.
        assert_eq!(
            (info.subject.as_str(), info.key_algorithm.as_str()),
            ("CN=odd", "Ed25519")
        );
    }
}

#[test]
fn arbitrary_extension_values_never_panic() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state.to_be_bytes()[3]
    };
    for len in 0..200 {
        let mut value: Vec<u8> = (0..len % 50).map(|_| next()).collect();
        // Half of them start like a SEQUENCE of the right length, to get past the first check.
        if len % 2 == 0 && value.len() >= 2 {
            value[0] = 0x30;
            value[1] = u8::try_from(value.len() - 2).unwrap();
        }
        for oid in [SAN, EKU, KU, BC, SKI, AKI] {
            if let Some(info) = with_extension(&key, oid, &value) {
                assert_eq!(info.subject, "CN=odd");
            }
        }
    }
}
