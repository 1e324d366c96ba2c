//! Chain verification: trust anchors, and (with the `chain` feature) rustls-webpki with
//! certbind's pure-Rust signature algorithms, the signature cache and webpki's errors in words.
//! Its place in the layers: core/README.md, "Layout".

#[cfg(feature = "chain")]
pub(crate) mod chain;
#[cfg(feature = "chain")]
pub(crate) mod sigcache;
#[cfg(feature = "chain")]
pub(crate) mod signature;
pub(crate) mod trust;
#[cfg(feature = "chain")]
pub(crate) mod webpki_error;
