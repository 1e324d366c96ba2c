//! Token signing keys: PEM files, their JWKs, and the key set published at `/jwks`.
//!
//! Keys are loaded in order (a directory's `*.pem` files sorted by name, or the configured
//! list); every key is published, the **last** one signs. `certbind keys rotate` writes a new
//! file whose name sorts after the existing ones (`signing-<UTC timestamp>-<n>.pem`), so after a
//! reload the new key signs while tokens signed by the older keys still verify.
//!
//! The `kid` is the RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key, so it is
//! stable across restarts and replicas and needs no extra state.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::{ES256, ES384, EdDSA, JwsSigner, JwsVerifier, PS256, RS256};
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;

use crate::keyfile::{KeyFileError, KeyFilePolicy};

/// A JWS algorithm certbind signs access tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (the default: small tokens, fast signing).
    #[default]
    #[serde(rename = "ES256")]
    Es256,
    /// ECDSA P-384 with SHA-384 (used for P-384 key files).
    #[serde(rename = "ES384")]
    Es384,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "RS256")]
    Rs256,
    /// RSASSA-PSS with SHA-256.
    #[serde(rename = "PS256")]
    Ps256,
    /// Ed25519.
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl Algorithm {
    /// The JWS `alg` name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Parses a JWS `alg` name (as in the config file and `--algorithm`).
    ///
    /// # Errors
    /// The name is not one certbind signs with.
    pub fn parse(name: &str) -> Result<Self, KeyError> {
        match name {
            "ES256" => Ok(Self::Es256),
            "ES384" => Ok(Self::Es384),
            "RS256" => Ok(Self::Rs256),
            "PS256" => Ok(Self::Ps256),
            "EdDSA" => Ok(Self::EdDsa),
            other => Err(KeyError::UnknownAlgorithm(other.to_owned())),
        }
    }
}

/// A problem with a signing key file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a usable private key.
    #[error("{path}: not a usable signing key: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No key at all.
    #[error("no signing key: {0}")]
    Missing(String),
    /// An unknown `alg` name.
    #[error("unknown signing algorithm {0:?} (use ES256, ES384, RS256, PS256 or EdDSA)")]
    UnknownAlgorithm(String),
    /// A key file other users can read (see [`crate::keyfile`]).
    #[error(transparent)]
    Permissions(#[from] KeyFileError),
}

/// One signing key with its verifier and public JWK.
pub struct SigningKey {
    kid: String,
    algorithm: Algorithm,
    signer: Box<dyn JwsSigner>,
    verifier: Box<dyn JwsVerifier>,
    public_jwk: serde_json::Map<String, serde_json::Value>,
    path: PathBuf,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads a PEM private key (PKCS#8, or traditional EC/RSA). The algorithm follows the key:
    /// P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA, RSA → `rsa_algorithm` (RS256 or PS256).
    ///
    /// # Errors
    /// [`KeyError::Io`] or [`KeyError::Invalid`] naming the file.
    pub fn from_pem_file(path: &Path, rsa_algorithm: Algorithm) -> Result<Self, KeyError> {
        let pem = std::fs::read(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(&pem, rsa_algorithm, path)
    }

    /// Like [`SigningKey::from_pem_file`], from bytes; `path` is only used in messages.
    ///
    /// # Errors
    /// [`KeyError::Invalid`].
    pub fn from_pem(pem: &[u8], rsa_algorithm: Algorithm, path: &Path) -> Result<Self, KeyError> {
        let invalid = |reason: String| KeyError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let pkey = PKey::private_key_from_pem(pem)
            .map_err(|e| invalid(format!("cannot read a PEM private key ({e})")))?;
        let algorithm = match pkey.id() {
            Id::EC => {
                let curve = pkey
                    .ec_key()
                    .ok()
                    .and_then(|k| k.group().curve_name())
                    .ok_or_else(|| invalid("EC key without a named curve".into()))?;
                match curve {
                    Nid::X9_62_PRIME256V1 => Algorithm::Es256,
                    Nid::SECP384R1 => Algorithm::Es384,
                    other => {
                        return Err(invalid(format!(
                            "EC curve {} is not supported (use P-256 or P-384)",
                            other.short_name().unwrap_or("?")
                        )));
                    }
                }
            }
            Id::RSA => match rsa_algorithm {
                Algorithm::Ps256 => Algorithm::Ps256,
                _ => Algorithm::Rs256,
            },
            Id::ED25519 => Algorithm::EdDsa,
            _ => {
                return Err(invalid(
                    "key type not supported (use EC, RSA or Ed25519)".into(),
                ));
            }
        };
        if algorithm == Algorithm::Rs256 || algorithm == Algorithm::Ps256 {
            let bits = pkey.bits();
            if bits < 2048 {
                return Err(invalid(format!(
                    "RSA key of {bits} bits; at least 2048 are needed"
                )));
            }
        }
        // josekit reads PKCS#8 everywhere; normalise traditional PEM through OpenSSL.
        let pkcs8 = pkey
            .private_key_to_pem_pkcs8()
            .map_err(|e| invalid(format!("cannot re-encode the key ({e})")))?;
        let public_pem = pkey
            .public_key_to_pem()
            .map_err(|e| invalid(format!("no public key ({e})")))?;
        let jose = |e: josekit::JoseError| invalid(e.to_string());
        let (signer, verifier, jwk): (Box<dyn JwsSigner>, Box<dyn JwsVerifier>, Jwk) =
            match algorithm {
                Algorithm::Es256 => (
                    Box::new(ES256.signer_from_pem(&pkcs8).map_err(jose)?),
                    Box::new(ES256.verifier_from_pem(&public_pem).map_err(jose)?),
                    public_jwk(&*ES256.key_pair_from_pem(&pkcs8).map_err(jose)?),
                ),
                Algorithm::Es384 => (
                    Box::new(ES384.signer_from_pem(&pkcs8).map_err(jose)?),
                    Box::new(ES384.verifier_from_pem(&public_pem).map_err(jose)?),
                    public_jwk(&*ES384.key_pair_from_pem(&pkcs8).map_err(jose)?),
                ),
                Algorithm::Rs256 => (
                    Box::new(RS256.signer_from_pem(&pkcs8).map_err(jose)?),
                    Box::new(RS256.verifier_from_pem(&public_pem).map_err(jose)?),
                    public_jwk(&*RS256.key_pair_from_pem(&pkcs8).map_err(jose)?),
                ),
                Algorithm::Ps256 => (
                    // The DER readers accept plain rsaEncryption keys; the PEM ones want RSA-PSS.
                    Box::new(PS256.signer_from_der(&pkcs8_der(&pkey)?).map_err(jose)?),
                    Box::new(PS256.verifier_from_der(&spki_der(&pkey)?).map_err(jose)?),
                    // Published as a plain RSA JWK: `alg` says PS256.
                    public_jwk(&*RS256.key_pair_from_pem(&pkcs8).map_err(jose)?),
                ),
                Algorithm::EdDsa => (
                    Box::new(EdDSA.signer_from_pem(&pkcs8).map_err(jose)?),
                    Box::new(EdDSA.verifier_from_pem(&public_pem).map_err(jose)?),
                    public_jwk(&*EdDSA.key_pair_from_pem(&pkcs8).map_err(jose)?),
                ),
            };
        let mut public_jwk: serde_json::Map<String, serde_json::Value> = jwk.into();
        let kid = jwk_thumbprint(&public_jwk).ok_or_else(|| invalid("incomplete JWK".into()))?;
        public_jwk.retain(|k, _| matches!(k.as_str(), "kty" | "crv" | "x" | "y" | "n" | "e"));
        public_jwk.insert("kid".into(), kid.clone().into());
        public_jwk.insert("use".into(), "sig".into());
        public_jwk.insert("alg".into(), algorithm.name().into());
        Ok(Self {
            kid,
            algorithm,
            signer,
            verifier,
            public_jwk,
            path: path.to_owned(),
        })
    }

    /// The key id (RFC 7638 thumbprint).
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The JWS algorithm this key signs with.
    #[must_use]
    pub const fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The file the key was read from.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn signer(&self) -> &dyn JwsSigner {
        &*self.signer
    }

    pub(crate) fn verifier(&self) -> &dyn JwsVerifier {
        &*self.verifier
    }
}

fn pkcs8_der(pkey: &PKey<Private>) -> Result<Vec<u8>, KeyError> {
    pkey.private_key_to_pkcs8().map_err(|e| KeyError::Invalid {
        path: PathBuf::new(),
        reason: e.to_string(),
    })
}

fn spki_der(pkey: &PKey<Private>) -> Result<Vec<u8>, KeyError> {
    pkey.public_key_to_der().map_err(|e| KeyError::Invalid {
        path: PathBuf::new(),
        reason: e.to_string(),
    })
}

fn public_jwk(pair: &dyn josekit::jwk::KeyPair) -> Jwk {
    pair.to_jwk_public_key()
}

/// RFC 7638 §3: SHA-256 over the required members, in lexicographic order, no whitespace.
fn jwk_thumbprint(jwk: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let members: &[&str] = match jwk.get("kty")?.as_str()? {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut canonical = String::from("{");
    for (i, name) in members.iter().enumerate() {
        if i > 0 {
            canonical.push(',');
        }
        let value = jwk.get(*name)?.as_str()?;
        canonical.push_str(&serde_json::to_string(name).ok()?);
        canonical.push(':');
        canonical.push_str(&serde_json::to_string(value).ok()?);
    }
    canonical.push('}');
    Some(URL_SAFE_NO_PAD.encode(openssl::sha::sha256(canonical.as_bytes())))
}

/// The keys in use: all published, one signs (the last, unless a shared store's schedule says
/// otherwise: a rotated key is published before it signs).
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<SigningKey>,
    current: usize,
    jwks_json: actix_web::web::Bytes,
}

impl KeySet {
    /// A key set from keys in age order (oldest first); the last one signs.
    ///
    /// # Errors
    /// [`KeyError::Missing`] when `keys` is empty.
    pub fn new(keys: Vec<SigningKey>) -> Result<Self, KeyError> {
        let last = keys.len().saturating_sub(1);
        Self::with_signer(keys, last)
    }

    /// A key set from keys in age order (oldest first) where `keys[signer]` signs; the keys
    /// after it are published but do not sign yet.
    ///
    /// # Errors
    /// [`KeyError::Missing`] when `keys` is empty or `signer` is out of range.
    pub fn with_signer(keys: Vec<SigningKey>, signer: usize) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::Missing("the key set is empty".into()));
        }
        if signer >= keys.len() {
            return Err(KeyError::Missing(format!(
                "signing key #{signer} of a set of {}",
                keys.len()
            )));
        }
        // Newest first in the JWKS: clients that take the first key take the signing one.
        let jwks: Vec<_> = keys.iter().rev().map(|k| &k.public_jwk).collect();
        let jwks_json = serde_json::to_vec(&serde_json::json!({ "keys": jwks }))
            .map_err(|e| KeyError::Missing(e.to_string()))?;
        Ok(Self {
            keys,
            current: signer,
            jwks_json: jwks_json.into(),
        })
    }

    /// Loads the files in this order (the last one signs), each checked against `policy`
    /// first.
    ///
    /// # Errors
    /// The first file that cannot be used (or that other users can read, under
    /// [`KeyFilePolicy::OwnerOnly`]), or [`KeyError::Missing`].
    pub fn load_files(
        paths: &[PathBuf],
        rsa_algorithm: Algorithm,
        policy: KeyFilePolicy,
    ) -> Result<Self, KeyError> {
        let keys = paths
            .iter()
            .map(|p| {
                crate::keyfile::check(p, policy)?;
                SigningKey::from_pem_file(p, rsa_algorithm)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(keys)
    }

    /// Loads every `*.pem` in `dir`, sorted by file name (the last one signs).
    ///
    /// # Errors
    /// As [`KeySet::load_files`]; [`KeyError::Missing`] when the directory holds no key.
    pub fn load_dir(
        dir: &Path,
        rsa_algorithm: Algorithm,
        policy: KeyFilePolicy,
    ) -> Result<Self, KeyError> {
        let files = pem_files(dir)?;
        if files.is_empty() {
            return Err(KeyError::Missing(format!(
                "{} holds no *.pem key (create one with `certbind keys rotate --dir {}`)",
                dir.display(),
                dir.display()
            )));
        }
        Self::load_files(&files, rsa_algorithm, policy)
    }

    /// The key that signs new tokens.
    #[must_use]
    pub fn current(&self) -> &SigningKey {
        // `with_signer` guarantees the index is in range.
        self.keys
            .get(self.current)
            .unwrap_or_else(|| unreachable!("KeySet::with_signer checks the index"))
    }

    /// The key with this `kid`.
    #[must_use]
    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// Every key, oldest first.
    #[must_use]
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// The JWKS document (`{"keys": [...]}`, newest first), serialised once.
    #[must_use]
    pub fn jwks_json(&self) -> &actix_web::web::Bytes {
        &self.jwks_json
    }
}

fn pem_files(dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
    let entries = std::fs::read_dir(dir).map_err(|source| KeyError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| KeyError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "pem") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A fresh private key for `algorithm`, as PKCS#8 PEM.
///
/// # Errors
/// OpenSSL failed to generate the key.
pub fn generate_pem(algorithm: Algorithm) -> Result<Vec<u8>, openssl::error::ErrorStack> {
    let pkey: PKey<Private> = match algorithm {
        Algorithm::Es256 => PKey::from_ec_key(EcKey::generate(&*EcGroup::from_curve_name(
            Nid::X9_62_PRIME256V1,
        )?)?)?,
        Algorithm::Es384 => PKey::from_ec_key(EcKey::generate(&*EcGroup::from_curve_name(
            Nid::SECP384R1,
        )?)?)?,
        Algorithm::Rs256 | Algorithm::Ps256 => PKey::from_rsa(Rsa::generate(3072)?)?,
        Algorithm::EdDsa => PKey::generate_ed25519()?,
    };
    pkey.private_key_to_pem_pkcs8()
}

/// Writes a new key file into `dir` whose name sorts after every existing `*.pem` there, so that
/// it becomes the signing key at the next start or reload. Returns its path.
///
/// # Errors
/// I/O or key generation errors, naming the path.
pub fn rotate(dir: &Path, algorithm: Algorithm, now_unix: u64) -> Result<PathBuf, KeyError> {
    std::fs::create_dir_all(dir).map_err(|source| KeyError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let existing = pem_files(dir)?;
    let stamp = crate::time::utc_stamp(now_unix);
    // `signing-<stamp>-<nnn>.pem`: the counter keeps names in the same second in order.
    let mut n = 1;
    let path = loop {
        let candidate = dir.join(format!("signing-{stamp}-{n:03}.pem"));
        if !candidate.exists() && existing.last().is_none_or(|last| *last < candidate) {
            break candidate;
        }
        n += 1;
        if n > 999 {
            return Err(KeyError::Invalid {
                path: candidate,
                reason: "cannot find a file name that sorts after the existing keys".into(),
            });
        }
    };
    let pem = generate_pem(algorithm).map_err(|e| KeyError::Invalid {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    crate::fsutil::write_private(&path, &pem).map_err(|source| KeyError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_loads_and_has_a_thumbprint_kid() {
        for alg in [
            Algorithm::Es256,
            Algorithm::Es384,
            Algorithm::Rs256,
            Algorithm::Ps256,
            Algorithm::EdDsa,
        ] {
            let pem = generate_pem(alg).unwrap();
            let key = SigningKey::from_pem(&pem, alg, Path::new("t.pem"))
                .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            assert_eq!(key.algorithm(), alg);
            assert_eq!(key.kid().len(), 43, "base64url SHA-256");
        }
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1: the example RSA key and its thumbprint.
        let jwk: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
        )
        .unwrap();
        assert_eq!(
            jwk_thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn rotated_keys_sort_after_existing_ones_even_in_the_same_second() {
        let dir = std::env::temp_dir().join(format!("certbind-rotate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = rotate(&dir, Algorithm::Es256, 1_795_651_199).unwrap();
        let b = rotate(&dir, Algorithm::EdDsa, 1_795_651_199).unwrap();
        let c = rotate(&dir, Algorithm::Es256, 1_795_651_200).unwrap();
        assert!(a < b && b < c, "{a:?} {b:?} {c:?}");
        let set = KeySet::load_dir(&dir, Algorithm::Es256, KeyFilePolicy::OwnerOnly).unwrap();
        assert_eq!(set.current().path(), c);
        assert_eq!(set.keys()[1].algorithm(), Algorithm::EdDsa);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_last_key_signs_and_all_are_published() {
        let a = SigningKey::from_pem(
            &generate_pem(Algorithm::Es256).unwrap(),
            Algorithm::Es256,
            Path::new("a"),
        )
        .unwrap();
        let b = SigningKey::from_pem(
            &generate_pem(Algorithm::EdDsa).unwrap(),
            Algorithm::Es256,
            Path::new("b"),
        )
        .unwrap();
        let (ka, kb) = (a.kid().to_owned(), b.kid().to_owned());
        let set = KeySet::new(vec![a, b]).unwrap();
        assert_eq!(set.current().kid(), kb);
        let jwks: serde_json::Value = serde_json::from_slice(set.jwks_json()).unwrap();
        let kids: Vec<_> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, [kb.as_str(), ka.as_str()]);
        assert!(
            jwks.to_string().find("\"d\"").is_none(),
            "no private member"
        );
    }
}
