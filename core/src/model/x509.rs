//! Structural checks on DER with the `der` crate: is this one well-formed certificate (the check
//! in [`check`], with x509-cert's rules), and if not, what well-known structure is it (a key, a CSR, a CRL, a PKCS#7 or
//! PKCS#12 container)? The answer comes from reading the DER structure with `der`'s reader
//! (tags and a few small values), never from guessing at bytes.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use der::{AnyRef, Reader, Tag, TagNumber, Tagged};

use crate::Error;
use crate::asn1::{bad_der, ber_reader, oid_bytes, read_tlv, read_value};

mod check;

#[cfg(test)]
mod check_tests;

/// `id-signedData` (RFC 5652 §5.1).
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// What a DER structure is, judged from its shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DerKind {
    /// Shaped like an X.509 certificate (RFC 5280 §4.1).
    Certificate,
    /// A CMS/PKCS#7 ContentInfo holding SignedData: a certificate bundle (`.p7b`).
    Pkcs7,
    /// A PKCS#12 PFX (`.pfx`, `.p12`).
    Pkcs12,
    /// A well-known structure that is not a certificate, described in words.
    Other(String),
    /// Nothing recognisable; read it as a certificate to get a precise error.
    Unknown,
}

/// Up to this many elements of a SEQUENCE are looked at.
const PEEK_ELEMENTS: usize = 10;

/// The tags (and values) of the first elements of a constructed value. Read with BER rules, so
/// that containers written with indefinite lengths are recognised too.
fn elements(value: &[u8]) -> Vec<AnyRef<'_>> {
    let mut out = Vec::new();
    let Ok(mut reader) = ber_reader(value) else {
        return out;
    };
    while out.len() < PEEK_ELEMENTS && !reader.is_finished() {
        match read_value(&mut reader) {
            Ok(any) => out.push(any),
            Err(_) => break,
        }
    }
    out
}

fn is_integer(any: Option<&AnyRef<'_>>, value: &[u8]) -> bool {
    any.is_some_and(|a| a.tag() == Tag::Integer && a.value() == value)
}

fn tag_of(any: Option<&AnyRef<'_>>) -> Option<Tag> {
    any.map(AnyRef::tag)
}

const fn context(number: u32, constructed: bool) -> Tag {
    Tag::ContextSpecific {
        constructed,
        number: TagNumber(number),
    }
}

/// Judges what one DER TLV is from its structure.
pub(crate) fn classify(der: &[u8]) -> DerKind {
    let Ok(outer) = ber_reader(der).and_then(|mut r| read_value(&mut r)) else {
        return DerKind::Unknown;
    };
    match outer.tag() {
        Tag::Sequence => {}
        Tag::ObjectIdentifier => {
            return DerKind::Other(String::from("a bare OBJECT IDENTIFIER (EC PARAMETERS?)"));
        }
        _ => return DerKind::Unknown,
    }
    let e = elements(outer.value());
    let tags: Vec<Tag> = e.iter().map(AnyRef::tag).collect();
    match tags.as_slice() {
        [
            Tag::ObjectIdentifier,
            Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(0),
            },
        ] => {
            let oid = e
                .first()
                .and_then(|a| a.decode_as::<ObjectIdentifier>().ok());
            match oid {
                Some(ID_SIGNED_DATA) => DerKind::Pkcs7,
                Some(oid) => DerKind::Other(format!(
                    "a CMS/PKCS#7 ContentInfo of type {} ({oid}), not a certificate bundle",
                    content_type_name(oid)
                )),
                None => DerKind::Unknown,
            }
        }
        [Tag::Integer, Tag::Sequence] | [Tag::Integer, Tag::Sequence, Tag::Sequence]
            if is_integer(e.first(), &[3]) && is_content_info(e.get(1)) =>
        {
            DerKind::Pkcs12
        }
        [Tag::Sequence, Tag::Sequence, Tag::BitString] => classify_signed(e.first()),
        [Tag::Integer, Tag::Sequence, Tag::OctetString, ..] => {
            DerKind::Other(String::from("a PKCS#8 private key"))
        }
        [
            Tag::Integer,
            Tag::Integer,
            Tag::Integer,
            Tag::Integer,
            Tag::Integer,
            Tag::Integer,
            Tag::Integer,
            Tag::Integer,
            Tag::Integer,
            ..,
        ] if is_integer(e.first(), &[0]) || is_integer(e.first(), &[1]) => {
            DerKind::Other(String::from("a PKCS#1 RSA private key"))
        }
        [Tag::Integer, Tag::OctetString, ..] if is_integer(e.first(), &[1]) => {
            DerKind::Other(String::from("a SEC1 EC private key"))
        }
        [Tag::Sequence, Tag::BitString] => {
            DerKind::Other(String::from("a public key (SubjectPublicKeyInfo)"))
        }
        [Tag::Sequence, Tag::OctetString] => {
            DerKind::Other(String::from("an encrypted PKCS#8 private key"))
        }
        [Tag::Integer, Tag::Integer] => DerKind::Other(String::from("a PKCS#1 RSA public key")),
        _ => DerKind::Unknown,
    }
}

/// A SEQUENCE whose first element is an OID (a ContentInfo).
fn is_content_info(any: Option<&AnyRef<'_>>) -> bool {
    any.is_some_and(|a| {
        a.tag() == Tag::Sequence
            && elements(a.value())
                .first()
                .is_some_and(|f| f.tag() == Tag::ObjectIdentifier)
    })
}

/// Tells a certificate from a CSR and a CRL, which share the outer shape
/// `SEQUENCE { tbs SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING }`, by the
/// elements of the signed part.
fn classify_signed(tbs: Option<&AnyRef<'_>>) -> DerKind {
    let Some(tbs) = tbs else {
        return DerKind::Unknown;
    };
    let e = elements(tbs.value());
    let is_time = |t: Option<Tag>| matches!(t, Some(Tag::UtcTime | Tag::GeneralizedTime));
    let csr = || DerKind::Other(String::from("a certificate signing request (PKCS#10 CSR)"));
    let crl = || DerKind::Other(String::from("a certificate revocation list (CRL)"));
    match (
        tag_of(e.first()),
        tag_of(e.get(1)),
        tag_of(e.get(2)),
        tag_of(e.get(3)),
    ) {
        // v2/v3 certificate: [0] EXPLICIT version first.
        (Some(t), ..) if t == context(0, true) => DerKind::Certificate,
        // v1 certificate: serial, signature, issuer, validity.
        (Some(Tag::Integer), Some(Tag::Sequence), Some(Tag::Sequence), Some(Tag::Sequence)) => {
            DerKind::Certificate
        }
        // CSR: version, subject, subjectPKInfo, [0] attributes.
        (Some(Tag::Integer), Some(Tag::Sequence), Some(Tag::Sequence), Some(t))
            if t == context(0, true) =>
        {
            csr()
        }
        // CRL v2: version, signature, issuer, thisUpdate.
        (Some(Tag::Integer), Some(Tag::Sequence), Some(Tag::Sequence), t) if is_time(t) => crl(),
        // CRL v1: signature, issuer, thisUpdate.
        (Some(Tag::Sequence), Some(Tag::Sequence), t, _) if is_time(t) => crl(),
        _ => DerKind::Unknown,
    }
}

/// A readable name for a CMS content type.
fn content_type_name(oid: ObjectIdentifier) -> &'static str {
    const NAMES: &[(&[u8], &str)] = &[
        (oid_bytes!("1.2.840.113549.1.7.1"), "data"),
        (oid_bytes!("1.2.840.113549.1.7.3"), "envelopedData"),
        (oid_bytes!("1.2.840.113549.1.7.5"), "digestedData"),
        (oid_bytes!("1.2.840.113549.1.7.6"), "encryptedData"),
        (oid_bytes!("1.2.840.113549.1.9.16.1.2"), "authData"),
    ];
    NAMES
        .iter()
        .find(|(bytes, _)| *bytes == oid.as_bytes())
        .map_or("unknown", |(_, name)| name)
}

/// Splits off the first TLV of `der`, returning (tlv, trailing bytes). BER lengths are
/// accepted here (a certificate must still be DER: [`check_certificate_der`] parses it).
pub(crate) fn split_tlv(der: &[u8]) -> Result<(&[u8], &[u8]), der::Error> {
    let mut reader = ber_reader(der)?;
    let tlv = read_tlv(&mut reader)?;
    Ok((tlv, der.get(tlv.len()..).unwrap_or_default()))
}

/// Checks that `der` is exactly one well-formed certificate.
///
/// Errors carry offsets relative to `der`; callers add the context (PEM block, offset).
pub(crate) fn check_certificate_der(der: &[u8]) -> Result<(), Error> {
    let (tlv, trailing) = split_tlv(der).map_err(|e| bad_der("Certificate", &e))?;
    if !trailing.is_empty() {
        return Err(Error::TrailingData {
            offset: tlv.len(),
            count: trailing.len(),
            pem: None,
        });
    }
    match classify(der) {
        DerKind::Certificate | DerKind::Unknown => {}
        DerKind::Pkcs7 => {
            return Err(not_a_certificate(
                "a PKCS#7 certificate bundle (.p7b); decode it to read the certificates in it",
            ));
        }
        DerKind::Pkcs12 => {
            return Err(not_a_certificate(
                "a PKCS#12 file (.pfx/.p12); decode it with its password",
            ));
        }
        DerKind::Other(found) => return Err(Error::NotACertificate { found, pem: None }),
    }
    check::check(der).map_err(|e| bad_der("Certificate", &e))?;
    Ok(())
}

fn not_a_certificate(found: &str) -> Error {
    Error::NotACertificate {
        found: String::from(found),
        pem: None,
    }
}
