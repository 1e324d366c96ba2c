//! Whether a registered certificate can be a TLS client's own certificate (RFC 5280 §4.2.1.3
//! key usage, §4.2.1.9 basic constraints, §4.2.1.12 extended key usage).
//!
//! A warning, not a load problem: the TLS layer does not enforce key usage, and `openssl req
//! -x509` makes self-signed client certificates with `CA:TRUE` and no key usage, which work.
//! What is flagged is the usual mistake of registering the issuing CA instead of the client.

use alloc::format;
use alloc::string::String;

use crate::Certificate;

/// Why `certificate` cannot be a TLS client's certificate, or `None` when it can.
pub(super) fn not_a_client_certificate(certificate: &Certificate) -> Option<String> {
    let info = certificate.info();
    let is_ca = info.basic_constraints.is_some_and(|b| b.ca);
    let signs = info.key_usage.iter().any(|u| u == "digitalSignature");
    if is_ca && !info.key_usage.is_empty() && !signs {
        return Some(format!(
            "a registered certificate is a CA certificate ({}; key usage {}, no \
             digitalSignature): register the client's own certificate, not its issuer's",
            info.subject,
            info.key_usage.join(", ")
        ));
    }
    let client_auth = info
        .extended_key_usage
        .iter()
        .any(|u| u == "clientAuth" || u == "anyExtendedKeyUsage");
    if !info.extended_key_usage.is_empty() && !client_auth {
        return Some(format!(
            "a registered certificate ({}) has an extended key usage ({}) without clientAuth: \
             it is not meant for TLS client authentication",
            info.subject,
            info.extended_key_usage.join(", ")
        ));
    }
    None
}
