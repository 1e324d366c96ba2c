//! Names of algorithms, curves and extended key usages, and the size of a public key.
//!
//! Names follow OpenSSL's where OpenSSL has one people know (`sha256WithRSAEncryption`,
//! `ecdsa-with-SHA256`, `clientAuth`), so that `certbind inspect` reads like `openssl x509 -text`.

use alloc::format;
use alloc::string::{String, ToString};

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitStringRef, UintRef};
use der::{Reader, SliceReader, Tag, Tagged};

use crate::asn1::{Result, any_sequence, decode, from_der, oid_bytes, optional_any, sequence};
use crate::tbs::{context, split_tlv};

const RSA_ENCRYPTION: &[u8] = oid_bytes!("1.2.840.113549.1.1.1");
const RSASSA_PSS: &[u8] = oid_bytes!("1.2.840.113549.1.1.10");
const EC_PUBLIC_KEY: &[u8] = oid_bytes!("1.2.840.10045.2.1");
const DSA: &[u8] = oid_bytes!("1.2.840.10040.4.1");

/// A table of names by OID (the DER content bytes of the OID).
type Names = &'static [(&'static [u8], &'static str)];

/// Signature algorithms (OpenSSL's names; RSASSA-PSS gets its hash added).
const SIGNATURE_ALGORITHMS: Names = &[
    (oid_bytes!("1.2.840.113549.1.1.2"), "md2WithRSAEncryption"),
    (oid_bytes!("1.2.840.113549.1.1.4"), "md5WithRSAEncryption"),
    (oid_bytes!("1.2.840.113549.1.1.5"), "sha1WithRSAEncryption"),
    (
        oid_bytes!("1.2.840.113549.1.1.11"),
        "sha256WithRSAEncryption",
    ),
    (
        oid_bytes!("1.2.840.113549.1.1.12"),
        "sha384WithRSAEncryption",
    ),
    (
        oid_bytes!("1.2.840.113549.1.1.13"),
        "sha512WithRSAEncryption",
    ),
    (
        oid_bytes!("1.2.840.113549.1.1.14"),
        "sha224WithRSAEncryption",
    ),
    (oid_bytes!("1.3.14.3.2.29"), "sha1WithRSA"),
    (oid_bytes!("1.2.840.10045.4.1"), "ecdsa-with-SHA1"),
    (oid_bytes!("1.2.840.10045.4.3.1"), "ecdsa-with-SHA224"),
    (oid_bytes!("1.2.840.10045.4.3.2"), "ecdsa-with-SHA256"),
    (oid_bytes!("1.2.840.10045.4.3.3"), "ecdsa-with-SHA384"),
    (oid_bytes!("1.2.840.10045.4.3.4"), "ecdsa-with-SHA512"),
    (oid_bytes!("1.2.840.10040.4.3"), "dsaWithSHA1"),
    (oid_bytes!("2.16.840.1.101.3.4.3.1"), "dsa_with_SHA224"),
    (oid_bytes!("2.16.840.1.101.3.4.3.2"), "dsa_with_SHA256"),
    (oid_bytes!("1.3.101.112"), "Ed25519"),
    (oid_bytes!("1.3.101.113"), "Ed448"),
    (oid_bytes!("2.16.840.1.101.3.4.3.17"), "ML-DSA-44"),
    (oid_bytes!("2.16.840.1.101.3.4.3.18"), "ML-DSA-65"),
    (oid_bytes!("2.16.840.1.101.3.4.3.19"), "ML-DSA-87"),
];

/// Key algorithms whose name says everything (no size or curve to add).
const FIXED_KEYS: Names = &[
    (oid_bytes!("1.3.101.110"), "X25519"),
    (oid_bytes!("1.3.101.111"), "X448"),
    (oid_bytes!("1.3.101.112"), "Ed25519"),
    (oid_bytes!("1.3.101.113"), "Ed448"),
    (oid_bytes!("2.16.840.1.101.3.4.3.17"), "ML-DSA-44"),
    (oid_bytes!("2.16.840.1.101.3.4.3.18"), "ML-DSA-65"),
    (oid_bytes!("2.16.840.1.101.3.4.3.19"), "ML-DSA-87"),
];

/// Named elliptic curves (RFC 5480 names where there is one).
const CURVES: Names = &[
    (oid_bytes!("1.2.840.10045.3.1.7"), "P-256"),
    (oid_bytes!("1.3.132.0.34"), "P-384"),
    (oid_bytes!("1.3.132.0.35"), "P-521"),
    (oid_bytes!("1.3.132.0.33"), "P-224"),
    (oid_bytes!("1.2.840.10045.3.1.1"), "P-192"),
    (oid_bytes!("1.3.132.0.10"), "secp256k1"),
    (oid_bytes!("1.3.36.3.3.2.8.1.1.7"), "brainpoolP256r1"),
    (oid_bytes!("1.3.36.3.3.2.8.1.1.11"), "brainpoolP384r1"),
    (oid_bytes!("1.3.36.3.3.2.8.1.1.13"), "brainpoolP512r1"),
    (oid_bytes!("1.2.156.10197.1.301"), "SM2"),
];

/// Hash algorithms (for RSASSA-PSS parameters).
const HASHES: Names = &[
    (oid_bytes!("1.3.14.3.2.26"), "SHA-1"),
    (oid_bytes!("2.16.840.1.101.3.4.2.4"), "SHA-224"),
    (oid_bytes!("2.16.840.1.101.3.4.2.1"), "SHA-256"),
    (oid_bytes!("2.16.840.1.101.3.4.2.2"), "SHA-384"),
    (oid_bytes!("2.16.840.1.101.3.4.2.3"), "SHA-512"),
];

/// Extended key usages (OpenSSL's short names).
const EXTENDED_KEY_USAGES: Names = &[
    (oid_bytes!("1.3.6.1.5.5.7.3.1"), "serverAuth"),
    (oid_bytes!("1.3.6.1.5.5.7.3.2"), "clientAuth"),
    (oid_bytes!("1.3.6.1.5.5.7.3.3"), "codeSigning"),
    (oid_bytes!("1.3.6.1.5.5.7.3.4"), "emailProtection"),
    (oid_bytes!("1.3.6.1.5.5.7.3.5"), "ipsecEndSystem"),
    (oid_bytes!("1.3.6.1.5.5.7.3.6"), "ipsecTunnel"),
    (oid_bytes!("1.3.6.1.5.5.7.3.7"), "ipsecUser"),
    (oid_bytes!("1.3.6.1.5.5.7.3.8"), "timeStamping"),
    (oid_bytes!("1.3.6.1.5.5.7.3.9"), "OCSPSigning"),
    (oid_bytes!("1.3.6.1.5.5.7.3.17"), "ipsecIKE"),
    (oid_bytes!("2.5.29.37.0"), "anyExtendedKeyUsage"),
    (oid_bytes!("1.3.6.1.4.1.311.20.2.2"), "msSmartcardLogin"),
    (oid_bytes!("1.3.6.1.4.1.311.10.3.4"), "msEFS"),
    (oid_bytes!("1.3.6.1.4.1.311.10.3.3"), "msSGC"),
    (oid_bytes!("1.3.6.1.4.1.311.10.3.1"), "msCTLSign"),
    (oid_bytes!("1.3.6.1.4.1.311.2.1.21"), "msCodeInd"),
    (oid_bytes!("1.3.6.1.4.1.311.2.1.22"), "msCodeCom"),
    (oid_bytes!("2.16.840.1.113730.4.1"), "nsSGC"),
    (oid_bytes!("1.3.6.1.5.2.3.4"), "pkInitClientAuth"),
    (oid_bytes!("1.3.6.1.5.2.3.5"), "pkInitKDC"),
];

/// Key usage bits in order (RFC 5280 §4.2.1.3).
pub(super) const KEY_USAGES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// The name of `oid` in `table`, or its dotted form.
pub(super) fn name_or_dotted(table: Names, oid: &ObjectIdentifier) -> String {
    match table.iter().find(|(bytes, _)| *bytes == oid.as_bytes()) {
        Some((_, name)) => String::from(*name),
        None => oid.to_string(),
    }
}

/// The name of an extended key usage, or its dotted OID.
pub(super) fn extended_key_usage_name(usage: &ObjectIdentifier) -> String {
    name_or_dotted(EXTENDED_KEY_USAGES, usage)
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`.
fn algorithm_identifier<'a>(
    r: &mut SliceReader<'a>,
) -> Result<(ObjectIdentifier, Option<AnyRef<'a>>)> {
    sequence(r, |r| {
        Ok((decode::<ObjectIdentifier>(r)?, optional_any(r)?))
    })
}

/// The signature algorithm of an `AlgorithmIdentifier` TLV, e.g. `sha256WithRSAEncryption` or
/// `RSASSA-PSS (SHA-256)` (empty if it cannot be read: the certificate check reads it first).
pub(super) fn signature_algorithm_name(tlv: &[u8]) -> String {
    let Ok((oid, parameters)) = from_der(tlv, algorithm_identifier) else {
        return String::new();
    };
    if oid.as_bytes() == RSASSA_PSS {
        return format!("RSASSA-PSS ({})", pss_hash(parameters));
    }
    name_or_dotted(SIGNATURE_ALGORITHMS, &oid)
}

/// The hash of RSASSA-PSS parameters (`hashAlgorithm [0]`, default SHA-1; RFC 4055 §3.1).
fn pss_hash(parameters: Option<AnyRef<'_>>) -> String {
    let Some(params) = parameters else {
        return String::from("parameters absent");
    };
    let hash = any_sequence(params, |r| {
        if r.is_finished() || Tag::peek(r)? != context(0, true) {
            return Ok(None);
        }
        let tlv = r.tlv_bytes()?;
        let inner = crate::tbs::explicit_content(tlv)?;
        let (oid, _) = from_der(inner, algorithm_identifier)?;
        // The remaining fields (mask generation, salt length, trailer) are not shown.
        while !r.is_finished() {
            r.tlv_bytes()?;
        }
        Ok(Some(oid))
    });
    match hash {
        Ok(None) => String::from("SHA-1"),
        Ok(Some(o)) => name_or_dotted(HASHES, &o),
        Err(_) => String::from("unreadable parameters"),
    }
}

/// The key algorithm of a SubjectPublicKeyInfo TLV with its size or curve: `RSA 2048`,
/// `RSASSA-PSS 3072`, `EC P-256`, `Ed25519`, `DSA 2048`.
pub(super) fn key_algorithm_name(spki_tlv: &[u8]) -> core::result::Result<String, String> {
    let ((alg, parameters), key) = from_der(spki_tlv, |r| {
        sequence(r, |r| {
            Ok((algorithm_identifier(r)?, decode::<BitStringRef<'_>>(r)?))
        })
    })
    .map_err(|e| format!("subject public key info could not be read: {e}"))?;
    let alg_bytes = alg.as_bytes();
    if alg_bytes == RSA_ENCRYPTION || alg_bytes == RSASSA_PSS {
        let name = if alg_bytes == RSA_ENCRYPTION {
            "RSA"
        } else {
            "RSASSA-PSS"
        };
        // `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
        let bits = split_tlv(key.raw_bytes())
            .and_then(|(tag, content)| {
                tag.assert_eq(Tag::Sequence)?;
                let mut r = SliceReader::new(content)?;
                Ok(bit_length(decode::<UintRef<'_>>(&mut r)?.as_bytes()))
            })
            .map_err(|e| format!("{name} public key could not be read: {e}"))?;
        return Ok(format!("{name} {bits}"));
    }
    if alg_bytes == EC_PUBLIC_KEY {
        let curve = match parameters {
            Some(p) if p.tag() == Tag::ObjectIdentifier => {
                let curve = p
                    .decode_as::<ObjectIdentifier>()
                    .map_err(|e| format!("EC curve: {e}"))?;
                name_or_dotted(CURVES, &curve)
            }
            Some(p) if p.tag() == Tag::Sequence => String::from("explicit curve parameters"),
            _ => return Err(String::from("EC public key without curve parameters")),
        };
        return Ok(format!("EC {curve}"));
    }
    if alg_bytes == DSA {
        return match parameters {
            Some(p) => {
                let bits = any_sequence(p, |r| {
                    let prime = decode::<UintRef<'_>>(r)?;
                    r.tlv_bytes()?; // q
                    r.tlv_bytes()?; // g
                    Ok(bit_length(prime.as_bytes()))
                })
                .map_err(|e| format!("DSA parameters could not be read: {e}"))?;
                Ok(format!("DSA {bits}"))
            }
            None => Ok(String::from("DSA")),
        };
    }
    Ok(name_or_dotted(FIXED_KEYS, &alg))
}

/// Number of significant bits in a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(first) => bytes.get(first..).unwrap_or_default(),
        None => return 0,
    };
    let top = bytes.first().map_or(0, |b| 8 - b.leading_zeros());
    (bytes.len() - 1) * 8 + usize::try_from(top).unwrap_or(0)
}
