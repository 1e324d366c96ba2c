//! [`TokenVerifier`]: what an API accepts (issuer, audience, keys, leeway, algorithms) and the
//! verification of one token against it.

use std::sync::Arc;
use std::time::Duration;

use certbind_core::PresentedCertificate;

use super::check::{self, Expectations, MalformedToken, TokenReport};
use super::jwks::{DEFAULT_ALGORITHMS, JwksError, KeySet, RefreshPolicy, RemoteJwks, http_client};

/// Where the issuer's keys come from.
#[derive(Debug)]
enum Keys {
    /// A JWKS given once (a file, a test).
    Fixed(Arc<KeySet>),
    /// The issuer's `jwks_uri`, fetched and cached.
    Remote(Box<RemoteJwks>),
}

/// Verifies bearer access tokens for one API: RFC 9068 JWTs from one issuer, for one audience,
/// bound to the client's certificate (RFC 8705 §3). Share one across actix-web's workers as
/// `web::Data<TokenVerifier>`; the [`super::BoundToken`] extractor uses it.
#[derive(Debug)]
pub struct TokenVerifier {
    issuer: String,
    audience: String,
    keys: Keys,
    algorithms: Vec<String>,
    leeway: u64,
    require_binding: bool,
    realm: Option<String>,
}

/// Builds a [`TokenVerifier`].
#[derive(Debug)]
pub struct VerifierBuilder {
    issuer: String,
    audience: String,
    jwks_url: Option<String>,
    jwks: Option<Vec<u8>>,
    roots: Vec<Vec<u8>>,
    algorithms: Vec<String>,
    leeway: u64,
    require_binding: bool,
    realm: Option<String>,
    policy: RefreshPolicy,
}

/// A verifier that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierError {
    /// Neither a JWKS URL nor a JWKS document.
    #[error("no JWKS: give the issuer's jwks_uri or a JWKS document")]
    NoKeys,
    /// The JWKS URL is not HTTPS.
    #[error("the JWKS URL {0:?} is not https://")]
    NotHttps(String),
    /// The JWKS document is unusable.
    #[error(transparent)]
    Jwks(#[from] JwksError),
    /// The HTTP client could not be built.
    #[error("the HTTP client for the JWKS: {0}")]
    Client(String),
}

impl VerifierBuilder {
    /// The issuer's JWKS URL (`jwks_uri` of its metadata), fetched over HTTPS.
    #[must_use]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// A JWKS document given directly (instead of a URL).
    #[must_use]
    pub fn jwks_json(mut self, json: impl Into<Vec<u8>>) -> Self {
        self.jwks = Some(json.into());
        self
    }

    /// A PEM CA certificate to trust for the JWKS fetch, besides the system's.
    #[must_use]
    pub fn trust_root_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.roots.push(pem.into());
        self
    }

    /// Seconds of clock difference tolerated for `exp`, `nbf` and `iat` (default 60).
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Accept tokens without `cnf` (plain bearer tokens) too; a `cnf` that names another
    /// certificate is still rejected. Default: every token must be bound.
    #[must_use]
    pub const fn allow_unbound_tokens(mut self) -> Self {
        self.require_binding = false;
        self
    }

    /// The JWS algorithms accepted (default: [`DEFAULT_ALGORITHMS`]). `none` and `HS*` are
    /// ignored.
    #[must_use]
    pub fn algorithms(mut self, algorithms: &[&str]) -> Self {
        self.algorithms = algorithms
            .iter()
            .filter(|a| **a != "none" && !a.starts_with("HS"))
            .map(|a| (*a).to_owned())
            .collect();
        self
    }

    /// The `realm` of the `WWW-Authenticate` challenge (RFC 6750 §3).
    #[must_use]
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// How the remote JWKS is cached and refreshed.
    #[must_use]
    pub const fn refresh(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The verifier.
    ///
    /// # Errors
    /// [`VerifierError`]: no keys, a URL that is not HTTPS, an unusable JWKS document.
    pub fn build(self) -> Result<TokenVerifier, VerifierError> {
        let keys = match (self.jwks, self.jwks_url) {
            (Some(json), _) => Keys::Fixed(Arc::new(KeySet::from_json(&json, &self.algorithms)?)),
            (None, Some(url)) => {
                if !url.starts_with("https://") {
                    return Err(VerifierError::NotHttps(url));
                }
                let client = http_client(&self.roots).map_err(VerifierError::Client)?;
                Keys::Remote(Box::new(RemoteJwks::new(
                    url,
                    client,
                    self.algorithms.clone(),
                    self.policy,
                )))
            }
            (None, None) => return Err(VerifierError::NoKeys),
        };
        Ok(TokenVerifier {
            issuer: self.issuer,
            audience: self.audience,
            keys,
            algorithms: self.algorithms,
            leeway: self.leeway,
            require_binding: self.require_binding,
            realm: self.realm,
        })
    }
}

/// A token that was accepted: its claims, and the binding (the certificate's `x5t#S256`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// The claims (`sub`, `client_id`, `scope`, …).
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// The JOSE header.
    pub header: serde_json::Map<String, serde_json::Value>,
    /// The `x5t#S256` of the certificate the token is bound to (`None` only for an unbound
    /// token accepted with [`VerifierBuilder::allow_unbound_tokens`]).
    pub x5t_s256: Option<String>,
}

/// Why a token was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Not a JWS with JSON header and claims.
    #[error(transparent)]
    Malformed(#[from] MalformedToken),
    /// A check failed.
    #[error("{check}: {reason}")]
    Invalid {
        /// `signature`, `typ`, `issuer`, `audience`, `times` or `binding`.
        check: &'static str,
        /// Why, in words (with the near-miss hints for a binding).
        reason: String,
    },
    /// The issuer's keys cannot be had (the JWKS fetch fails and none was fetched before).
    #[error(transparent)]
    KeysUnavailable(#[from] JwksError),
}

impl TokenVerifier {
    /// A verifier for tokens of `issuer` (`iss`) for `audience` (one of `aud`).
    #[must_use]
    pub fn builder(issuer: impl Into<String>, audience: impl Into<String>) -> VerifierBuilder {
        VerifierBuilder {
            issuer: issuer.into(),
            audience: audience.into(),
            jwks_url: None,
            jwks: None,
            roots: Vec::new(),
            algorithms: DEFAULT_ALGORITHMS.iter().map(|a| (*a).to_owned()).collect(),
            leeway: 60,
            require_binding: true,
            realm: None,
            policy: RefreshPolicy::default(),
        }
    }

    /// The `realm` of the challenge, if any.
    #[must_use]
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// The expectations the checks use.
    fn expectations(&self) -> Expectations<'_> {
        Expectations {
            issuer: Some(&self.issuer),
            audience: Some(&self.audience),
            leeway: self.leeway,
            algorithms: &self.algorithms,
            require_binding: self.require_binding,
        }
    }

    /// Every check of `token` presented with `certificate` at `now` (Unix seconds), with the
    /// keys held now (a remote JWKS is fetched when the token's `kid` is unknown, within the
    /// refresh policy).
    ///
    /// # Errors
    /// A malformed token, or no keys at all.
    pub async fn report(
        &self,
        token: &str,
        certificate: Option<&PresentedCertificate>,
        now: u64,
    ) -> Result<TokenReport, Rejection> {
        let decoded = check::decode(token)?;
        let keys = match &self.keys {
            Keys::Fixed(keys) => Arc::clone(keys),
            Keys::Remote(remote) => {
                let kid = decoded
                    .header
                    .get("kid")
                    .and_then(serde_json::Value::as_str);
                remote.keys(kid).await?
            }
        };
        Ok(check::check(
            token,
            decoded,
            Some(&keys),
            certificate,
            &self.expectations(),
            now,
        ))
    }

    /// Verifies `token` presented with `certificate` at `now` (Unix seconds).
    ///
    /// # Errors
    /// [`Rejection`] with the first check that failed.
    pub async fn verify(
        &self,
        token: &str,
        certificate: Option<&PresentedCertificate>,
        now: u64,
    ) -> Result<VerifiedToken, Rejection> {
        let report = self.report(token, certificate, now).await?;
        if let Some((check, reason)) = report.first_failure() {
            let mut reason = reason.to_owned();
            if check == "binding" {
                for hint in &report.binding.hints {
                    reason.push_str("; ");
                    reason.push_str(&hint.message);
                }
            }
            return Err(Rejection::Invalid { check, reason });
        }
        Ok(VerifiedToken {
            x5t_s256: report
                .binding
                .bound
                .then(|| report.binding.certificate_x5t_s256.clone())
                .flatten(),
            claims: report.claims,
            header: report.header,
        })
    }
}

/// Fetch timeouts and intervals, re-exported for [`VerifierBuilder::refresh`].
#[must_use]
pub fn refresh_policy(
    max_age: Duration,
    min_refresh: Duration,
    timeout: Duration,
) -> RefreshPolicy {
    RefreshPolicy {
        max_age,
        min_refresh,
        timeout,
    }
}
