//! Protecting an API with certificate-bound access tokens (RFC 8705 §3): the resource server's
//! half of mutual TLS.
//!
//! A handler that takes a [`BoundToken`] runs only for a request whose `Authorization: Bearer`
//! token is an RFC 9068 JWT access token that
//! - is signed by a key of the issuer's JWKS (josekit on OpenSSL; the JWKS is fetched over HTTPS
//!   with reqwest, cached, and fetched again when a token names an unknown `kid`, at most once
//!   per 30 s; `none` and HMAC are never accepted),
//! - has `typ` `at+jwt`, the configured `iss`, the configured audience among its `aud`, and is
//!   within `exp`/`nbf` (60 s leeway by default),
//! - and is bound (`cnf.x5t#S256`) to the client certificate of the request: the one on the TLS
//!   connection, or on a listener behind a reverse proxy the one a trusted proxy forwarded
//!   ([`crate::forwarded`]: trusted by TCP peer address only; the header from any other address
//!   is ignored). The comparison and its near-miss hints are certbind-core's
//!   [`certbind_core::check_binding`].
//!
//! Rejections follow RFC 6750 (`401` with `WWW-Authenticate: Bearer error="invalid_token"`,
//! `400 invalid_request` for a malformed header, empty bodies); the reason goes to the log.
//! `examples/protected_api.rs` is a whole API; `certbind verify-token` runs the same checks
//! from the command line and prints each.

mod bearer;
mod check;
mod jwks;
mod verifier;

pub use bearer::{BearerError, BoundToken, bearer_token};
pub use check::{
    Check, DecodedToken, Expectations, MAX_TOKEN_BYTES, MalformedToken, TokenReport, check,
    confirmation, decode,
};
pub use jwks::{
    DEFAULT_ALGORITHMS, JwksError, KeySet, MAX_JWKS_BYTES, MAX_KEYS, RefreshPolicy, RemoteJwks,
    http_client,
};
pub use verifier::{
    Rejection, TokenVerifier, VerifiedToken, VerifierBuilder, VerifierError, refresh_policy,
};
