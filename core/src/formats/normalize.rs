//! Thumbprint strings as people type or paste them: cleaned, recognised, and every change reported.
//!
//! # What is removed (and reported)
//! - invisible formatting characters: bidi marks, embeddings, overrides and isolates
//!   (U+200E, U+200F, U+061C, U+202A–U+202E, U+2066–U+2069), zero-width characters
//!   (U+200B–U+200D, U+2060–U+2064, U+FEFF), soft hyphen, variation selectors and the other
//!   default-ignorable format characters listed in `unicode_names::is_invisible`;
//! - every Unicode `White_Space` character: spaces, no-break spaces (U+00A0, U+202F), tabs, line
//!   breaks (CR, LF, U+2028, U+2029), the typographic spaces U+2000–U+200A, U+3000;
//! - a label at the start, before `=` or `:` (case-insensitive): `SHA1 Fingerprint=` (as
//!   `openssl x509 -fingerprint` prints it), `sha256 Fingerprint=`, `Thumbprint:` (PowerShell),
//!   `Thumbprint =`, `Fingerprint:`, `SHA1:`/`SHA256:` (keytool), `x5t:`, `x5t#S256:`,
//!   `Cert Hash(sha1):` (certutil);
//! - a pair of quotes around the value or the whole text (`"…"`, `'…'`, `` `…` ``, `“…”`, `‘…’`,
//!   `„…“`, `«…»`), as copied from JSON, YAML, PowerShell or a chat message;
//! - a `0x` prefix before hex digits;
//! - `:` or `-` between the bytes of a hex thumbprint;
//! - `=` padding after base64.
//!
//! # What is changed (and reported)
//! - lowercase hex digits become uppercase (certbind prints hex thumbprints in uppercase, like
//!   Windows and IdentityServer);
//! - `+` and `/` of the standard base64 alphabet become `-` and `_` (base64url, RFC 4648 §5).
//!
//! # Policies
//! - **Hex or base64?** 40 hex digits are a SHA-1 thumbprint and 64 a SHA-256 one, never base64
//!   (even though hex digits are base64 characters too); 27 and 43 characters are `x5t` and
//!   `x5t#S256` (an odd count can never be hex). When the text has characters that are neither,
//!   the intent is guessed from the length (27/43 is base64) and from how many non-hex letters it
//!   has, so that a SHA-1 thumbprint with an `O` typo is reported as "'O' is not a hex digit".
//! - **Separators** `:` (OpenSSL, keytool) and `-` (.NET `BitConverter`) are accepted when they
//!   separate *every* byte (`AB:CD:…`, `AB-CD-…`), one kind per thumbprint. Anything else — a
//!   group of 1 or 3+ digits, two separators in a row, a separator at the end, `:` and `-` mixed —
//!   means the text was damaged or is something else (a GUID has hyphens too), and is rejected at
//!   that character. Spaces may appear anywhere (Windows shows `61 b7 54 …`; text gets wrapped).
//! - **`0x` prefix**: accepted once, at the start of a hex value.
//! - **Fullwidth digits and letters** (U+FF10–U+FF19, U+FF21–U+FF26, U+FF41–U+FF46, typed with an
//!   East Asian input method) and other look-alikes (Cyrillic `А`, `С`, `Е`, Greek `Α`, `Β`, `Ε`,
//!   dashes other than `-`) are **rejected**, naming the character and what it looks like.
//!   Accepting them would be convenient, but the same text would still be wrong in every other
//!   tool's configuration (IdentityServer compares the string), and silently mapping look-alikes
//!   to digits is how a confusable value slips past a review.
//! - **Standard base64** (`+`, `/`, `=` padding) where base64url is expected is accepted and
//!   reported: it is the same digest and unambiguous, as long as one value does not mix `+`/`/`
//!   with `-`/`_` (rejected). The final character must encode zero padding bits (the value must be
//!   canonical).
//! - **A label names a form**: `SHA256 Fingerprint=` followed by 40 hex digits is rejected rather
//!   than silently read as SHA-1.
//! - **Bounded**: at most 4096 bytes of text are read; longer text is [`Error::InputTooLarge`].

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use subtle::ConstantTimeEq;

use crate::unicode_names::{ascii_lookalike, is_invisible};

mod change;
mod summary;

pub use change::{Change, ChangeKind};

use crate::{DigestAlgorithm, Error, Thumbprints};

/// Longest text [`normalize_thumbprint`] reads, in bytes (a SHA-256 thumbprint with separators,
/// a label and generous whitespace is under 200).
const MAX_INPUT_BYTES: usize = 4096;

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

impl ThumbprintForm {
    /// The digest algorithm of this form: SHA-1 for `sha1` and `x5t`, SHA-256 for `sha256` and
    /// `x5t#S256`.
    #[must_use]
    pub const fn algorithm(self) -> DigestAlgorithm {
        match self {
            Self::Sha1Hex | Self::X5t => DigestAlgorithm::Sha1,
            Self::Sha256Hex | Self::X5tS256 => DigestAlgorithm::Sha256,
        }
    }

    /// The form's name as people know it: `SHA-1 thumbprint`, `SHA-256 thumbprint`, `x5t`,
    /// `x5t#S256`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Sha1Hex => "SHA-1 thumbprint",
            Self::Sha256Hex => "SHA-256 thumbprint",
            Self::X5t => "x5t",
            Self::X5tS256 => "x5t#S256",
        }
    }
}

impl Thumbprints {
    /// Whether a normalised thumbprint is this certificate's thumbprint in its form (SHA-1 for
    /// 40 hex digits and `x5t`, SHA-256 for 64 hex digits and `x5t#S256`).
    ///
    /// The digest bytes are compared in constant time ([`subtle`]), so that a server comparing a
    /// presented certificate with a registered thumbprint leaks nothing through timing about how
    /// many leading bytes agreed. The key hash ([`Thumbprints::spki_sha256`]) never matches.
    #[must_use]
    pub fn matches(&self, expected: &NormalizedThumbprint) -> bool {
        let ours = self.digest(expected.form.algorithm());
        // Lengths are public (they follow from the form); `ct_eq` returns false when they differ.
        bool::from(ours.ct_eq(expected.digest.as_slice()))
    }
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
    /// The changes summed up by kind, one line each, as `certbind normalize` prints them:
    /// `removed invisible U+200E LEFT-TO-RIGHT MARK at position 0`, `removed 19 whitespace
    /// character(s) (U+0020 SPACE), first at position 3`, `made 16 lowercase hex digit(s)
    /// uppercase`. Empty when nothing changed.
    pub summary: Vec<String>,
}

/// Cleans and recognises a thumbprint as typed or pasted.
///
/// See the [module documentation](self) for what is removed, what is changed, and the policies
/// for separators, `0x`, fullwidth digits and standard base64.
///
/// # Errors
/// [`Error::InputTooLarge`] beyond 4096 bytes, [`Error::ThumbprintEmpty`],
/// [`Error::ThumbprintInvalidCharacter`] (the first offending character, its 0-based position in
/// characters, and what was expected there) or [`Error::ThumbprintLength`].
pub fn normalize_thumbprint(text: &str) -> Result<NormalizedThumbprint, Error> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::InputTooLarge {
            size: text.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    // Two lists of changes, each in input order: the characters removed outright, and those
    // of the label and the value. They are merged at the end.
    let mut removed = Vec::new();
    let mut changes = Vec::new();
    let mut kept: Vec<(usize, char)> = Vec::with_capacity(text.len());
    for (index, c) in text.chars().enumerate() {
        if let Some(kind) = invisible_kind(c) {
            removed.push(Change::new(index, c, kind));
        } else {
            kept.push((index, c));
        }
    }
    // Quotes around the whole text (`"SHA1 Fingerprint=…"`), then around the value after a
    // label (`Thumbprint: '…'`). The closing quotes are the last characters: they are added to
    // `changes` after the value's own changes, to keep it in input order.
    let mut closing = Vec::new();
    let kept = unquote(&kept, &mut changes, &mut closing);
    let (label, body) = match find_label(kept) {
        Some((label, len)) => {
            let (label_chars, body) = kept.split_at(len.min(kept.len()));
            changes.extend(
                label_chars
                    .iter()
                    .map(|&(i, c)| Change::new(i, c, ChangeKind::Label)),
            );
            (Some(label), body)
        }
        None => (None, kept),
    };
    let body = if label.is_some() {
        unquote(body, &mut changes, &mut closing)
    } else {
        body
    };
    if body.is_empty() {
        return Err(Error::ThumbprintEmpty);
    }
    let mut result = match choose_encoding(body, label) {
        ValueEncoding::Hex { prefix } => normalize_hex(body, prefix, &mut changes)?,
        ValueEncoding::Base64 => normalize_base64(body, &mut changes)?,
    };
    if let Some(label) = label {
        check_label_agrees(label, &result)?;
    }
    changes.extend(closing.into_iter().rev());
    result.changes = merge_by_index(removed, changes);
    result.summary = summary::summarize(&result.changes);
    Ok(result)
}

/// Pairs of quotes a value may be enclosed in.
const QUOTES: &[(char, char)] = &[
    ('"', '"'),
    ('\'', '\''),
    ('`', '`'),
    ('\u{201C}', '\u{201D}'), // “ ” (word processors, chat clients)
    ('\u{2018}', '\u{2019}'), // ‘ ’
    ('\u{201E}', '\u{201C}'), // „ “ (German)
    ('\u{00AB}', '\u{00BB}'), // « » (French)
];

/// `chars` without one pair of quotes that encloses all of it, reporting the opening quote in
/// `changes` and the closing one in `closing`. A lone or mismatched quote is left for the value
/// checks to reject.
fn unquote<'a>(
    chars: &'a [(usize, char)],
    changes: &mut Vec<Change>,
    closing: &mut Vec<Change>,
) -> &'a [(usize, char)] {
    if let [(i, open), inner @ .., (j, close)] = chars
        && QUOTES.contains(&(*open, *close))
    {
        changes.push(Change::new(*i, *open, ChangeKind::Quote));
        closing.push(Change::new(*j, *close, ChangeKind::Quote));
        return inner;
    }
    chars
}

/// Merges two lists of changes that are each in input order (no index is in both).
fn merge_by_index(a: Vec<Change>, b: Vec<Change>) -> Vec<Change> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.index < y.index => a.next(),
            (Some(_), Some(_)) | (None, _) => b.next(),
            (Some(_), None) => a.next(),
        };
        match next {
            Some(change) => out.push(change),
            None => return out,
        }
    }
}

/// Whether `c` is removed outright, and why. Base64 bodies skip the same characters
/// ([`crate::text::Base64Collector`]).
fn invisible_kind(c: char) -> Option<ChangeKind> {
    if c.is_whitespace() {
        return Some(ChangeKind::Whitespace);
    }
    is_invisible(c).then_some(ChangeKind::Invisible)
}

/// What a label at the start of the text says about the value that follows.
#[derive(Clone, Copy, Debug)]
struct Label {
    /// The label's words without spaces, lowercase, before the `=`/`:`.
    compact: &'static str,
    /// The digest algorithm it names, if any.
    algorithm: Option<DigestAlgorithm>,
    /// The exact form it names, if any (`x5t`, `x5t#S256`).
    form: Option<ThumbprintForm>,
}

const fn label(
    compact: &'static str,
    algorithm: Option<DigestAlgorithm>,
    form: Option<ThumbprintForm>,
) -> Label {
    Label {
        compact,
        algorithm,
        form,
    }
}

/// Labels recognised at the start, compared without whitespace and case.
const LABELS: &[Label] = {
    use DigestAlgorithm::{Sha1, Sha256};
    &[
        label("sha1fingerprint", Some(Sha1), None),
        label("sha-1fingerprint", Some(Sha1), None),
        label("sha256fingerprint", Some(Sha256), None),
        label("sha-256fingerprint", Some(Sha256), None),
        label("sha1thumbprint", Some(Sha1), None),
        label("sha-1thumbprint", Some(Sha1), None),
        label("sha256thumbprint", Some(Sha256), None),
        label("sha-256thumbprint", Some(Sha256), None),
        // certutil -dump (Windows): `Cert Hash(sha1): 61 b7 54 …`.
        label("certhash(sha1)", Some(Sha1), None),
        label("certhash(sha256)", Some(Sha256), None),
        label("certificatethumbprint", None, None),
        label("thumbprint", None, None),
        label("fingerprint", None, None),
        label("x5t#s256", Some(Sha256), Some(ThumbprintForm::X5tS256)),
        label("x5t", Some(Sha1), Some(ThumbprintForm::X5t)),
        label("sha1", Some(Sha1), None),
        label("sha-1", Some(Sha1), None),
        label("sha256", Some(Sha256), None),
        label("sha-256", Some(Sha256), None),
    ]
};

/// The longest label that the kept characters start with, followed by `=` or `:`, and how many
/// kept characters it spans (the separator included).
fn find_label(kept: &[(usize, char)]) -> Option<(Label, usize)> {
    LABELS
        .iter()
        .filter_map(|l| {
            let n = l.compact.len();
            let words = kept.get(..n)?;
            let matches = words
                .iter()
                .zip(l.compact.chars())
                .all(|(&(_, c), w)| c.to_ascii_lowercase() == w);
            let separated = matches!(kept.get(n), Some((_, '=' | ':')));
            (matches && separated).then_some((*l, n + 1))
        })
        .max_by_key(|(_, len)| *len)
}

/// The encoding a body is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueEncoding {
    Hex { prefix: bool },
    Base64,
}

fn is_separator(c: char) -> bool {
    c == ':' || c == '-'
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/')
}

/// Decides whether the body is meant as hex or as base64 (see the module's policies).
fn choose_encoding(body: &[(usize, char)], label: Option<Label>) -> ValueEncoding {
    if label.is_some_and(|l| l.form.is_some()) {
        return ValueEncoding::Base64;
    }
    let has_prefix = matches!(body, [(_, '0'), (_, 'x' | 'X'), ..]);
    let hexish = |s: &[(usize, char)]| {
        s.iter()
            .all(|&(_, c)| c.is_ascii_hexdigit() || is_separator(c))
    };
    let data_len = body.iter().filter(|&&(_, c)| c != '=').count();
    let base64_length = data_len == 27 || data_len == 43;
    // With "0x", 27 or 43 characters cannot be a hex thumbprint (25 or 41 digits): base64.
    if has_prefix && !base64_length {
        return ValueEncoding::Hex { prefix: true };
    }
    if body.iter().any(|&(_, c)| c == ':') {
        return ValueEncoding::Hex { prefix: false };
    }
    if hexish(body) {
        // 27 and 43 are odd: never a hex thumbprint, with or without separators.
        return if base64_length {
            ValueEncoding::Base64
        } else {
            ValueEncoding::Hex { prefix: false }
        };
    }
    let all_base64 = body.iter().all(|&(_, c)| is_base64_char(c) || c == '=');
    let non_hex = body
        .iter()
        .filter(|&&(_, c)| !c.is_ascii_hexdigit() && !is_separator(c))
        .count();
    // A hex thumbprint with a typo has one or two non-hex characters; random base64 has about
    // two thirds.
    if base64_length || (all_base64 && non_hex * 3 > body.len()) {
        ValueEncoding::Base64
    } else {
        ValueEncoding::Hex { prefix: false }
    }
}

fn invalid(index: usize, character: char, expected: impl Into<String>) -> Error {
    Error::ThumbprintInvalidCharacter {
        character,
        index,
        expected: expected.into(),
    }
}

/// What was expected instead of `c` where a hex digit belongs, with a hint for look-alikes.
fn hex_expectation(c: char) -> String {
    const HEX: &str = "a hex digit (0-9, A-F)";
    match c {
        'O' | 'o' => format!("{HEX}; '{c}' is a letter: did you mean the digit '0'?"),
        'I' | 'l' => format!("{HEX}; '{c}' is a letter: did you mean the digit '1'?"),
        _ => match ascii_lookalike(c) {
            Some(a) if is_fullwidth(c) => format!(
                "{HEX}; this is the fullwidth form of '{a}' (typed with an East Asian input \
                 method): certbind does not accept look-alikes, retype it as ASCII"
            ),
            Some('-') => format!("{HEX}; this dash is not '-' (U+002D HYPHEN-MINUS)"),
            Some(a) => format!("{HEX}; this character looks like '{a}' but is not ASCII"),
            None => HEX.to_string(),
        },
    }
}

/// What was expected instead of `c` where a base64url character belongs.
fn base64_expectation(c: char) -> String {
    const B64: &str = "a base64url character (A-Z, a-z, 0-9, '-', '_')";
    match ascii_lookalike(c) {
        Some(a) if is_fullwidth(c) => format!(
            "{B64}; this is the fullwidth form of '{a}': certbind does not accept look-alikes"
        ),
        Some(a) => format!("{B64}; this character looks like '{a}' but is not ASCII"),
        None => B64.to_string(),
    }
}

fn is_fullwidth(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c)
}

/// Reads hex digits with optional `0x` prefix and byte separators.
fn normalize_hex(
    body: &[(usize, char)],
    prefix: bool,
    changes: &mut Vec<Change>,
) -> Result<NormalizedThumbprint, Error> {
    let digits_part = if prefix {
        let (p, rest) = body.split_at(2.min(body.len()));
        changes.extend(
            p.iter()
                .map(|&(i, c)| Change::new(i, c, ChangeKind::Prefix)),
        );
        rest
    } else {
        body
    };
    let separator = digits_part
        .iter()
        .map(|&(_, c)| c)
        .find(|&c| is_separator(c));
    let mut value = String::with_capacity(64);
    let mut group = 0usize; // digits since the last separator
    let mut last_separator = None;
    for &(i, c) in digits_part {
        if c.is_ascii_hexdigit() {
            if let Some(sep) = separator
                && group == 2
            {
                return Err(invalid(
                    i,
                    c,
                    format!(
                        "'{sep}': with separators, every byte is 2 hex digits (AB{sep}CD{sep}…)"
                    ),
                ));
            }
            group += 1;
            if c.is_ascii_lowercase() {
                changes.push(Change::new(i, c, ChangeKind::CaseFolded));
            }
            value.push(c.to_ascii_uppercase());
        } else if let (Some(sep), true) = (separator, is_separator(c)) {
            if c != sep {
                return Err(invalid(
                    i,
                    c,
                    format!(
                        "a hex digit or '{sep}': this thumbprint separates its bytes with '{sep}'"
                    ),
                ));
            }
            match group {
                2 => {}
                0 => return Err(invalid(i, c, "a hex digit (0-9, A-F) before a separator")),
                _ => {
                    return Err(invalid(
                        i,
                        c,
                        "a second hex digit: separators go between bytes of 2 hex digits",
                    ));
                }
            }
            group = 0;
            last_separator = Some((i, c));
            changes.push(Change::new(i, c, ChangeKind::Separator));
        } else {
            return Err(invalid(i, c, hex_expectation(c)));
        }
    }
    if let (0, Some((i, c))) = (group, last_separator) {
        return Err(invalid(
            i,
            c,
            "a hex digit after the separator: it must not end the value",
        ));
    }
    let count = value.len();
    let form = match count {
        40 => ThumbprintForm::Sha1Hex,
        64 => ThumbprintForm::Sha256Hex,
        _ => {
            let unit = if count == 1 {
                "hex digit"
            } else {
                "hex digits"
            };
            let expected = if count < 52 {
                "a SHA-1 thumbprint has 40 (a SHA-256 thumbprint 64)"
            } else {
                "a SHA-256 thumbprint has 64 (a SHA-1 thumbprint 40)"
            };
            return Err(Error::ThumbprintLength {
                found: count,
                expected: format!("{unit}; {expected}"),
            });
        }
    };
    let digest = value
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let text = core::str::from_utf8(pair).unwrap_or("00");
            u8::from_str_radix(text, 16).unwrap_or(0)
        })
        .collect();
    Ok(NormalizedThumbprint {
        value,
        form,
        digest,
        changes: Vec::new(),
        summary: Vec::new(),
    })
}

/// Reads base64url (or standard base64, converted) of a SHA-1 or SHA-256 digest.
fn normalize_base64(
    body: &[(usize, char)],
    changes: &mut Vec<Change>,
) -> Result<NormalizedThumbprint, Error> {
    let mut value = String::with_capacity(43);
    let mut standard: Option<char> = None; // first '+' or '/' seen
    let mut url: Option<char> = None; // first '-' or '_' seen
    let mut padding: Vec<(usize, char)> = Vec::new();
    let mut last_data = None;
    for &(i, c) in body {
        if c == '=' {
            padding.push((i, c));
            continue;
        }
        if !padding.is_empty() {
            return Err(invalid(
                i,
                c,
                "nothing after '=': padding may only end a base64 value",
            ));
        }
        match c {
            _ if c.is_ascii_alphanumeric() => value.push(c),
            '-' | '_' => {
                if let Some(s) = standard {
                    return Err(invalid(i, c, mixed_alphabets(s)));
                }
                url.get_or_insert(c);
                value.push(c);
            }
            '+' | '/' => {
                if let Some(u) = url {
                    return Err(invalid(i, c, mixed_alphabets(u)));
                }
                standard.get_or_insert(c);
                changes.push(Change::new(i, c, ChangeKind::StandardBase64));
                value.push(if c == '+' { '-' } else { '_' });
            }
            _ => return Err(invalid(i, c, base64_expectation(c))),
        }
        last_data = Some((i, c));
    }
    let count = value.len();
    let form = match count {
        27 => ThumbprintForm::X5t,
        43 => ThumbprintForm::X5tS256,
        _ => {
            let unit = if count == 1 {
                "base64url character"
            } else {
                "base64url characters"
            };
            return Err(Error::ThumbprintLength {
                found: count,
                expected: format!("{unit}; an x5t has 27 (an x5t#S256 43)"),
            });
        }
    };
    // 27 and 43 characters both leave one character of padding to a multiple of 4.
    if let Some(&(i, c)) = padding.get(1) {
        return Err(invalid(
            i,
            c,
            "no second '=': this base64 value takes one padding character",
        ));
    }
    changes.extend(
        padding
            .iter()
            .map(|&(i, c)| Change::new(i, c, ChangeKind::Padding)),
    );
    let digest = crate::base64::decode(value.as_bytes(), true).ok_or_else(|| {
        // Every character is in the alphabet and the length is right, so the only way to fail
        // is a final character whose unused low bits are not zero (a non-canonical encoding).
        let (i, c) = last_data.unwrap_or((0, '?'));
        invalid(
            i,
            c,
            "a final character whose unused bits are zero (one of A E I M Q U Y c g k o s w 0 4 \
             8): the value is damaged or not a digest",
        )
    })?;
    Ok(NormalizedThumbprint {
        value,
        form,
        digest,
        changes: Vec::new(),
        summary: Vec::new(),
    })
}

fn mixed_alphabets(first: char) -> String {
    format!(
        "a base64url character (A-Z, a-z, 0-9, '-', '_'); '{first}' earlier in the value is from \
         the other base64 alphabet, and one value cannot mix '+'/'/' with '-'/'_'"
    )
}

/// A label that names an algorithm or a form must agree with what was found.
fn check_label_agrees(label: Label, result: &NormalizedThumbprint) -> Result<(), Error> {
    let algorithm_differs = label
        .algorithm
        .is_some_and(|a| a != result.form.algorithm());
    let form_differs = label.form.is_some_and(|f| f != result.form);
    if !(algorithm_differs || form_differs) {
        return Ok(());
    }
    let (count, unit) = match result.form {
        ThumbprintForm::Sha1Hex | ThumbprintForm::Sha256Hex => (result.value.len(), "hex digits"),
        _ => (result.value.len(), "base64url characters"),
    };
    let announced = match (label.form, label.algorithm) {
        (Some(ThumbprintForm::X5t), _) => "an x5t (27 base64url characters)",
        (Some(_), _) => "an x5t#S256 (43 base64url characters)",
        (None, Some(DigestAlgorithm::Sha1)) => "a SHA-1 thumbprint (40 hex digits)",
        (None, _) => "a SHA-256 thumbprint (64 hex digits)",
    };
    Err(Error::ThumbprintLength {
        found: count,
        expected: format!(
            "{unit} make {} {}, but the label at the start announces {announced}",
            article(result.form),
            result.form.label()
        ),
    })
}

fn article(form: ThumbprintForm) -> &'static str {
    match form {
        ThumbprintForm::X5t | ThumbprintForm::X5tS256 => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_name_their_algorithm() {
        assert_eq!(ThumbprintForm::X5t.algorithm(), DigestAlgorithm::Sha1);
        assert_eq!(ThumbprintForm::Sha1Hex.algorithm(), DigestAlgorithm::Sha1);
        assert_eq!(ThumbprintForm::X5tS256.algorithm(), DigestAlgorithm::Sha256);
        assert_eq!(
            ThumbprintForm::Sha256Hex.algorithm(),
            DigestAlgorithm::Sha256
        );
    }
}
