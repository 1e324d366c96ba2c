//! The clients: the registry (who the clients are and how each authenticates) and its secrets,
//! its loader (parse, validate, build), the index from a certificate to its clients, and what a
//! client presents. Its place in the layers: core/README.md, "Layout".

pub(crate) mod fx_hash;
pub(crate) mod index;
pub(crate) mod load;
pub(crate) mod presented;
pub(crate) mod registry;
pub(crate) mod secret;
