//! Distinguished names (X.501 `Name`) as RFC 4514 strings, written from the DER exactly as it is
//! in the certificate (so the order inside a multi-valued RDN is the certificate's own).
//!
//! The output is the same as `openssl x509 -noout -subject -nameopt RFC2253,-esc_msb` (RFC 2253
//! rules with UTF-8 output instead of `\XX` escapes for non-ASCII), which is what people compare
//! it with:
//! - **attribute types**: the name OpenSSL prints for every attribute type it knows
//!   ([`crate::attribute_types`]: `CN`, `serialNumber`, `organizationIdentifier`, `street`,
//!   `jurisdictionC`, `emailAddress`, …), with the value as an escaped string. RFC 4514 §3 lists
//!   only CN, L, ST, O, OU, C, STREET, DC and UID, but allows any name a reader knows; every
//!   other type is its dotted OID with the value as `#` and the hex of its DER (RFC 4514 §2.4).
//!   A value that is not a string is `#` and the hex of its DER under either (as OpenSSL).
//! - **order**: the last RDN first (RFC 4514 §2.1). Inside a multi-valued RDN the attributes are
//!   written in reverse DER order, as OpenSSL does (it reverses the flat list of attributes); an
//!   RDN is a set, so RFC 4514 leaves that order open.
//! - **BMPString** is read as UTF-16, so characters beyond U+FFFF (surrogate pairs) come out as
//!   one character; OpenSSL reads it as UCS-2.
//!
//! Strings: UTF8String is UTF-8; BMPString UTF-16BE; UniversalString UTF-32BE; PrintableString,
//! IA5String, TeletexString (T.61, read as Latin-1 as OpenSSL does), NumericString, VisibleString
//! and the time types byte by byte as Latin-1. A value of any other type, or one that is not valid
//! in its type, is written as `#` and hex of its DER.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use der::Tag;

use crate::tbs::{elements, split_tlv};
use crate::thumbprint::hex_upper;

/// One `AttributeTypeAndValue`: its type and the value's complete TLV.
struct Attribute<'a> {
    rdn: usize,
    oid: ObjectIdentifier,
    value: &'a [u8],
}

/// The RFC 4514 string of a `Name` given as its DER (tag, length and content).
pub(crate) fn format_name(der: &[u8]) -> der::Result<String> {
    let (tag, content) = split_tlv(der)?;
    tag.assert_eq(Tag::Sequence)?;
    let mut attributes = Vec::new();
    for (rdn, set) in elements(content).enumerate() {
        let (tag, set_content) = split_tlv(set?)?;
        tag.assert_eq(Tag::Set)?;
        for atv in elements(set_content) {
            let (tag, atv_content) = split_tlv(atv?)?;
            tag.assert_eq(Tag::Sequence)?;
            let mut parts = elements(atv_content);
            let oid_tlv = parts.next().ok_or_else(|| Tag::Sequence.value_error())??;
            let value = parts.next().ok_or_else(|| Tag::Sequence.value_error())??;
            if parts.next().is_some() {
                return Err(Tag::Sequence.value_error().into());
            }
            attributes.push(Attribute {
                rdn,
                oid: crate::asn1::from_der(oid_tlv, crate::asn1::decode::<ObjectIdentifier>)?,
                value,
            });
        }
    }
    let mut out = String::new();
    let mut previous_rdn = None;
    for attribute in attributes.iter().rev() {
        match previous_rdn {
            Some(rdn) if rdn == attribute.rdn => out.push('+'),
            Some(_) => out.push(','),
            None => {}
        }
        previous_rdn = Some(attribute.rdn);
        write_attribute(&mut out, attribute);
    }
    Ok(out)
}

fn write_attribute(out: &mut String, attribute: &Attribute<'_>) {
    let short = crate::attribute_types::name_of(&attribute.oid);
    let text = short.and_then(|_| decode_string(attribute.value));
    match short {
        Some(name) => out.push_str(name),
        None => out.push_str(&attribute.oid.to_string()),
    }
    out.push('=');
    match text {
        Some(text) => escape_value(out, &text),
        None => {
            out.push('#');
            out.push_str(&hex_upper(attribute.value));
        }
    }
}

/// The text of a directory string given as its complete TLV, when it is a string type and valid.
pub(crate) fn decode_string(tlv: &[u8]) -> Option<String> {
    let tag_byte = *tlv.first()?;
    let (_, content) = split_tlv(tlv).ok()?;
    decode_string_content(tag_byte, content)
}

/// The text of a string of universal tag `tag_byte` with content `content`.
pub(crate) fn decode_string_content(tag_byte: u8, content: &[u8]) -> Option<String> {
    match tag_byte {
        // UTF8String
        0x0C => core::str::from_utf8(content).ok().map(String::from),
        // NumericString, PrintableString, TeletexString, IA5String, UTCTime, GeneralizedTime,
        // VisibleString: one byte per character; bytes above 0x7F as Latin-1, as OpenSSL does.
        0x12 | 0x13 | 0x14 | 0x16 | 0x17 | 0x18 | 0x1A => {
            Some(content.iter().map(|&b| char::from(b)).collect())
        }
        // UniversalString: UTF-32BE
        0x1C => {
            if !content.len().is_multiple_of(4) {
                return None;
            }
            content
                .chunks_exact(4)
                .map(|q| {
                    let bytes: [u8; 4] = q.try_into().ok()?;
                    char::from_u32(u32::from_be_bytes(bytes))
                })
                .collect()
        }
        // BMPString: UTF-16BE (UCS-2 in X.680; read as UTF-16 so surrogate pairs work)
        0x1E => {
            if !content.len().is_multiple_of(2) {
                return None;
            }
            let units = content.chunks_exact(2).map(|p| match p {
                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                _ => 0,
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        _ => None,
    }
}

/// Appends `value` escaped per RFC 4514 §2.4: `"`, `+`, `,`, `;`, `<`, `>` and `\` always, `#` and
/// space at the start, space at the end, and control characters (U+0000–U+001F, U+007F) as `\XX`
/// hex pairs (RFC 4514 requires it for NUL; OpenSSL does it for all of them, and it keeps the
/// string printable).
pub(crate) fn escape_value(out: &mut String, value: &str) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                out.push('\\');
                // A control character is one byte in UTF-8.
                out.push_str(&hex_upper(&[u8::try_from(u32::from(c)).unwrap_or(0)]));
            }
            _ => out.push(c),
        }
    }
}
