//! The structural check of a DER certificate (RFC 5280 §4.1): every field of `Certificate` and
//! `TBSCertificate` read with the `der` crate's reader and leaf types, in the order and with the
//! rules of `x509_cert::Certificate::from_der` (x509-cert 0.3, profile RFC 5280), so that the
//! same inputs are accepted and the same error (kind and byte position) is returned for the rest.
//!
//! Why not `x509_cert::Certificate::from_der` itself: its derive-generated decoders build the
//! whole typed model (owned names, extensions, every `GeneralName` variant) and are monomorphised
//! for each type, which is most of the npm package's size; the check needs none of it. What is
//! checked, field by field:
//! - `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier,
//!   signatureValue BIT STRING }`, nothing after it;
//! - `version [0] EXPLICIT INTEGER DEFAULT v1`, 0, 1 or 2 when present;
//! - `serialNumber INTEGER` in minimal encoding, at most 21 content bytes (x509-cert accepts a
//!   20-byte positive value with its sign byte);
//! - `AlgorithmIdentifier ::= SEQUENCE { OBJECT IDENTIFIER, ANY OPTIONAL }` (both of them);
//! - `issuer`/`subject`: `SEQUENCE OF SET OF SEQUENCE { OBJECT IDENTIFIER, ANY }`;
//! - `validity`: two times, each `UTCTime` or `GeneralizedTime` in RFC 5280 form with a valid
//!   date. Unlike x509-cert, dates before 1970 are accepted: der's `DateTime` starts at 1970,
//!   but RFC 5280 allows UTCTime from 1950 and GeneralizedTime from year 0000, and long-lived
//!   device and test CAs use them (`check_tests.rs` holds this one difference apart);
//! - `subjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }`;
//! - `issuerUniqueID [1] IMPLICIT BIT STRING OPTIONAL`, `subjectUniqueID [2] …` (primitive);
//! - `extensions [3] EXPLICIT SEQUENCE OF SEQUENCE { OBJECT IDENTIFIER, critical BOOLEAN DEFAULT
//!   FALSE, OCTET STRING }`;
//! - every TLV's tag and minimal length (der's `Header`), and no bytes left inside any SEQUENCE.
//!
//! `check_tests.rs` compares this with x509-cert on thousands of mutated certificates (x509-cert
//! stays a dependency of the core: the decision code uses its typed model).

use der::asn1::{BitStringRef, Int, ObjectIdentifier, OctetString};
use der::{DecodeValue, ErrorKind, Header, Length, Reader, SliceReader, Tag};

use crate::asn1::{
    Result, any, constructed, decode, explicit, from_der, implicit, nested_value, next_is_context,
    sequence,
};
use crate::time::is_valid_date_time;

/// Checks that `der` is one certificate with nothing after it.
pub(crate) fn check(der: &[u8]) -> Result<()> {
    from_der(der, |r| {
        sequence(r, |r| {
            tbs_certificate(r)?;
            algorithm_identifier(r)?;
            decode::<BitStringRef<'_>>(r)?;
            Ok(())
        })
    })
}

fn tbs_certificate(r: &mut SliceReader<'_>) -> Result<()> {
    sequence(r, |r| {
        if next_is_context(r, 0)? {
            explicit(r, |r| {
                if decode::<u8>(r)? > 2 {
                    return Err(Tag::Integer.value_error().into());
                }
                Ok(())
            })?;
        }
        // x509-cert's limit; it checks the content length, sign byte included.
        if decode::<Int>(r)?.len() > Length::new(21) {
            return Err(Tag::Integer.value_error().into());
        }
        algorithm_identifier(r)?;
        name(r)?;
        sequence(r, |r| {
            time(r)?;
            time(r)
        })?;
        name(r)?;
        sequence(r, |r| {
            algorithm_identifier(r)?;
            decode::<BitStringRef<'_>>(r)?;
            Ok(())
        })?;
        unique_identifier(r, 1)?;
        unique_identifier(r, 2)?;
        if next_is_context(r, 3)? {
            explicit(r, |r| {
                sequence(r, |r| {
                    while !r.is_finished() {
                        extension(r)?;
                    }
                    Ok(())
                })
            })?;
        }
        Ok(())
    })
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`.
fn algorithm_identifier(r: &mut SliceReader<'_>) -> Result<()> {
    sequence(r, |r| {
        decode::<ObjectIdentifier>(r)?;
        if !r.is_finished() {
            Tag::peek(r)?;
            any(r)?;
        }
        Ok(())
    })
}

/// `Name ::= SEQUENCE OF RelativeDistinguishedName`, `RelativeDistinguishedName ::= SET OF
/// AttributeTypeAndValue`, `AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value
/// ANY }`. (x509-cert sorts each SET OF while decoding; it does not reject an unsorted one.)
fn name(r: &mut SliceReader<'_>) -> Result<()> {
    sequence(r, |r| {
        while !r.is_finished() {
            constructed(r, Tag::Set, |r| {
                while !r.is_finished() {
                    sequence(r, |r| {
                        decode::<ObjectIdentifier>(r)?;
                        any(r)
                    })?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`, each in the form RFC 5280
/// §4.1.2.5 requires (`YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`) with a valid date: der's `UtcTime` and
/// `GeneralizedTime` rules, errors included, without their date arithmetic and without their
/// 1970 floor (UTCTime 50–69 is 1950–1969, RFC 5280 §4.1.2.5.1).
fn time(r: &mut SliceReader<'_>) -> Result<()> {
    let tag = Tag::peek(r)?;
    let generalized = match tag {
        Tag::UtcTime => false,
        Tag::GeneralizedTime => true,
        actual => {
            return Err(der::Error::new(
                ErrorKind::TagUnexpected {
                    expected: None,
                    actual,
                },
                r.position(),
            ));
        }
    };
    let header = <Header as der::Decode>::decode(r)?;
    let len: u32 = if generalized { 15 } else { 13 };
    nested_value(r, header.length(), |r| {
        if header.length() != Length::new(len) {
            return Err(r.error(tag.value_error()));
        }
        let bytes = r.read_slice(header.length())?;
        let Some((b'Z', digits)) = bytes.split_last() else {
            return Err(r.error(tag.value_error()));
        };
        // Two-digit fields in order; the first that is not two digits decides the error, as
        // in der (a GeneralizedTime's second pair of year digits is a date-time error).
        let mut fields = [0_u32; 7];
        for (i, (field, pair)) in fields.iter_mut().zip(digits.chunks_exact(2)).enumerate() {
            match pair {
                [hi @ b'0'..=b'9', lo @ b'0'..=b'9'] => {
                    *field = u32::from(hi - b'0') * 10 + u32::from(lo - b'0');
                }
                _ if !generalized => return Err(tag.value_error().into()),
                _ if i == 1 => return Err(r.error(ErrorKind::DateTime)),
                _ => return Err(r.error(tag.value_error())),
            }
        }
        let (year, [month, day, hour, minute, second, ..]) = (
            if generalized {
                fields[0] * 100 + fields[1]
            } else if fields[0] >= 50 {
                1900 + fields[0]
            } else {
                2000 + fields[0]
            },
            if generalized {
                [fields[2], fields[3], fields[4], fields[5], fields[6], 0]
            } else {
                [fields[1], fields[2], fields[3], fields[4], fields[5], 0]
            },
        );
        if !is_valid_date_time(i64::from(year), month, day, hour, minute, second) {
            return Err(r.error(tag.value_error()));
        }
        Ok(())
    })
}

/// `[number] IMPLICIT UniqueIdentifier OPTIONAL` (a BIT STRING: primitive).
fn unique_identifier(r: &mut SliceReader<'_>, number: u32) -> Result<()> {
    if !next_is_context(r, number)? {
        return Ok(());
    }
    implicit(r, false, |r, header| {
        BitStringRef::decode_value(r, header).map(drop)
    })
}

/// `Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
/// extnValue OCTET STRING }`.
fn extension(r: &mut SliceReader<'_>) -> Result<()> {
    sequence(r, |r| {
        decode::<ObjectIdentifier>(r)?;
        if !r.is_finished() && Tag::peek(r)? == Tag::Boolean {
            decode::<bool>(r)?;
        }
        decode::<OctetString>(r)?;
        Ok(())
    })
}
