//! Remembering signatures that verified, so that a client presenting the same certificate chain
//! again costs hashes instead of signature verifications.
//!
//! Pure-Rust ECDSA is several times slower than ring's assembly (a P-256 verification takes a
//! few hundred microseconds on a small server), and a `tls_client_auth` client presents the same
//! chain on every connection. A [`SignatureCache`] remembers each (algorithm, public key,
//! message, signature) that verified, under its SHA-256. Only successes are remembered: a
//! signature that fails is verified again every time, so an attacker cannot put anything in the
//! cache that a valid signature did not. Everything else about the chain (validity at the
//! request's time, extended key usage, name constraints, path length, the anchors) is checked
//! again on every decision.

use core::fmt;

use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use sha2::{Digest, Sha256};

/// A set of verified-signature keys (SHA-256 digests). The core has no locks; hosts implement
/// it over their own (e.g. a `Mutex<HashSet<[u8; 32]>>` with a bound on its size).
pub trait SignatureCache: fmt::Debug {
    /// Whether this key was inserted (and not evicted).
    fn contains(&self, key: &[u8; 32]) -> bool;
    /// Remembers a key. Implementations bound their size (evicting as they see fit).
    fn insert(&self, key: [u8; 32]);
}

/// An algorithm that consults a cache before verifying and fills it after a success.
#[derive(Debug)]
pub(crate) struct Cached<'a> {
    pub(crate) inner: &'a dyn SignatureVerificationAlgorithm,
    pub(crate) cache: &'a (dyn SignatureCache + Sync),
}

impl Cached<'_> {
    fn key(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        for part in [
            self.inner.public_key_alg_id().as_ref(),
            self.inner.signature_alg_id().as_ref(),
            public_key,
            message,
            signature,
        ] {
            // Length-prefixed, so that no two inputs hash the same concatenation.
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        hasher.finalize().into()
    }
}

impl SignatureVerificationAlgorithm for Cached<'_> {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }

    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = self.key(public_key, message, signature);
        if self.cache.contains(&key) {
            return Ok(());
        }
        self.inner
            .verify_signature(public_key, message, signature)?;
        self.cache.insert(key);
        Ok(())
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}
