//! The extensions `certbind inspect` shows: subject alternative name, extended key usage, key
//! usage, basic constraints, subject and authority key identifiers. Each is decoded on its own;
//! a malformed one becomes a warning.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use der::asn1::{BitStringRef, OctetStringRef};
use der::{Reader, SliceReader, Tag};

use super::algorithms::{KEY_USAGES, extended_key_usage_name, name_or_dotted};
use super::authority_key_id::key_identifier;
use super::san::subject_alt_names;
use super::{BasicConstraints, CertificateInfo};
use crate::asn1::{decode, from_der, oid_bytes, sequence};
use crate::tbs::{elements, split_tlv};
use crate::thumbprint::hex_upper;

const SUBJECT_KEY_ID: &[u8] = oid_bytes!("2.5.29.14");
const KEY_USAGE: &[u8] = oid_bytes!("2.5.29.15");
const SUBJECT_ALT_NAME: &[u8] = oid_bytes!("2.5.29.17");
const BASIC_CONSTRAINTS: &[u8] = oid_bytes!("2.5.29.19");
const AUTHORITY_KEY_ID: &[u8] = oid_bytes!("2.5.29.35");
const EXTENDED_KEY_USAGE: &[u8] = oid_bytes!("2.5.29.37");

/// The extensions shown, by name.
const NAMES: &[(&[u8], &str)] = &[
    (SUBJECT_KEY_ID, "subjectKeyIdentifier"),
    (KEY_USAGE, "keyUsage"),
    (SUBJECT_ALT_NAME, "subjectAltName"),
    (BASIC_CONSTRAINTS, "basicConstraints"),
    (AUTHORITY_KEY_ID, "authorityKeyIdentifier"),
    (EXTENDED_KEY_USAGE, "extKeyUsage"),
];

/// Reads the `Extensions` SEQUENCE (its complete TLV) into `info`. The list itself is well formed
/// (the certificate check reads it); each value is decoded on its own.
pub(super) fn read(extensions_tlv: &[u8], info: &mut CertificateInfo) {
    let content = split_tlv(extensions_tlv).map_or(&[][..], |(_, content)| content);
    let mut seen: Vec<ObjectIdentifier> = Vec::new();
    for element in elements(content) {
        let Ok((id, value)) = element.and_then(extension) else {
            continue;
        };
        if seen.contains(&id) {
            // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a
            // particular extension." Show the first, say so.
            info.warnings.push(format!(
                "extension {id} appears more than once; the first is shown"
            ));
            continue;
        }
        seen.push(id);
        if let Err(reason) = read_one(id.as_bytes(), value, info) {
            info.warnings.push(format!(
                "{} could not be read: {reason}",
                name_or_dotted(NAMES, &id)
            ));
        }
    }
}

/// `Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
/// extnValue OCTET STRING }`: the identifier and the value's contents.
fn extension(tlv: &[u8]) -> der::Result<(ObjectIdentifier, &[u8])> {
    from_der(tlv, |r| {
        sequence(r, |r| {
            let id = decode::<ObjectIdentifier>(r)?;
            if !r.is_finished() && Tag::peek(r)? == Tag::Boolean {
                decode::<bool>(r)?;
            }
            let value = decode::<&OctetStringRef>(r)?;
            Ok((id, value.as_bytes()))
        })
    })
}

/// Why an extension value could not be read.
enum Problem {
    Der(der::Error),
    /// basicConstraints that is not a SEQUENCE.
    NotASequence,
}

impl From<der::Error> for Problem {
    fn from(e: der::Error) -> Self {
        Self::Der(e)
    }
}

impl core::fmt::Display for Problem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Der(e) => e.fmt(f),
            Self::NotASequence => f.write_str("not a SEQUENCE"),
        }
    }
}

/// Decodes one extension's value into `info`; other extensions are skipped.
fn read_one(id: &[u8], value: &[u8], info: &mut CertificateInfo) -> Result<(), Problem> {
    if id == SUBJECT_ALT_NAME {
        info.san = subject_alt_names(value, &mut info.warnings);
    } else if id == EXTENDED_KEY_USAGE {
        let mut usages = Vec::new();
        from_der(value, |r| {
            sequence(r, |r| {
                while !r.is_finished() {
                    usages.push(extended_key_usage_name(&decode::<ObjectIdentifier>(r)?));
                }
                Ok(())
            })
        })?;
        info.extended_key_usage = usages;
    } else if id == KEY_USAGE {
        let bits = from_der(value, decode::<BitStringRef<'_>>)?;
        let mut names = Vec::new();
        for (bit, set) in bits.bits().enumerate() {
            if set {
                names.push(match KEY_USAGES.get(bit) {
                    Some(name) => String::from(*name),
                    None => format!("bit{bit}"),
                });
            }
        }
        info.key_usage = names;
    } else if id == BASIC_CONSTRAINTS {
        info.basic_constraints = Some(basic_constraints(value)?);
    } else if id == SUBJECT_KEY_ID {
        let id = from_der(value, decode::<&OctetStringRef>)?;
        info.subject_key_id = Some(hex_upper(id.as_bytes()));
    } else if id == AUTHORITY_KEY_ID {
        info.authority_key_id = key_identifier(value)?.map(hex_upper);
    }
    Ok(())
}

/// `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER
/// (0..MAX) OPTIONAL }`, read here so that path lengths above 255 are shown too.
fn basic_constraints(value: &[u8]) -> Result<BasicConstraints, Problem> {
    let (tag, content) = split_tlv(value)?;
    if tag != Tag::Sequence {
        return Err(Problem::NotASequence);
    }
    Ok(from_der(content, |r: &mut SliceReader<'_>| {
        let mut ca = false;
        let mut path_len = None;
        if !r.is_finished() && Tag::peek(r)? == Tag::Boolean {
            ca = decode::<bool>(r)?;
        }
        if !r.is_finished() {
            path_len = Some(decode::<u32>(r)?);
        }
        Ok(BasicConstraints { ca, path_len })
    })?)
}
