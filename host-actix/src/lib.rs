//! # certbind-host
//!
//! The `certbind` mTLS token server (actix-web + openssl) and its command-line tools, as a
//! library: an application can build the server with its own client store and validator.
#![forbid(unsafe_code)]
// A std crate (server, CLI): the workspace's no_std hygiene lints are for the core.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

pub mod auth;
pub mod cli;
pub mod config;
pub mod dev_pki;
pub mod error;
pub mod extract;
mod fsutil;
pub mod keys;
pub mod load;
pub mod metrics;
pub mod registry;
pub mod reload;
mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod time;
pub mod tls;
pub mod tokens;

pub use auth::{AuthFailure, AuthRequest, Authenticated, ClientAuthenticator, SecretVia};
pub use config::Settings;
pub use routes::configure;
pub use startup::Application;
