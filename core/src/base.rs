//! What every layer shares: the crate's one error type, and the text helpers messages are
//! written with (quoting, character names, text scanning, base64). The bottom layer
//! (core/README.md, "Layout").

pub(crate) mod base64;
pub(crate) mod error;
pub(crate) mod text;
pub(crate) mod unicode_names;
