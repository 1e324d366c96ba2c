//! BER to DER for PKCS#12 (RFC 7292 allows BER): BouncyCastle (Java keystores, EJBCA) and
//! Apple Keychain write indefinite lengths and OCTET STRINGs split into constructed segments
//! (X.690 §8.1.3.6, §8.7.3). Each level the PKCS#12 reader opens (the PFX, the AuthenticatedSafe
//! inside the data OCTET STRING, each SafeContents) is re-encoded with definite lengths and
//! joined OCTET STRINGs before it is read with `der`.
//!
//! Primitive values are copied as they are, and OCTET STRING contents are not opened here: the
//! MAC is computed over the AuthenticatedSafe's bytes as written, and certificates must be
//! hashed as they are. A constructed `[0]` is kept constructed (its contents re-encoded),
//! because only the reader knows whether it is an EXPLICIT tag or an IMPLICIT OCTET STRING in
//! segments ([`super::asn1`] joins the latter).

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use der::Encode;

/// Deepest nesting read (the `der` crate's own limit).
const MAX_DEPTH: usize = 64;

const CONSTRUCTED: u8 = 0x20;
const OCTET_STRING: u8 = 0x04;

/// `der` as DER: borrowed when it has no BER-only encodings, re-encoded otherwise.
///
/// # Errors
/// What is wrong and at which byte, for `Pkcs12Malformed`: a truncated value, a length over
/// four bytes, an indefinite length on a primitive value, a missing end-of-contents, nesting
/// over 64 levels, a non-OCTET STRING segment.
pub(super) fn to_der(der: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let mut out = Vec::with_capacity(der.len());
    let mut converter = Converter {
        input: der,
        changed: false,
    };
    let end = converter.value(0, 0, &mut out)?;
    if end != der.len() {
        // Trailing bytes: leave them for the DER reader to report.
        out.extend_from_slice(der.get(end..).unwrap_or_default());
    }
    Ok(if converter.changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(der)
    })
}

struct Converter<'a> {
    input: &'a [u8],
    /// Whether anything was re-encoded.
    changed: bool,
}

/// A value's header: where its tag starts, the tag bytes' end, and its contents.
struct Header {
    tag_end: usize,
    constructed: bool,
    /// The universal OCTET STRING tag (primitive or constructed).
    octet_string: bool,
    contents: usize,
    /// `None` for an indefinite length.
    length: Option<usize>,
}

impl Converter<'_> {
    fn byte(&self, at: usize) -> Result<u8, String> {
        self.input
            .get(at)
            .copied()
            .ok_or_else(|| format!("BER value cut short at byte {at}"))
    }

    fn header(&self, at: usize) -> Result<Header, String> {
        let first = self.byte(at)?;
        let mut i = at + 1;
        if first & 0x1F == 0x1F {
            // High tag number: base-128 digits, the last without its top bit.
            while self.byte(i)? & 0x80 != 0 {
                i += 1;
            }
            i += 1;
        }
        let tag_end = i;
        let n = self.byte(i)?;
        i += 1;
        let length = match n {
            0x80 => None,
            n if n < 0x80 => Some(usize::from(n)),
            0x81..=0x84 => {
                let mut length = 0usize;
                for _ in 0..(n & 0x7F) {
                    length = (length << 8) | usize::from(self.byte(i)?);
                    i += 1;
                }
                Some(length)
            }
            _ => return Err(format!("BER length of more than four bytes at byte {at}")),
        };
        let constructed = first & CONSTRUCTED != 0;
        if length.is_none() && !constructed {
            return Err(format!(
                "BER indefinite length on a primitive value at byte {at}"
            ));
        }
        if let Some(length) = length
            && i.checked_add(length)
                .is_none_or(|end| end > self.input.len())
        {
            return Err(format!(
                "BER value at byte {at} is longer than the {} bytes left",
                self.input.len().saturating_sub(i)
            ));
        }
        Ok(Header {
            tag_end,
            constructed,
            octet_string: first & !CONSTRUCTED == OCTET_STRING,
            contents: i,
            length,
        })
    }

    /// Re-encodes the value at `at` into `out`; the offset after it.
    fn value(&mut self, at: usize, depth: usize, out: &mut Vec<u8>) -> Result<usize, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "BER nested more than {MAX_DEPTH} deep at byte {at}"
            ));
        }
        let h = self.header(at)?;
        if !h.constructed {
            let end = h.contents + h.length.unwrap_or(0);
            out.extend_from_slice(self.input.get(at..end).unwrap_or_default());
            return Ok(end);
        }
        if h.length.is_none() {
            self.changed = true;
        }
        let mut contents = Vec::new();
        let end = if h.octet_string {
            // A constructed OCTET STRING: the segments' contents, joined, as a primitive one.
            self.changed = true;
            let end = self.segments(&h, at, depth, &mut contents)?;
            out.push(OCTET_STRING);
            end
        } else {
            let end = self.children(&h, depth, &mut contents, |c, at, depth, out| {
                c.value(at, depth, out)
            })?;
            out.extend_from_slice(self.input.get(at..h.tag_end).unwrap_or_default());
            end
        };
        push_length(out, contents.len())?;
        out.extend_from_slice(&contents);
        Ok(end)
    }

    /// Appends the contents of the OCTET STRING segments of the constructed value `h` to `out`.
    fn segments(
        &mut self,
        h: &Header,
        at: usize,
        depth: usize,
        out: &mut Vec<u8>,
    ) -> Result<usize, String> {
        self.children(h, depth, out, |c, seg_at, depth, out| {
            let seg = c.header(seg_at)?;
            if !seg.octet_string {
                return Err(format!(
                    "BER OCTET STRING at byte {at} has a segment that is not an OCTET STRING at byte {seg_at}"
                ));
            }
            if seg.constructed {
                return c.segments(&seg, seg_at, depth, out);
            }
            let end = seg.contents + seg.length.unwrap_or(0);
            out.extend_from_slice(c.input.get(seg.contents..end).unwrap_or_default());
            Ok(end)
        })
    }

    /// Runs `each` on every child of the constructed value `h`, to its definite end or to the
    /// end-of-contents; the offset after the value.
    fn children(
        &mut self,
        h: &Header,
        depth: usize,
        out: &mut Vec<u8>,
        mut each: impl FnMut(&mut Self, usize, usize, &mut Vec<u8>) -> Result<usize, String>,
    ) -> Result<usize, String> {
        let mut i = h.contents;
        match h.length {
            Some(length) => {
                let end = h.contents + length;
                while i < end {
                    i = each(self, i, depth + 1, out)?;
                }
                if i != end {
                    return Err(format!("BER value overruns its length at byte {i}"));
                }
                Ok(end)
            }
            None => loop {
                if self.input.get(i..i + 2) == Some(&[0, 0][..]) {
                    return Ok(i + 2);
                }
                if i >= self.input.len() {
                    return Err(format!(
                        "BER indefinite-length value at byte {} has no end-of-contents",
                        h.contents.saturating_sub(2)
                    ));
                }
                i = each(self, i, depth + 1, out)?;
            },
        }
    }
}

/// Appends a DER length (der's encoder: the short form below 128, else the fewest bytes).
fn push_length(out: &mut Vec<u8>, length: usize) -> Result<(), String> {
    der::Length::try_from(length)
        .and_then(|l| l.encode_to_vec(out))
        .map(|_| ())
        .map_err(|e| format!("BER value of {length} bytes: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn der_is_borrowed_as_it_is() {
        let der = [0x30, 0x05, 0x04, 0x01, 0xAA, 0xA0, 0x00];
        assert!(matches!(to_der(&der).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn indefinite_lengths_become_definite_and_segments_are_joined() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" },
        //                         [0] (indefinite) { INTEGER 5 } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0xA0,
            0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00,
        ];
        let der = to_der(&ber).unwrap();
        assert_eq!(
            der.as_ref(),
            [
                0x30, 0x0A, 0x04, 0x03, b'a', b'b', b'c', 0xA0, 0x03, 0x02, 0x01, 0x05
            ]
        );
    }

    #[test]
    fn long_contents_get_long_form_lengths() {
        let mut ber = vec![0x24, 0x80];
        for _ in 0..3 {
            ber.extend_from_slice(&[0x04, 0x64]);
            ber.extend_from_slice(&[0x11; 100]);
        }
        ber.extend_from_slice(&[0, 0]);
        let der = to_der(&ber).unwrap();
        assert_eq!(der.get(..4), Some(&[0x04, 0x82, 0x01, 0x2C][..]));
        assert_eq!(der.len(), 4 + 300);
    }

    #[test]
    fn malformed_ber_names_the_byte() {
        for (ber, needle) in [
            (&[0x30, 0x80, 0x02, 0x01, 0x05][..], "no end-of-contents"),
            (&[0x04, 0x80, 0x00, 0x00], "primitive"),
            (&[0x30, 0x85, 1, 1, 1, 1, 1], "more than four bytes"),
            (&[0x30, 0x05, 0x02, 0x01], "longer than"),
            (
                &[0x24, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00],
                "not an OCTET STRING",
            ),
        ] {
            let err = to_der(ber).unwrap_err();
            assert!(err.contains(needle), "{ber:02X?}: {err}");
        }
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(to_der(&deep).unwrap_err().contains("nested"));
    }
}
