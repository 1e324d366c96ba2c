//! The clients the server authenticates: certbind.toml's registry, judged by certbind-core's
//! decision, or an application's own certbind-core [`ClientValidator`] — the server's one
//! extension point (IdentityServer3's `IClientValidator`).
//!
//! This file only adapts: files come from disk, the connection's certificate (borrowed, read
//! once per connection) and the request's secret become the core's `Presented`, and the core's
//! answer becomes an authenticated client (with its grants) or a failure with the core's reasons
//! in words. The same loader serves `certbind serve`, `check`, `clients add` and `explain`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use certbind_core::{
    Client, ClientIndex, ClientReason, ClientValidator, FileError, FileSource, LoadOptions,
    LoadedRegistry, Presented, PresentedSecret, Reason, RegistryProblem, RegistryValidator,
    Rejection, SecretTransport, UnixTime, Validation, load_registry_toml,
};

use crate::auth::{AnsweredBy, AuthFailure, AuthRequest, Authenticated, SecretVia};
use crate::tls::PresentedCertificate;

/// The client registry could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The file cannot be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is larger than a registry can reasonably be.
    #[error("{}: {size} bytes; the limit is {limit}", .path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{}: not UTF-8 text", .path.display())]
    NotText {
        /// The file.
        path: PathBuf,
    },
    /// The core's loader found problems (each with field and line).
    #[error("{}: {source}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problems.
        source: certbind_core::Error,
    },
}

/// Largest config file read: a registry of 100,000 clients is ~15 MB of TOML.
const MAX_CONFIG_BYTES: u64 = 256 * 1024 * 1024;

/// Largest file a registry may name (certificates and JWKS are small).
const MAX_FILE: u64 = 1024 * 1024;

/// Reads the files a registry names (trust anchors, certificates, JWKS), relative to the
/// registry file's folder, each at most [`MAX_FILE`] bytes.
#[derive(Debug)]
pub(crate) struct DiskFiles {
    base: PathBuf,
}

impl DiskFiles {
    /// The files named by the registry in the file at `config`.
    pub(crate) fn next_to(config: &Path) -> Self {
        Self {
            base: config.parent().unwrap_or_else(|| Path::new("")).to_owned(),
        }
    }

    fn read_bounded(&self, path: &str) -> Result<Vec<u8>, FileError> {
        let full = self.base.join(path);
        read_bounded(&full, MAX_FILE).map_err(|e| FileError::Failed(e.to_string()))
    }
}

impl FileSource for DiskFiles {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        self.read_bounded(path)
    }

    fn jwks_certificates(&mut self, path: &str) -> Result<Vec<Vec<u8>>, FileError> {
        let bytes = self.read_bounded(path)?;
        jwks_certificates(&bytes, path)
    }
}

/// The DER of the first `x5c` certificate of every key of a JWKS document (RFC 7517 §4.7).
pub(crate) fn jwks_certificates(bytes: &[u8], path: &str) -> Result<Vec<Vec<u8>>, FileError> {
    let fail = |m: &str| FileError::Failed(format!("{path}: {m}"));
    let jwks: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| fail(&format!("not JSON: {e}")))?;
    let keys = jwks
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or_else(|| fail("no \"keys\" array"))?;
    let mut out = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let Some(first) = key
            .get("x5c")
            .and_then(|x| x.as_array())
            .and_then(|x| x.first())
        else {
            continue;
        };
        let b64 = first
            .as_str()
            .ok_or_else(|| fail(&format!("keys[{i}].x5c[0] is not a string")))?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| fail(&format!("keys[{i}].x5c[0]: {e}")))?;
        out.push(der);
    }
    Ok(out)
}

/// Reads a whole file, refusing one larger than `limit` before reading it.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, RegistryError> {
    let io = |source| RegistryError::Io {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > limit {
        return Err(RegistryError::TooLarge {
            path: path.to_owned(),
            size,
            limit,
        });
    }
    std::fs::read(path).map_err(io)
}

/// Loads the registry part (`trust_anchors`, `clock_skew`, `[[clients]]`) of the config file at
/// `path` with the core's loader, reading the files it names next to it; other tables (the
/// `[server]` table) are left to [`crate::config`].
///
/// # Errors
/// [`RegistryError`]: the file cannot be read, is too large or not UTF-8, or the core found
/// problems (every one, with field and line).
pub(crate) fn load_file(path: &Path, now: UnixTime) -> Result<LoadedRegistry, RegistryError> {
    let bytes = read_bounded(path, MAX_CONFIG_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| RegistryError::NotText {
        path: path.to_owned(),
    })?;
    load_text(&text, path, now)
}

/// Like [`load_file`], from the text of the file at `path`.
fn load_text(text: &str, path: &Path, now: UnixTime) -> Result<LoadedRegistry, RegistryError> {
    load_registry_toml(
        text,
        &LoadOptions::embedded(now),
        &mut DiskFiles::next_to(path),
    )
    .map_err(|source| RegistryError::Invalid {
        path: path.to_owned(),
        source,
    })
}

/// The clients the server authenticates, behind a core [`ClientValidator`] (by default the
/// core's [`RegistryValidator`]: the registry indexed by `client_id` and thumbprint).
pub struct Registry {
    validator: Arc<dyn ClientValidator + Send + Sync>,
    /// The same validator when it is the core's own: its decisions can be reused on a
    /// connection (it says until when they hold).
    builtin: Option<Arc<RegistryValidator>>,
    /// Unique to this registry in the process: decisions reused on a connection belong to one
    /// registry, so a reload (a new registry) makes new ones.
    generation: u64,
    warnings: Vec<RegistryProblem>,
    scopes: Vec<String>,
    trust_anchors: Vec<Vec<u8>>,
    len: usize,
    /// When the certificates the secrets register expire (see [`crate::expiry`]).
    expiries: Vec<crate::expiry::Expiry>,
    /// The secrets that register no date, as `(client, 1-based secret)`; `None` for an
    /// application's own validator (its clients are not known here).
    undated: Option<std::collections::BTreeSet<(String, usize)>>,
}

/// A number no other registry of this process has (see [`Registry::generation`]).
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("clients", &self.len)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Loads the registry part (`trust_anchors`, `[[clients]]`, …) of a config file with the
    /// core's loader; the `[server]` table is left to [`crate::config`].
    ///
    /// # Errors
    /// [`RegistryError`] with every problem the core found, each with field and line.
    pub fn load(path: &Path) -> Result<Self, RegistryError> {
        let loaded = load_file(path, unix_time(crate::time::now_unix()))?;
        Ok(Self::from_registry(loaded.registry, loaded.warnings))
    }

    /// Like [`Registry::load`], from the text of the file at `path` (the files it names are read
    /// relative to `path`'s folder).
    ///
    /// # Errors
    /// As [`Registry::load`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, RegistryError> {
        let loaded = load_text(text, path, unix_time(crate::time::now_unix()))?;
        Ok(Self::from_registry(loaded.registry, loaded.warnings))
    }

    /// The default validator over a registry (built in code or loaded).
    #[must_use]
    pub fn from_registry(
        registry: certbind_core::Registry,
        warnings: Vec<RegistryProblem>,
    ) -> Self {
        let scopes = scopes_of(&registry.clients);
        let trust_anchors = registry
            .trust
            .iter()
            .map(|a| a.certificate().der().to_vec())
            .collect();
        let len = registry.clients.len();
        let expiries = crate::expiry::registered(&registry.clients);
        let undated = crate::expiry::undated(&registry.clients)
            .into_iter()
            .map(|(client, secret, _)| (client, secret))
            .collect();
        // Chain signatures on OpenSSL: the same verdicts as the core's pure-Rust algorithms
        // (tests/tests/signature_differential.rs), about 8 times faster for a first-seen ECDSA chain.
        let builtin = Arc::new(
            RegistryValidator::new(ClientIndex::new(registry))
                .with_signature_algorithms(crate::signatures::ALGORITHMS),
        );
        Self {
            validator: builtin.clone(),
            builtin: Some(builtin),
            generation: next_generation(),
            warnings,
            scopes,
            trust_anchors,
            len,
            expiries,
            undated: Some(undated),
        }
    }

    /// An application's own certbind-core [`ClientValidator`]: its own client store and its own
    /// mapping from credentials to clients (see `examples/own_client_store.rs`). `scopes` is what
    /// discovery advertises as `scopes_supported`.
    ///
    /// The server still applies its own rules around the validator: one authentication method
    /// per request (a secret sent by a client whose method is a certificate one is refused), a
    /// certificate that cannot be used (unreadable, or with more intermediates than the listener
    /// accepts) is refused before the validator is asked unless the client authenticates with a
    /// shared secret (then it is not used), and tokens are bound to the certificate only when
    /// the [`certbind_core::Acceptance`] says so. The validator is asked on every request: its
    /// answers are not reused on a connection, as the built-in registry's are.
    #[must_use]
    pub fn with_validator(
        validator: Arc<dyn ClientValidator + Send + Sync>,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            validator,
            builtin: None,
            generation: next_generation(),
            warnings: Vec::new(),
            scopes,
            trust_anchors: Vec::new(),
            len: 0,
            expiries: Vec::new(),
            undated: None,
        }
    }

    /// The CA certificates (DER) whose names the mTLS listener sends in its CertificateRequest
    /// when `client_ca_names = "trust_anchors"` (a loaded registry has its trust anchors
    /// already).
    #[must_use]
    pub fn with_trust_anchors(mut self, anchors: Vec<Vec<u8>>) -> Self {
        self.trust_anchors = anchors;
        self
    }

    /// Number of clients (0 for an application's own validator).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no client.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether a client has this id.
    #[must_use]
    pub fn contains(&self, client_id: &str) -> bool {
        self.validator.client(client_id).is_some()
    }

    /// Load warnings (cleaned thumbprints, expired secrets, …).
    #[must_use]
    pub fn warnings(&self) -> &[RegistryProblem] {
        &self.warnings
    }

    /// Every scope some client may request (`scopes_supported` in discovery).
    #[must_use]
    pub fn scopes_supported(&self) -> &[String] {
        &self.scopes
    }

    /// Trust anchor certificates (DER), for the CA names of the CertificateRequest.
    #[must_use]
    pub fn trust_anchors(&self) -> &[Vec<u8>] {
        &self.trust_anchors
    }

    /// When the certificates registered with the secrets expire (one date per secret that
    /// registers certificates; see [`crate::expiry`]).
    #[must_use]
    pub fn registered_expiries(&self) -> &[crate::expiry::Expiry] {
        &self.expiries
    }

    /// Whether secret `secret` (1-based) of `client_id` authenticates certificates without
    /// registering their date (a digest or a name): the date then comes from the certificate
    /// that authenticates. Always for an application's own validator.
    #[must_use]
    pub fn is_undated(&self, client_id: &str, secret: usize) -> bool {
        self.undated
            .as_ref()
            .is_none_or(|u| u.contains(&(client_id.to_owned(), secret)))
    }
}

fn scopes_of(clients: &[Client]) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in clients.iter().flat_map(|c| &c.scopes) {
        if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    scopes
}

fn unix_time(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs))
}

/// A short fixed label for metrics, from the most telling reason of a rejection.
fn label(rejection: &Rejection) -> &'static str {
    if let Some(reason) = rejection.client_reasons.first() {
        return match reason {
            ClientReason::UnknownClient => "unknown_client",
            ClientReason::Disabled => "disabled_client",
            ClientReason::NoCertificatePresented { .. } => "no_certificate",
            ClientReason::NoSecretPresented { .. } => "no_secret",
            ClientReason::MethodNotAllowed { .. } => "method_not_allowed",
            ClientReason::Custom { .. } => "custom",
            // `ClientReason` is non-exhaustive: a reason added later is still counted.
            _ => "other",
        };
    }
    let Some(secret) = rejection.most_specific() else {
        return "no_secrets";
    };
    match &secret.reason {
        Reason::MethodNotAllowed { .. } => "method_not_allowed",
        Reason::NoCertificate => "no_certificate",
        Reason::NoSecret => "no_secret",
        Reason::CertificateUnreadable { .. } => "certificate_unreadable",
        Reason::ThumbprintDiffers { .. } => "thumbprint_differs",
        Reason::CertificateNotRegistered { .. } => "certificate_not_registered",
        Reason::CertificateExpired { .. } => "certificate_expired",
        Reason::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
        Reason::SubjectDiffers { .. } => "subject_differs",
        Reason::SanAbsent { .. } | Reason::SanDiffers { .. } => "san_differs",
        Reason::ChainInvalid { .. } => "chain_invalid",
        Reason::EkuNotClientAuth { .. } => "eku_not_client_auth",
        Reason::IssuerKeyNotPinned { .. } => "issuer_key_not_pinned",
        Reason::TrustAnchorsMissing { .. } | Reason::ChainValidationUnavailable => {
            "chain_unavailable"
        }
        Reason::SecretDiffers => "secret_differs",
        Reason::SecretExpired { .. } => "secret_expired",
        Reason::Custom { .. } => "custom",
        // `Reason` is non-exhaustive: a reason added later is still counted.
        _ => "other",
    }
}

/// Every reason in words: the client's, then one per secret.
fn reasons_in_words(rejection: &Rejection) -> String {
    let mut words: Vec<String> = rejection
        .client_reasons
        .iter()
        .map(ToString::to_string)
        .collect();
    for s in &rejection.secrets {
        words.push(format!(
            "secret #{} ({}): {}",
            s.index + 1,
            s.secret_type,
            s.reason
        ));
    }
    if words.is_empty() {
        words.push(rejection.summary());
    }
    words.join("; ")
}

impl Registry {
    /// Decides whether the request authenticates `request.client_id`: the validator's answer,
    /// with the server's rules around it (one method per request; a certificate that cannot be
    /// used), or an answer the validator gave an earlier request on the same connection
    /// ([`crate::decisions`]). Says who answered.
    pub(crate) fn authenticate(
        &self,
        request: &AuthRequest<'_>,
    ) -> (Result<Authenticated, AuthFailure>, AnsweredBy) {
        // RFC 6749 §2.3: one method per request. A certificate client that also sends a secret
        // is refused (the certificate alone would pass in the core); a certificate on the
        // connection of a secret client is simply not used, as many clients always send one.
        if let Some((_, via)) = request.secret
            && let Some(client) = self.validator.client(request.client_id)
            && client.token_endpoint_auth_method.uses_certificate()
        {
            let sent = match via {
                SecretVia::Basic => "HTTP Basic authentication",
                SecretVia::Post => "client_secret in the body",
            };
            let failure = AuthFailure {
                label: "method_not_allowed",
                method: Some(client.token_endpoint_auth_method.name()),
                reason: format!(
                    "a client secret was sent ({sent}), but the client uses {}: one method per \
                     request",
                    client.token_endpoint_auth_method
                ),
            };
            return (Err(failure), AnsweredBy::Server);
        }
        let mut presented = Presented::nothing();
        if let Some(certificate) = request.certificate {
            // Borrowed: the connection's certificate, digested and parsed at most once for all
            // the requests on the connection.
            match certificate.usable() {
                Ok(core) => presented.certificate = Some(core),
                // Not used for a client that authenticates with a shared secret, so it does not
                // matter to such a client that it cannot be.
                Err(_) if self.is_secret_client(request.client_id) => {}
                Err(unusable) => {
                    let failure = AuthFailure {
                        label: unusable.label(),
                        method: self
                            .validator
                            .client(request.client_id)
                            .map(|c| c.token_endpoint_auth_method.name()),
                        reason: unusable.to_string(),
                    };
                    return (Err(failure), AnsweredBy::Server);
                }
            }
        }
        // The connection's earlier answer, for a request that presents the same certificate and
        // nothing else (see `decisions` for when an answer holds).
        let decisions = request
            .certificate
            .filter(|c| !c.forwarded() && presented.certificate.is_some())
            .filter(|_| request.secret.is_none() && self.builtin.is_some())
            .map(PresentedCertificate::decisions);
        if let Some(decisions) = decisions
            && let Some(result) = decisions.reuse(request.client_id, self.generation, request.now)
        {
            return (result, AnsweredBy::Reused);
        }
        if let Some((secret, via)) = request.secret {
            let transport = match via {
                SecretVia::Basic => SecretTransport::Basic,
                SecretVia::Post => SecretTransport::Post,
            };
            presented.secret = Some(PresentedSecret::new(secret, transport));
        }
        let now = unix_time(request.now);
        let (validation, same_until) = match &self.builtin {
            Some(builtin) => {
                let validated =
                    builtin.validate_detailed(request.client_id, &presented, now, request.hints);
                (validated.validation, validated.same_until)
            }
            None => (
                self.validator.validate(request.client_id, &presented, now),
                None,
            ),
        };
        let result = self.answer(request.client_id, validation);
        if let Some(decisions) = decisions {
            let until = same_until.map(|t| t.as_secs());
            decisions.remember(
                request.client_id,
                self.generation,
                request.now,
                until,
                &result,
            );
        }
        (result, AnsweredBy::Validator)
    }

    /// Whether `client_id` is a known client that authenticates with a shared secret.
    fn is_secret_client(&self, client_id: &str) -> bool {
        self.validator
            .client(client_id)
            .is_some_and(|c| !c.token_endpoint_auth_method.uses_certificate())
    }

    /// The validator's answer as an authenticated client or a failure in words.
    fn answer(
        &self,
        client_id: &str,
        validation: Validation<'_>,
    ) -> Result<Authenticated, AuthFailure> {
        match validation {
            Validation::Accepted { client, acceptance } => Ok(Authenticated {
                client_id: client.client_id.clone(),
                method: acceptance.method.name(),
                matched: format!(
                    "secret #{} ({})",
                    acceptance.secret_index + 1,
                    acceptance.secret_type
                ),
                secret: (acceptance.secret_index + 1, acceptance.secret_type),
                scopes: client.scopes.clone(),
                client_credentials_allowed: client
                    .grant_types
                    .iter()
                    .any(|g| g == "client_credentials"),
                token_lifetime: Some(client.access_token_lifetime),
                audience: client.audience.clone(),
                introspection: client.introspection,
                x5t_s256: if acceptance.certificate_bound {
                    acceptance.x5t_s256
                } else {
                    None
                },
            }),
            Validation::Rejected(rejection) => {
                let method = self
                    .validator
                    .client(client_id)
                    .map(|c| c.token_endpoint_auth_method.name());
                Err(AuthFailure {
                    label: label(&rejection),
                    method,
                    reason: reasons_in_words(&rejection),
                })
            }
            // `Validation` is non-exhaustive: anything new is a refusal.
            _ => Err(AuthFailure::new("other", "the validator gave no decision")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Mutex;

    use certbind_core::{Client, Presented, UnixTime, Validation};

    use super::*;

    /// Records where the certificate it is shown lives, and rejects.
    #[derive(Default)]
    struct Witness {
        seen: Mutex<Vec<usize>>,
    }

    impl ClientValidator for Witness {
        fn validate<'s>(
            &'s self,
            client_id: &str,
            presented: &Presented<'_>,
            _now: UnixTime,
        ) -> Validation<'s> {
            if let (Some(cert), Ok(mut seen)) = (presented.certificate, self.seen.lock()) {
                seen.push(std::ptr::from_ref(cert) as usize);
            }
            Validation::Rejected(Rejection::custom(client_id, "witness"))
        }

        fn client<'s>(&'s self, _client_id: &str) -> Option<Cow<'s, Client>> {
            None
        }
    }

    #[test]
    fn every_request_of_a_connection_borrows_its_one_certificate() {
        let pem = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/basic.client.ee.pem"),
        )
        .unwrap();
        let der = openssl::x509::X509::from_pem(&pem)
            .unwrap()
            .to_der()
            .unwrap();
        // What `tls::on_connect` makes once per connection.
        let connection = PresentedCertificate::new(der, Vec::new());
        let core = std::ptr::from_ref(connection.core.as_ref().unwrap()) as usize;
        let witness = Arc::new(Witness::default());
        let registry = Registry::with_validator(witness.clone(), Vec::new());
        for _ in 0..3 {
            let request = AuthRequest {
                client_id: "client",
                certificate: Some(&connection),
                secret: None,
                now: 1_900_000_000,
                hints: true,
            };
            let failure = registry.authenticate(&request).0.unwrap_err();
            assert_eq!(failure.label, "custom");
            assert_eq!(failure.reason, "witness");
        }
        assert_eq!(*witness.seen.lock().unwrap(), vec![core; 3]);
    }
}
