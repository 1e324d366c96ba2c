//! Percent-decoding of forwarded PEM (nginx, Envoy, AWS ALB, Traefik): certbind-core's decoder,
//! the one `certbind thumbprint` also uses for pasted URL-encoded PEM, with its error as a
//! [`Problem`]. A `+` stays a `+` ([`Plus::Literal`]): base64 uses it and ALB and Traefik 3
//! leave it unescaped.

use certbind_core::{Error, Plus, percent_decode};

use super::Problem;

/// Decodes every `%XX`; any other byte is kept.
///
/// # Errors
/// [`Problem::BadPercentEncoding`] for a `%` not followed by two hex digits.
pub(super) fn decode(input: &[u8]) -> Result<Vec<u8>, Problem> {
    percent_decode(input, Plus::Literal).map_err(|e| Problem::BadPercentEncoding {
        // The decoder's only error; its offset is where the bad `%` is.
        offset: match e {
            Error::InvalidPercentEncoding { offset } => offset,
            _ => 0,
        },
    })
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
