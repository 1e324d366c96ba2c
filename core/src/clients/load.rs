//! Loading a registry, or one client definition: the document is parsed into a tree of values
//! with their lines ([`parse`]), every field is checked and every problem collected with its
//! path and line ([`validate`]), and the registry is built from what passed, reading the files
//! it names ([`build`]). The keys and their rules are in the registry module's documentation.
//!
//! One client definition checked alone ([`load_client_data`]) is what a client store (a
//! database row, an RFC 7591 registration) hands to the same validator that reads `[[clients]]`
//! entries, so that the same bad client gets the same message wherever it comes from. The
//! definition is the table of one `[[clients]]` entry, with the same keys, as data from any
//! serde format (JSON from a database or an HTTP body, TOML). Field paths in problems are
//! relative to the client (`secrets[0].subject_dn`), and there are no line numbers.

mod build;
mod client_certificate;
mod files;
mod parse;
mod validate;

pub use files::{FileError, FileSource, MemoryFiles, NoFiles};

use parse::Node;

use crate::registry::{LoadOptions, LoadedClient, LoadedRegistry};
use crate::{Error, RegistryProblem};

/// Loads a registry from TOML text.
///
/// # Errors
/// [`Error::Registry`] with every problem found (TOML syntax, unknown keys, wrong types,
/// missing or conflicting fields, duplicate `client_id`s, unreadable files), each with its
/// field path and line.
#[cfg(feature = "toml")]
pub fn load_registry_toml(
    text: &str,
    options: &LoadOptions,
    files: &mut dyn FileSource,
) -> Result<LoadedRegistry, Error> {
    let root = parse::from_toml(text).map_err(|(line, message)| Error::Registry {
        problems: alloc::vec![RegistryProblem::new(None, "(toml)", line, message)],
    })?;
    build::load(&root, options, files)
}

/// Loads a registry from any serde data format (JSON, a JavaScript object through
/// `serde-wasm-bindgen`), with the same keys and checks as TOML but no line numbers.
///
/// # Errors
/// As [`load_registry_toml`]; a document the deserializer cannot read is one problem.
pub fn load_registry_data<'de, D: serde::Deserializer<'de>>(
    data: D,
    options: &LoadOptions,
    files: &mut dyn FileSource,
) -> Result<LoadedRegistry, Error> {
    let root: Node =
        serde::Deserialize::deserialize(data).map_err(|e: D::Error| Error::Registry {
            problems: alloc::vec![RegistryProblem::new(
                None,
                "(document)",
                None,
                alloc::format!("{e}")
            )],
        })?;
    build::load(&root, options, files)
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
    build::load_client(&root, options, files)
}
