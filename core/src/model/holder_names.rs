//! The names of a certificate that registered secrets are compared with (the subject and the
//! subjectAltName extension), read once per presented certificate, when a secret needs them.

use alloc::format;
use alloc::string::{String, ToString};

use const_oid::AssociatedOid;
use der::Decode;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::name::Name;

/// The names of a certificate that secrets compare: the subject and the subjectAltName
/// extension, decoded with x509-cert from the certificate's own fields. Not through
/// `x509_cert::Certificate`, which refuses the whole certificate for a validity time before
/// 1970 (der's `DateTime` starts there; RFC 5280 does not).
#[derive(Debug)]
pub(crate) struct HolderNames {
    /// The subject.
    pub(crate) subject: Name,
    /// The subjectAltName extension: `Ok(None)` when there is none; an error in words when it
    /// cannot be read or appears more than once (as x509-cert's `get_extension`).
    pub(crate) san: Result<Option<SubjectAltName>, String>,
}

impl HolderNames {
    /// Reads the subject and the subjectAltName extension of a DER certificate.
    pub(crate) fn read(der: &[u8]) -> Result<Self, String> {
        let raw = crate::tbs::walk(der).map_err(|e| e.to_string())?;
        let subject = Name::from_der(raw.subject).map_err(|e| format!("the subject: {e}"))?;
        let san = raw.extensions.map_or(Ok(None), subject_alt_name);
        Ok(Self { subject, san })
    }
}

/// The subjectAltName extension in an `Extensions` SEQUENCE.
fn subject_alt_name(extensions: &[u8]) -> Result<Option<SubjectAltName>, String> {
    let extensions = x509_cert::ext::Extensions::from_der(extensions).map_err(|e| e.to_string())?;
    let mut found = extensions
        .iter()
        .filter(|e| e.extn_id == SubjectAltName::OID);
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(String::from(
            "the certificate has more than one subjectAltName extension",
        )),
        (Some(extension), None) => SubjectAltName::from_der(extension.extn_value.as_bytes())
            .map(Some)
            .map_err(|e| e.to_string()),
    }
}
