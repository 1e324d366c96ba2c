//! Percent-decoding (RFC 3986 §2.1) of URL-encoded PEM: what nginx (`$ssl_client_escaped_cert`),
//! Envoy (`x-forwarded-client-cert`'s `Cert=`), AWS ALB and Traefik forward, and what people copy
//! from those headers in logs. The server's forwarded-certificate readers and [`crate::decode`]
//! share this one decoder.

use alloc::vec::Vec;

use crate::Error;
use crate::text::find;

/// What a `+` means in percent-encoded text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plus {
    /// A `+` is a `+` (RFC 3986). Base64 uses `+`, and AWS ALB ("`+`, `=`, `/` as safe
    /// characters") and Traefik 3 leave it unescaped, so reading it as a space would corrupt the
    /// certificate.
    Literal,
    /// A `+` is a space (HTML form encoding, Java's `URLEncoder`): such text writes `-----BEGIN+`
    /// and escapes base64's own `+` as `%2B`.
    Space,
}

/// Decodes every `%XX` (either case of hex digits); every other byte is kept, but for `+` under
/// [`Plus::Space`].
///
/// # Errors
/// [`Error::InvalidPercentEncoding`] with the byte offset of a `%` that is not followed by two
/// hex digits.
pub fn percent_decode(input: &[u8], plus: Plus) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input.iter().enumerate();
    while let Some((offset, &b)) = rest.next() {
        match b {
            b'%' => {
                let bad = || Error::InvalidPercentEncoding { offset };
                let hi = rest.next().and_then(|(_, c)| hex(*c)).ok_or_else(bad)?;
                let lo = rest.next().and_then(|(_, c)| hex(*c)).ok_or_else(bad)?;
                out.push(hi << 4 | lo);
            }
            b'+' if plus == Plus::Space => out.push(b' '),
            _ => out.push(b),
        }
    }
    Ok(out)
}

/// Whether `text` holds URL-encoded PEM, and how it encodes a space. The space in
/// `-----BEGIN CERTIFICATE-----` is what gives it away: `%20` (or `+` in form encoding) never
/// occurs in PEM as written.
pub(crate) fn url_encoded_pem(text: &[u8]) -> Option<Plus> {
    if find(text, b"-----BEGIN%20").is_some() {
        Some(Plus::Literal)
    } else if find(text, b"-----BEGIN+").is_some() {
        Some(Plus::Space)
    } else {
        None
    }
}

const fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_in_either_case_and_keeps_a_literal_plus() {
        assert_eq!(
            percent_decode(b"a%0Ab%2fc+d%3D", Plus::Literal).unwrap(),
            b"a\nb/c+d="
        );
    }

    #[test]
    fn form_encoding_reads_plus_as_space_and_keeps_an_escaped_plus() {
        assert_eq!(
            percent_decode(b"-----BEGIN+CERTIFICATE-----%0AMI%2B", Plus::Space).unwrap(),
            b"-----BEGIN CERTIFICATE-----\nMI+"
        );
    }

    #[test]
    fn a_bad_escape_names_its_offset() {
        for (input, offset) in [(&b"ab%zz"[..], 2), (b"%4", 0), (b"x%", 1), (b"%%41", 0)] {
            assert_eq!(
                percent_decode(input, Plus::Literal).unwrap_err(),
                Error::InvalidPercentEncoding { offset },
                "{input:?}"
            );
        }
    }

    #[test]
    fn url_encoded_pem_is_recognised_by_its_encoded_space() {
        assert_eq!(
            url_encoded_pem(b"Cert=\"-----BEGIN%20CERTIFICATE-----%0A"),
            Some(Plus::Literal)
        );
        assert_eq!(
            url_encoded_pem(b"-----BEGIN+CERTIFICATE-----%0A"),
            Some(Plus::Space)
        );
        assert_eq!(url_encoded_pem(b"-----BEGIN CERTIFICATE-----\n"), None);
    }
}
