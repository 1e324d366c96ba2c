//! Signature verification for chain validation on the OpenSSL the server links, for
//! rustls-webpki: the same algorithms, keys and encodings as the core's pure-Rust set
//! ([`certbind_core::SIGNATURE_ALGORITHMS`]), about 8 times faster for ECDSA.
//!
//! A `tls_client_auth` client the server has not seen costs one signature verification per
//! certificate of its chain. The core verifies with pure-Rust RustCrypto code so that it runs
//! the same everywhere (the npm package, the browser); on the server, OpenSSL's assembly does
//! the same ECDSA arithmetic about 8 times faster (an ECDSA P-256 chain of three certificates:
//! 150 µs against 1.27 ms, and against 282 µs for webpki on ring; see `bench/RESULTS.md`). RSA
//! is no faster here than the core's own (a `PKey` and an EVP context per verification). The
//! server passes [`ALGORITHMS`] to the core's decision; the CLI, the npm package and the page
//! keep the pure-Rust set.
//!
//! Both sets must give the same verdict on every input, or a certificate would authenticate a
//! client on one and not on the other. OpenSSL accepts more than ring (whose rules the core
//! follows), so each algorithm here first applies the core's rules, and only then asks
//! OpenSSL for the arithmetic:
//! - ECDSA keys must be uncompressed SEC1 points (OpenSSL also reads compressed and hybrid
//!   ones); signatures must be strict DER, as OpenSSL's own `ECDSA_verify` demands (checked
//!   by encoding the parsed signature again).
//! - RSA keys must be strict-DER `RSAPublicKey`s with a positive, odd modulus of 2048 to 8192
//!   bits and an odd public exponent from 3 to 2^33 − 1 below it; signatures must be exactly as
//!   long as the modulus (OpenSSL accepts shorter ones); PSS salts as long as the hash.
//! - Ed25519 keys 32 bytes, signatures 64, with OpenSSL's RFC 8032 checks (canonical `S`), which
//!   the core's ed25519-dalek makes too.
//!
//! `tests/tests/signature_differential.rs` checks that both sets agree, algorithm by algorithm,
//! on valid signatures and on tampered signatures, keys, messages and encodings; `limbo
//! --differential` (a tool of the tests crate) does it on the x509-limbo suite.

use std::sync::OnceLock;

use openssl::bn::BigNumContext;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Verifier};
use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id};

/// Every algorithm, in the core's order (see [`certbind_core::SIGNATURE_ALGORITHMS`]).
pub static ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    &Ecdsa::new(Curve::P256, Hash::Sha256),
    &Ecdsa::new(Curve::P256, Hash::Sha384),
    &Ecdsa::new(Curve::P256, Hash::Sha512),
    &Ecdsa::new(Curve::P384, Hash::Sha256),
    &Ecdsa::new(Curve::P384, Hash::Sha384),
    &Ecdsa::new(Curve::P384, Hash::Sha512),
    &Ecdsa::new(Curve::P521, Hash::Sha256),
    &Ecdsa::new(Curve::P521, Hash::Sha384),
    &Ecdsa::new(Curve::P521, Hash::Sha512),
    &Ed25519,
    &RsaAlgorithm::new(RsaPadding::Pkcs1, Hash::Sha256),
    &RsaAlgorithm::new(RsaPadding::Pkcs1, Hash::Sha384),
    &RsaAlgorithm::new(RsaPadding::Pkcs1, Hash::Sha512),
    &RsaAlgorithm::new(RsaPadding::Pkcs1AbsentParams, Hash::Sha256),
    &RsaAlgorithm::new(RsaPadding::Pkcs1AbsentParams, Hash::Sha384),
    &RsaAlgorithm::new(RsaPadding::Pkcs1AbsentParams, Hash::Sha512),
    &RsaAlgorithm::new(RsaPadding::Pss, Hash::Sha256),
    &RsaAlgorithm::new(RsaPadding::Pss, Hash::Sha384),
    &RsaAlgorithm::new(RsaPadding::Pss, Hash::Sha512),
];

/// The hash of a signature algorithm.
#[derive(Clone, Copy, Debug)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self) -> MessageDigest {
        match self {
            Self::Sha256 => MessageDigest::sha256(),
            Self::Sha384 => MessageDigest::sha384(),
            Self::Sha512 => MessageDigest::sha512(),
        }
    }

    /// The hash of `message` (OpenSSL's SHA-2 functions directly: no algorithm look-up).
    fn of(self, message: &[u8]) -> Prehash {
        match self {
            Self::Sha256 => Prehash::Sha256(openssl::sha::sha256(message)),
            Self::Sha384 => Prehash::Sha384(openssl::sha::sha384(message)),
            Self::Sha512 => Prehash::Sha512(openssl::sha::sha512(message)),
        }
    }
}

/// A message digest, without allocating.
enum Prehash {
    Sha256([u8; 32]),
    Sha384([u8; 48]),
    Sha512([u8; 64]),
}

impl Prehash {
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

impl Curve {
    /// The curve's OpenSSL group, made once per process (a group is read-only once built).
    fn group(self) -> Option<&'static EcGroup> {
        static P256: OnceLock<Option<EcGroup>> = OnceLock::new();
        static P384: OnceLock<Option<EcGroup>> = OnceLock::new();
        static P521: OnceLock<Option<EcGroup>> = OnceLock::new();
        let (cell, nid) = match self {
            Self::P256 => (&P256, Nid::X9_62_PRIME256V1),
            Self::P384 => (&P384, Nid::SECP384R1),
            Self::P521 => (&P521, Nid::SECP521R1),
        };
        cell.get_or_init(|| EcGroup::from_curve_name(nid).ok())
            .as_ref()
    }
}

/// ECDSA on one curve with one hash.
#[derive(Debug)]
struct Ecdsa {
    curve: Curve,
    hash: Hash,
}

impl Ecdsa {
    const fn new(curve: Curve, hash: Hash) -> Self {
        Self { curve, hash }
    }
}

/// The SEC1 tag of an uncompressed point, the only encoding the core (and ring) accepts.
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
        if public_key.first() != Some(&SEC1_UNCOMPRESSED) {
            return Err(InvalidSignature);
        }
        let group = self.curve.group().ok_or(InvalidSignature)?;
        let mut ctx = BigNumContext::new().map_err(|_| InvalidSignature)?;
        // Checks the length, that both coordinates are below the field prime and that the
        // point is on the curve (the NIST curves have no other subgroup to check).
        let point =
            EcPoint::from_bytes(group, public_key, &mut ctx).map_err(|_| InvalidSignature)?;
        let key = EcKey::from_public_key(group, &point).map_err(|_| InvalidSignature)?;
        let parsed = EcdsaSig::from_der(signature).map_err(|_| InvalidSignature)?;
        // Strict DER, as ECDSA_verify demands: nothing after it, minimal lengths and integers.
        if parsed.to_der().map_err(|_| InvalidSignature)? != signature {
            return Err(InvalidSignature);
        }
        let digest = self.hash.of(message);
        // ECDSA_do_verify: r and s in [1, n-1], the digest truncated to the order's length.
        match parsed.verify(digest.as_bytes(), &key) {
            Ok(true) => Ok(()),
            _ => Err(InvalidSignature),
        }
    }
}

// --------------------------------------------------------------------------------------- RSA

/// RSA signature padding.
#[derive(Clone, Copy, Debug)]
enum RsaPadding {
    /// PKCS#1 v1.5, the algorithm identifier with its `NULL` parameters.
    Pkcs1,
    /// PKCS#1 v1.5, the parameters absent (RFC 4055 §5: verifiers accept both).
    Pkcs1AbsentParams,
    /// PSS, MGF1 with the same hash, a salt as long as the hash.
    Pss,
}

/// RSA with one padding and one hash, for `rsaEncryption` keys.
#[derive(Debug)]
struct RsaAlgorithm {
    padding: RsaPadding,
    hash: Hash,
}

impl RsaAlgorithm {
    const fn new(padding: RsaPadding, hash: Hash) -> Self {
        Self { padding, hash }
    }
}

/// `sha256WithRSAEncryption` etc. without the NULL parameters (only the OID).
const RSA_PKCS1_SHA256_ABSENT: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];
const RSA_PKCS1_SHA384_ABSENT: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
];
const RSA_PKCS1_SHA512_ABSENT: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
];

/// Moduli accepted, in bits (ring's and the core's limits).
const RSA_BITS: core::ops::RangeInclusive<i32> = 2048..=8192;
/// Largest public exponent accepted, in bits (below 2^33, as ring and the core).
const RSA_MAX_EXPONENT_BITS: i32 = 33;

impl SignatureVerificationAlgorithm for RsaAlgorithm {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match (self.padding, self.hash) {
            (RsaPadding::Pkcs1, Hash::Sha256) => alg_id::RSA_PKCS1_SHA256,
            (RsaPadding::Pkcs1, Hash::Sha384) => alg_id::RSA_PKCS1_SHA384,
            (RsaPadding::Pkcs1, Hash::Sha512) => alg_id::RSA_PKCS1_SHA512,
            (RsaPadding::Pkcs1AbsentParams, Hash::Sha256) => {
                AlgorithmIdentifier::from_slice(RSA_PKCS1_SHA256_ABSENT)
            }
            (RsaPadding::Pkcs1AbsentParams, Hash::Sha384) => {
                AlgorithmIdentifier::from_slice(RSA_PKCS1_SHA384_ABSENT)
            }
            (RsaPadding::Pkcs1AbsentParams, Hash::Sha512) => {
                AlgorithmIdentifier::from_slice(RSA_PKCS1_SHA512_ABSENT)
            }
            (RsaPadding::Pss, Hash::Sha256) => alg_id::RSA_PSS_SHA256,
            (RsaPadding::Pss, Hash::Sha384) => alg_id::RSA_PSS_SHA384,
            (RsaPadding::Pss, Hash::Sha512) => alg_id::RSA_PSS_SHA512,
        }
    }

    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let rsa = rsa_public_key(public_key)?;
        // Exactly as long as the modulus (RFC 8017 §8.2.2 step 1; OpenSSL pads shorter ones).
        if usize::try_from(rsa.size()).ok() != Some(signature.len()) {
            return Err(InvalidSignature);
        }
        let key = PKey::from_rsa(rsa).map_err(|_| InvalidSignature)?;
        let mut verifier = Verifier::new(self.hash.digest(), &key).map_err(|_| InvalidSignature)?;
        if let RsaPadding::Pss = self.padding {
            verifier
                .set_rsa_padding(Padding::PKCS1_PSS)
                .and_then(|()| verifier.set_rsa_mgf1_md(self.hash.digest()))
                .and_then(|()| verifier.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH))
                .map_err(|_| InvalidSignature)?;
        }
        match verifier.verify_oneshot(signature, message) {
            Ok(true) => Ok(()),
            _ => Err(InvalidSignature),
        }
    }
}

/// Reads a PKCS#1 `RSAPublicKey` (the SPKI's BIT STRING) with the core's rules: strict DER, a
/// positive odd modulus of 2048 to 8192 bits, an odd exponent from 3 to 2^33 − 1 below it.
fn rsa_public_key(der: &[u8]) -> Result<Rsa<openssl::pkey::Public>, InvalidSignature> {
    let rsa = Rsa::public_key_from_der_pkcs1(der).map_err(|_| InvalidSignature)?;
    // OpenSSL's reader takes some BER (trailing data, long-form lengths); its writer is DER.
    if rsa
        .public_key_to_der_pkcs1()
        .map_err(|_| InvalidSignature)?
        != der
    {
        return Err(InvalidSignature);
    }
    let (n, e) = (rsa.n(), rsa.e());
    let odd = |x: &openssl::bn::BigNumRef| x.is_bit_set(0);
    let acceptable = !n.is_negative()
        && !e.is_negative()
        && RSA_BITS.contains(&n.num_bits())
        && odd(n)
        && odd(e)
        // Odd and at least two bits long: 3 or more.
        && (2..=RSA_MAX_EXPONENT_BITS).contains(&e.num_bits())
        && e.ucmp(n) == core::cmp::Ordering::Less;
    if acceptable {
        Ok(rsa)
    } else {
        Err(InvalidSignature)
    }
}

// ----------------------------------------------------------------------------------- Ed25519

/// Ed25519 (RFC 8032, in certificates RFC 8410).
#[derive(Debug)]
struct Ed25519;

/// Ed25519 key and signature lengths.
const ED25519_KEY_LEN: usize = 32;
const ED25519_SIGNATURE_LEN: usize = 64;

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
        if public_key.len() != ED25519_KEY_LEN || signature.len() != ED25519_SIGNATURE_LEN {
            return Err(InvalidSignature);
        }
        let key = PKey::public_key_from_raw_bytes(public_key, Id::ED25519)
            .map_err(|_| InvalidSignature)?;
        let mut verifier = Verifier::new_without_digest(&key).map_err(|_| InvalidSignature)?;
        match verifier.verify_oneshot(signature, message) {
            Ok(true) => Ok(()),
            _ => Err(InvalidSignature),
        }
    }
}
