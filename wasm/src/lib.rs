//! certbind-core in WebAssembly: the npm package `certbind`.
//!
//! Marshaling glue only: every answer comes from certbind-core, so the server, the CLI, the npm
//! package and the checker page can never disagree. Values cross into JavaScript as the core's
//! serde JSON with camelCase keys; errors are thrown as `Error` objects with the core's stable
//! `code`. The API, the error schema and the size budget are in wasm/README.md.
//!
//! The crate is empty on non-wasm targets (its dependencies are declared for
//! `cfg(target_family = "wasm")` only).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(target_family = "wasm")]
mod api;
#[cfg(target_family = "wasm")]
mod args;
#[cfg(all(target_family = "wasm", any(feature = "chain", feature = "toml")))]
mod decision;
#[cfg(target_family = "wasm")]
mod errors;
#[cfg(target_family = "wasm")]
mod json;
#[cfg(target_family = "wasm")]
mod types;

#[cfg(target_family = "wasm")]
pub use api::{
    compare, inspect, inspect_json, normalize_thumbprint, normalize_thumbprint_json,
    read_certificates, thumbprints, thumbprints_json,
};
#[cfg(all(target_family = "wasm", feature = "chain"))]
pub use decision::verify_chain;
#[cfg(all(target_family = "wasm", feature = "toml"))]
pub use decision::{explain, explain_json};
