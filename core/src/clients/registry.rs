//! The client registry: who the clients are, how each authenticates, and the trust anchors.
//!
//! The file format is TOML; the same document can come as data from any serde format (JSON, a
//! JavaScript object). Loading checks the whole document and reports every problem together,
//! each with its client, field path and line. Unknown keys are problems (with a "did you mean").
//!
//! ## Keys
//! Top level: `trust_anchors` (files, default anchors for `tls_client_auth` and `x509_name`),
//! `clock_skew` (seconds allowed on certificate validity, default 300), `[[clients]]`.
//!
//! `[[clients]]`: `client_id` (required, printable ASCII), `name` and `description` (for
//! people: `certbind explain` shows them), `enabled` (default true), `grant_types` (default
//! `["client_credentials"]`, the only one supported: anything else is refused),
//! `scopes` (required, not empty), `access_token_lifetime` (seconds, default 3600), `audience`
//! (string or list: the `aud` of its access tokens instead of the server's), `introspection`
//! (which tokens it may introspect: `"own"`, the default, `"any"` or `"none"`),
//! `token_endpoint_auth_method`, `certificate_bound_access_tokens` (default: true for the
//! certificate methods; only allowed for them), `trust_anchors` (files for this client's
//! `x509_name` and `tls_client_auth` secrets; refused when none uses them),
//! `[[clients.secrets]]` (required).
//!
//! `[[clients.secrets]]`: `type`, optional `description` and `expires` (RFC 3339 string or TOML
//! date-time), and by type:
//! - `x509_thumbprint`: `value`, the SHA-1 (40 hex digits; pasted forms with colons, spaces,
//!   invisible marks or `SHA1 Fingerprint=` are cleaned, with a warning naming what was removed);
//! - `x509_thumbprint_sha256`: `value`, the SHA-256 (64 hex digits) or `x5t#S256`;
//! - `x509_name`: `value`, the subject DN (RFC 4514, .NET or OpenSSL form); the chain must
//!   validate to the client's or the registry's anchors;
//! - `tls_client_auth`: exactly one of `subject_dn`, `san_dns`, `san_uri`, `san_ip`, `san_email`;
//!   optional `trust_anchors` (files) and `issuer_key_sha256` (SPKI SHA-256 of acceptable issuing
//!   CAs, hex or base64, one or a list);
//! - `self_signed_tls_client_auth`: any of `pem` (inline PEM), `pem_file`, `x5c` (base64 DER, as
//!   in a JWK), `jwks_file`, `sha256` (certificate SHA-256 or `x5t#S256`);
//! - `shared_secret`: `value`, the SHA-256 of the secret as 64 hex digits or base64 (what
//!   IdentityServer's `"secret".Sha256()` produces); never the secret itself.
//!
//! One client alone: [`crate::load_client_data`] checks the table of one `[[clients]]` entry (from a
//! database row or an RFC 7591 registration) with exactly these rules and messages, field paths
//! relative to the client. A certificate registered for `self_signed_tls_client_auth` that is
//! expired, a CA's (`cA` with a key usage lacking `digitalSignature`) or not for client
//! authentication (an extended key usage without `clientAuth`) is a warning.
//!
//! Files are named as written and read through a [`crate::FileSource`]: the host resolves them
//! relative to the registry file; without a file system ([`crate::NoFiles`]) they are skipped with a
//! warning and anchors can be given as data ([`crate::TrustStore::add_default_anchors`]).
//!
//! ## `token_endpoint_auth_method` when it is not written
//! It is derived from the secrets:
//! - only `tls_client_auth` / `x509_name` secrets → `tls_client_auth`;
//! - only `x509_thumbprint`, `x509_thumbprint_sha256`, `self_signed_tls_client_auth` secrets →
//!   `self_signed_tls_client_auth` (a pinned certificate without chain validation, which is
//!   RFC 8705 §2.2; IdentityServer3's thumbprint clients land here);
//! - only `shared_secret` secrets → `client_secret_basic`, and the secret is also accepted in the
//!   request body (`client_secret_post`), as IdentityServer3 did. Write the method to refuse one
//!   of the two.
//! - secrets of different methods → a load problem: write the method.
//!
//! The method decides which credentials count: a certificate on the connection never
//! authenticates a shared-secret client, and a shared secret never authenticates a certificate
//! client.

use alloc::string::String;
use alloc::vec::Vec;

use crate::secret::{AuthMethod, Secret};
use crate::trust::TrustStore;
use crate::{RegistryProblem, UnixTime};

/// Default clock skew allowed on certificate validity, in seconds (5 minutes: what Kerberos and
/// most token validators allow, enough for hosts kept in sync by NTP).
pub const DEFAULT_CLOCK_SKEW: u64 = 300;
/// Default access-token lifetime, in seconds (1 hour, as IdentityServer3).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: u64 = 3600;

/// A loaded, validated registry.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Registry {
    /// The clients, in file order.
    pub clients: Vec<Client>,
    /// The trust anchors read for the registry (default set: the top-level `trust_anchors`).
    pub trust: TrustStore,
    /// The top-level `trust_anchors` paths, as written.
    pub trust_anchor_files: Vec<String>,
    /// Seconds of clock skew allowed on certificate validity (`clock_skew`).
    pub clock_skew: u64,
}

/// Which access tokens a client may introspect (RFC 7662 §4: the server decides what a caller
/// may learn about a token; a token it may not learn about is answered `active: false`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Introspection {
    /// None: every answer is `active: false`.
    None,
    /// The tokens issued to itself (the default).
    #[default]
    Own,
    /// Every token the server issued: what a resource server (an API) that introspects the
    /// tokens of other clients needs.
    Any,
}

impl Introspection {
    /// Every value, in the order the registry documents them.
    pub const ALL: [Self; 3] = [Self::Own, Self::Any, Self::None];

    /// The name in a registry (`own`, `any`, `none`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Own => "own",
            Self::Any => "any",
        }
    }

    /// The value a registry names.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }

    /// Whether a client `client_id` with this setting may learn about a token issued to
    /// `token_client_id`.
    #[must_use]
    pub fn allows(self, client_id: &str, token_client_id: Option<&str>) -> bool {
        match self {
            Self::None => false,
            Self::Own => token_client_id == Some(client_id),
            Self::Any => true,
        }
    }
}

/// A registered client.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Client {
    /// `client_id`.
    pub client_id: String,
    /// `name`, for people (shown by `certbind explain`).
    pub name: Option<String>,
    /// `description`, for people (shown by `certbind explain`).
    pub description: Option<String>,
    /// `enabled` (default true).
    pub enabled: bool,
    /// `grant_types` (default `["client_credentials"]`).
    pub grant_types: Vec<String>,
    /// `scopes` the client may ask for (never empty).
    pub scopes: Vec<String>,
    /// `access_token_lifetime` in seconds.
    pub access_token_lifetime: u64,
    /// `audience` of its access tokens, when set (else the server's).
    pub audience: Vec<String>,
    /// Which tokens it may introspect.
    pub introspection: Introspection,
    /// The authentication method (registered or derived, see [`Client::method_derived`]).
    pub token_endpoint_auth_method: AuthMethod,
    /// Whether the method was derived from the secrets (not written).
    pub method_derived: bool,
    /// Whether its access tokens carry `cnf.x5t#S256` (default: when the method uses a
    /// certificate).
    pub certificate_bound_access_tokens: bool,
    /// Anchor files for its `tls_client_auth` secrets; `None` uses the registry's.
    pub trust_anchors: Option<Vec<String>>,
    /// Its secrets, in file order.
    pub secrets: Vec<Secret>,
    /// 1-based line of the client in the registry file, when known.
    pub line: Option<usize>,
}

impl Client {
    /// A client with defaults and the given secrets; the method is derived from the secrets
    /// as the loader does, or `client_secret_basic` when there are none.
    #[must_use]
    pub fn new(client_id: impl Into<String>, scopes: Vec<String>, secrets: Vec<Secret>) -> Self {
        let method = derive_method(&secrets).unwrap_or(AuthMethod::ClientSecretBasic);
        Self {
            client_id: client_id.into(),
            name: None,
            description: None,
            enabled: true,
            grant_types: alloc::vec![String::from("client_credentials")],
            scopes,
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            audience: Vec::new(),
            introspection: Introspection::default(),
            token_endpoint_auth_method: method,
            method_derived: true,
            certificate_bound_access_tokens: method.uses_certificate(),
            trust_anchors: None,
            secrets,
            line: None,
        }
    }

    /// Whether a credential of this method may authenticate the client.
    ///
    /// Only the registered method does, except that a client whose method was derived from
    /// shared secrets accepts both `client_secret_basic` and `client_secret_post`.
    #[must_use]
    pub fn accepts(&self, method: AuthMethod) -> bool {
        method == self.token_endpoint_auth_method
            || (self.method_derived
                && self.token_endpoint_auth_method == AuthMethod::ClientSecretBasic
                && method == AuthMethod::ClientSecretPost)
    }
}

/// Derives the method from the secrets; `None` when they belong to different methods or there
/// are none.
pub(crate) fn derive_method(secrets: &[Secret]) -> Option<AuthMethod> {
    let mut methods = secrets.iter().map(|s| s.secret_type().method());
    let first = methods.next()?;
    methods.all(|m| m == first).then_some(first)
}

/// What the top-level keys that are not the registry's mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtherKeys {
    /// The document is only a registry: any other top-level key is a problem.
    #[default]
    Reject,
    /// The registry is part of a larger document (the server's `certbind.toml`, with
    /// `[server]`, `[tokens]`, `[[listeners]]` …): other top-level keys are left to the caller.
    Ignore,
}

/// How to load a registry.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The time of loading: secrets that have already expired are reported as warnings.
    pub now: UnixTime,
    /// What other top-level keys mean.
    pub other_keys: OtherKeys,
}

impl LoadOptions {
    /// Options for a document that is only a registry.
    #[must_use]
    pub fn new(now: UnixTime) -> Self {
        Self {
            now,
            other_keys: OtherKeys::Reject,
        }
    }

    /// Options for a registry inside a larger document (unknown top-level keys ignored).
    #[must_use]
    pub fn embedded(now: UnixTime) -> Self {
        Self {
            now,
            other_keys: OtherKeys::Ignore,
        }
    }
}

/// A successful load: the registry and the warnings (things that load but deserve a look).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoadedRegistry {
    /// The registry.
    pub registry: Registry,
    /// Warnings, in file order: cleaned thumbprints (naming what was removed), secrets already
    /// expired, secrets that can never be used with the client's method, files not available.
    pub warnings: Vec<RegistryProblem>,
}

/// A client definition that passed every check.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoadedClient {
    /// The client.
    pub client: Client,
    /// The anchor files the client names (its own `trust_anchors` and those of its
    /// `tls_client_auth` secrets), read through the [`FileSource`](crate::FileSource).
    pub trust: TrustStore,
    /// Warnings, as a registry load gives them (cleaned thumbprints, expired or CA certificates,
    /// secrets the method never uses).
    pub warnings: Vec<RegistryProblem>,
}
