//! The PKCS#12 structures certbind reads (RFC 7292, RFC 5652), as borrowed views read with
//! `der`'s reader. Iteration counts are read as `u64` so that an absurd count is reported as
//! too many iterations rather than as a malformed integer.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;
use der::asn1::OctetStringRef;
use der::{AnyRef, Decode, ErrorKind, Reader, SliceReader, Tag, TagNumber, Tagged};

use crate::Error;

/// `id-data` (RFC 5652).
pub(super) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// `id-encryptedData` (RFC 5652).
pub(super) const ID_ENCRYPTED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
/// `id-envelopedData` (RFC 5652).
pub(super) const ID_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
/// `id-signedData` (RFC 5652).
pub(super) const ID_SIGNED_DATA: ObjectIdentifier = crate::x509::ID_SIGNED_DATA;
/// `pkcs-9-at-localKeyId` (RFC 2985).
pub(super) const LOCAL_KEY_ID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

const EXPLICIT_0: Tag = Tag::ContextSpecific {
    constructed: true,
    number: TagNumber(0),
};
const IMPLICIT_0_PRIMITIVE: Tag = Tag::ContextSpecific {
    constructed: false,
    number: TagNumber(0),
};
const IMPLICIT_0_CONSTRUCTED: Tag = EXPLICIT_0;

/// `Pkcs12Malformed` naming the structure, with the `der` error and its position in it.
pub(super) fn malformed(what: &str, err: &der::Error) -> Error {
    let at = err
        .position()
        .map(|p| format!(" at byte {} of it", u32::from(p)))
        .unwrap_or_default();
    Error::Pkcs12Malformed {
        reason: format!("{what}: {}{at}", err.kind()),
    }
}

/// `bytes` (one level of the file) as DER: BER is re-encoded ([`super::ber`]).
pub(super) fn as_der<'a>(bytes: &'a [u8], what: &str) -> Result<Cow<'a, [u8]>, Error> {
    super::ber::to_der(bytes).map_err(|e| structure(format!("{what}: {e}")))
}

fn structure(reason: String) -> Error {
    Error::Pkcs12Malformed { reason }
}

/// An AlgorithmIdentifier.
#[derive(Clone, Copy, Debug)]
pub(super) struct Algorithm<'a> {
    pub(super) oid: ObjectIdentifier,
    pub(super) parameters: Option<AnyRef<'a>>,
}

fn read_algorithm<'a>(reader: &mut SliceReader<'a>) -> der::Result<Algorithm<'a>> {
    let any = AnyRef::decode(reader)?;
    any.sequence(|r| {
        let oid = r.decode()?;
        let parameters = if r.is_finished() {
            None
        } else {
            Some(AnyRef::decode(r)?)
        };
        Ok(Algorithm { oid, parameters })
    })
}

/// `PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }`.
#[derive(Debug)]
pub(super) struct Pfx<'a> {
    pub(super) auth_safe: ContentInfo<'a>,
    pub(super) mac: Option<MacData<'a>>,
}

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }`.
#[derive(Debug)]
pub(super) struct MacData<'a> {
    pub(super) digest_algorithm: Algorithm<'a>,
    pub(super) digest: &'a [u8],
    pub(super) salt: &'a [u8],
    pub(super) iterations: u64,
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY OPTIONAL }`.
#[derive(Clone, Copy, Debug)]
pub(super) struct ContentInfo<'a> {
    pub(super) content_type: ObjectIdentifier,
    pub(super) content: Option<AnyRef<'a>>,
}

pub(super) fn read_pfx(der: &[u8]) -> Result<Pfx<'_>, Error> {
    let any = AnyRef::from_der(der).map_err(|e| malformed("PFX", &e))?;
    any.sequence(|r| {
        let version = r.decode::<u64>()?;
        let auth_safe = read_content_info(r)?;
        let mac = if r.is_finished() {
            None
        } else {
            Some(read_mac_data(r)?)
        };
        Ok((version, auth_safe, mac))
    })
    .map_err(|e| malformed("PFX", &e))
    .and_then(|(version, auth_safe, mac)| {
        if version == 3 {
            Ok(Pfx { auth_safe, mac })
        } else {
            Err(structure(format!(
                "PFX version is {version}; only version 3 exists"
            )))
        }
    })
}

fn read_mac_data<'a>(reader: &mut SliceReader<'a>) -> der::Result<MacData<'a>> {
    let any = AnyRef::decode(reader)?;
    any.sequence(|r| {
        let (digest_algorithm, digest) = AnyRef::decode(r)?.sequence(|d| {
            let algorithm = read_algorithm(d)?;
            let digest = <&OctetStringRef>::decode(d)?.as_bytes();
            Ok::<_, der::Error>((algorithm, digest))
        })?;
        let salt = <&OctetStringRef>::decode(r)?.as_bytes();
        let iterations = if r.is_finished() {
            1
        } else {
            r.decode::<u64>()?
        };
        Ok(MacData {
            digest_algorithm,
            digest,
            salt,
            iterations,
        })
    })
}

fn read_content_info<'a>(reader: &mut SliceReader<'a>) -> der::Result<ContentInfo<'a>> {
    let any = AnyRef::decode(reader)?;
    any.sequence(|r| {
        let content_type = r.decode()?;
        let content = if r.is_finished() {
            None
        } else {
            let explicit = AnyRef::decode(r)?;
            if explicit.tag() != EXPLICIT_0 {
                return Err(explicit.tag().unexpected_error(Some(EXPLICIT_0)).into());
            }
            Some(AnyRef::from_der(explicit.value())?)
        };
        Ok(ContentInfo {
            content_type,
            content,
        })
    })
}

/// The bytes of a `data` ContentInfo's OCTET STRING.
pub(super) fn data_octets<'a>(ci: &ContentInfo<'a>, what: &str) -> Result<&'a [u8], Error> {
    let content = ci
        .content
        .ok_or_else(|| structure(format!("{what}: the data is missing")))?;
    content
        .decode_as::<&OctetStringRef>()
        .map(OctetStringRef::as_bytes)
        .map_err(|e| malformed(what, &e))
}

/// `AuthenticatedSafe ::= SEQUENCE OF ContentInfo`.
pub(super) fn read_authenticated_safe(der: &[u8]) -> Result<Vec<(ContentInfo<'_>, &[u8])>, Error> {
    let what = "AuthenticatedSafe";
    let any = AnyRef::from_der(der).map_err(|e| malformed(what, &e))?;
    any.sequence(|r| {
        let mut out = Vec::new();
        while !r.is_finished() {
            let before = r.clone();
            let ci = read_content_info(r)?;
            let mut tlv_reader = before;
            out.push((ci, tlv_reader.tlv_bytes()?));
        }
        Ok(out)
    })
    .map_err(|e| malformed(what, &e))
}

/// `EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { contentType,
/// contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL },
/// unprotectedAttrs [1] IMPLICIT OPTIONAL }`: the algorithm and the ciphertext.
pub(super) fn read_encrypted_data<'a>(
    ci: &ContentInfo<'a>,
    what: &str,
) -> Result<(Algorithm<'a>, Cow<'a, [u8]>), Error> {
    let content = ci
        .content
        .ok_or_else(|| structure(format!("{what}: the encrypted data is missing")))?;
    content
        .sequence(|r| {
            let _version = AnyRef::decode(r)?;
            let eci = AnyRef::decode(r)?;
            // unprotectedAttrs, if any, are not needed.
            while !r.is_finished() {
                AnyRef::decode(r)?;
            }
            eci.sequence(|e| {
                let _content_type: ObjectIdentifier = e.decode()?;
                let algorithm = read_algorithm(e)?;
                let encrypted = AnyRef::decode(e)?;
                if encrypted.tag() == IMPLICIT_0_CONSTRUCTED {
                    // BER: the IMPLICIT OCTET STRING in segments (X.690 §8.7.3), joined.
                    let mut joined = Vec::new();
                    let mut segments = SliceReader::new(encrypted.value())?;
                    while !segments.is_finished() {
                        joined.extend_from_slice(segments.decode::<&OctetStringRef>()?.as_bytes());
                    }
                    return Ok((algorithm, Cow::Owned(joined)));
                }
                if encrypted.tag() != IMPLICIT_0_PRIMITIVE {
                    return Err(encrypted
                        .tag()
                        .unexpected_error(Some(IMPLICIT_0_PRIMITIVE))
                        .into());
                }
                Ok((algorithm, Cow::Borrowed(encrypted.value())))
            })
        })
        .map_err(|e| malformed(what, &e))
}

/// `EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }`.
pub(super) fn read_encrypted_private_key(der: AnyRef<'_>) -> der::Result<(Algorithm<'_>, &[u8])> {
    der.sequence(|r| {
        let algorithm = read_algorithm(r)?;
        let data = <&OctetStringRef>::decode(r)?.as_bytes();
        Ok((algorithm, data))
    })
}

/// `SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF
/// PKCS12Attribute OPTIONAL }`, with the one attribute certbind uses.
#[derive(Clone, Copy, Debug)]
pub(super) struct SafeBag<'a> {
    pub(super) bag_id: ObjectIdentifier,
    pub(super) value: AnyRef<'a>,
    pub(super) local_key_id: Option<&'a [u8]>,
}

/// `SafeContents ::= SEQUENCE OF SafeBag`.
pub(super) fn read_safe_contents<'a>(der: &'a [u8], what: &str) -> Result<Vec<SafeBag<'a>>, Error> {
    let any = AnyRef::from_der(der).map_err(|e| malformed(what, &e))?;
    any.sequence(|r| {
        let mut bags = Vec::new();
        while !r.is_finished() {
            bags.push(read_safe_bag(r)?);
        }
        Ok(bags)
    })
    .map_err(|e| malformed(what, &e))
}

fn read_safe_bag<'a>(reader: &mut SliceReader<'a>) -> der::Result<SafeBag<'a>> {
    AnyRef::decode(reader)?.sequence(|r| {
        let bag_id = r.decode()?;
        let explicit = AnyRef::decode(r)?;
        if explicit.tag() != EXPLICIT_0 {
            return Err(explicit.tag().unexpected_error(Some(EXPLICIT_0)).into());
        }
        let value = AnyRef::from_der(explicit.value())?;
        let mut local_key_id = None;
        if !r.is_finished() {
            let attributes = AnyRef::decode(r)?;
            if attributes.tag() != Tag::Set {
                return Err(attributes.tag().unexpected_error(Some(Tag::Set)).into());
            }
            local_key_id = find_local_key_id(attributes.value())?;
        }
        Ok(SafeBag {
            bag_id,
            value,
            local_key_id,
        })
    })
}

/// `PKCS12Attribute ::= SEQUENCE { attrId OID, attrValues SET OF ANY }`: the first value of
/// `localKeyId`, if present.
fn find_local_key_id(attributes: &[u8]) -> der::Result<Option<&[u8]>> {
    let mut reader = SliceReader::new(attributes)?;
    let mut found = None;
    while !reader.is_finished() {
        let attribute = AnyRef::decode(&mut reader)?;
        attribute.sequence(|r| {
            let oid = ObjectIdentifier::decode(r)?;
            let values = AnyRef::decode(r)?;
            if oid == LOCAL_KEY_ID && found.is_none() {
                let mut vr = SliceReader::new(values.value())?;
                found = Some(<&OctetStringRef>::decode(&mut vr)?.as_bytes());
            }
            Ok::<_, der::Error>(())
        })?;
    }
    Ok(found)
}

/// `CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }`: (certId, bytes).
pub(super) fn read_cert_bag(value: AnyRef<'_>) -> der::Result<(ObjectIdentifier, &[u8])> {
    value.sequence(|r| {
        let cert_id = r.decode()?;
        let explicit = AnyRef::decode(r)?;
        if explicit.tag() != EXPLICIT_0 {
            return Err(explicit.tag().unexpected_error(Some(EXPLICIT_0)).into());
        }
        let mut inner = SliceReader::new(explicit.value())?;
        let octets = <&OctetStringRef>::decode(&mut inner)?.as_bytes();
        Ok((cert_id, octets))
    })
}

/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }`.
pub(super) fn read_pbe_params(params: Option<AnyRef<'_>>) -> der::Result<(&[u8], u64)> {
    let params =
        params.ok_or_else(|| der::Error::from(ErrorKind::Length { tag: Tag::Sequence }))?;
    params.sequence(|r| {
        let salt = <&OctetStringRef>::decode(r)?.as_bytes();
        let iterations = r.decode::<u64>()?;
        Ok((salt, iterations))
    })
}
