//! Reading every header format, and the trust decision, on certificates made by OpenSSL.

use actix_web::http::header::HeaderValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::{X509, X509NameBuilder};

use super::*;

/// A self-signed certificate made by OpenSSL, as (DER, PEM, private key PEM).
fn certificate(cn: &str) -> (Vec<u8>, String, String) {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b.sign(&key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    let cert = b.build();
    (
        cert.to_der().unwrap(),
        String::from_utf8(cert.to_pem().unwrap()).unwrap(),
        String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap(),
    )
}

/// nginx's `$ssl_client_escaped_cert` transformation (`ngx_escape_uri`, component mode) is
/// reproduced in the integration tests; here any %-escaping of the reserved bytes will do.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::try_from(*name).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn settings(format: HeaderFormat) -> ProxySettings {
    ProxySettings::new(
        TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]),
        format,
    )
}

fn problem(format: HeaderFormat, pairs: &[(&str, &str)]) -> Problem {
    read(&settings(format), &headers(pairs))
        .unwrap_err()
        .problem
}

#[test]
fn each_format_reads_a_certificate() {
    let (der, pem, _) = certificate("leaf");
    let (ca_der, ca_pem, _) = certificate("ca");
    let b64 = STANDARD.encode(&der);
    let ca_b64 = STANDARD.encode(&ca_der);
    let sha256: String = openssl::sha::sha256(&der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let with_chain = Forwarded {
        leaf: der.clone(),
        chain: vec![ca_der.clone()],
    };
    let alone = Forwarded {
        leaf: der.clone(),
        chain: vec![],
    };
    let cases = [
        (
            HeaderFormat::Rfc9440,
            vec![
                ("client-cert", format!(":{b64}:")),
                ("client-cert-chain", format!(":{ca_b64}:")),
            ],
            &with_chain,
        ),
        (
            HeaderFormat::NginxEscaped,
            vec![("x-ssl-client-cert", escape(&pem))],
            &alone,
        ),
        (
            HeaderFormat::NginxLegacy,
            vec![("x-ssl-client-cert", pem.trim_end().replace('\n', " \t"))],
            &alone,
        ),
        (
            HeaderFormat::EnvoyXfcc,
            vec![(
                "x-forwarded-client-cert",
                format!(
                    "By=spiffe://a;Cert=\"{}\",By=spiffe://b;Hash={sha256};Cert=\"{}\";Chain=\"{}{}\";Subject=\"CN=leaf\";URI=",
                    escape(&ca_pem),
                    escape(&pem),
                    escape(&pem),
                    escape(&ca_pem)
                ),
            )],
            &with_chain,
        ),
        (
            HeaderFormat::Traefik,
            vec![("x-forwarded-tls-client-cert", format!("{b64},{ca_b64}"))],
            &with_chain,
        ),
        (
            HeaderFormat::AwsAlb,
            vec![(
                "x-amzn-mtls-clientcert",
                format!("{pem}{ca_pem}")
                    .replace('\n', "%0A")
                    .replace(' ', "%20"),
            )],
            &with_chain,
        ),
        (
            HeaderFormat::HaproxyBase64,
            vec![("x-ssl-client-cert", b64.clone())],
            &alone,
        ),
        (
            HeaderFormat::Azure,
            vec![("x-arr-clientcert", b64.clone())],
            &alone,
        ),
    ];
    for (format, pairs, expected) in cases {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let got =
            read(&settings(format), &headers(&pairs)).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(got.as_ref(), Some(expected), "{format}");
    }
}

#[test]
fn absent_or_empty_is_no_certificate() {
    assert_eq!(
        read(&settings(HeaderFormat::Azure), &headers(&[])).unwrap(),
        None
    );
    assert_eq!(
        read(
            &settings(HeaderFormat::Azure),
            &headers(&[("x-arr-clientcert", "")])
        )
        .unwrap(),
        None
    );
    assert_eq!(
        problem(HeaderFormat::Rfc9440, &[("client-cert-chain", ":AAAA:")]),
        Problem::ChainWithoutCertificate
    );
}

#[test]
fn malformed_headers_are_typed_errors() {
    let (der, pem, key) = certificate("leaf");
    let b64 = STANDARD.encode(&der);
    let nginx = HeaderFormat::NginxEscaped;
    assert_eq!(
        problem(
            nginx,
            &[("x-ssl-client-cert", &escape(&format!("{pem}{pem}")))]
        ),
        Problem::ExpectedOneCertificate { found: 2 }
    );
    assert!(matches!(
        problem(nginx, &[("x-ssl-client-cert", &escape(&format!("{pem}{key}")))]),
        Problem::PrivateKey { label } if label == "PRIVATE KEY"
    ));
    assert_eq!(
        problem(nginx, &[("x-ssl-client-cert", "-----BEGIN%2")]),
        Problem::BadPercentEncoding { offset: 10 }
    );
    assert_eq!(
        problem(
            HeaderFormat::HaproxyBase64,
            &[("x-ssl-client-cert", &b64), ("x-ssl-client-cert", &b64)]
        ),
        Problem::Repeated { count: 2 }
    );
    let huge = "A".repeat(MAX_HEADER_BYTES + 1);
    assert_eq!(
        problem(HeaderFormat::HaproxyBase64, &[("x-ssl-client-cert", &huge)]),
        Problem::TooLarge {
            size: MAX_HEADER_BYTES + 1,
            limit: MAX_HEADER_BYTES
        }
    );
    assert!(matches!(
        problem(
            HeaderFormat::HaproxyBase64,
            &[("x-ssl-client-cert", "not*base64")]
        ),
        Problem::BadBase64 { item: 0, .. }
    ));
    // Two certificates in one RFC 9440 Client-Cert.
    assert!(matches!(
        problem(
            HeaderFormat::Rfc9440,
            &[("client-cert", &format!(":{b64}:, :{b64}:"))]
        ),
        Problem::StructuredField { .. }
    ));
    // A key's DER where a certificate should be.
    let key_der = PKey::private_key_from_pem(key.as_bytes())
        .unwrap()
        .private_key_to_pkcs8()
        .unwrap();
    assert!(matches!(
        problem(
            HeaderFormat::Azure,
            &[("x-arr-clientcert", &STANDARD.encode(key_der))]
        ),
        Problem::NotACertificate { index: 0, .. }
    ));
    let too_many = [b64.as_str(); MAX_CERTIFICATES + 1].join(",");
    assert_eq!(
        problem(
            HeaderFormat::Traefik,
            &[("x-forwarded-tls-client-cert", &too_many)]
        ),
        Problem::TooManyCertificates {
            found: MAX_CERTIFICATES + 1,
            limit: MAX_CERTIFICATES
        }
    );
    let wrong_hash = format!("Hash={};Cert=\"{}\"", "ab".repeat(32), escape(&pem));
    assert!(matches!(
        problem(
            HeaderFormat::EnvoyXfcc,
            &[("x-forwarded-client-cert", &wrong_hash)]
        ),
        Problem::XfccHashMismatch { .. }
    ));
    let e = read(
        &settings(nginx),
        &headers(&[("x-ssl-client-cert", "-----BEGIN%2")]),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "header x-ssl-client-cert (nginx-escaped): bad URL-encoding at byte 10: '%' must be \
         followed by two hex digits"
    );
}
#[test]
fn the_peer_address_decides_and_the_proxys_certificate_wins() {
    use std::rc::Rc;

    use crate::metrics::Metrics;
    use crate::tls::PresentedCertificate;

    let (der, _, _) = certificate("client");
    let (own, _, _) = certificate("proxy");
    let listener = ProxyListener::new(settings(HeaderFormat::HaproxyBase64));
    let metrics = Metrics::default();
    let forged = headers(&[("x-ssl-client-cert", &STANDARD.encode(&der))]);
    let connection = Some(Rc::new(PresentedCertificate::new(own.clone(), vec![])));
    let proxy = Some("127.0.0.1".parse().unwrap());
    let other = Some("127.0.0.2".parse().unwrap());

    // Not a trusted proxy: the header is ignored, the connection's own certificate counts,
    // X-Forwarded-For notwithstanding.
    let mut spoofed = forged.clone();
    spoofed.insert(
        HeaderName::from_static("x-forwarded-for"),
        HeaderValue::from_static("127.0.0.1"),
    );
    let got = listener
        .certificate(other, &spoofed, connection.clone(), Some(&metrics))
        .unwrap();
    assert_eq!(got.unwrap().core.as_ref().unwrap().der(), own.as_slice());
    assert_eq!(
        listener
            .certificate(other, &spoofed, None, Some(&metrics))
            .unwrap()
            .map(|c| c.sha256_hex().to_owned()),
        None
    );
    assert_eq!(
        listener
            .certificate(None, &forged, None, None)
            .unwrap()
            .map(|_| ()),
        None,
        "no peer address: not trusted"
    );

    // The trusted proxy: its forwarded certificate, never its own.
    let got = listener
        .certificate(proxy, &forged, connection.clone(), Some(&metrics))
        .unwrap()
        .unwrap();
    assert!(got.forwarded());
    assert_eq!(got.core.as_ref().unwrap().der(), der.as_slice());
    assert!(
        listener
            .certificate(proxy, &headers(&[]), connection, Some(&metrics))
            .unwrap()
            .is_none(),
        "without the header, the proxy's own certificate is not the client's"
    );
    let bad = headers(&[("x-ssl-client-cert", "%%%")]);
    assert!(
        listener
            .certificate(proxy, &bad, None, Some(&metrics))
            .is_err()
    );

    let text = metrics.render();
    for line in [
        "certbind_forwarded_certificates_total{result=\"used\"} 1\n",
        "certbind_forwarded_certificates_total{result=\"ignored_untrusted\"} 2\n",
        "certbind_forwarded_certificates_total{result=\"malformed\"} 1\n",
    ] {
        assert!(text.contains(line), "{line}");
    }
}
