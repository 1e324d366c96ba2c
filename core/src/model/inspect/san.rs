//! The subject alternative name extension (RFC 5280 §4.2.1.6), one `GeneralName` at a time, so
//! that one odd entry becomes a warning instead of hiding the others.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use const_oid::ObjectIdentifier;
use der::Tag;

use super::SubjectAltName;
use crate::asn1::{decode, from_der};
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
            warnings.push(String::from("subjectAltName: not a SEQUENCE of names"));
            return out;
        }
        Err(e) => {
            warnings.push(format!("subjectAltName could not be read: {e}"));
            return out;
        }
    };
    for (position, element) in elements(content).enumerate() {
        match element.map_err(|e| e.to_string()).and_then(general_name) {
            Ok((kind, value)) => out.push(SubjectAltName {
                kind: String::from(kind),
                value,
            }),
            Err(reason) => warnings.push(format!("subjectAltName entry {position}: {reason}")),
        }
    }
    out
}

/// One `GeneralName`: its kind (`dns`, `ip`, …) and its value as text.
fn general_name(tlv: &[u8]) -> Result<(&'static str, String), String> {
    let (tag, content) = split_tlv(tlv).map_err(|e| e.to_string())?;
    let Tag::ContextSpecific { number, .. } = tag else {
        return Err(format!(
            "unexpected tag {tag} (a GeneralName is context-specific)"
        ));
    };
    Ok(match number.value() {
        0 => ("other_name", other_name(content)?),
        1 => ("email", ia5_text(content, "rfc822Name")?),
        2 => ("dns", ia5_text(content, "dNSName")?),
        3 => ("x400_address", hex_upper(content)),
        4 => {
            let name = explicit_content(tlv).map_err(|e| e.to_string())?;
            let text = format_name(name).map_err(|e| format!("directoryName: {e}"))?;
            ("dir_name", text)
        }
        5 => ("edi_party_name", hex_upper(content)),
        6 => ("uri", ia5_text(content, "uniformResourceIdentifier")?),
        7 => ("ip", ip_address(content)?),
        8 => {
            let oid = ObjectIdentifier::from_bytes(content)
                .map_err(|e| format!("registeredID is not an OID: {e}"))?;
            ("registered_id", oid.to_string())
        }
        n => return Err(format!("unknown GeneralName type [{n}]")),
    })
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
fn other_name(content: &[u8]) -> Result<String, String> {
    let mut parts = elements(content);
    let oid_tlv = parts
        .next()
        .ok_or("otherName is empty")?
        .map_err(|e| e.to_string())?;
    let oid = from_der(oid_tlv, decode::<ObjectIdentifier>)
        .map_err(|e| format!("otherName type: {e}"))?;
    let wrapped = parts
        .next()
        .ok_or("otherName has no value")?
        .map_err(|e| e.to_string())?;
    let value = explicit_content(wrapped).map_err(|e| format!("otherName value: {e}"))?;
    let mut text = oid.to_string();
    text.push(':');
    match decode_string(value).filter(|t| !t.chars().any(char::is_control)) {
        Some(decoded) => text.push_str(&decoded),
        None => {
            text.push('#');
            text.push_str(&hex_upper(value));
        }
    }
    Ok(text)
}

/// An iPAddress in canonical text: dotted quad, or RFC 5952 for IPv6 (`2001:db8::1`), written
/// as Rust's `Ipv4Addr`/`Ipv6Addr` display them (the tests compare the two).
fn ip_address(content: &[u8]) -> Result<String, String> {
    let mut text = String::new();
    match content.len() {
        4 => dotted_quad(&mut text, content),
        16 => {
            let groups: Vec<u16> = content
                .chunks_exact(2)
                .map(|pair| pair.iter().fold(0, |acc, &b| acc << 8 | u16::from(b)))
                .collect();
            if let ([0, 0, 0, 0, 0, 0xFFFF, ..], Some(v4)) = (groups.as_slice(), content.get(12..))
            {
                // An IPv4-mapped address (RFC 4291 §2.5.5.2).
                text.push_str("::ffff:");
                dotted_quad(&mut text, v4);
            } else {
                // The longest run of two or more zero groups (the first of equals) becomes `::`.
                let (mut start, mut len, mut run) = (0, 0, 0);
                for (i, &g) in groups.iter().enumerate() {
                    run = if g == 0 { run + 1 } else { 0 };
                    if run > len {
                        (start, len) = (i + 1 - run, run);
                    }
                }
                let write_groups = |text: &mut String, groups: &[u16]| {
                    for (i, g) in groups.iter().enumerate() {
                        if i > 0 {
                            text.push(':');
                        }
                        let _ = write!(text, "{g:x}");
                    }
                };
                if len > 1 {
                    write_groups(&mut text, groups.get(..start).unwrap_or_default());
                    text.push_str("::");
                    write_groups(&mut text, groups.get(start + len..).unwrap_or_default());
                } else {
                    write_groups(&mut text, &groups);
                }
            }
        }
        n => {
            return Err(format!(
                "iPAddress of {n} bytes (an address has 4 or 16): {}",
                hex_upper(content)
            ));
        }
    }
    Ok(text)
}

fn dotted_quad(text: &mut String, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        let _ = write!(text, "{b}");
    }
}

#[cfg(test)]
mod tests {
    use core::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    #[test]
    fn addresses_are_written_as_rust_writes_them() {
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for i in 0..20_000 {
            let mut bytes = [0_u8; 16];
            for b in &mut bytes {
                // Mostly zeros, so that runs of zero groups of every length and place occur.
                let r = next();
                *b = if r % 3 == 0 { r.to_le_bytes()[1] } else { 0 };
            }
            if i % 7 == 0 {
                bytes[..10].fill(0);
                bytes[10..12].fill(0xFF);
            }
            assert_eq!(
                ip_address(&bytes).unwrap(),
                Ipv6Addr::from(bytes).to_string(),
                "{bytes:02X?}"
            );
            let v4: [u8; 4] = bytes[12..].try_into().unwrap();
            assert_eq!(ip_address(&v4).unwrap(), Ipv4Addr::from(v4).to_string());
        }
        assert_eq!(ip_address(&[0; 16]).unwrap(), "::");
        assert!(ip_address(&[1, 2, 3]).is_err());
    }
}
