//! # certbind-ffi
//!
//! The one place certbind calls C APIs directly, for what no safe crate exposes. Every other
//! crate of the workspace forbids `unsafe` code; this one denies it and allows it in a few
//! reviewed spots, as the `der` crate does for its newtype casts. Each block says why it is
//! sound.
//!
//! - [`skip_chain_verification`] and [`skip_chain_verification_up_to`]: OpenSSL's certificate
//!   verification callback, so that an mTLS server that decides every certificate itself does
//!   not also have OpenSSL build and check a chain per handshake.
//! - [`heap_stats`] and [`release_free_heap`]: glibc's `mallinfo2` and `malloc_trim`, so that a
//!   server gives back the memory a burst of connections left behind.
#![deny(unsafe_code)]

mod malloc;
mod openssl_verify;

pub use malloc::{HeapStats, heap_stats, release_free_heap};
pub use openssl_verify::{skip_chain_verification, skip_chain_verification_up_to};
