//! Base64 (RFC 4648 §4) and base64url (§5) without padding: the encoding of `x5t` thumbprints and
//! the decoding of PEM bodies and pasted values.
//!
//! Written out here instead of using `base64ct` because everything it handles is public data
//! (certificates, digests), so the constant-time code base64ct is built for only costs size in the
//! npm package. The decoder accepts exactly what `base64ct`'s unpadded decoders accept (the tests
//! compare the two): characters of the one alphabet, a length that makes whole bytes, and zero
//! unused bits in the last character (a canonical encoding).

use alloc::string::String;
use alloc::vec::Vec;

const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url of `bytes`, without padding.
pub(crate) fn encode_url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut group = [0_u8; 3];
        for (slot, &b) in group.iter_mut().zip(chunk) {
            *slot = b;
        }
        let bits = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        for i in 0..=chunk.len() {
            let index = (bits >> (18 - 6 * i)) & 0x3F;
            out.push(URL.get(index as usize).map_or('A', |&c| char::from(c)));
        }
    }
    out
}

/// Character values: 0–63, with `STANDARD_ONLY` or `URL_ONLY` set for `+/` and `-_`, and
/// `INVALID` for bytes of neither alphabet. A table, because decoding a large PEM bundle is
/// mostly this lookup.
// Evaluated by the compiler: an index out of bounds would be a compile error.
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        table[b'A' as usize + i] = i as u8;
        table[b'a' as usize + i] = 26 + i as u8;
        if i < 10 {
            table[b'0' as usize + i] = 52 + i as u8;
        }
        i += 1;
    }
    table[b'+' as usize] = 62 | STANDARD_ONLY;
    table[b'/' as usize] = 63 | STANDARD_ONLY;
    table[b'-' as usize] = 62 | URL_ONLY;
    table[b'_' as usize] = 63 | URL_ONLY;
    table
};
const INVALID: u8 = 0xFF;
const STANDARD_ONLY: u8 = 0x40;
const URL_ONLY: u8 = 0x80;

/// The value of one base64 character (`url`: base64url), if it is one.
fn value(c: u8, url: bool) -> Option<u32> {
    let v = VALUES.get(usize::from(c)).copied().unwrap_or(INVALID);
    let wrong = if url { STANDARD_ONLY } else { URL_ONLY };
    (v & wrong == 0).then_some(u32::from(v & 0x3F))
}

/// Decodes unpadded base64 (`url`: base64url). `None` for a character outside the alphabet, a
/// length that cannot be whole bytes, or a last character whose unused bits are not zero.
pub(crate) fn decode(text: &[u8], url: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let mut chunks = text.chunks_exact(4);
    for chunk in &mut chunks {
        let mut bits = 0;
        for &c in chunk {
            bits = bits << 6 | value(c, url)?;
        }
        out.extend_from_slice(bits.to_be_bytes().get(1..).unwrap_or_default());
    }
    let rest = chunks.remainder();
    let mut bits = 0;
    for &c in rest {
        bits = bits << 6 | value(c, url)?;
    }
    // 2 characters are 12 bits (one byte and 4 unused bits), 3 are 18 (two bytes and 2).
    let (bytes, unused) = match rest.len() {
        0 => return Some(out),
        2 => (1, 4),
        3 => (2, 2),
        _ => return None,
    };
    if bits & ((1 << unused) - 1) != 0 {
        return None;
    }
    let whole = (bits >> unused).to_be_bytes();
    out.extend_from_slice(whole.get(4 - bytes..).unwrap_or_default());
    Some(out)
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64Unpadded, Base64UrlUnpadded, Encoding};

    use super::*;

    #[test]
    fn agrees_with_base64ct() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in 0..80 {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
                let url = Base64UrlUnpadded::encode_string(&bytes);
                assert_eq!(encode_url(&bytes), url);
                assert_eq!(decode(url.as_bytes(), true), Some(bytes.clone()));
                let standard = Base64Unpadded::encode_string(&bytes);
                assert_eq!(decode(standard.as_bytes(), false), Some(bytes));
            }
        }
        // Damaged text: every character of both alphabets (and others) in every position of
        // short values, compared with base64ct's verdict.
        let chars: Vec<u8> = (0..=127).collect();
        for len in 1..=6 {
            for _ in 0..3000 {
                let text: Vec<u8> = (0..len)
                    .map(|_| chars[usize::try_from(next() % 128).unwrap()])
                    .collect();
                let Ok(s) = core::str::from_utf8(&text) else {
                    continue;
                };
                assert_eq!(
                    decode(&text, true),
                    Base64UrlUnpadded::decode_vec(s).ok(),
                    "{s:?}"
                );
                assert_eq!(
                    decode(&text, false),
                    Base64Unpadded::decode_vec(s).ok(),
                    "{s:?}"
                );
            }
        }
    }
}
