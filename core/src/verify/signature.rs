//! Signature verification algorithms for rustls-webpki, on pure-Rust RustCrypto primitives.
//!
//! rustls-webpki with only its `alloc` feature has no algorithms of its own (its `ring` and
//! `aws-lc-rs` providers need a C compiler, and neither builds for `wasm32v1-none`). These
//! implementations of [`SignatureVerificationAlgorithm`] make chain validation work the same in
//! the server, the CLI, the npm package and the browser.
//!
//! The set mirrors what rustls-webpki accepts with its own providers, with the same limits:
//! - ECDSA on P-256, P-384 and P-521 with SHA-256, SHA-384 or SHA-512 (ring offers P-256/P-384
//!   only; aws-lc-rs offers P-521 as well, and so do we). Public keys must be uncompressed SEC1
//!   points and signatures strict DER, as ring requires.
//! - RSA PKCS#1 v1.5 with SHA-256/384/512, with the `NULL` parameters present or (as RFC 4055
//!   requires verifiers to accept) absent; RSA-PSS with SHA-256/384/512, MGF1 with the same hash
//!   and a salt as long as the hash (the only PSS parameters webpki recognises). Moduli of
//!   2048 to 8192 bits and public exponents from 3 to 2^33 − 1, as ring enforces.
//! - Ed25519 (RFC 8410).

use alloc::vec::Vec;
use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id};

use sha2::Digest;

/// Every algorithm certbind verifies, in the order webpki should try them.
pub static ALL_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    ECDSA_P256_SHA256,
    ECDSA_P256_SHA384,
    ECDSA_P256_SHA512,
    ECDSA_P384_SHA256,
    ECDSA_P384_SHA384,
    ECDSA_P384_SHA512,
    ECDSA_P521_SHA256,
    ECDSA_P521_SHA384,
    ECDSA_P521_SHA512,
    ED25519,
    RSA_PKCS1_SHA256,
    RSA_PKCS1_SHA384,
    RSA_PKCS1_SHA512,
    RSA_PKCS1_SHA256_ABSENT_PARAMS,
    RSA_PKCS1_SHA384_ABSENT_PARAMS,
    RSA_PKCS1_SHA512_ABSENT_PARAMS,
    RSA_PSS_SHA256,
    RSA_PSS_SHA384,
    RSA_PSS_SHA512,
];

/// The hash functions used with the signature algorithms.
#[derive(Clone, Copy, Debug)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// A message digest, without allocating.
enum Prehash {
    Sha256([u8; 32]),
    Sha384([u8; 48]),
    Sha512([u8; 64]),
}

impl Prehash {
    fn of(hash: Hash, message: &[u8]) -> Self {
        match hash {
            Hash::Sha256 => Self::Sha256(sha2::Sha256::digest(message).into()),
            Hash::Sha384 => Self::Sha384(sha2::Sha384::digest(message).into()),
            Hash::Sha512 => Self::Sha512(sha2::Sha512::digest(message).into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Sha256(d) => d,
            Self::Sha384(d) => d,
            Self::Sha512(d) => d,
        }
    }
}

// ------------------------------------------------------------------------------------- ECDSA

/// The NIST curves.
#[derive(Clone, Copy, Debug)]
enum Curve {
    P256,
    P384,
    P521,
}

/// ECDSA on one curve with one hash (RFC 5758 §3.2, RFC 5480).
#[derive(Debug)]
struct Ecdsa {
    curve: Curve,
    hash: Hash,
}

/// The SEC1 tag of an uncompressed point; ring accepts no other encoding in certificates.
const SEC1_UNCOMPRESSED: u8 = 0x04;

impl SignatureVerificationAlgorithm for Ecdsa {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        match self.curve {
            Curve::P256 => alg_id::ECDSA_P256,
            Curve::P384 => alg_id::ECDSA_P384,
            Curve::P521 => alg_id::ECDSA_P521,
        }
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match self.hash {
            Hash::Sha256 => alg_id::ECDSA_SHA256,
            Hash::Sha384 => alg_id::ECDSA_SHA384,
            Hash::Sha512 => alg_id::ECDSA_SHA512,
        }
    }

    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use ecdsa::signature::hazmat::PrehashVerifier;

        if public_key.first() != Some(&SEC1_UNCOMPRESSED) {
            return Err(InvalidSignature);
        }
        let prehash = Prehash::of(self.hash, message);
        let prehash = prehash.as_bytes();
        match self.curve {
            Curve::P256 => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                    .map_err(|_| InvalidSignature)?;
                let sig = p256::ecdsa::DerSignature::from_bytes(signature)
                    .map_err(|_| InvalidSignature)?;
                key.verify_prehash(prehash, &sig)
                    .map_err(|_| InvalidSignature)
            }
            Curve::P384 => {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                    .map_err(|_| InvalidSignature)?;
                let sig = p384::ecdsa::DerSignature::from_bytes(signature)
                    .map_err(|_| InvalidSignature)?;
                key.verify_prehash(prehash, &sig)
                    .map_err(|_| InvalidSignature)
            }
            Curve::P521 => {
                let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                    .map_err(|_| InvalidSignature)?;
                let sig = ecdsa::der::Signature::<p521::NistP521>::from_bytes(signature)
                    .map_err(|_| InvalidSignature)?;
                let sig = p521::ecdsa::Signature::try_from(sig).map_err(|_| InvalidSignature)?;
                key.verify_prehash(prehash, &sig)
                    .map_err(|_| InvalidSignature)
            }
        }
    }
}

/// ECDSA P-256 with SHA-256.
pub(crate) static ECDSA_P256_SHA256: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P256,
    hash: Hash::Sha256,
};
/// ECDSA P-256 with SHA-384.
pub(crate) static ECDSA_P256_SHA384: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P256,
    hash: Hash::Sha384,
};
/// ECDSA P-256 with SHA-512.
pub(crate) static ECDSA_P256_SHA512: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P256,
    hash: Hash::Sha512,
};
/// ECDSA P-384 with SHA-256.
pub(crate) static ECDSA_P384_SHA256: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P384,
    hash: Hash::Sha256,
};
/// ECDSA P-384 with SHA-384.
pub(crate) static ECDSA_P384_SHA384: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P384,
    hash: Hash::Sha384,
};
/// ECDSA P-384 with SHA-512.
pub(crate) static ECDSA_P384_SHA512: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P384,
    hash: Hash::Sha512,
};
/// ECDSA P-521 with SHA-256.
pub(crate) static ECDSA_P521_SHA256: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P521,
    hash: Hash::Sha256,
};
/// ECDSA P-521 with SHA-384.
pub(crate) static ECDSA_P521_SHA384: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P521,
    hash: Hash::Sha384,
};
/// ECDSA P-521 with SHA-512.
pub(crate) static ECDSA_P521_SHA512: &dyn SignatureVerificationAlgorithm = &Ecdsa {
    curve: Curve::P521,
    hash: Hash::Sha512,
};

// --------------------------------------------------------------------------------------- RSA

/// RSA signature padding.
#[derive(Clone, Copy, Debug)]
enum Padding {
    /// PKCS#1 v1.5 with the `NULL` parameters present (the normal, RFC 4055 encoding).
    Pkcs1,
    /// PKCS#1 v1.5 with the parameters absent, which RFC 4055 §5 tells verifiers to accept.
    Pkcs1AbsentParams,
    /// PSS with MGF1 of the same hash and a salt as long as the hash.
    Pss,
}

/// RSA with one padding and one hash, for `rsaEncryption` keys.
#[derive(Debug)]
struct Rsa {
    padding: Padding,
    hash: Hash,
}

/// Smallest modulus accepted, in bits (ring's `RSA_*_2048_8192_*`).
const RSA_MIN_BITS: usize = 2048;
/// Largest modulus accepted, in bits.
const RSA_MAX_BITS: usize = 8192;

/// `sha256WithRSAEncryption` etc. without the NULL parameters: the content of the
/// AlgorithmIdentifier SEQUENCE, i.e. only the OID (1.2.840.113549.1.1.11 / .12 / .13).
const RSA_PKCS1_SHA256_ABSENT: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];
const RSA_PKCS1_SHA384_ABSENT: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
];
const RSA_PKCS1_SHA512_ABSENT: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
];

impl SignatureVerificationAlgorithm for Rsa {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match (self.padding, self.hash) {
            (Padding::Pkcs1, Hash::Sha256) => alg_id::RSA_PKCS1_SHA256,
            (Padding::Pkcs1, Hash::Sha384) => alg_id::RSA_PKCS1_SHA384,
            (Padding::Pkcs1, Hash::Sha512) => alg_id::RSA_PKCS1_SHA512,
            (Padding::Pkcs1AbsentParams, Hash::Sha256) => {
                AlgorithmIdentifier::from_slice(RSA_PKCS1_SHA256_ABSENT)
            }
            (Padding::Pkcs1AbsentParams, Hash::Sha384) => {
                AlgorithmIdentifier::from_slice(RSA_PKCS1_SHA384_ABSENT)
            }
            (Padding::Pkcs1AbsentParams, Hash::Sha512) => {
                AlgorithmIdentifier::from_slice(RSA_PKCS1_SHA512_ABSENT)
            }
            (Padding::Pss, Hash::Sha256) => alg_id::RSA_PSS_SHA256,
            (Padding::Pss, Hash::Sha384) => alg_id::RSA_PSS_SHA384,
            (Padding::Pss, Hash::Sha512) => alg_id::RSA_PSS_SHA512,
        }
    }

    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = rsa_public_key(public_key)?;
        let result = match (self.padding, self.hash) {
            (Padding::Pkcs1 | Padding::Pkcs1AbsentParams, hash) => {
                return pkcs1v15_verify(&key, hash, message, signature);
            }
            (Padding::Pss, Hash::Sha256) => key.pss_verify::<sha2::Sha256>(message, signature),
            (Padding::Pss, Hash::Sha384) => key.pss_verify::<sha2::Sha384>(message, signature),
            (Padding::Pss, Hash::Sha512) => key.pss_verify::<sha2::Sha512>(message, signature),
        };
        result.map_err(|_| InvalidSignature)
    }
}

/// The DER `DigestInfo` prefix of each hash (RFC 8017 §9.2, note 1), with the NULL parameters
/// (the only encoding ring accepts).
const fn digest_info_prefix(hash: Hash) -> &'static [u8] {
    match hash {
        Hash::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        Hash::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        Hash::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
    }
}

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) by encoding and comparing: the expected
/// encoded message is rebuilt from the hash and compared with `s^e mod n` as a whole.
fn pkcs1v15_verify(
    key: &rsa::PublicKey,
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> Result<(), InvalidSignature> {
    let em = rsa_public_operation(key, signature)?;
    let prefix = digest_info_prefix(hash);
    let digest = Prehash::of(hash, message);
    let digest = digest.as_bytes();
    // EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo
    let t_len = prefix.len() + digest.len();
    let ps_len = em.len().checked_sub(3 + t_len).ok_or(InvalidSignature)?;
    if ps_len < 8 {
        return Err(InvalidSignature);
    }
    let (head, rest) = em.split_at(2);
    let (ps, rest) = rest.split_at(ps_len);
    let (zero, rest) = rest.split_at(1);
    let (got_prefix, got_digest) = rest.split_at(prefix.len());
    let ok = head == [0x00, 0x01]
        && ps.iter().all(|b| *b == 0xff)
        && zero == [0x00]
        && got_prefix == prefix
        && got_digest == digest;
    if ok { Ok(()) } else { Err(InvalidSignature) }
}

/// RSAVP1 and I2OSP (RFC 8017 §5.2.2, §4.1): `s^e mod n` as `k` bytes, with a variable-time
/// square-and-multiply (the exponent is public; rsa 0.10 spends a constant-time window on it).
fn rsa_public_operation(
    key: &rsa::PublicKey,
    signature: &[u8],
) -> Result<Vec<u8>, InvalidSignature> {
    use crypto_bigint::modular::BoxedMontyForm;
    use rsa::traits::PublicKeyParts;

    let k = key.size();
    if signature.len() != k {
        return Err(InvalidSignature);
    }
    let n = key.n().as_ref();
    let s = rsa::BoxedUint::from_be_slice(signature, n.bits_precision())
        .map_err(|_| InvalidSignature)?;
    if s >= *n {
        return Err(InvalidSignature);
    }
    let base = BoxedMontyForm::new(s, key.n_params());
    let e = key.e();
    let mut acc = base.clone();
    for bit in (0..e.bit_width_vartime().saturating_sub(1)).rev() {
        acc = acc.square();
        if e.bit_vartime(bit) {
            acc = acc.mul(&base);
        }
    }
    let m = acc.retrieve().to_be_bytes();
    // `m` has the modulus's storage precision (whole limbs): keep the last k bytes, which must
    // hold all of it since m < n.
    let extra = m.len().checked_sub(k).ok_or(InvalidSignature)?;
    let (high, low) = m.split_at(extra);
    if high.iter().any(|b| *b != 0) {
        return Err(InvalidSignature);
    }
    Ok(low.to_vec())
}

/// Reads a PKCS#1 `RSAPublicKey` (RFC 8017 §A.1.1) — the content of the SPKI BIT STRING — with
/// the modulus and exponent limits ring applies.
fn rsa_public_key(der: &[u8]) -> Result<rsa::PublicKey, InvalidSignature> {
    use der::{Decode, Reader, SliceReader, asn1::UintRef};

    let mut reader = SliceReader::new(der).map_err(|_| InvalidSignature)?;
    let (n, e) = reader
        .sequence(|seq: &mut SliceReader<'_>| {
            let n = UintRef::decode(seq)?;
            let e = UintRef::decode(seq)?;
            Ok((n, e))
        })
        .map_err(|_: der::Error| InvalidSignature)?;
    reader.finish().map_err(|_| InvalidSignature)?;

    let n_bits = bit_length(n.as_bytes());
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&n_bits) {
        return Err(InvalidSignature);
    }
    let n_precision = u32::try_from(n_bits).map_err(|_| InvalidSignature)?;
    let e_precision =
        u32::try_from(bit_length(e.as_bytes()).max(1)).map_err(|_| InvalidSignature)?;
    let n =
        rsa::BoxedUint::from_be_slice(n.as_bytes(), n_precision).map_err(|_| InvalidSignature)?;
    let e =
        rsa::BoxedUint::from_be_slice(e.as_bytes(), e_precision).map_err(|_| InvalidSignature)?;
    // Checks that n is odd and larger than e, and that e is odd and in 2..2^33.
    rsa::PublicKey::new_with_size_limits(n, e, RSA_MIN_BITS..=RSA_MAX_BITS)
        .map_err(|_| InvalidSignature)
}

/// Number of significant bits in a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> usize {
    let mut bytes = be.iter().skip_while(|b| **b == 0);
    match bytes.next() {
        None => 0,
        Some(first) => {
            let rest = bytes.count();
            rest * 8 + (8 - usize::try_from(first.leading_zeros()).unwrap_or(8))
        }
    }
}

/// RSA PKCS#1 v1.5 with SHA-256 (`sha256WithRSAEncryption`).
pub(crate) static RSA_PKCS1_SHA256: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pkcs1,
    hash: Hash::Sha256,
};
/// RSA PKCS#1 v1.5 with SHA-384.
pub(crate) static RSA_PKCS1_SHA384: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pkcs1,
    hash: Hash::Sha384,
};
/// RSA PKCS#1 v1.5 with SHA-512.
pub(crate) static RSA_PKCS1_SHA512: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pkcs1,
    hash: Hash::Sha512,
};
/// RSA PKCS#1 v1.5 with SHA-256, AlgorithmIdentifier parameters absent.
pub(crate) static RSA_PKCS1_SHA256_ABSENT_PARAMS: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pkcs1AbsentParams,
    hash: Hash::Sha256,
};
/// RSA PKCS#1 v1.5 with SHA-384, AlgorithmIdentifier parameters absent.
pub(crate) static RSA_PKCS1_SHA384_ABSENT_PARAMS: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pkcs1AbsentParams,
    hash: Hash::Sha384,
};
/// RSA PKCS#1 v1.5 with SHA-512, AlgorithmIdentifier parameters absent.
pub(crate) static RSA_PKCS1_SHA512_ABSENT_PARAMS: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pkcs1AbsentParams,
    hash: Hash::Sha512,
};
/// RSA-PSS with SHA-256 (MGF1-SHA-256, 32-byte salt) for `rsaEncryption` keys.
pub(crate) static RSA_PSS_SHA256: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pss,
    hash: Hash::Sha256,
};
/// RSA-PSS with SHA-384 (MGF1-SHA-384, 48-byte salt) for `rsaEncryption` keys.
pub(crate) static RSA_PSS_SHA384: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pss,
    hash: Hash::Sha384,
};
/// RSA-PSS with SHA-512 (MGF1-SHA-512, 64-byte salt) for `rsaEncryption` keys.
pub(crate) static RSA_PSS_SHA512: &dyn SignatureVerificationAlgorithm = &Rsa {
    padding: Padding::Pss,
    hash: Hash::Sha512,
};

// ----------------------------------------------------------------------------------- Ed25519

/// Ed25519 (RFC 8032, in certificates RFC 8410).
#[derive(Debug)]
struct Ed25519;

impl SignatureVerificationAlgorithm for Ed25519 {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }

    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use ed25519_dalek::Verifier;

        let key: &[u8; 32] = public_key.try_into().map_err(|_| InvalidSignature)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|_| InvalidSignature)?;
        let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &sig).map_err(|_| InvalidSignature)
    }
}

/// Ed25519.
pub(crate) static ED25519: &dyn SignatureVerificationAlgorithm = &Ed25519;

#[cfg(test)]
mod tests {
    use super::bit_length;

    #[test]
    fn bit_length_counts_significant_bits() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01, 0xff]), 9);
    }
}
