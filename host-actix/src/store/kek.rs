//! The key-encryption key (KEK): 32 bytes that every replica shares, from `CERTBIND_KEK` (64 hex
//! digits) or `[store] kek_file`. Signing keys are sealed under it with AES-256-GCM (OpenSSL)
//! before they reach the database, with the key id as additional data, so a sealed key cannot be
//! moved to another row.

use std::path::Path;

use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};

use super::StoreError;
use crate::keyfile::KeyFilePolicy;

/// Environment variable holding the KEK.
pub const KEK_ENV: &str = "CERTBIND_KEK";

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// A key-encryption key. Never printed.
pub struct Kek([u8; 32]);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.id())
    }
}

impl Kek {
    /// A fresh random KEK.
    ///
    /// # Errors
    /// OpenSSL's random generator failed.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0_u8; 32];
        openssl::rand::rand_bytes(&mut bytes).map_err(|e| StoreError::Kek(e.to_string()))?;
        Ok(Self(bytes))
    }

    /// Reads 64 hex digits (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`StoreError::Kek`] saying what the text is instead (never echoing it).
    pub fn from_hex(text: &str, source: &str) -> Result<Self, StoreError> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Kek(format!(
                "{source}: expected 64 hex digits (32 bytes; `certbind keys new-kek` makes one), \
                 found {} characters",
                text.chars().count()
            )));
        }
        let mut bytes = [0_u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            let pair = text.get(2 * i..2 * i + 2).unwrap_or("00");
            *byte = u8::from_str_radix(pair, 16).unwrap_or(0);
        }
        Ok(Self(bytes))
    }

    /// The KEK from `CERTBIND_KEK`, else from `file` (checked against `policy` first: a key
    /// file other users can read is refused, see [`crate::keyfile`]).
    ///
    /// # Errors
    /// Neither is set, the file cannot be read (or others can read it), or the text is not 64
    /// hex digits.
    pub fn load(file: Option<&Path>, policy: KeyFilePolicy) -> Result<Self, StoreError> {
        if let Ok(text) = std::env::var(KEK_ENV)
            && !text.is_empty()
        {
            return Self::from_hex(&text, KEK_ENV);
        }
        let Some(file) = file else {
            return Err(StoreError::Kek(format!(
                "no key-encryption key: set {KEK_ENV} (64 hex digits; `certbind keys new-kek`) \
                 or [store] kek_file"
            )));
        };
        crate::keyfile::check(file, policy).map_err(|e| StoreError::Kek(e.to_string()))?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| StoreError::Kek(format!("{}: {e}", file.display())))?;
        Self::from_hex(&text, &file.display().to_string())
    }

    /// The KEK as 64 lowercase hex digits (what `keys new-kek` prints).
    #[must_use]
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A public name for this KEK: the first 8 bytes of its SHA-256, in hex.
    #[must_use]
    pub fn id(&self) -> String {
        openssl::sha::sha256(&self.0)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Seals `plaintext` for the row `kid`: nonce || ciphertext || tag.
    ///
    /// # Errors
    /// OpenSSL failed.
    pub fn seal(&self, kid: &str, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let fail = |e: openssl::error::ErrorStack| StoreError::Kek(e.to_string());
        let mut nonce = [0_u8; NONCE_LEN];
        openssl::rand::rand_bytes(&mut nonce).map_err(fail)?;
        let mut tag = [0_u8; TAG_LEN];
        let ciphertext = encrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(&nonce),
            kid.as_bytes(),
            plaintext,
            &mut tag,
        )
        .map_err(fail)?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len() + TAG_LEN);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed.extend_from_slice(&tag);
        Ok(sealed)
    }

    /// Opens what [`Kek::seal`] made for `kid`.
    ///
    /// # Errors
    /// [`StoreError::Kek`]: too short, or the tag does not verify (another KEK, another row, or
    /// altered bytes).
    pub fn open(&self, kid: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(StoreError::Kek(format!(
                "the sealed key {kid} is {} bytes, too short",
                sealed.len()
            )));
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        decrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(nonce),
            kid.as_bytes(),
            ciphertext,
            tag,
        )
        .map_err(|_| {
            StoreError::Kek(format!(
                "the signing key {kid} does not decrypt with this key-encryption key ({}): a \
                 different {KEK_ENV}, or the row was altered",
                self.id()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_the_same_kek_and_kid() {
        let kek = Kek::generate().unwrap();
        let sealed = kek.seal("kid-1", b"private key").unwrap();
        assert_eq!(kek.open("kid-1", &sealed).unwrap(), b"private key");
        assert!(kek.open("kid-2", &sealed).is_err(), "moved to another row");
        let other = Kek::generate().unwrap();
        let e = other.open("kid-1", &sealed).unwrap_err().to_string();
        assert!(e.contains(&other.id()), "{e}");
        let mut altered = sealed.clone();
        altered[14] ^= 1;
        assert!(kek.open("kid-1", &altered).is_err());
        let again = Kek::from_hex(&kek.to_hex(), "test").unwrap();
        assert_eq!(again.id(), kek.id());
        let e = Kek::from_hex("secret-not-hex", "CERTBIND_KEK")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "never echoed: {e}");
    }
}
