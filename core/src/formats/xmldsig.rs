//! Certificates in XML as XML Signature carries them (`<ds:X509Certificate>` in `<KeyInfo>`):
//! SAML 2.0 and WS-Federation metadata, signed SAML responses and assertions, .NET and Java
//! configuration files. The element holds base64 DER, often wrapped, sometimes with `&#13;`
//! character references where a Windows tool kept its CR line ends.
//!
//! Not an XML parser: a scanner for start tags whose local name is `X509Certificate` (with any
//! namespace prefix) and their text up to the next `<`.

use alloc::vec::Vec;

use crate::text::{EmbeddedBase64, find};

const LOCAL_NAME: &[u8] = b"X509Certificate";

/// The contents of every `X509Certificate` element of `text`, in document order; `None` when
/// there is none.
pub(crate) fn x509_certificate_elements(text: &[u8]) -> Option<Vec<EmbeddedBase64>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|rest| find(rest, LOCAL_NAME)) {
        let name_start = from + at;
        let name_end = name_start + LOCAL_NAME.len();
        from = name_end;
        if !is_start_tag(text, name_start, name_end) {
            continue;
        }
        // The tag ends at `>`: `<ds:X509Certificate>` or `<X509Certificate xmlns="…">`.
        let Some(close) = text
            .get(name_end..)
            .and_then(|r| r.iter().position(|&b| b == b'>'))
        else {
            break;
        };
        let content_start = name_end + close + 1;
        let content_len = text
            .get(content_start..)
            .and_then(|r| r.iter().position(|&b| b == b'<'))?;
        let content = text.get(content_start..content_start + content_len)?;
        let contents = without_line_break_references(content);
        found.push(EmbeddedBase64 {
            offset: content_start,
            rewritten: contents.len() != content.len(),
            contents,
        });
        from = content_start + content_len;
    }
    (!found.is_empty()).then_some(found)
}

/// Whether the name at `start..end` is the local name of a start tag: preceded by `<` or by
/// `<prefix:`, and followed by `>` or whitespace (so `X509CertificateX` does not count).
fn is_start_tag(text: &[u8], start: usize, end: usize) -> bool {
    let followed = matches!(text.get(end), Some(b'>' | b' ' | b'\t' | b'\r' | b'\n'));
    let before = text.get(..start).unwrap_or_default();
    let preceded = match before.split_last() {
        Some((b'<', _)) => true,
        Some((b':', prefix)) => {
            let name_len = prefix
                .iter()
                .rev()
                .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            name_len > 0
                && prefix
                    .len()
                    .checked_sub(name_len + 1)
                    .and_then(|i| prefix.get(i))
                    == Some(&b'<')
        }
        _ => false,
    };
    followed && preceded
}

/// `content` without the character references of line breaks (`&#13;`, `&#xD;`, `&#10;`,
/// `&#xA;`), which are whitespace to base64. Anything else is kept for the decoder to judge.
fn without_line_break_references(content: &[u8]) -> Vec<u8> {
    const REFERENCES: [&[u8]; 6] = [b"&#13;", b"&#xD;", b"&#xd;", b"&#10;", b"&#xA;", b"&#xa;"];
    let mut out = Vec::with_capacity(content.len());
    let mut rest = content;
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'&'
            && let Some(r) = REFERENCES.iter().find(|r| rest.starts_with(r))
        {
            rest = rest.get(r.len()..).unwrap_or_default();
            continue;
        }
        out.push(b);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    fn contents(text: &str) -> Option<Vec<String>> {
        x509_certificate_elements(text.as_bytes()).map(|v| {
            v.into_iter()
                .map(|s| String::from_utf8(s.contents).unwrap())
                .collect()
        })
    }

    #[test]
    fn elements_with_any_prefix_in_document_order() {
        let xml = r#"<?xml version="1.0"?><md:EntityDescriptor><ds:KeyInfo><ds:X509Data>
            <ds:X509Certificate>MIIA
            MIIB</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
            <KeyInfo><X509Data><X509Certificate xmlns="http://www.w3.org/2000/09/xmldsig#">MIIC</X509Certificate>
            </X509Data></KeyInfo></md:EntityDescriptor>"#;
        assert_eq!(
            contents(xml),
            Some(vec![
                String::from("MIIA\n            MIIB"),
                String::from("MIIC")
            ])
        );
    }

    #[test]
    fn line_break_references_are_dropped_and_offsets_point_into_the_text() {
        let xml = "<X509Certificate>MIIA&#13;\nMIIB&#xD;</X509Certificate>";
        let found = x509_certificate_elements(xml.as_bytes()).unwrap();
        assert_eq!(found[0].contents, b"MIIA\nMIIB");
        assert!(found[0].rewritten);
        assert_eq!(&xml[found[0].offset..found[0].offset + 4], "MIIA");
    }

    #[test]
    fn other_elements_and_text_are_not_certificates() {
        for xml in [
            "<root/>",
            "<X509CertificateX>MIIA</X509CertificateX>",
            "<a>X509Certificate>MIIA</a>",
            "<X509IssuerSerial>x</X509IssuerSerial>",
            "<X509Certificate>MIIA",
        ] {
            assert_eq!(contents(xml), None, "{xml}");
        }
    }
}
