//! PKCS#7 / CMS certificate bundles (`.p7b`, `.p7c`, and the certificates of signed messages,
//! `.p7s`; RFC 5652 SignedData).
//!
//! Only the `certificates` field matters here. Each certificate's exact TLV bytes are taken as
//! they are in the file (never decoded into a structure and re-encoded), so thumbprints match
//! what every other tool computes. CRLs, signer infos and non-X.509 certificate choices are
//! skipped with a note.
//!
//! The containers are read with BER rules, because signed messages are often streamed with
//! indefinite lengths (`openssl cms -sign -stream`, S/MIME); the certificates themselves must
//! be DER.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use der::{AnyRef, Decode, Reader, Tag, TagNumber, Tagged};

use crate::Error;
use crate::asn1::{ber_reader, read_tlv, read_value};
use crate::x509::ID_SIGNED_DATA;

/// The certificates of a SignedData, as slices of the input, with notes on what was skipped.
#[derive(Debug)]
pub(crate) struct Bundle<'a> {
    /// Each certificate's DER and its byte offset in the input.
    pub(crate) certificates: Vec<(&'a [u8], usize)>,
    /// What was skipped, e.g. `"skipped the CRLs in the PKCS#7 bundle"`.
    pub(crate) notes: Vec<String>,
}

/// Byte offset of `part` inside `whole` (both slices of the same input).
pub(crate) fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// Reads exactly one value.
fn one_value(bytes: &[u8]) -> der::Result<AnyRef<'_>> {
    let mut reader = ber_reader(bytes)?;
    let value = read_value(&mut reader)?;
    reader.finish()?;
    Ok(value)
}

/// Turns a `der` error while reading `part` of `whole` into [`Error::Pkcs7`].
fn der_error(what: &str, whole: &[u8], part: &[u8], err: &der::Error) -> Error {
    let base = offset_in(whole, part);
    let offset = err
        .position()
        .map(|p| base + usize::try_from(u32::from(p)).unwrap_or(0));
    Error::Pkcs7 {
        reason: format!("{what}: {}", err.kind()),
        offset: offset.or(Some(base)),
        pem: None,
    }
}

fn structure_error(what: String, whole: &[u8], part: &[u8]) -> Error {
    Error::Pkcs7 {
        reason: what,
        offset: Some(offset_in(whole, part)),
        pem: None,
    }
}

const EXPLICIT_0: Tag = Tag::ContextSpecific {
    constructed: true,
    number: TagNumber(0),
};
const CERTIFICATES: Tag = EXPLICIT_0;
const CRLS: Tag = Tag::ContextSpecific {
    constructed: true,
    number: TagNumber(1),
};

/// Reads the certificates of a ContentInfo holding SignedData. `der` is one TLV.
///
/// # Errors
/// [`Error::Pkcs7`] naming the structure and byte offset of the problem.
pub(crate) fn certificates(der: &[u8]) -> Result<Bundle<'_>, Error> {
    let content_info = one_value(der).map_err(|e| der_error("ContentInfo", der, der, &e))?;
    let (content_type, content) = read_content_info(der, content_info)?;
    if content_type != ID_SIGNED_DATA {
        return Err(structure_error(
            format!("the content type is {content_type}, not signedData (1.2.840.113549.1.7.2)"),
            der,
            der,
        ));
    }
    let signed_data = one_value(content.value())
        .map_err(|e| der_error("SignedData", der, content.value(), &e))?;
    if signed_data.tag() != Tag::Sequence {
        return Err(structure_error(
            String::from("SignedData is not a SEQUENCE"),
            der,
            content.value(),
        ));
    }

    let mut bundle = Bundle {
        certificates: Vec::new(),
        notes: Vec::new(),
    };
    let body = signed_data.value();
    let mut reader = ber_reader(body).map_err(|e| der_error("SignedData", der, body, &e))?;
    // version, digestAlgorithms, encapContentInfo: skipped.
    for what in [
        "SignedData.version",
        "SignedData.digestAlgorithms",
        "SignedData.encapContentInfo",
    ] {
        read_value(&mut reader).map_err(|e| der_error(what, der, body, &e))?;
    }
    while !reader.is_finished() {
        let field = read_value(&mut reader).map_err(|e| der_error("SignedData", der, body, &e))?;
        match field.tag() {
            CERTIFICATES => read_certificate_set(der, field.value(), &mut bundle)?,
            CRLS => bundle
                .notes
                .push(String::from("skipped the CRLs in the PKCS#7 bundle")),
            _ => {} // signerInfos
        }
    }
    Ok(bundle)
}

/// Reads `SEQUENCE { contentType OID, content [0] EXPLICIT ANY }`.
fn read_content_info<'a>(
    der: &'a [u8],
    content_info: AnyRef<'a>,
) -> Result<(ObjectIdentifier, AnyRef<'a>), Error> {
    let value = content_info.value();
    if content_info.tag() != Tag::Sequence {
        return Err(structure_error(
            String::from("ContentInfo is not a SEQUENCE"),
            der,
            value,
        ));
    }
    let mut reader = ber_reader(value).map_err(|e| der_error("ContentInfo", der, value, &e))?;
    let oid = ObjectIdentifier::decode(&mut reader)
        .map_err(|e| der_error("ContentInfo.contentType", der, value, &e))?;
    let explicit =
        read_value(&mut reader).map_err(|e| der_error("ContentInfo.content", der, value, &e))?;
    if explicit.tag() != EXPLICIT_0 {
        return Err(structure_error(
            String::from("ContentInfo.content is not tagged [0]"),
            der,
            value,
        ));
    }
    Ok((oid, explicit))
}

/// Reads `certificates [0] IMPLICIT SET OF CertificateChoices`, keeping each X.509
/// certificate's bytes exactly.
fn read_certificate_set<'a>(
    der: &'a [u8],
    set: &'a [u8],
    bundle: &mut Bundle<'a>,
) -> Result<(), Error> {
    let what = "SignedData.certificates";
    let mut reader = ber_reader(set).map_err(|e| der_error(what, der, set, &e))?;
    while !reader.is_finished() {
        let tag = Tag::peek(&reader).map_err(|e| der_error(what, der, set, &e))?;
        let tlv = read_tlv(&mut reader).map_err(|e| der_error(what, der, set, &e))?;
        match tag {
            Tag::Sequence => bundle.certificates.push((tlv, offset_in(der, tlv))),
            Tag::ContextSpecific { number, .. } => {
                let kind = match number.value() {
                    0 => "an extended certificate (PKCS#6)",
                    1 | 2 => "an attribute certificate",
                    _ => "a non-X.509 certificate",
                };
                bundle
                    .notes
                    .push(format!("byte {}: skipped {kind}", offset_in(der, tlv)));
            }
            other => {
                return Err(structure_error(
                    format!("{what} holds a {other} where a certificate was expected"),
                    der,
                    tlv,
                ));
            }
        }
    }
    Ok(())
}
