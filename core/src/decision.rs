//! The decision: does what a client presented authenticate it, and if not, why not; the
//! validator a server calls. Uses `clients`, `verify`, `formats`, `model` and `base`
//! (core/README.md, "Layout").

pub(crate) mod decide;
pub(crate) mod outcome;
pub(crate) mod reason;
pub(crate) mod validator;
