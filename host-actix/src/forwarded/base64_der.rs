//! Base64 of one DER certificate, no PEM armour, no line breaks: HAProxy's
//! `%[ssl_c_der,base64]` and Azure App Service's `X-ARR-ClientCert`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::Problem;

/// Decodes strict padded standard base64.
///
/// # Errors
/// [`Problem::BadBase64`].
pub(super) fn parse(value: &[u8]) -> Result<Vec<u8>, Problem> {
    STANDARD.decode(value).map_err(|e| Problem::BadBase64 {
        item: 0,
        reason: e.to_string(),
    })
}
