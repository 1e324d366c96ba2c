//! The extension point: who decides which client a request authenticates (IdentityServer3's
//! `IClientValidator`).
//!
//! The server asks a [`ClientValidator`] for every token and introspection request. The default,
//! [`RegistryValidator`], applies [`crate::decide`] to the client named by `client_id` in a
//! registry. An application can supply its own: map certificates to clients from a database,
//! accept certificates by a rule of its own, add logging — and plug it into the server with
//! `certbind_host::registry::Registry::with_validator`.
//!
//! Its answers are built with [`Acceptance::new`] (and [`Acceptance::with_certificate`] to bind
//! tokens to the certificate), [`Rejection::new`], [`Rejection::unknown_client`] and
//! [`Rejection::custom`] (a reason of its own, in words, as [`crate::ClientReason::Custom`]), or
//! passed through from [`crate::decide`] / another validator.
//!
//! ```
//! use std::borrow::Cow;
//!
//! use certbind_core::{
//!     Acceptance, AuthMethod, Client, ClientValidator, Presented, Rejection, SecretType,
//!     UnixTime, Validation,
//! };
//!
//! /// Clients whose certificate the application pins by SHA-256 in its own store.
//! struct Pinned {
//!     clients: Vec<(Client, [u8; 32])>,
//! }
//!
//! impl ClientValidator for Pinned {
//!     fn validate<'s>(
//!         &'s self,
//!         client_id: &str,
//!         presented: &Presented<'_>,
//!         _now: UnixTime,
//!     ) -> Validation<'s> {
//!         let Some((client, pin)) = self.clients.iter().find(|(c, _)| c.client_id == client_id)
//!         else {
//!             return Validation::Rejected(Rejection::unknown_client(client_id));
//!         };
//!         match presented.certificate {
//!             Some(certificate) if certificate.sha256() == pin => Validation::Accepted {
//!                 client: Cow::Borrowed(client),
//!                 acceptance: Acceptance::new(
//!                     client_id,
//!                     0,
//!                     SecretType::X509ThumbprintSha256,
//!                     AuthMethod::SelfSignedTlsClientAuth,
//!                 )
//!                 .with_certificate(certificate, true),
//!             },
//!             Some(_) => Validation::Rejected(Rejection::custom(
//!                 client_id,
//!                 "not the certificate pinned for this client",
//!             )),
//!             None => Validation::Rejected(Rejection::custom(client_id, "no certificate")),
//!         }
//!     }
//!
//!     fn client<'s>(&'s self, client_id: &str) -> Option<Cow<'s, Client>> {
//!         let found = self.clients.iter().find(|(c, _)| c.client_id == client_id);
//!         found.map(|(c, _)| Cow::Borrowed(c))
//!     }
//! }
//!
//! let validator = Pinned { clients: Vec::new() };
//! let now = UnixTime::since_unix_epoch(core::time::Duration::from_secs(1_800_000_000));
//! let Validation::Rejected(rejection) = validator.validate("nobody", &Presented::nothing(), now)
//! else {
//!     panic!("an unknown client is rejected");
//! };
//! assert_eq!(rejection.summary(), "no client is registered with this client_id");
//! ```

use alloc::borrow::Cow;

use crate::decide::{DecisionContext, decide, next_change};
use crate::index::ClientIndex;
use crate::outcome::{Decision, Rejection};
use crate::presented::Presented;
use crate::registry::Client;
use crate::{Acceptance, UnixTime};

/// The result of validating a client.
// Moved once per request: a few hundred bytes on the stack cost less than the allocation a box
// would take.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Validation<'s> {
    /// Authenticated: the client (borrowed from the validator's store, or built for the
    /// request) and how.
    Accepted {
        /// The client, with its scopes, token lifetime and audience.
        client: Cow<'s, Client>,
        /// Which secret, which method, and the `x5t#S256` to bind tokens to.
        acceptance: Acceptance,
    },
    /// Not authenticated, with every reason (for the log; the caller gets `invalid_client`).
    Rejected(Rejection),
}

/// A [`Validation`] with what a server needs to reuse it (see
/// [`RegistryValidator::validate_detailed`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Validated<'s> {
    /// The answer.
    pub validation: Validation<'s>,
    /// The first instant at which the answer to the same request could differ only because
    /// time has passed (see [`crate::next_change`]); `None`: no later instant changes it.
    pub same_until: Option<UnixTime>,
}

/// Decides which client a request authenticates. Object safe: the server holds an
/// `Arc<dyn ClientValidator + Send + Sync>`.
pub trait ClientValidator {
    /// Validates the request's credentials for `client_id` at time `now`.
    fn validate<'s>(
        &'s self,
        client_id: &str,
        presented: &Presented<'_>,
        now: UnixTime,
    ) -> Validation<'s>;

    /// The client with this id, when there is one (for introspection and metadata).
    fn client<'s>(&'s self, client_id: &str) -> Option<Cow<'s, Client>>;
}

/// The default validator: a registry, its index and its trust anchors.
#[derive(Debug)]
pub struct RegistryValidator {
    index: ClientIndex,
    #[cfg(feature = "chain")]
    signature_cache: Option<alloc::boxed::Box<dyn crate::SignatureCache + Send + Sync>>,
    /// The signature algorithms chains are validated with (default: the core's pure-Rust set).
    #[cfg(feature = "chain")]
    algorithms: &'static [&'static dyn pki_types::SignatureVerificationAlgorithm],
}

impl RegistryValidator {
    /// A validator over an indexed registry.
    #[must_use]
    pub const fn new(index: ClientIndex) -> Self {
        Self {
            index,
            #[cfg(feature = "chain")]
            signature_cache: None,
            #[cfg(feature = "chain")]
            algorithms: crate::signature::ALL_ALGORITHMS,
        }
    }

    /// Validates chains with these signature algorithms instead of the core's pure-Rust set
    /// ([`crate::SIGNATURE_ALGORITHMS`]): a server can pass implementations on the crypto
    /// library it links (certbind's server passes OpenSSL's). They must give the same verdict
    /// as the core's on every input, or a certificate accepted here would be refused by the
    /// npm package and the page (and the other way round): test them against the core's.
    #[cfg(feature = "chain")]
    #[must_use]
    pub fn with_signature_algorithms(
        mut self,
        algorithms: &'static [&'static dyn pki_types::SignatureVerificationAlgorithm],
    ) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// Remembers verified chain signatures in `cache` (see [`crate::SignatureCache`]).
    #[cfg(feature = "chain")]
    #[must_use]
    pub fn with_signature_cache(
        mut self,
        cache: alloc::boxed::Box<dyn crate::SignatureCache + Send + Sync>,
    ) -> Self {
        self.signature_cache = Some(cache);
        self
    }

    /// The index.
    #[must_use]
    pub const fn index(&self) -> &ClientIndex {
        &self.index
    }
}

impl RegistryValidator {
    /// [`ClientValidator::validate`], with diagnostic hints in a rejection only when `hints` is
    /// set (see [`DecisionContext::hints`]: a server that does not log the reason need not hash
    /// the presented chain to find them), and with the instant until which the same request
    /// would get the same answer.
    #[must_use]
    pub fn validate_detailed<'s>(
        &'s self,
        client_id: &str,
        presented: &Presented<'_>,
        now: UnixTime,
        hints: bool,
    ) -> Validated<'s> {
        let Some(client) = self.index.get(client_id) else {
            // Unknown until the registry changes, whatever the time.
            return Validated {
                validation: Validation::Rejected(Rejection::unknown_client(client_id)),
                same_until: None,
            };
        };
        let context = self.context(now, hints);
        Validated {
            validation: validation(client, decide(client, presented, &context)),
            same_until: next_change(client, presented, &context),
        }
    }

    /// The decision context of this registry at `now`.
    fn context(&self, now: UnixTime, hints: bool) -> DecisionContext<'_> {
        let mut context = DecisionContext::for_registry(self.index.registry(), now);
        context.hints = hints;
        #[cfg(feature = "chain")]
        if let Some(cache) = &self.signature_cache {
            context.signature_cache = Some(cache.as_ref());
        }
        #[cfg(feature = "chain")]
        {
            context.algorithms = self.algorithms;
        }
        context
    }
}

/// The core's decision about a registered client, as a validator's answer.
fn validation(client: &Client, decision: Decision) -> Validation<'_> {
    match decision {
        Decision::Accepted(acceptance) => Validation::Accepted {
            client: Cow::Borrowed(client),
            acceptance,
        },
        Decision::Rejected(rejection) => Validation::Rejected(rejection),
    }
}

impl ClientValidator for RegistryValidator {
    fn validate<'s>(
        &'s self,
        client_id: &str,
        presented: &Presented<'_>,
        now: UnixTime,
    ) -> Validation<'s> {
        let Some(client) = self.index.get(client_id) else {
            return Validation::Rejected(Rejection::unknown_client(client_id));
        };
        validation(client, decide(client, presented, &self.context(now, true)))
    }

    fn client<'s>(&'s self, client_id: &str) -> Option<Cow<'s, Client>> {
        self.index.get(client_id).map(Cow::Borrowed)
    }
}
