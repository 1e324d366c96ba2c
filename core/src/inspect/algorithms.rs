//! Names of algorithms, curves and extended key usages, and the size of a public key.
//!
//! Names follow OpenSSL's where OpenSSL has one people know (`sha256WithRSAEncryption`,
//! `ecdsa-with-SHA256`, `clientAuth`), so that `certbind inspect` reads like `openssl x509 -text`.

use alloc::format;
use alloc::string::{String, ToString};

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, UintRef};
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use x509_cert::spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use crate::tbs::{context, split_tlv};

const fn oid(dotted: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(dotted)
}

const RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
const RSASSA_PSS: ObjectIdentifier = oid("1.2.840.113549.1.1.10");
const EC_PUBLIC_KEY: ObjectIdentifier = oid("1.2.840.10045.2.1");
const DSA: ObjectIdentifier = oid("1.2.840.10040.4.1");

/// Signature algorithms (OpenSSL's names; RSASSA-PSS gets its hash added).
const SIGNATURE_ALGORITHMS: &[(ObjectIdentifier, &str)] = &[
    (oid("1.2.840.113549.1.1.2"), "md2WithRSAEncryption"),
    (oid("1.2.840.113549.1.1.4"), "md5WithRSAEncryption"),
    (oid("1.2.840.113549.1.1.5"), "sha1WithRSAEncryption"),
    (oid("1.2.840.113549.1.1.11"), "sha256WithRSAEncryption"),
    (oid("1.2.840.113549.1.1.12"), "sha384WithRSAEncryption"),
    (oid("1.2.840.113549.1.1.13"), "sha512WithRSAEncryption"),
    (oid("1.2.840.113549.1.1.14"), "sha224WithRSAEncryption"),
    (oid("1.3.14.3.2.29"), "sha1WithRSA"),
    (oid("1.2.840.10045.4.1"), "ecdsa-with-SHA1"),
    (oid("1.2.840.10045.4.3.1"), "ecdsa-with-SHA224"),
    (oid("1.2.840.10045.4.3.2"), "ecdsa-with-SHA256"),
    (oid("1.2.840.10045.4.3.3"), "ecdsa-with-SHA384"),
    (oid("1.2.840.10045.4.3.4"), "ecdsa-with-SHA512"),
    (oid("1.2.840.10040.4.3"), "dsaWithSHA1"),
    (oid("2.16.840.1.101.3.4.3.1"), "dsa_with_SHA224"),
    (oid("2.16.840.1.101.3.4.3.2"), "dsa_with_SHA256"),
    (oid("1.3.101.112"), "Ed25519"),
    (oid("1.3.101.113"), "Ed448"),
    (oid("2.16.840.1.101.3.4.3.17"), "ML-DSA-44"),
    (oid("2.16.840.1.101.3.4.3.18"), "ML-DSA-65"),
    (oid("2.16.840.1.101.3.4.3.19"), "ML-DSA-87"),
];

/// Key algorithms whose name says everything (no size or curve to add).
const FIXED_KEYS: &[(ObjectIdentifier, &str)] = &[
    (oid("1.3.101.110"), "X25519"),
    (oid("1.3.101.111"), "X448"),
    (oid("1.3.101.112"), "Ed25519"),
    (oid("1.3.101.113"), "Ed448"),
    (oid("2.16.840.1.101.3.4.3.17"), "ML-DSA-44"),
    (oid("2.16.840.1.101.3.4.3.18"), "ML-DSA-65"),
    (oid("2.16.840.1.101.3.4.3.19"), "ML-DSA-87"),
];

/// Named elliptic curves (RFC 5480 names where there is one).
const CURVES: &[(ObjectIdentifier, &str)] = &[
    (oid("1.2.840.10045.3.1.7"), "P-256"),
    (oid("1.3.132.0.34"), "P-384"),
    (oid("1.3.132.0.35"), "P-521"),
    (oid("1.3.132.0.33"), "P-224"),
    (oid("1.2.840.10045.3.1.1"), "P-192"),
    (oid("1.3.132.0.10"), "secp256k1"),
    (oid("1.3.36.3.3.2.8.1.1.7"), "brainpoolP256r1"),
    (oid("1.3.36.3.3.2.8.1.1.11"), "brainpoolP384r1"),
    (oid("1.3.36.3.3.2.8.1.1.13"), "brainpoolP512r1"),
    (oid("1.2.156.10197.1.301"), "SM2"),
];

/// Hash algorithms (for RSASSA-PSS parameters).
const HASHES: &[(ObjectIdentifier, &str)] = &[
    (oid("1.3.14.3.2.26"), "SHA-1"),
    (oid("2.16.840.1.101.3.4.2.4"), "SHA-224"),
    (oid("2.16.840.1.101.3.4.2.1"), "SHA-256"),
    (oid("2.16.840.1.101.3.4.2.2"), "SHA-384"),
    (oid("2.16.840.1.101.3.4.2.3"), "SHA-512"),
];

/// Extended key usages (OpenSSL's short names).
const EXTENDED_KEY_USAGES: &[(ObjectIdentifier, &str)] = &[
    (oid("1.3.6.1.5.5.7.3.1"), "serverAuth"),
    (oid("1.3.6.1.5.5.7.3.2"), "clientAuth"),
    (oid("1.3.6.1.5.5.7.3.3"), "codeSigning"),
    (oid("1.3.6.1.5.5.7.3.4"), "emailProtection"),
    (oid("1.3.6.1.5.5.7.3.5"), "ipsecEndSystem"),
    (oid("1.3.6.1.5.5.7.3.6"), "ipsecTunnel"),
    (oid("1.3.6.1.5.5.7.3.7"), "ipsecUser"),
    (oid("1.3.6.1.5.5.7.3.8"), "timeStamping"),
    (oid("1.3.6.1.5.5.7.3.9"), "OCSPSigning"),
    (oid("1.3.6.1.5.5.7.3.17"), "ipsecIKE"),
    (oid("2.5.29.37.0"), "anyExtendedKeyUsage"),
    (oid("1.3.6.1.4.1.311.20.2.2"), "msSmartcardLogin"),
    (oid("1.3.6.1.4.1.311.10.3.4"), "msEFS"),
    (oid("1.3.6.1.4.1.311.10.3.3"), "msSGC"),
    (oid("1.3.6.1.4.1.311.10.3.1"), "msCTLSign"),
    (oid("1.3.6.1.4.1.311.2.1.21"), "msCodeInd"),
    (oid("1.3.6.1.4.1.311.2.1.22"), "msCodeCom"),
    (oid("2.16.840.1.113730.4.1"), "nsSGC"),
    (oid("1.3.6.1.5.2.3.4"), "pkInitClientAuth"),
    (oid("1.3.6.1.5.2.3.5"), "pkInitKDC"),
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

fn lookup(
    table: &[(ObjectIdentifier, &'static str)],
    wanted: &ObjectIdentifier,
) -> Option<&'static str> {
    table.iter().find(|(o, _)| o == wanted).map(|(_, n)| *n)
}

/// The name of an extended key usage, or its dotted OID.
pub(super) fn extended_key_usage_name(usage: &ObjectIdentifier) -> String {
    lookup(EXTENDED_KEY_USAGES, usage).map_or_else(|| usage.to_string(), ToString::to_string)
}

/// The signature algorithm of an `AlgorithmIdentifier` TLV, e.g. `sha256WithRSAEncryption` or
/// `RSASSA-PSS (SHA-256)`.
pub(super) fn signature_algorithm_name(tlv: &[u8]) -> Result<String, String> {
    let alg = AlgorithmIdentifierRef::from_der(tlv)
        .map_err(|e| format!("signature algorithm could not be read: {e}"))?;
    if alg.oid == RSASSA_PSS {
        return Ok(format!("RSASSA-PSS ({})", pss_hash(alg.parameters)));
    }
    Ok(lookup(SIGNATURE_ALGORITHMS, &alg.oid).map_or_else(|| alg.oid.to_string(), String::from))
}

/// The hash of RSASSA-PSS parameters (`hashAlgorithm [0]`, default SHA-1; RFC 4055 §3.1).
fn pss_hash(parameters: Option<AnyRef<'_>>) -> String {
    let Some(params) = parameters else {
        return "parameters absent".to_string();
    };
    let hash = params.sequence(|r: &mut SliceReader<'_>| {
        if r.is_finished() || Tag::peek(r)? != context(0, true) {
            return Ok(None);
        }
        let tlv = r.tlv_bytes()?;
        let inner = crate::tbs::explicit_content(tlv)?;
        let alg = AlgorithmIdentifierRef::from_der(inner)?;
        // The remaining fields (mask generation, salt length, trailer) are not shown.
        while !r.is_finished() {
            r.tlv_bytes()?;
        }
        Ok::<_, der::Error>(Some(alg.oid))
    });
    match hash {
        Ok(None) => "SHA-1".to_string(),
        Ok(Some(o)) => lookup(HASHES, &o).map_or_else(|| o.to_string(), String::from),
        Err(_) => "unreadable parameters".to_string(),
    }
}

/// The key algorithm of a SubjectPublicKeyInfo TLV with its size or curve: `RSA 2048`,
/// `RSASSA-PSS 3072`, `EC P-256`, `Ed25519`, `DSA 2048`.
pub(super) fn key_algorithm_name(spki_tlv: &[u8]) -> Result<String, String> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_tlv)
        .map_err(|e| format!("subject public key info could not be read: {e}"))?;
    let alg = spki.algorithm.oid;
    if alg == RSA_ENCRYPTION || alg == RSASSA_PSS {
        let name = if alg == RSA_ENCRYPTION {
            "RSA"
        } else {
            "RSASSA-PSS"
        };
        let bits = rsa_modulus_bits(spki.subject_public_key.raw_bytes())
            .map_err(|e| format!("{name} public key could not be read: {e}"))?;
        return Ok(format!("{name} {bits}"));
    }
    if alg == EC_PUBLIC_KEY {
        let curve = match spki.algorithm.parameters {
            Some(p) if p.tag() == Tag::ObjectIdentifier => {
                let curve = p
                    .decode_as::<ObjectIdentifier>()
                    .map_err(|e| format!("EC curve: {e}"))?;
                lookup(CURVES, &curve).map_or_else(|| curve.to_string(), String::from)
            }
            Some(p) if p.tag() == Tag::Sequence => "explicit curve parameters".to_string(),
            _ => return Err("EC public key without curve parameters".to_string()),
        };
        return Ok(format!("EC {curve}"));
    }
    if alg == DSA {
        return match spki.algorithm.parameters {
            Some(p) => {
                let bits = p
                    .sequence(|r: &mut SliceReader<'_>| {
                        let prime = UintRef::decode(r)?;
                        r.tlv_bytes()?; // q
                        r.tlv_bytes()?; // g
                        Ok::<_, der::Error>(bit_length(prime.as_bytes()))
                    })
                    .map_err(|e| format!("DSA parameters could not be read: {e}"))?;
                Ok(format!("DSA {bits}"))
            }
            None => Ok("DSA".to_string()),
        };
    }
    if let Some(name) = lookup(FIXED_KEYS, &alg) {
        return Ok(name.to_string());
    }
    Ok(alg.to_string())
}

/// Bit length of an RSA public key (`RSAPublicKey ::= SEQUENCE { modulus, publicExponent }`).
fn rsa_modulus_bits(key: &[u8]) -> der::Result<usize> {
    let (tag, content) = split_tlv(key)?;
    tag.assert_eq(Tag::Sequence)?;
    let mut r = SliceReader::new(content)?;
    let modulus = UintRef::decode(&mut r)?;
    Ok(bit_length(modulus.as_bytes()))
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
