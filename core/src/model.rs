//! The certificate model: a certificate's exact DER and its structure check, DER reading, the
//! shallow walk of its fields, names (RFC 4514, registered DNs, attribute types), SANs, times
//! and validity, thumbprints, and the readable view (`inspect`). Its place in the layers:
//! core/README.md, "Layout".

pub(crate) mod asn1;
pub(crate) mod attribute_types;
pub(crate) mod certificate;
#[cfg(test)]
pub(crate) mod der_mutations;
pub(crate) mod dn;
pub(crate) mod holder_names;
pub(crate) mod inspect;
pub(crate) mod name;
pub(crate) mod san;
pub(crate) mod tbs;
pub(crate) mod thumbprint;
pub(crate) mod time;
pub(crate) mod validity;
pub(crate) mod when;
pub(crate) mod x509;
