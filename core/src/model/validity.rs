//! A certificate's validity (notBefore, notAfter), read with the shallow walk of its fields
//! instead of a full X.509 parse, for every date RFC 5280 allows (before 1970 too).

use alloc::format;
use alloc::string::String;

use der::Tag;

use crate::Error;
use crate::asn1::bad_der;
use crate::when::When;

/// Reads notBefore and notAfter without parsing the rest of the certificate.
pub(crate) fn read_validity(der: &[u8]) -> Result<(When, When), Error> {
    let what = "Certificate.tbsCertificate.validity";
    let raw = crate::tbs::walk(der).map_err(|e| bad_der(what, &e))?;
    let (_, content) = crate::tbs::split_tlv(raw.validity).map_err(|e| bad_der(what, &e))?;
    let mut times = crate::tbs::elements(content);
    let mut next = || -> Result<When, Error> {
        let tlv = times
            .next()
            .ok_or_else(|| validity_error(String::from("the validity has fewer than two times")))?
            .map_err(|e| bad_der(what, &e))?;
        let (tag, value) = crate::tbs::split_tlv(tlv).map_err(|e| bad_der(what, &e))?;
        let generalized = match tag {
            Tag::UtcTime => false,
            Tag::GeneralizedTime => true,
            other => {
                return Err(validity_error(format!(
                    "expected UTCTime or GeneralizedTime, found {other}"
                )));
            }
        };
        crate::time::parse_certificate_time(generalized, value)
            .map(When)
            .map_err(validity_error)
    };
    let not_before = next()?;
    let not_after = next()?;
    Ok((not_before, not_after))
}

fn validity_error(reason: String) -> Error {
    Error::BadDer {
        offset: None,
        what: String::from("Certificate.tbsCertificate.validity"),
        reason,
        pem: None,
    }
}
