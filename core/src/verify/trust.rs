//! Trust anchors for chain validation, grouped in named sets.
//!
//! A registry names its anchors by file (`trust_anchors = ["ca.pem"]`, per client or per
//! secret). The host reads those files (relative to the registry file) and hands the
//! certificates over; the npm package and the browser page, which have no file system, hand them
//! over as data. Either way the core only ever sees certificates: a [`TrustStore`] maps each name
//! to the anchors read from it, and the registry's default list says which names apply when a
//! secret names none.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::{Certificate, Error};

/// One trust anchor: a CA certificate whose key is trusted to issue client certificates.
#[derive(Clone)]
pub struct Anchor {
    certificate: Certificate,
    #[cfg(feature = "chain")]
    anchor: webpki_anchor::Owned,
}

#[cfg(feature = "chain")]
mod webpki_anchor {
    /// webpki's view of an anchor (subject, SPKI, name constraints), owning its bytes.
    pub(super) type Owned = pki_types::TrustAnchor<'static>;
}

impl Anchor {
    /// Makes a trust anchor of a CA certificate.
    ///
    /// # Errors
    /// [`Error::InvalidTrustAnchor`] (with `index` 0) when webpki cannot read the certificate
    /// as an anchor (e.g. it is not X.509 v1 or v3).
    pub fn new(certificate: Certificate) -> Result<Self, Error> {
        #[cfg(feature = "chain")]
        {
            let der = pki_types::CertificateDer::from(certificate.der());
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|e| Error::InvalidTrustAnchor {
                    index: 0,
                    reason: crate::webpki_error::webpki_error_words(&e),
                })?
                .to_owned();
            Ok(Self {
                certificate,
                anchor,
            })
        }
        #[cfg(not(feature = "chain"))]
        Ok(Self { certificate })
    }

    /// The anchor's certificate, as given.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// webpki's view of the anchor.
    #[cfg(feature = "chain")]
    pub(crate) fn webpki(&self) -> &pki_types::TrustAnchor<'static> {
        &self.anchor
    }
}

impl core::fmt::Debug for Anchor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Anchor")
            .field("certificate", &self.certificate)
            .finish()
    }
}

/// Makes anchors of several certificates, naming the failing one by its index.
///
/// # Errors
/// [`Error::InvalidTrustAnchor`] with the 0-based index of the first unusable certificate.
pub fn anchors_from_certificates(certificates: &[Certificate]) -> Result<Vec<Anchor>, Error> {
    certificates
        .iter()
        .enumerate()
        .map(|(index, cert)| {
            Anchor::new(cert.clone()).map_err(|e| match e {
                Error::InvalidTrustAnchor { reason, .. } => {
                    Error::InvalidTrustAnchor { index, reason }
                }
                other => other,
            })
        })
        .collect()
}

/// The name under which [`TrustStore::from_anchors`] files anchors given as data.
pub const DATA_ANCHORS: &str = "<anchors given as data>";

/// Named sets of trust anchors, and the names that make up the default set.
///
/// Built by whoever can read files (the host) or from data (npm, the page, `verify-chain
/// --anchor`), then passed to the decision in its context.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    sets: BTreeMap<String, Vec<Anchor>>,
    default_names: Vec<String>,
}

impl TrustStore {
    /// An empty store: no anchor is trusted, every `tls_client_auth` chain fails.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A store whose default set is exactly these anchors.
    #[must_use]
    pub fn from_anchors(anchors: Vec<Anchor>) -> Self {
        let mut store = Self::new();
        store.insert(DATA_ANCHORS, anchors);
        store.default_names = alloc::vec![DATA_ANCHORS.to_string()];
        store
    }

    /// Files a set of anchors under a name (a path as written in the registry); replaces a set
    /// of the same name.
    pub fn insert(&mut self, name: impl Into<String>, anchors: Vec<Anchor>) {
        self.sets.insert(name.into(), anchors);
    }

    /// Files every set of `other` here, replacing sets of the same name (a client's own anchor
    /// files joining a registry's store).
    pub fn merge(&mut self, other: Self) {
        self.sets.extend(other.sets);
    }

    /// Says which names make up the default set (the registry's top-level `trust_anchors`).
    pub fn set_default_names(&mut self, names: Vec<String>) {
        self.default_names = names;
    }

    /// Adds anchors given as data to the default set (in addition to any named files).
    pub fn add_default_anchors(&mut self, anchors: Vec<Anchor>) {
        self.sets
            .entry(DATA_ANCHORS.to_string())
            .or_default()
            .extend(anchors);
        if !self.default_names.iter().any(|n| n == DATA_ANCHORS) {
            self.default_names.push(DATA_ANCHORS.to_string());
        }
    }

    /// The names of the default set.
    #[must_use]
    pub fn default_names(&self) -> &[String] {
        &self.default_names
    }

    /// Whether a set of this name was filed.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.sets.contains_key(name)
    }

    /// The anchors filed under these names (the default set when `names` is `None`), in order,
    /// and the names that were never filed.
    #[must_use]
    pub fn resolve<'s>(&'s self, names: Option<&'s [String]>) -> ResolvedAnchors<'s> {
        let names = names.unwrap_or(&self.default_names);
        let mut anchors = Vec::new();
        let mut missing = Vec::new();
        for name in names {
            match self.sets.get(name) {
                Some(set) => anchors.extend(set.iter()),
                None => missing.push(name.as_str()),
            }
        }
        ResolvedAnchors { anchors, missing }
    }

    /// Every anchor in the store, each once per set it was filed in.
    pub fn iter(&self) -> impl Iterator<Item = &Anchor> {
        self.sets.values().flatten()
    }
}

/// The anchors a secret validates against.
#[derive(Debug)]
#[non_exhaustive]
pub struct ResolvedAnchors<'s> {
    /// The anchors.
    pub anchors: Vec<&'s Anchor>,
    /// Names that the store has no set for (a file that was not loaded).
    pub missing: Vec<&'s str>,
}
