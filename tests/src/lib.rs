//! Shared helpers for certbind's integration tests: fixtures, vectors, PKI builders.

pub mod fixtures;
pub mod server;
