//! Shared helpers for certbind's integration tests: fixtures, vectors, PKI builders.
#![forbid(unsafe_code)]

pub mod fixtures;
pub mod oidc_provider;
pub mod postgres;
pub mod proxy;
pub mod proxy_headers;
pub mod replica;
pub mod server;
pub mod signature_pairs;
