//! certbind's own [`ClientAuthenticator`]: the clients and trust anchors of `certbind.toml`,
//! loaded by the core's loader (the same one `certbind explain --config` uses) and judged by the
//! core's decision. This file only adapts: files come from disk, the connection's certificate
//! and the request's secret become the core's `Presented`, and the core's answer becomes an
//! [`Authenticated`] or an [`AuthFailure`] with the core's reasons in words.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use certbind_core::{
    Client, ClientIndex, ClientReason, ClientValidator, FileError, FileSource, LoadOptions,
    Presented, PresentedSecret, Reason, RegistryProblem, RegistryValidator, Rejection,
    SecretTransport, UnixTime, Validation, load_registry_toml,
};

use crate::auth::{AuthFailure, AuthRequest, Authenticated, ClientAuthenticator, SecretVia};

/// The client registry could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
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

/// Reads the files a registry names, relative to the registry file's folder.
#[derive(Debug)]
struct DiskFiles {
    base: PathBuf,
}

/// Largest file a registry may name (certificates and JWKS are small).
const MAX_FILE: u64 = 1024 * 1024;

impl DiskFiles {
    fn read_bounded(&self, path: &str) -> Result<Vec<u8>, FileError> {
        let full = self.base.join(path);
        let len = std::fs::metadata(&full)
            .map_err(|e| FileError::Failed(format!("{}: {e}", full.display())))?
            .len();
        if len > MAX_FILE {
            return Err(FileError::Failed(format!(
                "{}: {len} bytes; the limit is {MAX_FILE}",
                full.display()
            )));
        }
        std::fs::read(&full).map_err(|e| FileError::Failed(format!("{}: {e}", full.display())))
    }
}

impl FileSource for DiskFiles {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, FileError> {
        self.read_bounded(path)
    }

    fn jwks_certificates(&mut self, path: &str) -> Result<Vec<Vec<u8>>, FileError> {
        let bytes = self.read_bounded(path)?;
        let fail = |m: &str| FileError::Failed(format!("{path}: {m}"));
        let jwks: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| fail(&format!("not JSON: {e}")))?;
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
}

/// The clients of a config file behind a core [`ClientValidator`] (by default the core's
/// [`RegistryValidator`]: the registry indexed by `client_id` and thumbprint).
pub struct Registry {
    validator: Arc<dyn ClientValidator + Send + Sync>,
    warnings: Vec<RegistryProblem>,
    scopes: Vec<String>,
    trust_anchors: Vec<Vec<u8>>,
    len: usize,
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
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Like [`Registry::load`], from the text of the file at `path` (the files it names are read
    /// relative to `path`'s folder).
    ///
    /// # Errors
    /// As [`Registry::load`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, RegistryError> {
        let base = path.parent().unwrap_or_else(|| Path::new("")).to_owned();
        let now = unix_time(crate::time::now_unix());
        let loaded = load_registry_toml(text, &LoadOptions::embedded(now), &mut DiskFiles { base })
            .map_err(|source| RegistryError::Invalid {
                path: path.to_owned(),
                source,
            })?;
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
        let validator = Arc::new(RegistryValidator::new(ClientIndex::new(registry)));
        Self {
            validator,
            warnings,
            scopes,
            trust_anchors,
            len,
        }
    }

    /// An application's own validator (its own client store and mapping). `scopes` is what
    /// discovery advertises as `scopes_supported`.
    #[must_use]
    pub fn with_validator(
        validator: Arc<dyn ClientValidator + Send + Sync>,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            validator,
            warnings: Vec::new(),
            scopes,
            trust_anchors: Vec::new(),
            len: 0,
        }
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

impl ClientAuthenticator for Registry {
    fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Authenticated, AuthFailure> {
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
            return Err(AuthFailure {
                label: "method_not_allowed",
                method: Some(client.token_endpoint_auth_method.name()),
                reason: format!(
                    "a client secret was sent ({sent}), but the client uses {}: one method per \
                     request",
                    client.token_endpoint_auth_method
                ),
            });
        }
        let mut presented = Presented::nothing();
        if let Some(cert) = request.certificate {
            match &cert.core {
                Ok(core) => presented.certificate = Some(core.clone()),
                Err(e) => {
                    return Err(AuthFailure::new(
                        "certificate_unreadable",
                        format!("the client certificate cannot be read: {e}"),
                    ));
                }
            }
        }
        if let Some((secret, via)) = request.secret {
            let transport = match via {
                SecretVia::Basic => SecretTransport::Basic,
                SecretVia::Post => SecretTransport::Post,
            };
            presented.secret = Some(PresentedSecret::new(secret, transport));
        }
        match self
            .validator
            .validate(request.client_id, &presented, unix_time(request.now))
        {
            Validation::Accepted { client, acceptance } => Ok(Authenticated {
                client_id: client.client_id.clone(),
                method: acceptance.method.name(),
                matched: format!(
                    "secret #{} ({})",
                    acceptance.secret_index + 1,
                    acceptance.secret_type
                ),
                scopes: client.scopes.clone(),
                client_credentials_allowed: client
                    .grant_types
                    .iter()
                    .any(|g| g == "client_credentials"),
                token_lifetime: Some(client.access_token_lifetime),
                x5t_s256: if acceptance.certificate_bound {
                    acceptance.x5t_s256
                } else {
                    None
                },
            }),
            Validation::Rejected(rejection) => {
                let method = self
                    .validator
                    .client(request.client_id)
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

    fn scopes_supported(&self) -> Vec<String> {
        self.scopes.clone()
    }

    fn trust_anchors(&self) -> Vec<Vec<u8>> {
        self.trust_anchors.clone()
    }
}
