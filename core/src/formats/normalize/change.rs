//! What [`super::normalize_thumbprint`] reports for each character it removed or changed.

use alloc::string::{String, ToString};

use crate::unicode_names::{code_point, unicode_name};

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
    /// A lowercase hex digit made uppercase (kept, not removed).
    CaseFolded,
    /// A `+` or `/` of standard base64 rewritten as the base64url `-` or `_` (kept, not removed).
    StandardBase64,
    /// A base64 `=` padding character.
    Padding,
    /// One of a pair of quotes around the value (`"…"`, `'…'`, `` `…` ``, `“…”`, `‘…’`, `„…“`,
    /// `«…»`), as copied from JSON, YAML, PowerShell or a chat message.
    Quote,
}

impl ChangeKind {
    /// Whether the character was removed (`true`) or kept in a changed form (`false`: case
    /// folding, base64 alphabet).
    #[must_use]
    pub const fn is_removal(self) -> bool {
        !matches!(self, Self::CaseFolded | Self::StandardBase64)
    }
}

/// One character removed or changed by [`normalize_thumbprint`](crate::normalize_thumbprint).
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

impl Change {
    pub(super) fn new(index: usize, character: char, kind: ChangeKind) -> Self {
        let name = if character.is_ascii_graphic() {
            character.to_string()
        } else {
            unicode_name(character).unwrap_or_else(|| code_point(character))
        };
        Self {
            index,
            character,
            code_point: code_point(character),
            name,
            kind,
        }
    }
}
