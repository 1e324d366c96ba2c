//! One client definition checked alone: what a client store (a database row, an RFC 7591
//! registration) hands to the same validator that reads `[[clients]]` entries, so that the same
//! bad client gets the same message wherever it comes from.
//!
//! The definition is the table of one `[[clients]]` entry, with the same keys, as data from any
//! serde format (JSON from a database or an HTTP body, TOML). Field paths in problems are
//! relative to the client (`secrets[0].subject_dn`), and there are no line numbers.

use alloc::vec::Vec;

use super::node::Node;
use super::{Client, FileSource, LoadOptions};
use crate::trust::TrustStore;
use crate::{Error, RegistryProblem};

/// A client definition that passed every check.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoadedClient {
    /// The client.
    pub client: Client,
    /// The anchor files the client names (its own `trust_anchors` and those of its
    /// `tls_client_auth` secrets), read through the [`FileSource`].
    pub trust: TrustStore,
    /// Warnings, as a registry load gives them (cleaned thumbprints, expired or CA certificates,
    /// secrets the method never uses).
    pub warnings: Vec<RegistryProblem>,
}

/// Checks one client definition with the registry's rules.
///
/// # Errors
/// [`Error::Registry`] with every problem found, each naming its field relative to the client
/// (`scopes`, `secrets[0].subject_dn`, …).
pub fn load_client_data<'de, D: serde::Deserializer<'de>>(
    data: D,
    options: &LoadOptions,
    files: &mut dyn FileSource,
) -> Result<LoadedClient, Error> {
    let root: Node =
        serde::Deserialize::deserialize(data).map_err(|e: D::Error| Error::Registry {
            problems: alloc::vec![RegistryProblem::new(
                None,
                "(client)",
                None,
                alloc::format!("{e}")
            )],
        })?;
    super::load::load_client(&root, options, files)
}
