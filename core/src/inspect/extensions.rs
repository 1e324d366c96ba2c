//! The extensions `certbind inspect` shows: subject alternative name, extended key usage, key
//! usage, basic constraints, subject and authority key identifiers. Each is decoded on its own;
//! a malformed one becomes a warning.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use der::asn1::{BitStringRef, OctetStringRef};
use der::{Decode, Reader, SliceReader, Tag};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, ExtendedKeyUsage};

use super::algorithms::{KEY_USAGES, extended_key_usage_name};
use super::san::subject_alt_names;
use super::{BasicConstraints, CertificateInfo};
use crate::tbs::{elements, split_tlv};
use crate::thumbprint::hex_upper;

const fn oid(dotted: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(dotted)
}

const SUBJECT_KEY_ID: ObjectIdentifier = oid("2.5.29.14");
const KEY_USAGE: ObjectIdentifier = oid("2.5.29.15");
const SUBJECT_ALT_NAME: ObjectIdentifier = oid("2.5.29.17");
const BASIC_CONSTRAINTS: ObjectIdentifier = oid("2.5.29.19");
const AUTHORITY_KEY_ID: ObjectIdentifier = oid("2.5.29.35");
const EXTENDED_KEY_USAGE: ObjectIdentifier = oid("2.5.29.37");

/// Reads the `Extensions` SEQUENCE (its complete TLV) into `info`.
pub(super) fn read(extensions_tlv: &[u8], info: &mut CertificateInfo) {
    let Ok((Tag::Sequence, content)) = split_tlv(extensions_tlv) else {
        info.warnings
            .push("extensions are not a SEQUENCE".to_string());
        return;
    };
    let mut seen: Vec<ObjectIdentifier> = Vec::new();
    for (position, element) in elements(content).enumerate() {
        let extension = match element.and_then(Extension::from_der) {
            Ok(extension) => extension,
            Err(e) => {
                info.warnings
                    .push(format!("extension {position} could not be read: {e}"));
                continue;
            }
        };
        let id = extension.extn_id;
        if seen.contains(&id) {
            // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a
            // particular extension." Show the first, say so.
            info.warnings.push(format!(
                "extension {id} appears more than once; the first is shown"
            ));
            continue;
        }
        seen.push(id);
        let value = extension.extn_value.as_bytes();
        if let Err(reason) = read_one(id, value, info) {
            info.warnings.push(format!(
                "{} could not be read: {reason}",
                extension_name(id)
            ));
        }
    }
}

fn extension_name(id: ObjectIdentifier) -> String {
    match id {
        SUBJECT_KEY_ID => "subjectKeyIdentifier".to_string(),
        KEY_USAGE => "keyUsage".to_string(),
        SUBJECT_ALT_NAME => "subjectAltName".to_string(),
        BASIC_CONSTRAINTS => "basicConstraints".to_string(),
        AUTHORITY_KEY_ID => "authorityKeyIdentifier".to_string(),
        EXTENDED_KEY_USAGE => "extKeyUsage".to_string(),
        other => other.to_string(),
    }
}

/// Decodes one extension's value into `info`; other extensions are skipped.
fn read_one(id: ObjectIdentifier, value: &[u8], info: &mut CertificateInfo) -> Result<(), String> {
    match id {
        SUBJECT_ALT_NAME => info.san = subject_alt_names(value, &mut info.warnings),
        EXTENDED_KEY_USAGE => {
            let usages = ExtendedKeyUsage::from_der(value).map_err(|e| e.to_string())?;
            info.extended_key_usage = usages.0.iter().map(extended_key_usage_name).collect();
        }
        KEY_USAGE => {
            let bits = BitStringRef::from_der(value).map_err(|e| e.to_string())?;
            let mut names = Vec::new();
            for (bit, set) in bits.bits().enumerate() {
                match (set, KEY_USAGES.get(bit)) {
                    (false, _) => {}
                    (true, Some(name)) => names.push((*name).to_string()),
                    (true, None) => names.push(format!("bit{bit}")),
                }
            }
            info.key_usage = names;
        }
        BASIC_CONSTRAINTS => info.basic_constraints = Some(basic_constraints(value)?),
        SUBJECT_KEY_ID => {
            let id = <&OctetStringRef>::from_der(value).map_err(|e| e.to_string())?;
            info.subject_key_id = Some(hex_upper(id.as_bytes()));
        }
        AUTHORITY_KEY_ID => {
            let aki = AuthorityKeyIdentifier::from_der(value).map_err(|e| e.to_string())?;
            info.authority_key_id = aki.key_identifier.map(|k| hex_upper(k.as_bytes()));
        }
        _ => {}
    }
    Ok(())
}

/// `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER
/// (0..MAX) OPTIONAL }`, read here so that path lengths above 255 are shown too.
fn basic_constraints(value: &[u8]) -> Result<BasicConstraints, String> {
    let (tag, content) = split_tlv(value).map_err(|e| e.to_string())?;
    if tag != Tag::Sequence {
        return Err("not a SEQUENCE".to_string());
    }
    let mut r = SliceReader::new(content).map_err(|e| e.to_string())?;
    let read = |r: &mut SliceReader<'_>| -> der::Result<BasicConstraints> {
        let mut ca = false;
        let mut path_len = None;
        if !r.is_finished() && Tag::peek(r)? == Tag::Boolean {
            ca = bool::decode(r)?;
        }
        if !r.is_finished() {
            path_len = Some(u32::decode(r)?);
        }
        Ok(BasicConstraints { ca, path_len })
    };
    let constraints = read(&mut r).map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    Ok(constraints)
}
