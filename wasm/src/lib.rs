//! certbind-core in WebAssembly: the npm package `certbind`.
//!
//! Marshaling glue only: every answer comes from certbind-core, so the server, the CLI, the npm
//! package and the checker page can never disagree. Values cross into JavaScript as the core's
//! serde JSON with camelCase keys; errors are thrown as `Error` objects with the core's stable
//! `code`. The API, the error schema and the size budget are in wasm/README.md.
//!
//! The crate is empty on non-wasm targets (its dependencies are declared for
//! `cfg(target_family = "wasm")` only).
#![cfg_attr(target_family = "wasm", no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(target_family = "wasm")]
extern crate alloc;

/// The allocator std would bring (dlmalloc), without std: the package is `no_std` so that no
/// panic machinery (message formatting, source locations, I/O error texts) is linked in.
#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A panic (a bug: the code has no panicking paths on any input) aborts the WebAssembly
/// instance with an `unreachable` trap, which JavaScript sees as a `RuntimeError`.
#[cfg(all(target_family = "wasm", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(target_family = "wasm")]
mod api;
#[cfg(target_family = "wasm")]
mod args;
#[cfg(all(target_family = "wasm", feature = "token"))]
mod binding;
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
#[cfg(all(target_family = "wasm", feature = "token"))]
pub use binding::{PresentedCertificateHandle, check_binding, check_binding_json};
#[cfg(all(target_family = "wasm", feature = "chain"))]
pub use decision::verify_chain;
#[cfg(all(target_family = "wasm", feature = "toml"))]
pub use decision::{explain, explain_json, explain_text};
