//! What every layer shares: the crate's one error type, and the text it is written in (quoting,
//! character names, text scanning, base64). Uses nothing else of the crate (core/README.md,
//! "Layout").

pub(crate) mod base64;
pub(crate) mod error;
pub(crate) mod text;
pub(crate) mod unicode_names;
