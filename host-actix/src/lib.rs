//! # certbind-host
//!
//! The `certbind` mTLS token server (actix-web + openssl) and its command-line tools, as a
//! library: an application can build the server with its own client store and validator.
#![forbid(unsafe_code)]

pub mod cli;
