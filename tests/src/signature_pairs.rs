//! The core's pure-Rust signature algorithms and the server's OpenSSL ones, side by side: the
//! pairs that verify the same algorithm, and a verifier that runs both on every input and keeps
//! both verdicts (used by `tests/signature_differential.rs` and by `limbo --differential`).

use std::sync::Mutex;

use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

/// One algorithm in both implementations.
#[derive(Clone, Copy, Debug)]
pub struct Pair {
    /// The core's (pure Rust): what the npm package and the page run.
    pub core: &'static dyn SignatureVerificationAlgorithm,
    /// The server's (OpenSSL).
    pub openssl: &'static dyn SignatureVerificationAlgorithm,
}

impl Pair {
    /// The algorithm's name, e.g. "ECDSA P-256 SHA-384" or "RSA PSS SHA-256".
    #[must_use]
    pub fn name(&self) -> String {
        name(self.core)
    }

    /// Both verdicts on one input: `(core, openssl)`, `true` for a valid signature.
    #[must_use]
    pub fn verdicts(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> (bool, bool) {
        (
            self.core
                .verify_signature(public_key, message, signature)
                .is_ok(),
            self.openssl
                .verify_signature(public_key, message, signature)
                .is_ok(),
        )
    }
}

/// Every algorithm of the core with its OpenSSL counterpart, matched by algorithm identifiers.
///
/// # Panics
/// When the two sets do not have exactly the same algorithms (that is a bug this reports).
#[must_use]
pub fn pairs() -> Vec<Pair> {
    let core = certbind_core::SIGNATURE_ALGORITHMS;
    let openssl = certbind_host::signatures::ALGORITHMS;
    assert_eq!(
        core.len(),
        openssl.len(),
        "the OpenSSL set has as many algorithms as the core's"
    );
    core.iter()
        .zip(openssl)
        .map(|(c, o)| {
            assert!(
                ids(*c) == ids(*o),
                "algorithm {} is in the same place in both sets",
                describe(c.signature_alg_id())
            );
            Pair {
                core: *c,
                openssl: *o,
            }
        })
        .collect()
}

fn ids(alg: &dyn SignatureVerificationAlgorithm) -> (Vec<u8>, Vec<u8>) {
    (
        alg.public_key_alg_id().as_ref().to_vec(),
        alg.signature_alg_id().as_ref().to_vec(),
    )
}

/// An algorithm identifier's DER content in hex.
fn describe(id: AlgorithmIdentifier) -> String {
    hex(id.as_ref())
}

/// A readable name for one of the algorithms webpki knows (the identifiers' hex otherwise).
#[must_use]
pub fn name(alg: &dyn SignatureVerificationAlgorithm) -> String {
    use pki_types::alg_id as id;
    let is = |a: AlgorithmIdentifier, b: AlgorithmIdentifier| a.as_ref() == b.as_ref();
    let (key, signature) = (alg.public_key_alg_id(), alg.signature_alg_id());
    let key_name = [
        (id::ECDSA_P256, "ECDSA P-256"),
        (id::ECDSA_P384, "ECDSA P-384"),
        (id::ECDSA_P521, "ECDSA P-521"),
        (id::RSA_ENCRYPTION, "RSA"),
        (id::ED25519, "Ed25519"),
    ]
    .into_iter()
    .find(|(k, _)| is(*k, key))
    .map_or_else(|| describe(key), |(_, n)| n.to_owned());
    let signature_name = [
        (id::ECDSA_SHA256, "SHA-256"),
        (id::ECDSA_SHA384, "SHA-384"),
        (id::ECDSA_SHA512, "SHA-512"),
        (id::RSA_PKCS1_SHA256, "PKCS#1 SHA-256"),
        (id::RSA_PKCS1_SHA384, "PKCS#1 SHA-384"),
        (id::RSA_PKCS1_SHA512, "PKCS#1 SHA-512"),
        (id::RSA_PSS_SHA256, "PSS SHA-256"),
        (id::RSA_PSS_SHA384, "PSS SHA-384"),
        (id::RSA_PSS_SHA512, "PSS SHA-512"),
        (id::ED25519, ""),
    ]
    .into_iter()
    .find(|(s, _)| is(*s, signature))
    .map_or_else(
        // The PKCS#1 identifiers without their NULL parameters: the OID's last byte says which.
        || match signature.as_ref().last() {
            Some(0x0b) => "PKCS#1 SHA-256 (parameters absent)".to_owned(),
            Some(0x0c) => "PKCS#1 SHA-384 (parameters absent)".to_owned(),
            Some(0x0d) => "PKCS#1 SHA-512 (parameters absent)".to_owned(),
            _ => describe(signature),
        },
        |(_, n)| n.to_owned(),
    );
    format!("{key_name} {signature_name}").trim_end().to_owned()
}

/// One signature input and both verdicts.
#[derive(Clone, Debug)]
pub struct Verdicts {
    /// The algorithm's name ([`Pair::name`]).
    pub algorithm: String,
    /// The public key as webpki passes it (the SPKI's BIT STRING).
    pub public_key: Vec<u8>,
    /// The signed message (a `tbsCertificate` or `tbsCertList`).
    pub message: Vec<u8>,
    /// The signature.
    pub signature: Vec<u8>,
    /// The core's verdict.
    pub core: bool,
    /// OpenSSL's verdict.
    pub openssl: bool,
}

/// An algorithm that asks both implementations, keeps every input with both verdicts, and
/// answers with the core's verdict: plugged into chain validation, it compares every signature
/// webpki checks.
#[derive(Debug)]
pub struct Differential {
    pair: Pair,
    seen: Mutex<Vec<Verdicts>>,
}

impl Differential {
    /// A comparing verifier for one pair.
    #[must_use]
    pub const fn new(pair: Pair) -> Self {
        Self {
            pair,
            seen: Mutex::new(Vec::new()),
        }
    }

    /// The inputs compared since the last call, with their verdicts.
    #[must_use]
    pub fn take(&self) -> Vec<Verdicts> {
        core::mem::take(
            &mut *self
                .seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SignatureVerificationAlgorithm for Differential {
    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.pair.core.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.pair.core.signature_alg_id()
    }

    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let (core, openssl) = self.pair.verdicts(public_key, message, signature);
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Verdicts {
                algorithm: self.pair.name(),
                public_key: public_key.to_vec(),
                message: message.to_vec(),
                signature: signature.to_vec(),
                core,
                openssl,
            });
        if core { Ok(()) } else { Err(InvalidSignature) }
    }
}
