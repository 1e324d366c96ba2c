//! RFC 7591 dynamic client registration and RFC 7592 management: the tokens that guard them
//! (only their SHA-256 is ever stored or configured) and the metadata ↔ client definition
//! mapping ([`metadata`]), which hands every registration to certbind-core's one validator.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) mod metadata;

/// Reads a configured token hash: the SHA-256 of a token as 64 hex digits.
///
/// # Errors
/// A message saying what was expected (the configured value is not echoed: a pasted token
/// would otherwise reach the log).
pub(crate) fn parse_token_hash(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let mut out = [0_u8; 32];
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = text
                .get(2 * i..2 * i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .unwrap_or(0);
        }
        return Ok(out);
    }
    Err(format!(
        "expected the SHA-256 of an initial access token as 64 hex digits (`certbind registration \
         new-token` prints one), found {} characters; never the token itself",
        text.chars().count()
    ))
}

/// SHA-256 of a token as presented.
pub(crate) fn token_sha256(token: &str) -> [u8; 32] {
    openssl::sha::sha256(token.as_bytes())
}

/// Hex of a hash, for config lines.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random token (32 bytes, base64url) and its SHA-256.
///
/// # Errors
/// OpenSSL's random generator failed.
pub(crate) fn new_token() -> Result<(String, [u8; 32]), openssl::error::ErrorStack> {
    let mut bytes = [0_u8; 32];
    openssl::rand::rand_bytes(&mut bytes)?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_sha256(&token);
    Ok((token, hash))
}

/// A fresh client_id (16 random bytes, base64url: 22 characters of `[A-Za-z0-9_-]`).
///
/// # Errors
/// OpenSSL's random generator failed.
pub(crate) fn new_client_id() -> Result<String, openssl::error::ErrorStack> {
    let mut bytes = [0_u8; 16];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `presented`'s SHA-256 is `expected`, compared in constant time.
pub(crate) fn token_is(presented: &str, expected: &[u8]) -> bool {
    let hash = token_sha256(presented);
    expected.len() == hash.len() && openssl::memcmp::eq(&hash, expected)
}

/// Which configured initial access token `presented` is (its index), compared in constant
/// time against each.
pub(crate) fn initial_token_index(presented: &str, configured: &[[u8; 32]]) -> Option<usize> {
    let hash = token_sha256(presented);
    let mut found = None;
    for (i, expected) in configured.iter().enumerate() {
        if openssl::memcmp::eq(&hash, expected) && found.is_none() {
            found = Some(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_by_their_hash_only() {
        let (token, hash) = new_token().unwrap();
        assert_eq!(token.len(), 43);
        let configured = [[0_u8; 32], hash];
        assert_eq!(initial_token_index(&token, &configured), Some(1));
        assert_eq!(initial_token_index("guess", &configured), None);
        assert!(token_is(&token, &hash));
        assert!(!token_is(&token, &hash[..31]));
        assert_eq!(parse_token_hash(&hex(&hash)).unwrap(), hash);
        let e = parse_token_hash(&token).unwrap_err();
        assert!(!e.contains(&token), "the token is never echoed");
    }
}
