//! The clients: the registry (who the clients are and how each authenticates), its loader, the
//! secrets, the index from a certificate to its clients, and what a client presents. Uses
//! `verify`, `formats`, `model` and `base` (core/README.md, "Layout").

pub(crate) mod fx_hash;
pub(crate) mod index;
pub(crate) mod load;
pub(crate) mod presented;
pub(crate) mod registry;
pub(crate) mod secret;
