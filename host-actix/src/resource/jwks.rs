//! The issuer's signing keys (a JWK Set, RFC 7517 §5): every public key made into josekit
//! verifiers for the algorithms it may be used with, and the remote set fetched over HTTPS,
//! cached, and refreshed when it is older than `max_age` or when a token names a `kid` it does
//! not hold, at most once per `min_refresh` (so a stream of tokens with made-up `kid`s cannot make
//! the API hammer the issuer).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use josekit::jwk::Jwk;
use josekit::jws::{
    ES256, ES384, ES512, EdDSA, JwsVerifier, PS256, PS384, PS512, RS256, RS384, RS512,
};

/// The algorithms accepted by default: every asymmetric JWS algorithm josekit verifies. `none`
/// and the HMAC algorithms are never accepted (a resource server holds no shared key, and
/// accepting them is the classic algorithm-confusion attack, RFC 8725 §2.1).
pub const DEFAULT_ALGORITHMS: [&str; 10] = [
    "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA",
];

/// Largest JWKS document read (a set of a few dozen RSA-4096 keys is well under this).
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Most keys used from one JWKS.
pub const MAX_KEYS: usize = 64;

/// Why a JWKS cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// Not a JSON object with a `keys` array.
    #[error("not a JWK Set (RFC 7517 §5): {0}")]
    Malformed(String),
    /// Fetching it failed (network, TLS, status, size).
    #[error("fetching the JWKS from {url}: {reason}")]
    Fetch {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// No key could be fetched yet, and a new attempt is not due (rate limit).
    #[error(
        "no signing keys: the last fetch of {url} failed ({reason}); retrying after {retry_in_secs} s"
    )]
    Unavailable {
        /// The URL.
        url: String,
        /// Why the last fetch failed.
        reason: String,
        /// Seconds until the next attempt.
        retry_in_secs: u64,
    },
}

/// One public key: its `kid` and a verifier per algorithm it may be used with.
#[derive(Debug)]
struct Key {
    kid: Option<String>,
    verifiers: Vec<Box<dyn JwsVerifier>>,
}

/// A JWK Set made into verifiers.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<Key>,
    /// Keys that were skipped, and why (symmetric, unknown type, malformed).
    pub skipped: Vec<String>,
}

impl KeySet {
    /// Reads a JWKS document, keeping the keys usable with `algorithms` (JWS `alg` names).
    ///
    /// A key's `alg`, `use`, `key_ops` and curve are honoured (josekit checks them); symmetric
    /// (`oct`) keys are skipped.
    ///
    /// # Errors
    /// [`JwksError::Malformed`] when the document is not a JWK Set.
    pub fn from_json(bytes: &[u8], algorithms: &[String]) -> Result<Self, JwksError> {
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(JwksError::Malformed(format!(
                "{} bytes; the limit is {MAX_JWKS_BYTES}",
                bytes.len()
            )));
        }
        let document: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| JwksError::Malformed(format!("not JSON: {e}")))?;
        let keys = document
            .get("keys")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| JwksError::Malformed(String::from("no \"keys\" array")))?;
        let mut set = Self::default();
        for (index, key) in keys.iter().enumerate().take(MAX_KEYS) {
            let Some(map) = key.as_object() else {
                set.skipped.push(format!("key #{index}: not an object"));
                continue;
            };
            if map.get("kty").and_then(serde_json::Value::as_str) == Some("oct") {
                set.skipped
                    .push(format!("key #{index}: a symmetric (oct) key is never used"));
                continue;
            }
            let kid = map
                .get("kid")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            // The verifiers carry no kid: the kid is matched here, and a token without one may
            // still be verified by every key of its algorithm.
            let mut map = map.clone();
            map.remove("kid");
            let jwk = match Jwk::from_map(map) {
                Ok(jwk) => jwk,
                Err(e) => {
                    set.skipped.push(format!("key #{index}: {e}"));
                    continue;
                }
            };
            let verifiers: Vec<Box<dyn JwsVerifier>> = algorithms
                .iter()
                .filter_map(|alg| verifier_for(alg, &jwk))
                .collect();
            if verifiers.is_empty() {
                set.skipped.push(format!(
                    "key #{index} (kty {}): usable with none of the accepted algorithms",
                    jwk.key_type()
                ));
                continue;
            }
            set.keys.push(Key { kid, verifiers });
        }
        Ok(set)
    }

    /// Whether the set has no usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many usable keys the set has.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether a key has this `kid`.
    #[must_use]
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// The verifiers for a token's `kid` (every key when the token has none) and `alg`.
    #[must_use]
    pub fn candidates(
        &self,
        kid: Option<&str>,
        alg: &str,
    ) -> Vec<(Option<&str>, &dyn JwsVerifier)> {
        self.keys
            .iter()
            .filter(|k| kid.is_none_or(|kid| k.kid.as_deref() == Some(kid)))
            .flat_map(|k| {
                k.verifiers
                    .iter()
                    .filter(|v| v.algorithm().name() == alg)
                    .map(|v| (k.kid.as_deref(), v.as_ref()))
            })
            .collect()
    }
}

/// A verifier for `alg` with `jwk`, when the key may be used with it.
fn verifier_for(alg: &str, jwk: &Jwk) -> Option<Box<dyn JwsVerifier>> {
    fn boxed<V: JwsVerifier + 'static>(
        v: Result<V, josekit::JoseError>,
    ) -> Option<Box<dyn JwsVerifier>> {
        v.ok().map(|v| Box::new(v) as Box<dyn JwsVerifier>)
    }
    match alg {
        "ES256" => boxed(ES256.verifier_from_jwk(jwk)),
        "ES384" => boxed(ES384.verifier_from_jwk(jwk)),
        "ES512" => boxed(ES512.verifier_from_jwk(jwk)),
        "RS256" => boxed(RS256.verifier_from_jwk(jwk)),
        "RS384" => boxed(RS384.verifier_from_jwk(jwk)),
        "RS512" => boxed(RS512.verifier_from_jwk(jwk)),
        "PS256" => boxed(PS256.verifier_from_jwk(jwk)),
        "PS384" => boxed(PS384.verifier_from_jwk(jwk)),
        "PS512" => boxed(PS512.verifier_from_jwk(jwk)),
        "EdDSA" => boxed(EdDSA.verifier_from_jwk(jwk)),
        _ => None,
    }
}

/// How often and how the remote JWKS is fetched.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// Keys older than this are fetched again on the next token (default 1 hour).
    pub max_age: Duration,
    /// At most one fetch per this interval, whatever tokens arrive (default 30 s).
    pub min_refresh: Duration,
    /// Timeout of one fetch (default 5 s).
    pub timeout: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(3600),
            min_refresh: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Default)]
struct Cached {
    keys: Arc<KeySet>,
    fetched: Option<Instant>,
    attempted: Option<Instant>,
    last_error: Option<String>,
}

/// A JWKS at an HTTPS URL, cached.
#[derive(Debug)]
pub struct RemoteJwks {
    url: String,
    client: reqwest::Client,
    algorithms: Vec<String>,
    policy: RefreshPolicy,
    cached: RwLock<Cached>,
    refreshing: tokio::sync::Mutex<()>,
}

impl RemoteJwks {
    /// A JWKS at `url`, fetched with `client` (see [`http_client`]).
    #[must_use]
    pub fn new(
        url: String,
        client: reqwest::Client,
        algorithms: Vec<String>,
        policy: RefreshPolicy,
    ) -> Self {
        Self {
            url,
            client,
            algorithms,
            policy,
            cached: RwLock::new(Cached::default()),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    /// The URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    fn snapshot(&self) -> (Arc<KeySet>, bool, Option<Instant>, Option<String>) {
        let cached = self
            .cached
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = cached
            .fetched
            .is_some_and(|t| t.elapsed() < self.policy.max_age);
        (
            Arc::clone(&cached.keys),
            fresh,
            cached.attempted,
            cached.last_error.clone(),
        )
    }

    /// The keys to verify a token with `kid`: the cached set when it is fresh and knows the
    /// `kid`; else the set fetched anew, unless a fetch was attempted less than `min_refresh`
    /// ago (then the cached set, which may lack the `kid`). Concurrent callers share one fetch.
    ///
    /// # Errors
    /// [`JwksError::Unavailable`] or [`JwksError::Fetch`] when no key has ever been fetched.
    pub async fn keys(&self, kid: Option<&str>) -> Result<Arc<KeySet>, JwksError> {
        let usable = |keys: &KeySet| kid.map_or(!keys.is_empty(), |kid| keys.has_kid(kid));
        let (keys, fresh, _, _) = self.snapshot();
        if fresh && usable(&keys) {
            return Ok(keys);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        let (keys, fresh, attempted, last_error) = self.snapshot();
        if fresh && usable(&keys) {
            return Ok(keys);
        }
        if let Some(at) = attempted
            && at.elapsed() < self.policy.min_refresh
        {
            if keys.is_empty() {
                let wait = self.policy.min_refresh.saturating_sub(at.elapsed());
                return Err(JwksError::Unavailable {
                    url: self.url.clone(),
                    reason: last_error
                        .unwrap_or_else(|| String::from("the JWKS has no usable key")),
                    retry_in_secs: wait.as_secs().max(1),
                });
            }
            return Ok(keys);
        }
        let fetched = self.fetch().await;
        let mut cached = self
            .cached
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cached.attempted = Some(Instant::now());
        match fetched {
            Ok(set) => {
                for skipped in &set.skipped {
                    tracing::info!(target: "certbind::api", jwks = %self.url, "JWKS key skipped: {skipped}");
                }
                tracing::info!(target: "certbind::api", jwks = %self.url, keys = set.len(), "JWKS fetched");
                cached.keys = Arc::new(set);
                cached.fetched = Some(Instant::now());
                cached.last_error = None;
                Ok(Arc::clone(&cached.keys))
            }
            Err(error) => {
                tracing::warn!(target: "certbind::api", %error, "JWKS fetch failed; keeping the keys fetched before");
                cached.last_error = Some(error.to_string());
                if cached.keys.is_empty() {
                    Err(error)
                } else {
                    Ok(Arc::clone(&cached.keys))
                }
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, JwksError> {
        let fail = |reason: String| JwksError::Fetch {
            url: self.url.clone(),
            reason,
        };
        let mut response = self
            .client
            .get(&self.url)
            .header(
                reqwest::header::ACCEPT,
                "application/jwk-set+json, application/json",
            )
            .timeout(self.policy.timeout)
            .send()
            .await
            .map_err(|e| fail(error_chain(&e)))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(fail(format!("HTTP status {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(error_chain(&e)))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(fail(format!("larger than {MAX_JWKS_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        KeySet::from_json(&body, &self.algorithms)
    }
}

/// An error with its sources (reqwest's own message says only "error sending request").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The HTTP client for JWKS fetches: HTTPS only (redirects too), the system's CA bundle plus
/// `extra_roots` (PEM certificates, e.g. a private CA), no connection pool (fetches are rare,
/// and actix-web's workers each run their own runtime).
///
/// # Errors
/// A PEM that is not a certificate, or the TLS backend failed to start.
pub fn http_client(extra_roots: &[Vec<u8>]) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .https_only(true)
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("certbind/", env!("CARGO_PKG_VERSION")));
    for pem in extra_roots {
        let certificate = reqwest::Certificate::from_pem(pem)
            .map_err(|e| format!("a trusted root for the JWKS fetch: {e}"))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|e| error_chain(&e))
}
