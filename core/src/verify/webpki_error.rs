//! webpki's errors in words, for chain errors and for certificates that cannot be trust anchors.

use alloc::string::{String, ToString};

/// A webpki error in words.
#[allow(deprecated)]
pub(crate) fn webpki_error_words(err: &webpki::Error) -> String {
    use webpki::Error as E;
    let words = match err {
        E::BadDer => "a certificate is not well-formed DER",
        E::BadDerTime => "a certificate has a malformed time",
        E::CaUsedAsEndEntity => "a CA certificate is used as the end-entity certificate",
        E::CertDistrusted => "a certificate's key is explicitly distrusted",
        E::CertExpired { .. } => "a certificate in the chain has expired",
        E::CertNotValidForName(_) => "the certificate is not valid for the name",
        E::CertNotValidYet { .. } => "a certificate in the chain is not valid yet",
        E::CertRevoked => "a certificate in the chain is revoked",
        E::CrlExpired { .. } => "a CRL has expired",
        E::EmptyEkuExtension => "a certificate has an empty extended key usage extension",
        E::EndEntityUsedAsCa => "an end-entity certificate is used as a CA",
        E::ExtensionValueInvalid => "a certificate extension has an invalid value",
        E::InvalidCertValidity => "a certificate's notAfter is before its notBefore",
        E::InvalidSerialNumber => "a certificate has an invalid serial number",
        E::InvalidSignatureForPublicKey => "a signature does not verify with the issuer's key",
        E::MalformedExtensions => "a certificate has malformed extensions",
        E::MalformedNameConstraint => "a CA has a malformed name constraint",
        E::MaximumNameConstraintComparisonsExceeded => {
            "too many name constraint comparisons (work limit)"
        }
        E::MaximumPathBuildCallsExceeded => "too many candidate paths (work limit)",
        E::MaximumPathDepthExceeded => "the chain is too long",
        E::MaximumSignatureChecksExceeded => "too many signature checks (work limit)",
        E::NameConstraintViolation => "a name violates a CA's name constraints",
        E::PathLenConstraintViolated => "a CA's path length constraint is violated",
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            "the extended key usage does not allow this purpose"
        }
        E::SignatureAlgorithmMismatch => {
            "the signature algorithm inside and outside a certificate differ"
        }
        E::TrailingData(_) => "a certificate has trailing data",
        E::UnknownIssuer => "the chain does not lead to a trust anchor",
        E::UnknownRevocationStatus => "no CRL covers a certificate of the chain",
        E::UnsupportedCertVersion => "a certificate is not X.509 v3",
        E::UnsupportedCriticalExtension => "a certificate has an unsupported critical extension",
        E::UnsupportedNameType => "a certificate has an unsupported name type",
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a certificate uses an unsupported signature algorithm"
        }
        _ => "the chain is invalid",
    };
    words.to_string()
}
