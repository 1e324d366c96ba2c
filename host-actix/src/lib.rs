//! # certbind-host
//!
//! The `certbind` mTLS token server (actix-web + openssl) and its command-line tools, as a
//! library: an application can build the server with its own client store and validator.
//!
//! The one extension point is certbind-core's `ClientValidator` (IdentityServer3's
//! `IClientValidator`): wrap yours in [`registry::Registry::with_validator`] and pass it to
//! [`Application::build`] (`examples/own_client_store.rs`).
#![forbid(unsafe_code)]
// A std crate (server, CLI): the workspace's no_std hygiene lints are for the core.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod auth;
pub mod cli;
pub mod config;
mod decisions;
pub mod dev_pki;
pub mod error;
pub mod expiry;
pub mod extract;
pub mod forwarded;
mod fsutil;
mod goaway;
pub mod keyfile;
pub mod keys;
pub mod limits;
pub mod load;
pub mod memory;
pub mod metrics;
mod registration;
pub mod registry;
pub mod reload;
#[cfg(feature = "resource-server")]
pub mod resource;
mod revocation;
mod routes;
pub mod shutdown;
pub mod signatures;
pub mod startup;
pub mod state;
pub mod store;
mod systemd;
pub mod telemetry;
pub mod time;
pub mod tls;
pub mod tokens;

pub use config::Settings;
pub use registry::Registry;
pub use routes::{configure, configure_at};
pub use startup::Application;
