//! Shared helpers for certbind's integration tests: fixtures, vectors, PKI builders.
#![forbid(unsafe_code)]

pub mod abuse;
pub mod attack;
pub mod cluster_report;
pub mod fixtures;
pub mod fleet;
pub mod haproxy;
pub mod load;
pub mod oidc_provider;
pub mod postgres;
pub mod proxy;
pub mod proxy_headers;
pub mod replica;
pub mod server;
pub mod signature_pairs;
