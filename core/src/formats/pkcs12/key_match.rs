//! Which certificate a private key belongs to, when the file does not say (no `localKeyId`):
//! compare the public part the key carries with each certificate's SubjectPublicKeyInfo. Cheap
//! cases only, no arithmetic on the key: the RSA modulus, the EC public point that SEC1 keys
//! carry (OpenSSL always writes it), and the public key of a PKCS#8 v2 (OneAsymmetricKey) key.

use alloc::vec::Vec;

use der::asn1::{BitStringRef, OctetStringRef, UintRef};
use der::{AnyRef, Decode, Reader, SliceReader, Tag, TagNumber, Tagged};

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// The public part of a key, as far as it can be compared without computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum PublicPart {
    /// RSA modulus, without leading zero bytes.
    RsaModulus(Vec<u8>),
    /// The public key bytes as they appear in SubjectPublicKeyInfo (EC point, Ed25519 key...).
    KeyBytes(Vec<u8>),
}

fn is_rsa(oid: &const_oid::ObjectIdentifier) -> bool {
    let s = alloc::string::ToString::to_string(oid);
    s == RSA_ENCRYPTION || s == RSASSA_PSS
}

/// The modulus of a DER `RSAPublicKey` or `RSAPrivateKey` (whose first INTEGER is the version).
fn rsa_modulus(der: &[u8], skip_version: bool) -> Option<Vec<u8>> {
    AnyRef::from_der(der)
        .ok()?
        .sequence(|r| {
            if skip_version {
                AnyRef::decode(r)?;
            }
            let modulus = UintRef::decode(r)?;
            // The rest (exponents, primes) is not needed and not read.
            while !r.is_finished() {
                r.tlv_bytes()?;
            }
            Ok::<_, der::Error>(modulus.as_bytes().to_vec())
        })
        .ok()
}

/// The public part of a certificate's key. (A certificate that is not well formed gets none: it
/// fails the certificate check when the input's certificates are read, so no match matters.)
pub(super) fn of_certificate(cert_der: &[u8]) -> Option<PublicPart> {
    let spki = crate::tbs::walk(cert_der).ok()?.spki;
    let (algorithm, key) = crate::asn1::from_der(spki, |r| {
        crate::asn1::sequence(r, |r| {
            let algorithm = crate::asn1::sequence(r, |r| {
                let oid = crate::asn1::decode::<const_oid::ObjectIdentifier>(r)?;
                crate::asn1::optional_any(r)?;
                Ok(oid)
            })?;
            Ok((algorithm, crate::asn1::decode::<BitStringRef<'_>>(r)?))
        })
    })
    .ok()?;
    let key = key.raw_bytes();
    if is_rsa(&algorithm) {
        rsa_modulus(key, false).map(PublicPart::RsaModulus)
    } else {
        Some(PublicPart::KeyBytes(key.to_vec()))
    }
}

/// The public part a PKCS#8 private key carries, if any. `pkcs8` is a decrypted
/// `PrivateKeyInfo`/`OneAsymmetricKey`; nothing of the private key is kept.
pub(super) fn of_private_key(pkcs8: &[u8]) -> Option<PublicPart> {
    const PUBLIC_KEY: Tag = Tag::ContextSpecific {
        constructed: false,
        number: TagNumber(1),
    };
    AnyRef::from_der(pkcs8)
        .ok()?
        .sequence(|r| {
            let _version = AnyRef::decode(r)?;
            let algorithm = AnyRef::decode(r)?;
            let oid = algorithm.sequence(|a| {
                let oid = const_oid::ObjectIdentifier::decode(a)?;
                while !a.is_finished() {
                    a.tlv_bytes()?;
                }
                Ok::<_, der::Error>(oid)
            })?;
            let private_key = <&OctetStringRef>::decode(r)?.as_bytes();
            // attributes [0] IMPLICIT, publicKey [1] IMPLICIT BIT STRING (PKCS#8 v2).
            let mut public_key = None;
            while !r.is_finished() {
                let field = AnyRef::decode(r)?;
                if field.tag() == PUBLIC_KEY {
                    public_key = field.value().split_first().map(|(_, bits)| bits.to_vec());
                }
            }
            let part = if is_rsa(&oid) {
                rsa_modulus(private_key, true).map(PublicPart::RsaModulus)
            } else if alloc::string::ToString::to_string(&oid) == EC_PUBLIC_KEY {
                ec_public_point(private_key)
                    .or(public_key)
                    .map(PublicPart::KeyBytes)
            } else {
                public_key.map(PublicPart::KeyBytes)
            };
            Ok::<_, der::Error>(part)
        })
        .ok()
        .flatten()
}

/// `ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, parameters [0] OPTIONAL,
/// publicKey [1] EXPLICIT BIT STRING OPTIONAL }` (RFC 5915): the public point.
fn ec_public_point(der: &[u8]) -> Option<Vec<u8>> {
    const PUBLIC_KEY: Tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(1),
    };
    AnyRef::from_der(der)
        .ok()?
        .sequence(|r| {
            let mut point = None;
            while !r.is_finished() {
                let field = AnyRef::decode(r)?;
                if field.tag() == PUBLIC_KEY {
                    let mut inner = SliceReader::new(field.value())?;
                    point = Some(BitStringRef::decode(&mut inner)?.raw_bytes().to_vec());
                }
            }
            Ok::<_, der::Error>(point)
        })
        .ok()
        .flatten()
}
