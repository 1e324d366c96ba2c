//! nginx: `$ssl_client_escaped_cert` (the client's PEM certificate, URL-encoded) and the
//! deprecated `$ssl_client_cert` (PEM with a tab at the start of every line but the first).
//! nginx only has the client's certificate, never its chain.

use super::{Problem, pem, percent};

/// `$ssl_client_escaped_cert`.
///
/// # Errors
/// [`Problem::BadPercentEncoding`], or a PEM problem (a second certificate is
/// [`Problem::ExpectedOneCertificate`]).
pub(super) fn escaped(value: &[u8]) -> Result<Vec<Vec<u8>>, Problem> {
    pem::certificates(&percent::decode(value)?, 1)
}

/// `$ssl_client_cert` as it reaches certbind: unfolded by an intermediary (line breaks turned
/// into spaces) or, in tests, exactly as nginx writes it.
///
/// # Errors
/// A PEM problem (a second certificate is [`Problem::ExpectedOneCertificate`]).
pub(super) fn legacy(value: &[u8]) -> Result<Vec<Vec<u8>>, Problem> {
    pem::certificates(value, 1)
}
