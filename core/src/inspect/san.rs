//! The subject alternative name extension (RFC 5280 §4.2.1.6), one `GeneralName` at a time, so
//! that one odd entry becomes a warning instead of hiding the others.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use const_oid::ObjectIdentifier;
use der::{Decode, Tag};

use super::SubjectAltName;
use crate::name::{decode_string, format_name};
use crate::tbs::{elements, explicit_content, split_tlv};
use crate::thumbprint::hex_upper;

/// Every name of a `GeneralNames` SEQUENCE (the extension's value), with warnings for the ones
/// that could not be read as their type says.
pub(super) fn subject_alt_names(value: &[u8], warnings: &mut Vec<String>) -> Vec<SubjectAltName> {
    let mut out = Vec::new();
    let content = match split_tlv(value) {
        Ok((Tag::Sequence, content)) => content,
        Ok(_) => {
            warnings.push("subjectAltName: not a SEQUENCE of names".to_string());
            return out;
        }
        Err(e) => {
            warnings.push(format!("subjectAltName could not be read: {e}"));
            return out;
        }
    };
    for (position, element) in elements(content).enumerate() {
        let name = element.map_err(|e| e.to_string()).and_then(general_name);
        match name {
            Ok(name) => out.push(name),
            Err(reason) => {
                warnings.push(format!("subjectAltName entry {position}: {reason}"));
            }
        }
    }
    out
}

fn san(kind: &str, value: String) -> SubjectAltName {
    SubjectAltName {
        kind: kind.to_string(),
        value,
    }
}

/// One `GeneralName`.
fn general_name(tlv: &[u8]) -> Result<SubjectAltName, String> {
    let (tag, content) = split_tlv(tlv).map_err(|e| e.to_string())?;
    let Tag::ContextSpecific { number, .. } = tag else {
        return Err(format!(
            "unexpected tag {tag} (a GeneralName is context-specific)"
        ));
    };
    match number.value() {
        0 => other_name(content),
        1 => Ok(san("email", ia5_text(content, "rfc822Name")?)),
        2 => Ok(san("dns", ia5_text(content, "dNSName")?)),
        3 => Ok(san("x400_address", hex_upper(content))),
        4 => {
            let name = explicit_content(tlv).map_err(|e| e.to_string())?;
            let text = format_name(name).map_err(|e| format!("directoryName: {e}"))?;
            Ok(san("dir_name", text))
        }
        5 => Ok(san("edi_party_name", hex_upper(content))),
        6 => Ok(san("uri", ia5_text(content, "uniformResourceIdentifier")?)),
        7 => ip_address(content).map(|ip| san("ip", ip)),
        8 => {
            let oid = ObjectIdentifier::from_bytes(content)
                .map_err(|e| format!("registeredID is not an OID: {e}"))?;
            Ok(san("registered_id", oid.to_string()))
        }
        n => Err(format!("unknown GeneralName type [{n}]")),
    }
}

/// The text of an IA5String name; rejects bytes outside ASCII and control characters, which
/// have no business in a host name, URI or mail address and could disturb a terminal.
fn ia5_text(content: &[u8], what: &str) -> Result<String, String> {
    if content.iter().all(|b| (0x20..0x7f).contains(b)) {
        Ok(content.iter().map(|&b| char::from(b)).collect())
    } else {
        Err(format!(
            "{what} has bytes that are not printable ASCII (IA5String): {}",
            hex_upper(content)
        ))
    }
}

/// `OID:value` for an otherName; the value as text when it is a string type (the Microsoft UPN
/// `1.3.6.1.4.1.311.20.2.3` is a UTF8String), else as `#` and the hex of its DER.
fn other_name(content: &[u8]) -> Result<SubjectAltName, String> {
    let mut parts = elements(content);
    let oid_tlv = parts
        .next()
        .ok_or("otherName is empty")?
        .map_err(|e| e.to_string())?;
    let oid: ObjectIdentifier =
        ObjectIdentifier::from_der(oid_tlv).map_err(|e| format!("otherName type: {e}"))?;
    let wrapped = parts
        .next()
        .ok_or("otherName has no value")?
        .map_err(|e| e.to_string())?;
    let value = explicit_content(wrapped).map_err(|e| format!("otherName value: {e}"))?;
    let text = decode_string(value)
        .filter(|t| !t.chars().any(char::is_control))
        .unwrap_or_else(|| format!("#{}", hex_upper(value)));
    Ok(san("other_name", format!("{oid}:{text}")))
}

/// An iPAddress in canonical text: dotted quad, or RFC 5952 for IPv6 (`2001:db8::1`).
fn ip_address(content: &[u8]) -> Result<String, String> {
    if let Ok(v4) = <[u8; 4]>::try_from(content) {
        return Ok(IpAddr::V4(Ipv4Addr::from(v4)).to_string());
    }
    if let Ok(v6) = <[u8; 16]>::try_from(content) {
        return Ok(IpAddr::V6(Ipv6Addr::from(v6)).to_string());
    }
    Err(format!(
        "iPAddress of {} bytes (an address has 4 or 16): {}",
        content.len(),
        hex_upper(content)
    ))
}
