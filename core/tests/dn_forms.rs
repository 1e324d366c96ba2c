//! Registered distinguished names in the forms people copy, compared per attribute.
//!
//! The certificates are made by the openssl CLI, and the registered strings are what openssl
//! itself prints for them (`-nameopt RFC2253`, `compat`, `oneline`, the default): every form a
//! person could copy from a terminal must match.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/pki.rs"]
mod pki;

use certbind_core::{Certificate, DistinguishedName, DnDifference, Error};

/// A self-signed certificate with this `-subj`, made by openssl.
fn openssl_cert(subj: &str, extra: &[&str]) -> (Vec<u8>, String) {
    static NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("certbind-dn-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem_path = dir.join("cert.pem");
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "/dev/null",
        "-days",
        "1",
        "-subj",
        subj,
        "-out",
    ];
    let pem_str = pem_path.to_str().unwrap().to_string();
    args.push(&pem_str);
    args.extend_from_slice(extra);
    pki::openssl(&args, b"");
    let pem = std::fs::read_to_string(&pem_path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (pki::pem_to_der(&pem), pem)
}

fn printed(pem: &str, nameopt: Option<&str>) -> String {
    let mut args = vec!["x509", "-noout", "-subject"];
    if let Some(opt) = nameopt {
        args.extend_from_slice(&["-nameopt", opt]);
    }
    String::from_utf8(pki::openssl(&args, pem.as_bytes()))
        .unwrap()
        .trim_end()
        .to_string()
}

fn compare(registered: &str, der: &[u8]) -> Result<(), DnDifference> {
    let dn = DistinguishedName::parse(registered).unwrap_or_else(|e| panic!("{registered:?}: {e}"));
    dn.compare_subject(&Certificate::from_der(der).unwrap())
}

#[test]
fn every_form_openssl_prints_matches_the_certificate() {
    let (der, pem) = openssl_cert(
        "/DC=com/DC=example/O=Example, Inc./OU=Pay+UID=u1/CN=Zo\u{eb}  Smith/emailAddress=z@example.com",
        &["-multivalue-rdn", "-utf8"],
    );
    for nameopt in [
        Some("RFC2253"),
        Some("RFC2253,-esc_msb"),
        Some("compat"),
        Some("oneline"),
        None,
    ] {
        let line = printed(&pem, nameopt);
        assert!(line.starts_with("subject="), "{line}");
        // As printed, and without the `subject=` label.
        compare(&line, &der).unwrap_or_else(|d| panic!("{nameopt:?}: {line:?}: {d}"));
        let bare = line.trim_start_matches("subject=");
        compare(bare, &der).unwrap_or_else(|d| panic!("{nameopt:?}: {bare:?}: {d}"));
    }
    // .NET's X509Certificate2.Subject form of the same name.
    compare(
        "E=z@example.com, CN=Zo\u{eb} Smith, OU=Pay + OID.0.9.2342.19200300.100.1.1=u1, O=\"Example, Inc.\", DC=example, DC=com",
        &der,
    )
    .unwrap();
}

#[test]
fn comparison_folds_case_and_insignificant_space_but_not_content() {
    let (der, _) = openssl_cert("/C=US/O=Example  Corp/CN=Payments Client", &[]);
    compare("CN=payments client,O= example corp ,C=us", &der).unwrap();
    compare("CN=PAYMENTS\u{00A0}CLIENT,O=Example Corp,C=US", &der).unwrap();
    compare("CN=Payments\u{00AD}Client,O=Example Corp,C=US", &der).unwrap_err();
    let difference = compare("CN=PaymentsClient,O=Example Corp,C=US", &der).unwrap_err();
    assert_eq!(
        difference,
        DnDifference::Value {
            attribute: "CN".into(),
            expected: "PaymentsClient".into(),
            actual: "Payments Client".into()
        }
    );
    assert_eq!(
        difference.to_string(),
        "CN differs: registered \"PaymentsClient\", certificate has \"Payments Client\""
    );
}

#[test]
fn repeated_and_multi_valued_attributes_compare_as_the_certificate_holds_them() {
    let (der, _) = openssl_cert("/DC=org/DC=example/OU=a+OU=b/CN=x", &["-multivalue-rdn"]);
    compare("CN=x,OU=b+OU=a,DC=example,DC=org", &der).unwrap();
    compare("CN=x,OU=a+OU=b,DC=example,DC=org", &der).unwrap();
    let d = compare("CN=x,OU=a,OU=b,DC=example,DC=org", &der).unwrap_err();
    assert!(
        matches!(
            d,
            DnDifference::Attribute { .. }
                | DnDifference::Extra { .. }
                | DnDifference::Missing { .. }
        ),
        "{d:?}"
    );
    let d = compare("CN=x,OU=a+OU=b,DC=org,DC=example", &der).unwrap_err();
    assert!(
        matches!(d, DnDifference::Value { ref attribute, .. } if attribute == "DC"),
        "{d:?}"
    );
}

#[test]
fn hex_values_compare_the_der_exactly() {
    let (der, _) = openssl_cert("/CN=x", &[]);
    // UTF8String "x" = 0C 01 78; openssl -subj writes UTF8String.
    compare("CN=#0c0178", &der).unwrap();
    compare("CN=#130178", &der).unwrap_err(); // PrintableString "x": another encoding
}

#[test]
fn unreadable_names_are_errors_with_the_position() {
    let cases = [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("CN", 2, "expected '='"),
        ("XX=a", 0, "unknown attribute type \"XX\""),
        ("CN=a,=b", 5, "expected an attribute type"),
        ("CN=\"unterminated", 3, "no closing"),
        ("CN=a\\", 4, "at the end"),
        ("CN=a\\4", 4, "two hex digits"),
        ("CN=#abc", 3, "even number"),
        ("CN=#zz", 4, "not a hex digit"),
        ("CN=", 3, "empty"),
    ];
    for (text, index, needle) in cases {
        match DistinguishedName::parse(text) {
            Err(Error::InvalidName {
                input,
                index: at,
                reason,
            }) => {
                assert_eq!(input, text);
                assert_eq!(at, index, "{text:?}: {reason}");
                assert!(reason.contains(needle), "{text:?}: {reason}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn a_reversed_name_is_detected() {
    let (der, _) = openssl_cert("/C=US/O=Example/CN=client", &[]);
    assert_eq!(
        compare("C=US,O=Example,CN=client", &der).unwrap_err(),
        DnDifference::Reversed
    );
    // OpenSSL's spaced form is read least-specific-first, so this one matches.
    compare("C = US, O = Example, CN = client", &der).unwrap();
}

/// The attribute types that OpenSSL names and RFC 4514 does not (eIDAS, EV, personal names):
/// every form a person copies matches the certificate, as before certbind wrote them by name:
/// what `openssl x509 -subject` prints in each `-nameopt`, dotted OIDs with `#hex` DER
/// (`-nameopt RFC2253,oid,dump_all`), dotted OIDs with text, .NET's `X509Certificate2.Subject`
/// and the OpenSSL `/…` form with aliases.
#[test]
fn attribute_types_named_by_openssl_match_in_every_form() {
    let (der, pem) = openssl_cert(
        "/C=ES/ST=Madrid/street=Calle Mayor 1/postalCode=28013/O=Example, S.A./\
         organizationIdentifier=VATES-Q2826004J/serialNumber=IDCES-12345678Z/jurisdictionC=ES/\
         jurisdictionST=Madrid/jurisdictionL=Madrid/businessCategory=Private Organization/\
         title=Director/SN=Garcia/GN=Maria/initials=MG/pseudonym=mg/generationQualifier=Jr./\
         dnQualifier=42/UID=mg/DC=example/emailAddress=m@example.com/name=Maria Garcia/\
         description=Client/CN=client",
        &[],
    );
    for nameopt in [
        Some("RFC2253"),
        Some("RFC2253,oid,dump_all"),
        Some("compat"),
        Some("oneline"),
        None,
    ] {
        let line = printed(&pem, nameopt);
        compare(&line, &der).unwrap_or_else(|d| panic!("{nameopt:?}: {line:?}: {d}"));
    }
    let dotted = "CN=client,2.5.4.13=Client,2.5.4.41=Maria Garcia,\
                  1.2.840.113549.1.9.1=m@example.com,0.9.2342.19200300.100.1.25=example,\
                  0.9.2342.19200300.100.1.1=mg,2.5.4.46=42,2.5.4.44=Jr.,2.5.4.65=mg,2.5.4.43=MG,\
                  2.5.4.42=Maria,2.5.4.4=Garcia,2.5.4.12=Director,2.5.4.15=Private Organization,\
                  1.3.6.1.4.1.311.60.2.1.1=Madrid,1.3.6.1.4.1.311.60.2.1.2=Madrid,\
                  1.3.6.1.4.1.311.60.2.1.3=ES,2.5.4.5=IDCES-12345678Z,2.5.4.97=VATES-Q2826004J,\
                  2.5.4.10=Example\\, S.A.,2.5.4.17=28013,2.5.4.9=Calle Mayor 1,2.5.4.8=Madrid,\
                  2.5.4.6=ES";
    compare(dotted, &der).unwrap();
    let dotnet = "CN=client, DESCRIPTION=Client, NAME=Maria Garcia, E=m@example.com, DC=example, \
                  OID.0.9.2342.19200300.100.1.1=mg, DNQ=42, GENERATIONQUALIFIER=Jr., \
                  PSEUDONYM=mg, I=MG, G=Maria, SN=Garcia, T=Director, \
                  OID.2.5.4.15=Private Organization, OID.1.3.6.1.4.1.311.60.2.1.1=Madrid, \
                  OID.1.3.6.1.4.1.311.60.2.1.2=Madrid, OID.1.3.6.1.4.1.311.60.2.1.3=ES, \
                  SERIALNUMBER=IDCES-12345678Z, OID.2.5.4.97=VATES-Q2826004J, \
                  O=\"Example, S.A.\", PostalCode=28013, STREET=Calle Mayor 1, S=Madrid, C=ES";
    compare(dotnet, &der).unwrap();
    let slashes = "/C=ES/S=Madrid/STREET=Calle Mayor 1/POSTALCODE=28013/O=Example, S.A./\
                   ORGANIZATIONIDENTIFIER=VATES-Q2826004J/SERIALNUMBER=IDCES-12345678Z/\
                   jurisdictionC=ES/JURISDICTIONST=Madrid/jurisdictionL=Madrid/\
                   businessCategory=Private Organization/T=Director/SURNAME=Garcia/\
                   GIVENNAME=Maria/I=MG/pseudonym=mg/generationQualifier=Jr./DNQ=42/USERID=mg/\
                   DOMAINCOMPONENT=example/E=m@example.com/name=Maria Garcia/\
                   description=Client/commonName=client";
    compare(slashes, &der).unwrap();
    // A differing value is reported under the name OpenSSL prints.
    let difference = compare(&dotnet.replace("IDCES-12345678Z", "IDCES-0"), &der).unwrap_err();
    assert_eq!(
        difference.to_string(),
        "serialNumber differs: registered \"IDCES-0\", certificate has \"IDCES-12345678Z\""
    );
    let difference =
        compare(&dotted.replace("2.5.4.97=VATES", "2.5.4.97=VATXX"), &der).unwrap_err();
    assert!(
        matches!(&difference, DnDifference::Value { attribute, .. } if attribute == "organizationIdentifier"),
        "{difference:?}"
    );
}

/// `UID` and `uid` in a registered name are userId (0.9.2342.19200300.100.1.1, RFC 4519), as
/// LDAP writes them (`uid=jdoe,ou=People,dc=example,dc=com`); OpenSSL's `uid` for
/// uniqueIdentifier (…100.1.44) is read only in its dotted form.
#[test]
fn uid_in_any_case_is_user_id() {
    let (der, _) = openssl_cert("/DC=com/DC=example/OU=People/UID=jdoe", &[]);
    compare("uid=jdoe,ou=People,dc=example,dc=com", &der).unwrap();
    compare("UID=jdoe,OU=People,DC=example,DC=com", &der).unwrap();
    let (der, _) = openssl_cert("/DC=com/0.9.2342.19200300.100.1.44=u-44", &[]);
    compare("0.9.2342.19200300.100.1.44=u-44,DC=com", &der).unwrap();
    compare("uid=u-44,DC=com", &der).unwrap_err();
}
