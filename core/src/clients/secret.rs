//! The secrets a client can be registered with, and the authentication methods they belong to.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::dn::DistinguishedName;
use crate::holder_names::HolderNames;
use crate::san::SanRequirement;
use crate::when::When;

/// A client authentication method at the token endpoint (RFC 8705 §2, RFC 6749 §2.3.1; the
/// values of `token_endpoint_auth_method`, RFC 7591).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthMethod {
    /// PKI mutual TLS (RFC 8705 §2.1): the chain validates to a trust anchor and the subject
    /// (DN or one SAN) is the registered one.
    TlsClientAuth,
    /// Self-signed certificate mutual TLS (RFC 8705 §2.2): the certificate is one registered for
    /// the client. certbind also files IdentityServer3's `x509_thumbprint` here: a pinned
    /// certificate, no chain validation.
    SelfSignedTlsClientAuth,
    /// Shared secret in HTTP Basic authentication.
    ClientSecretBasic,
    /// Shared secret in the request body.
    ClientSecretPost,
}

impl AuthMethod {
    /// Every method, in the order servers advertise them.
    pub const ALL: [Self; 4] = [
        Self::TlsClientAuth,
        Self::SelfSignedTlsClientAuth,
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
    ];

    /// The registered name (`tls_client_auth`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::TlsClientAuth => "tls_client_auth",
            Self::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
        }
    }

    /// Reads a registered name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether the method authenticates with the TLS client certificate.
    #[must_use]
    pub const fn uses_certificate(self) -> bool {
        matches!(self, Self::TlsClientAuth | Self::SelfSignedTlsClientAuth)
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kinds of secret, as written in `type = "…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecretType {
    /// SHA-1 thumbprint (IdentityServer3 `X509CertificateThumbprint`).
    X509Thumbprint,
    /// SHA-256 thumbprint (hex or `x5t#S256`).
    X509ThumbprintSha256,
    /// Subject DN, with the chain validated (IdentityServer's `X509CertificateName`).
    X509Name,
    /// RFC 8705 PKI method.
    TlsClientAuth,
    /// RFC 8705 self-signed method.
    SelfSignedTlsClientAuth,
    /// Shared secret, stored as its SHA-256.
    SharedSecret,
}

impl SecretType {
    /// Every type.
    pub const ALL: [Self; 6] = [
        Self::X509Thumbprint,
        Self::X509ThumbprintSha256,
        Self::X509Name,
        Self::TlsClientAuth,
        Self::SelfSignedTlsClientAuth,
        Self::SharedSecret,
    ];

    /// The registered name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::X509Thumbprint => "x509_thumbprint",
            Self::X509ThumbprintSha256 => "x509_thumbprint_sha256",
            Self::X509Name => "x509_name",
            Self::TlsClientAuth => "tls_client_auth",
            Self::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
            Self::SharedSecret => "shared_secret",
        }
    }

    /// Reads a registered name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The method a secret of this type authenticates with. Shared secrets answer
    /// [`AuthMethod::ClientSecretBasic`]; they also serve [`AuthMethod::ClientSecretPost`].
    ///
    /// `x509_thumbprint` and `x509_thumbprint_sha256` pin one certificate without validating a
    /// chain, which is what RFC 8705 §2.2 calls `self_signed_tls_client_auth`. `x509_name` trusts
    /// a name, which is safe only with a validated chain: it is `tls_client_auth` with a
    /// `subject_dn`.
    #[must_use]
    pub const fn method(self) -> AuthMethod {
        match self {
            Self::X509Thumbprint | Self::X509ThumbprintSha256 | Self::SelfSignedTlsClientAuth => {
                AuthMethod::SelfSignedTlsClientAuth
            }
            Self::X509Name | Self::TlsClientAuth => AuthMethod::TlsClientAuth,
            Self::SharedSecret => AuthMethod::ClientSecretBasic,
        }
    }

    /// Whether a secret of this type can authenticate a client registered for `method`.
    #[must_use]
    pub fn serves(self, method: AuthMethod) -> bool {
        match self.method() {
            AuthMethod::ClientSecretBasic => {
                matches!(
                    method,
                    AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost
                )
            }
            own => own == method,
        }
    }
}

impl fmt::Display for SecretType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One registered secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Secret {
    /// What it is and its value.
    pub kind: SecretKind,
    /// Free text.
    pub description: Option<String>,
    /// After this instant the secret no longer authenticates.
    pub expires: Option<When>,
    /// 1-based line in the registry file, when known.
    pub line: Option<usize>,
}

impl Secret {
    /// A secret without description, expiry or line.
    #[must_use]
    pub fn new(kind: SecretKind) -> Self {
        Self {
            kind,
            description: None,
            expires: None,
            line: None,
        }
    }

    /// Its type.
    #[must_use]
    pub fn secret_type(&self) -> SecretType {
        self.kind.secret_type()
    }
}

/// The value of a secret, by type.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SecretKind {
    /// `x509_thumbprint`: the certificate's SHA-1 (or, misfiled, another digest: kept so that the
    /// decision can say which).
    X509Thumbprint(Thumbprint),
    /// `x509_thumbprint_sha256`.
    X509ThumbprintSha256(Thumbprint),
    /// `x509_name`: the subject DN; the chain must validate to the default trust anchors.
    X509Name(DistinguishedName),
    /// `tls_client_auth`.
    TlsClientAuth(TlsClientAuth),
    /// `self_signed_tls_client_auth`.
    SelfSignedTlsClientAuth(SelfSigned),
    /// `shared_secret`.
    SharedSecret(SharedSecretHash),
}

impl SecretKind {
    /// The type.
    #[must_use]
    pub const fn secret_type(&self) -> SecretType {
        match self {
            Self::X509Thumbprint(_) => SecretType::X509Thumbprint,
            Self::X509ThumbprintSha256(_) => SecretType::X509ThumbprintSha256,
            Self::X509Name(_) => SecretType::X509Name,
            Self::TlsClientAuth(_) => SecretType::TlsClientAuth,
            Self::SelfSignedTlsClientAuth(_) => SecretType::SelfSignedTlsClientAuth,
            Self::SharedSecret(_) => SecretType::SharedSecret,
        }
    }
}

/// A registered certificate digest.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Thumbprint {
    /// The digest: 20 bytes (SHA-1) or 32 bytes (SHA-256).
    pub digest: Vec<u8>,
    /// The cleaned text (uppercase hex, or the base64url of `x5t` forms).
    pub text: String,
}

/// What the subject of a `tls_client_auth` certificate must be (RFC 8705 §2.1.2: exactly one).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SubjectRequirement {
    /// `subject_dn` (`tls_client_auth_subject_dn`).
    SubjectDn(DistinguishedName),
    /// One of the `san_*` keys.
    San(SanRequirement),
}

/// A `tls_client_auth` secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TlsClientAuth {
    /// The subject requirement.
    pub subject: SubjectRequirement,
    /// Anchor files for this secret; `None` uses the client's, else the registry's.
    pub trust_anchors: Option<Vec<String>>,
    /// SHA-256 of the SubjectPublicKeyInfo of acceptable issuing CAs (any one); empty: no pin.
    pub issuer_key_sha256: Vec<[u8; 32]>,
}

/// A `self_signed_tls_client_auth` secret: the certificates the client may present.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SelfSigned {
    /// SHA-256 of each registered certificate (from PEM, `x5c`, JWKS or given directly).
    pub sha256: Vec<[u8; 32]>,
    /// Files that could not be read where the registry was loaded (no file system).
    pub unavailable_files: Vec<String>,
}

/// The SHA-256 of a shared secret. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedSecretHash(pub [u8; 32]);

impl fmt::Debug for SharedSecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecretHash(..)")
    }
}

/// Whether a secret names this certificate's subject or SAN (for the index's candidates).
pub(crate) fn names_subject(kind: &SecretKind, cert: &HolderNames) -> bool {
    let requirement = match kind {
        SecretKind::X509Name(dn) => return dn.compare(&cert.subject).is_ok(),
        SecretKind::TlsClientAuth(t) => &t.subject,
        _ => return false,
    };
    match requirement {
        SubjectRequirement::SubjectDn(dn) => dn.compare(&cert.subject).is_ok(),
        SubjectRequirement::San(san) => san.check(cert).is_ok(),
    }
}
