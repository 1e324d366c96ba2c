//! The authority key identifier extension (RFC 5280 §4.2.1.1):
//!
//! ```text
//! AuthorityKeyIdentifier ::= SEQUENCE {
//!     keyIdentifier             [0] IMPLICIT OCTET STRING           OPTIONAL,
//!     authorityCertIssuer       [1] IMPLICIT GeneralNames           OPTIONAL,
//!     authorityCertSerialNumber [2] IMPLICIT CertificateSerialNumber OPTIONAL }
//! ```
//!
//! Only the key identifier is shown. It is read with the rules (and the errors) of x509-cert's
//! `AuthorityKeyIdentifier` decoder, with one difference: the issuer names, which are not shown,
//! are read as TLVs (tag and length) without checking each `GeneralName`'s contents, so that a
//! malformed name there no longer hides the key identifier (the serial number is checked).

use der::asn1::Int;
use der::{DecodeValue, Length, Reader, Tag};

use crate::asn1::{Result, any, from_der, implicit, next_is_context, sequence};

/// The keyIdentifier of an AKI extension value, if it has one.
pub(super) fn key_identifier(value: &[u8]) -> Result<Option<&[u8]>> {
    from_der(value, |r| {
        sequence(r, |r| {
            let mut key_id = None;
            if next_is_context(r, 0)? {
                key_id = Some(implicit(r, false, |r, header| {
                    r.read_slice(header.length())
                })?);
            }
            if next_is_context(r, 1)? {
                implicit(r, true, |r, _| {
                    while !r.is_finished() {
                        any(r)?;
                    }
                    Ok(())
                })?;
            }
            if next_is_context(r, 2)? {
                implicit(r, false, |r, header| {
                    // CertificateSerialNumber, as x509-cert limits it.
                    if Int::decode_value(r, header)?.len() > Length::new(21) {
                        return Err(Tag::Integer.value_error().into());
                    }
                    Ok(())
                })?;
            }
            Ok(key_id)
        })
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use alloc::vec::Vec;

    use der::{Decode, Reader};
    use x509_cert::ext::pkix::AuthorityKeyIdentifier;

    use super::key_identifier;
    use crate::der_mutations::{Rng, certificates, mutants};
    use crate::tbs::{elements, split_tlv, walk};

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = alloc::vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(u8::try_from(len).unwrap());
        } else {
            out.extend([0x81, u8::try_from(len).unwrap()]);
        }
        out.extend(content);
        out
    }

    /// An AKI with every kind of GeneralName x509-cert reads, for the mutations to start from.
    fn every_name() -> Vec<u8> {
        let cn = tlv(
            0x30,
            &tlv(0x31, &tlv(0x30, &[6, 3, 0x55, 4, 3, 0x0C, 2, b'C', b'A'])),
        );
        let names: Vec<u8> = [
            tlv(0xA0, &[6, 3, 0x2B, 6, 1, 0xA0, 4, 0x0C, 2, b'h', b'i']),
            tlv(0x81, b"a@b"),
            tlv(0x82, b"a.b"),
            tlv(0xA4, &cn),
            tlv(
                0xA5,
                &[0xA0, 4, 0x13, 2, b'A', b'B', 0xA1, 4, 0x1E, 2, 0, b'A'],
            ),
            tlv(0xA5, &[0xA0, 3, 0x14, 1, b'A', 0xA1, 3, 0x0C, 1, b'B']),
            tlv(0xA5, &[0xA1, 3, 0x0C, 1, b'B']),
            tlv(0x86, b"http:"),
            tlv(0x87, &[127, 0, 0, 1]),
            tlv(0x88, &[0x2B, 6, 1]),
            tlv(0x82, b""),
        ]
        .concat();
        let body = [tlv(0x80, &[1, 2]), tlv(0xA1, &names), tlv(0x82, &[3, 4])].concat();
        tlv(0x30, &body)
    }

    /// The AKI extension values of real certificates.
    fn real_values() -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for der in certificates() {
            let Some(extensions) = walk(&der).ok().and_then(|c| c.extensions) else {
                continue;
            };
            let Ok((_, content)) = split_tlv(extensions) else {
                continue;
            };
            for ext in elements(content).flatten() {
                if let Ok(x) = x509_cert::ext::Extension::from_der(ext)
                    && x.extn_id == const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER
                {
                    out.push(x.extn_value.as_bytes().to_vec());
                }
            }
        }
        out
    }

    /// The contents of `value`'s outer TLV and what follows it.
    fn outer(value: &[u8]) -> Option<(&[u8], &[u8])> {
        let mut r = der::SliceReader::new(value).ok()?;
        let header = der::Header::decode(&mut r).ok()?;
        let content = r.read_slice(header.length()).ok()?;
        let rest = value.get(value.len() - usize::try_from(r.remaining_len()).ok()?..)?;
        Some((content, rest))
    }

    /// `value` without its authorityCertIssuer field (`None` when it has none or is no AKI).
    fn without_issuer(value: &[u8]) -> Option<Vec<u8>> {
        let (content, rest) = outer(value)?;
        let mut body = Vec::new();
        let mut removed = false;
        for element in elements(content) {
            let Ok(element) = element else {
                return None;
            };
            if element.first() == Some(&0xA1) {
                removed = true;
            } else {
                body.extend(element);
            }
        }
        removed.then(|| [tlv(0x30, &body), rest.to_vec()].concat())
    }

    /// Where the authorityCertIssuer field lies in `value`, if it has one.
    fn issuer_range(value: &[u8]) -> Option<core::ops::Range<usize>> {
        let (content, _) = outer(value)?;
        let start = content.as_ptr() as usize - value.as_ptr() as usize;
        let mut offset = start;
        for element in elements(content) {
            let element = element.ok()?;
            if element.first() == Some(&0xA1) {
                return Some(offset..offset + element.len());
            }
            offset += element.len();
        }
        None
    }

    fn assert_same(value: &[u8]) -> bool {
        let ours = key_identifier(value);
        let theirs = AuthorityKeyIdentifier::from_der(value);
        match (&ours, &theirs) {
            (Ok(id), Ok(aki)) => {
                assert_eq!(
                    id.as_deref(),
                    aki.key_identifier.as_ref().map(|k| k.as_bytes()),
                    "{value:02X?}"
                );
                true
            }
            (Err(o), Err(t)) if (o.position(), o.kind()) == (t.position(), t.kind()) => false,
            // The one difference: x509-cert reads each name of authorityCertIssuer, certbind
            // only its TLVs. The value has that field, x509-cert's error is inside it (when
            // the error has a position), and where certbind reads a key identifier x509-cert
            // reads the same one once the field is removed.
            (_, Err(t)) => {
                let range = issuer_range(value).unwrap_or_else(|| {
                    panic!("ours {ours:?}, x509-cert {theirs:?} for {value:02X?}")
                });
                if let Some(at) = t.position() {
                    let at = usize::try_from(u32::from(at)).unwrap();
                    assert!(
                        range.start <= at && at <= range.end,
                        "ours {ours:?}, x509-cert {theirs:?} for {value:02X?}"
                    );
                }
                if let Ok(id) = &ours {
                    let without = without_issuer(value).unwrap();
                    let aki = AuthorityKeyIdentifier::from_der(&without).unwrap();
                    assert_eq!(
                        id.as_deref(),
                        aki.key_identifier.as_ref().map(|k| k.as_bytes())
                    );
                }
                ours.is_ok()
            }
            _ => panic!("ours {ours:?}, x509-cert {theirs:?} for {value:02X?}"),
        }
    }

    #[test]
    fn the_key_identifier_is_read_as_x509_cert_reads_it_but_for_the_issuer_names() {
        let mut seeds = real_values();
        assert!(seeds.len() > 20, "{} AKI values", seeds.len());
        let every_name = every_name();
        seeds.push(every_name.clone());
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let (mut accepted, mut rejected) = (0, 0);
        for seed in &seeds {
            assert!(assert_same(seed), "{seed:02X?}");
            let count = if *seed == every_name { 20_000 } else { 100 };
            for value in mutants(seed, count, &mut rng) {
                if assert_same(&value) {
                    accepted += 1;
                } else {
                    rejected += 1;
                }
            }
        }
        assert!(
            accepted > 1000 && rejected > 1000,
            "{accepted} accepted, {rejected} rejected"
        );
    }
}
