//! Structural checks on certificate DER with the `der`/`x509-cert` crates, and raw access to the
//! parts that are hashed or compared byte for byte (names, SubjectPublicKeyInfo).

use der::{Decode, Reader, SliceReader};

use crate::Error;
use crate::certificate::bad_der;

/// Checks that `der` is exactly one well-formed certificate.
pub(crate) fn check_certificate_der(der: &[u8]) -> Result<(), Error> {
    let mut reader = SliceReader::new(der).map_err(|e| bad_der("Certificate", &e))?;
    let tlv = reader.tlv_bytes().map_err(|e| bad_der("Certificate", &e))?;
    if tlv.len() < der.len() {
        return Err(Error::TrailingData { offset: tlv.len(), count: der.len() - tlv.len() });
    }
    x509_cert::Certificate::from_der(der).map_err(|e| bad_der("Certificate", &e))?;
    Ok(())
}
