//! The parts of a certificate as the exact bytes they were presented with, found by walking the
//! DER with the `der` crate's reader (no re-encoding, no allocation).
//!
//! Thumbprints need the SubjectPublicKeyInfo's exact bytes, and inspection wants every field even
//! when one of them holds something the typed `x509-cert` parser would refuse (a time before 1970,
//! an odd string type), so this walk only checks the framing of the fields it hands out.

use der::{Decode, Header, Reader, SliceReader, Tag, TagNumber};

/// Each field of a certificate, as complete TLVs (tag, length and value) unless noted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawCertificate<'a> {
    /// `version [0] EXPLICIT Version`, when present (absent means v1).
    pub(crate) version: Option<&'a [u8]>,
    /// `serialNumber INTEGER`.
    pub(crate) serial: &'a [u8],
    /// `issuer Name`.
    pub(crate) issuer: &'a [u8],
    /// `validity Validity`.
    pub(crate) validity: &'a [u8],
    /// `subject Name`.
    pub(crate) subject: &'a [u8],
    /// `subjectPublicKeyInfo SubjectPublicKeyInfo`.
    pub(crate) spki: &'a [u8],
    /// The `Extensions` SEQUENCE inside `extensions [3] EXPLICIT`, when present.
    pub(crate) extensions: Option<&'a [u8]>,
    /// The outer `signatureAlgorithm AlgorithmIdentifier`.
    pub(crate) signature_algorithm: &'a [u8],
}

/// Walks a certificate to its fields.
pub(crate) fn walk(der: &[u8]) -> der::Result<RawCertificate<'_>> {
    let mut outer = SliceReader::new(der)?;
    let cert = crate::asn1::sequence(&mut outer, |cert| {
        let tbs = sequence_content(cert)?;
        let signature_algorithm = cert.tlv_bytes()?;
        let _signature = cert.tlv_bytes()?;
        let mut r = SliceReader::new(tbs)?;
        let version = if Tag::peek(&r)? == context(0, true) {
            Some(r.tlv_bytes()?)
        } else {
            None
        };
        let serial = r.tlv_bytes()?;
        let _inner_signature = r.tlv_bytes()?;
        let issuer = r.tlv_bytes()?;
        let validity = r.tlv_bytes()?;
        let subject = r.tlv_bytes()?;
        let spki = r.tlv_bytes()?;
        let mut extensions = None;
        while !r.is_finished() {
            let header = Header::peek(&r)?;
            if header.tag() == context(3, true) {
                let wrapped = r.tlv_bytes()?;
                extensions = Some(explicit_content(wrapped)?);
            } else {
                // issuerUniqueID [1] / subjectUniqueID [2]: not shown.
                r.tlv_bytes()?;
            }
        }
        Ok::<_, der::Error>(RawCertificate {
            version,
            serial,
            issuer,
            validity,
            subject,
            spki,
            extensions,
            signature_algorithm,
        })
    })?;
    outer.finish()?;
    Ok(cert)
}

/// The context-specific tag `[number]`.
pub(crate) fn context(number: u32, constructed: bool) -> Tag {
    Tag::ContextSpecific {
        constructed,
        number: TagNumber(number),
    }
}

/// Reads a SEQUENCE and returns its content (the V of the TLV).
pub(crate) fn sequence_content<'a>(r: &mut SliceReader<'a>) -> der::Result<&'a [u8]> {
    let header = Header::decode(r)?;
    header.tag().assert_eq(Tag::Sequence)?;
    r.read_slice(header.length())
}

/// Splits one TLV into its tag and content.
pub(crate) fn split_tlv(tlv: &[u8]) -> der::Result<(Tag, &[u8])> {
    let mut r = SliceReader::new(tlv)?;
    let header = Header::decode(&mut r)?;
    let content = r.read_slice(header.length())?;
    r.finish()?;
    Ok((header.tag(), content))
}

/// The single TLV inside an EXPLICIT tag's TLV.
pub(crate) fn explicit_content(tlv: &[u8]) -> der::Result<&[u8]> {
    let (_, content) = split_tlv(tlv)?;
    let mut r = SliceReader::new(content)?;
    let inner = r.tlv_bytes()?;
    r.finish()?;
    Ok(inner)
}

/// The TLVs inside a SEQUENCE or SET content, one by one.
pub(crate) fn elements(content: &[u8]) -> Elements<'_> {
    Elements { rest: content }
}

/// Iterator over consecutive TLVs; yields an error once and stops when the framing is broken.
#[derive(Debug)]
pub(crate) struct Elements<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Elements<'a> {
    type Item = der::Result<&'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let result = SliceReader::new(self.rest).and_then(|mut r| r.tlv_bytes());
        match result {
            Ok(tlv) => {
                self.rest = self.rest.get(tlv.len()..).unwrap_or_default();
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}
