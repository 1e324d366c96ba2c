//! The decision: does what a client presented authenticate it (the checks), the answer, and if
//! not, why not (the reasons and their messages); the validator a server calls. Its place in
//! the layers: core/README.md, "Layout".

pub(crate) mod decide;
pub(crate) mod outcome;
pub(crate) mod reason;
pub(crate) mod validator;
