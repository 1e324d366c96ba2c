//! The shared fixtures (`tests/fixtures`) and their manifest `vectors.json`, read by the same
//! source file the `certbind-tests` crate uses (`tests/src/fixtures.rs`), compiled in here
//! because the core cannot depend on that crate (it depends on the core).
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "../../../tests/src/fixtures.rs"]
mod shared;

pub use shared::*;
