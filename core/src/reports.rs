//! What certbind tells people: the inspect and thumbprint reports, `compare` (does a pasted
//! thumbprint belong to this certificate), `explain` (which clients a certificate
//! authenticates) and the token-binding check. The top layer (core/README.md, "Layout").

pub(crate) mod binding;
pub(crate) mod compare;
pub(crate) mod explain;
pub(crate) mod report;
