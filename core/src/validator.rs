//! The extension point: who decides which client a request authenticates (IdentityServer3's
//! `IClientValidator`).
//!
//! The server asks a [`ClientValidator`] for every token and introspection request. The default,
//! [`RegistryValidator`], applies [`crate::decide`] to the client named by `client_id` in a
//! registry. An application can supply its own: map certificates to clients from a database,
//! accept certificates by a rule of its own, add logging.

use alloc::borrow::Cow;
use alloc::string::ToString;
use alloc::vec::Vec;

use crate::decide::{ClientReason, Decision, DecisionContext, Rejection, decide};
use crate::index::ClientIndex;
use crate::presented::Presented;
use crate::registry::Client;
use crate::{Acceptance, UnixTime};

/// The result of validating a client.
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

/// Decides which client a request authenticates. Object safe: the server holds an
/// `Arc<dyn ClientValidator + Send + Sync>`.
pub trait ClientValidator {
    /// Validates the request's credentials for `client_id` at time `now`.
    fn validate<'s>(
        &'s self,
        client_id: &str,
        presented: &Presented,
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
}

impl RegistryValidator {
    /// A validator over an indexed registry.
    #[must_use]
    pub const fn new(index: ClientIndex) -> Self {
        Self {
            index,
            #[cfg(feature = "chain")]
            signature_cache: None,
        }
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

impl ClientValidator for RegistryValidator {
    fn validate<'s>(
        &'s self,
        client_id: &str,
        presented: &Presented,
        now: UnixTime,
    ) -> Validation<'s> {
        let Some(client) = self.index.get(client_id) else {
            return Validation::Rejected(Rejection {
                client_id: client_id.to_string(),
                client_reasons: alloc::vec![ClientReason::UnknownClient],
                secrets: Vec::new(),
            });
        };
        #[allow(unused_mut)]
        let mut context = DecisionContext::for_registry(self.index.registry(), now);
        #[cfg(feature = "chain")]
        if let Some(cache) = &self.signature_cache {
            context.signature_cache = Some(cache.as_ref());
        }
        match decide(client, presented, &context) {
            Decision::Accepted(acceptance) => Validation::Accepted {
                client: Cow::Borrowed(client),
                acceptance,
            },
            Decision::Rejected(rejection) => Validation::Rejected(rejection),
        }
    }

    fn client<'s>(&'s self, client_id: &str) -> Option<Cow<'s, Client>> {
        self.index.get(client_id).map(Cow::Borrowed)
    }
}
