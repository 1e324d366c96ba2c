//! Thumbprint strings as people type or paste them: cleaned, recognised, and every change reported.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;

/// Which form a (normalised) thumbprint string is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum ThumbprintForm {
    /// 40 hex digits: SHA-1 (IdentityServer3 `X509CertificateThumbprint`).
    #[serde(rename = "sha1")]
    Sha1Hex,
    /// 64 hex digits: SHA-256.
    #[serde(rename = "sha256")]
    Sha256Hex,
    /// 27 base64url characters: `x5t` (SHA-1).
    #[serde(rename = "x5t")]
    X5t,
    /// 43 base64url characters: `x5t#S256` (SHA-256).
    #[serde(rename = "x5t#S256")]
    X5tS256,
}

/// Why a character was removed or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// An invisible formatting character (bidi marks, zero-width characters, BOM, word joiner).
    Invisible,
    /// A space, no-break space, tab or line break.
    Whitespace,
    /// A byte separator such as `:`.
    Separator,
    /// Part of a label such as `SHA1 Fingerprint=`.
    Label,
    /// A `0x` prefix.
    Prefix,
    /// A lowercase hex digit made uppercase.
    CaseFolded,
}

/// One character removed or changed by [`normalize_thumbprint`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Change {
    /// 0-based position in characters (Unicode scalar values) in the text as given.
    pub index: usize,
    /// The character.
    #[serde(rename = "char")]
    pub character: char,
    /// Its code point as `U+XXXX`.
    pub code_point: String,
    /// Its Unicode name (e.g. `LEFT-TO-RIGHT MARK`), or the character itself when printable ASCII.
    pub name: String,
    /// Why it was changed.
    pub kind: ChangeKind,
}

/// A cleaned thumbprint string.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct NormalizedThumbprint {
    /// Uppercase hex for the hex forms; the base64url text for `x5t` forms.
    pub value: String,
    /// The recognised form.
    pub form: ThumbprintForm,
    /// The digest bytes (20 for SHA-1 forms, 32 for SHA-256 forms).
    #[serde(skip)]
    pub digest: Vec<u8>,
    /// What was removed or changed, in input order.
    pub changes: Vec<Change>,
}

/// Cleans and recognises a thumbprint as typed or pasted.
///
/// # Errors
/// [`Error::ThumbprintEmpty`], [`Error::ThumbprintInvalidCharacter`] (with the first offending
/// character and its position) or [`Error::ThumbprintLength`].
pub fn normalize_thumbprint(text: &str) -> Result<NormalizedThumbprint, Error> {
    let _ = text;
    todo!("normalize")
}

/// A character as a person should see it in a message: `'O'` for printable ASCII,
/// `U+200E LEFT-TO-RIGHT MARK` otherwise.
#[must_use]
pub fn describe_char(c: char) -> String {
    let _ = c;
    todo!()
}
