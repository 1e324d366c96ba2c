//! Percent-decoding (RFC 3986 §2.1) of URL-encoded PEM, as nginx, Envoy and AWS ALB write it.
//!
//! Only `%XX` sequences are decoded. A `+` stays a `+`: it is a base64 character, and AWS ALB
//! ("`+`, `=`, `/` as safe characters") and Traefik 3 leave it unescaped, so the
//! form-encoding rule that turns `+` into a space would corrupt the certificate.

use super::Problem;

/// Decodes every `%XX`; any other byte is kept.
///
/// # Errors
/// [`Problem::BadPercentEncoding`] for a `%` not followed by two hex digits.
pub(super) fn decode(input: &[u8]) -> Result<Vec<u8>, Problem> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input.iter().enumerate();
    while let Some((offset, &b)) = rest.next() {
        if b == b'%' {
            let bad = || Problem::BadPercentEncoding { offset };
            let hi = rest.next().and_then(|(_, c)| hex(*c)).ok_or_else(bad)?;
            let lo = rest.next().and_then(|(_, c)| hex(*c)).ok_or_else(bad)?;
            out.push(hi << 4 | lo);
        } else {
            out.push(b);
        }
    }
    Ok(out)
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
    fn decodes_escapes_and_keeps_plus() {
        assert_eq!(decode(b"a%0Ab%2fc+d%3D").unwrap(), b"a\nb/c+d=");
    }

    #[test]
    fn a_bad_escape_names_its_offset() {
        for (input, offset) in [(&b"ab%zz"[..], 2), (b"%4", 0), (b"x%", 1), (b"%%41", 0)] {
            assert_eq!(
                decode(input).unwrap_err(),
                Problem::BadPercentEncoding { offset },
                "{input:?}"
            );
        }
    }
}
