//! O(1) lookups over a registry: by `client_id`, and from a certificate to the clients that
//! registered it (by SHA-1 or SHA-256).
//!
//! The maps use a fixed (unseeded) Fx hash. That is safe here because every key *stored* comes
//! from the operator's registry, and the keys *looked up* from the network are either
//! `client_id`s (a lookup costs one probe sequence of a table the attacker cannot shape) or
//! certificate digests (which the attacker cannot choose). No attacker input is ever inserted.

use alloc::vec::Vec;

use hashbrown::HashMap;

use crate::fx_hash::FxBuild;
use crate::presented::PresentedCertificate;
use crate::registry::{Client, Registry};
use crate::secret::SecretKind;

/// A registry with its lookup tables.
#[derive(Clone, Debug)]
pub struct ClientIndex {
    registry: Registry,
    by_id: HashMap<alloc::string::String, usize, FxBuild>,
    by_sha1: HashMap<[u8; 20], Vec<usize>, FxBuild>,
    by_sha256: HashMap<[u8; 32], Vec<usize>, FxBuild>,
}

impl ClientIndex {
    /// Indexes a registry. Duplicate `client_id`s (which loading rejects) resolve to the first.
    #[must_use]
    pub fn new(registry: Registry) -> Self {
        let n = registry.clients.len();
        let mut by_id = HashMap::with_capacity_and_hasher(n, FxBuild);
        let mut by_sha1: HashMap<[u8; 20], Vec<usize>, FxBuild> = HashMap::with_hasher(FxBuild);
        let mut by_sha256: HashMap<[u8; 32], Vec<usize>, FxBuild> = HashMap::with_hasher(FxBuild);
        for (i, client) in registry.clients.iter().enumerate() {
            by_id.entry(client.client_id.clone()).or_insert(i);
            for secret in &client.secrets {
                match &secret.kind {
                    SecretKind::X509Thumbprint(t) | SecretKind::X509ThumbprintSha256(t) => {
                        if let Ok(d) = <[u8; 20]>::try_from(t.digest.as_slice()) {
                            push_unique(by_sha1.entry(d).or_default(), i);
                        } else if let Ok(d) = <[u8; 32]>::try_from(t.digest.as_slice()) {
                            push_unique(by_sha256.entry(d).or_default(), i);
                        }
                    }
                    SecretKind::SelfSignedTlsClientAuth(s) => {
                        for d in &s.sha256 {
                            push_unique(by_sha256.entry(*d).or_default(), i);
                        }
                    }
                    _ => {}
                }
            }
        }
        Self {
            registry,
            by_id,
            by_sha1,
            by_sha256,
        }
    }

    /// The registry.
    #[must_use]
    pub const fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The client with this `client_id`.
    #[must_use]
    pub fn get(&self, client_id: &str) -> Option<&Client> {
        self.by_id
            .get(client_id)
            .and_then(|i| self.registry.clients.get(*i))
    }

    /// Clients that registered a certificate with this SHA-1 (`x509_thumbprint`).
    pub fn by_sha1(&self, sha1: &[u8; 20]) -> impl Iterator<Item = &Client> {
        self.clients_at(self.by_sha1.get(sha1))
    }

    /// Clients that registered a certificate with this SHA-256 (`x509_thumbprint_sha256`,
    /// `self_signed_tls_client_auth`).
    pub fn by_sha256(&self, sha256: &[u8; 32]) -> impl Iterator<Item = &Client> {
        self.clients_at(self.by_sha256.get(sha256))
    }

    /// Clients a presented certificate could belong to: those that registered it by digest, then
    /// (a scan, for `certbind explain`, not the token endpoint) those whose `tls_client_auth` or
    /// `x509_name` secrets name its subject or one of its SANs.
    #[must_use]
    pub fn candidates(&self, certificate: &PresentedCertificate) -> Vec<&Client> {
        let mut found: Vec<usize> = Vec::new();
        let pinned = self.by_sha1.get(certificate.sha1()).into_iter().flatten();
        let pinned = pinned.chain(
            self.by_sha256
                .get(certificate.sha256())
                .into_iter()
                .flatten(),
        );
        for i in pinned {
            push_unique(&mut found, *i);
        }
        if let Ok(parsed) = certificate.names() {
            for (i, client) in self.registry.clients.iter().enumerate() {
                if client
                    .secrets
                    .iter()
                    .any(|s| crate::secret::names_subject(&s.kind, parsed))
                {
                    push_unique(&mut found, i);
                }
            }
        }
        found
            .into_iter()
            .filter_map(|i| self.registry.clients.get(i))
            .collect()
    }

    fn clients_at<'s>(
        &'s self,
        indexes: Option<&'s Vec<usize>>,
    ) -> impl Iterator<Item = &'s Client> {
        indexes
            .into_iter()
            .flatten()
            .filter_map(|i| self.registry.clients.get(*i))
    }
}

fn push_unique(list: &mut Vec<usize>, i: usize) {
    if !list.contains(&i) {
        list.push(i);
    }
}
