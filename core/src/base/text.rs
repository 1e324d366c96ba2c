//! Text helpers shared by the PEM scanner and the bare base64 and hex readers: lines with their
//! numbers whatever the line endings are, columns in characters, and base64/hex decoding that
//! names the first bad character by line and column.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// One line of text input, without its line ending.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub(crate) number: usize,
    /// Byte offset of the line's first byte in the input.
    pub(crate) offset: usize,
    /// The line's bytes, without the line ending.
    pub(crate) text: &'a [u8],
}

impl Line<'_> {
    /// 1-based column, in characters, of byte `index` of this line. Counts UTF-8 characters so
    /// that an editor's column matches; bytes that are not UTF-8 count as one column each.
    pub(crate) fn column(&self, index: usize) -> usize {
        let prefix = self.text.get(..index).unwrap_or(self.text);
        prefix.iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1
    }
}

/// Lines of a text, ending at `\n`, `\r\n` or a lone `\r` (old Mac files, and files whose line
/// endings were converted twice). With `escaped_newlines`, the two-character sequences `\n` and
/// `\r` also end a line: PEM pasted from JSON strings and environment variables looks like that.
#[derive(Clone, Debug)]
pub(crate) struct Lines<'a> {
    rest: &'a [u8],
    offset: usize,
    number: usize,
    escaped_newlines: bool,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a [u8], escaped_newlines: bool) -> Self {
        Self {
            rest: text,
            offset: 0,
            number: 0,
            escaped_newlines,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        self.number += 1;
        let escaped = self.escaped_newlines;
        let rest = self.rest;
        // (end of the line's text, length of the line ending)
        let (end, ending) = rest
            .iter()
            .enumerate()
            .find_map(|(i, &b)| match b {
                b'\n' => Some((i, 1)),
                b'\r' if rest.get(i + 1) == Some(&b'\n') => Some((i, 2)),
                b'\r' => Some((i, 1)),
                b'\\' if escaped && matches!(rest.get(i + 1), Some(b'n' | b'r')) => Some((i, 2)),
                _ => None,
            })
            .unwrap_or((rest.len(), 0));
        let (text, after) = rest.split_at(end);
        let line = Line {
            number: self.number,
            offset: self.offset,
            text,
        };
        let consumed = after.get(ending..).unwrap_or_default();
        self.offset += end + ending;
        self.rest = consumed;
        Some(line)
    }
}

/// Whether `b` is whitespace that may appear anywhere in base64 or hex text.
pub(crate) const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// Finds `needle` in `haystack`. Scans for the first byte and compares only there: the needles
/// are PEM markers, which start with `-`, a byte base64 lines never hold.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        if haystack.get(at + 1..at + needle.len()) == Some(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `haystack` without leading and trailing whitespace.
pub(crate) fn trim(haystack: &[u8]) -> &[u8] {
    let start = haystack
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(haystack.len());
    let end = haystack
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    haystack.get(start..end).unwrap_or_default()
}

/// Text in double quotes for a message, with what would not show escaped: `"` and `\\` as in
/// Rust string literals, `\n`, `\r`, `\t`, `\0`, other control characters and the invisible ones
/// people paste (spaces other than U+0020, zero-width characters, direction marks, the
/// byte-order mark) as `\u{…}`.
///
/// Why not `{:?}`: Rust's `Debug` for `str` brings in the standard library's Unicode
/// printability tables and string-escape machinery (about 2 KB of the npm package, gzipped) for
/// the same result on the text these messages quote.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl core::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use core::fmt::Write as _;

        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\0' => f.write_str("\\0")?,
                ' ' => f.write_char(' ')?,
                c if c.is_control()
                    || c.is_whitespace()
                    || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                        | '\u{2060}'..='\u{2064}' | '\u{feff}') =>
                {
                    write!(f, "\\u{{{:x}}}", u32::from(c))?;
                }
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

/// The character at the start of `bytes`, as a person should see it in a message: `'*'`,
/// `U+00A0`, or `byte 0xFF` when the bytes are not UTF-8.
pub(crate) fn describe_at(bytes: &[u8]) -> String {
    match char_at(bytes) {
        Some(' ') => String::from("a space"),
        // `'c'`, or `U+00A0 NO-BREAK SPACE` for the characters certbind has names for.
        Some(c) => crate::describe_char(c),
        None => format!("byte 0x{:02X}", bytes.first().copied().unwrap_or(0)),
    }
}

/// The UTF-8 character `bytes` start with, if they start with one.
fn char_at(bytes: &[u8]) -> Option<char> {
    let head = bytes.get(..bytes.len().min(4)).unwrap_or_default();
    (1..=head.len()).find_map(|n| {
        head.get(..n)
            .and_then(|h| core::str::from_utf8(h).ok())
            .and_then(|s| s.chars().next())
    })
}

/// A problem in text input, before it is turned into an [`crate::Error`] with its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TextError {
    /// 1-based line.
    pub(crate) line: usize,
    /// 1-based column in characters.
    pub(crate) column: usize,
    /// What is wrong there.
    pub(crate) reason: String,
}

/// The base64 alphabet seen so far: standard (`+/`) or URL-safe (`-_`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alphabet {
    Unknown,
    Standard,
    Url,
}

/// Collects base64 characters from lines of text, checking each one and remembering where it
/// was, then decodes them. Accepts padded and unpadded text, the standard and the URL-safe
/// alphabet (not both in one text), and whitespace anywhere.
#[derive(Debug)]
pub(crate) struct Base64Collector {
    chars: Vec<u8>,
    alphabet: Alphabet,
    /// Where the first `=` was (line, column), once padding has started.
    padding_at: Option<(usize, usize)>,
    padding: usize,
    /// The line and byte index of the last character, for errors about the text as a whole.
    /// (Columns are computed only for errors: counting characters for every byte would make
    /// long single-line inputs quadratic.)
    last_at: (usize, usize),
    /// The column of `last_at`, once computed.
    last_column: usize,
    /// Non-ASCII spaces and invisible characters skipped, if any.
    skipped: Option<SkippedCharacters>,
}

/// Non-ASCII spaces and invisible formatting characters (U+00A0, U+200B, U+FEFF…) skipped
/// inside base64: e-mail and chat clients insert them, and no base64 character is lost by
/// skipping them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SkippedCharacters {
    /// The first one, and where it was (1-based line and column).
    pub(crate) first: char,
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// How many.
    pub(crate) count: usize,
}

impl Base64Collector {
    pub(crate) fn new() -> Self {
        Self {
            chars: Vec::new(),
            alphabet: Alphabet::Unknown,
            padding_at: None,
            padding: 0,
            last_at: (1, 0),
            last_column: 1,
            skipped: None,
        }
    }

    /// The non-ASCII spaces and invisible characters skipped so far.
    pub(crate) const fn skipped(&self) -> Option<SkippedCharacters> {
        self.skipped
    }

    /// Whether no base64 character has been collected yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.chars.is_empty() && self.padding == 0
    }

    /// Adds the bytes `line.text[start..end]`.
    pub(crate) fn push(
        &mut self,
        line: &Line<'_>,
        start: usize,
        end: usize,
    ) -> Result<(), TextError> {
        let part = line.text.get(start..end).unwrap_or_default();
        let mut i = 0;
        while let Some(&b) = part.get(i) {
            let index = start + i;
            i += 1;
            if is_space(b) {
                continue;
            }
            if !b.is_ascii()
                && let Some(c) = char_at(part.get(index - start..).unwrap_or_default())
                && (c.is_whitespace() || crate::unicode_names::is_invisible(c))
            {
                i += c.len_utf8() - 1;
                match &mut self.skipped {
                    Some(skipped) => skipped.count += 1,
                    None => {
                        self.skipped = Some(SkippedCharacters {
                            first: c,
                            line: line.number,
                            column: line.column(index),
                            count: 1,
                        });
                    }
                }
                continue;
            }
            let bad = |reason: String| TextError {
                line: line.number,
                column: line.column(index),
                reason,
            };
            let alphabet = match b {
                b'+' | b'/' => Alphabet::Standard,
                b'-' | b'_' => Alphabet::Url,
                b'=' => {
                    if self.padding == 2 {
                        return Err(bad(String::from("more than two '=' padding characters")));
                    }
                    if self.padding_at.is_none() {
                        self.padding_at = Some((line.number, line.column(index)));
                    }
                    self.padding += 1;
                    self.last_at = (line.number, index);
                    continue;
                }
                b if b.is_ascii_alphanumeric() => Alphabet::Unknown,
                _ => {
                    let what = describe_at(line.text.get(index..).unwrap_or_default());
                    return Err(bad(format!("{what} is not a base64 character")));
                }
            };
            if let Some((pl, pc)) = self.padding_at {
                return Err(bad(format!(
                    "'{}' after the '=' padding at line {pl}, column {pc}",
                    char::from(b)
                )));
            }
            match (self.alphabet, alphabet) {
                (_, Alphabet::Unknown) => {}
                (Alphabet::Unknown, a) => self.alphabet = a,
                (a, b) if a == b => {}
                _ => {
                    return Err(bad(format!(
                        "'{}' mixes the URL-safe and the standard base64 alphabets",
                        char::from(b)
                    )));
                }
            }
            self.chars.push(b);
            self.last_at = (line.number, index);
        }
        if self.last_at.0 == line.number {
            self.last_column = line.column(self.last_at.1);
        }
        Ok(())
    }

    /// Whether the URL-safe alphabet was used.
    pub(crate) fn is_url_safe(&self) -> bool {
        self.alphabet == Alphabet::Url
    }

    /// Decodes everything collected.
    pub(crate) fn finish(self) -> Result<Vec<u8>, TextError> {
        let (line, column) = (self.last_at.0, self.last_column);
        let bad = |reason: String| TextError {
            line,
            column,
            reason,
        };
        let n = self.chars.len();
        if self.padding > 0 && !(n + self.padding).is_multiple_of(4) {
            return Err(bad(format!(
                "{n} base64 characters and {} '=' do not make whole 4-character groups",
                self.padding
            )));
        }
        if n % 4 == 1 {
            return Err(bad(format!(
                "{n} base64 characters cannot be whole bytes: one is missing or one too many"
            )));
        }
        // Every character was checked in `push`: the only failure left is a last character with
        // unused bits that are not zero.
        crate::base64::decode(&self.chars, self.alphabet == Alphabet::Url).ok_or_else(|| {
            bad(String::from(
                "the last base64 characters do not encode whole bytes (corrupted end?)",
            ))
        })
    }
}

/// Decodes hex text: pairs of hex digits, with whitespace and `:` separators allowed anywhere
/// and an optional `0x` or `\x` prefix. Errors carry the byte offset in `text`.
pub(crate) fn decode_hex(text: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let start = text
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(text.len());
    let prefixed = matches!(text.get(start..start + 2), Some(b"0x" | b"0X" | b"\\x"));
    let body_start = if prefixed { start + 2 } else { start };
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<(u8, usize)> = None;
    for (i, &b) in text.iter().enumerate().skip(body_start) {
        if is_space(b) || b == b':' {
            continue;
        }
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => {
                let what = describe_at(text.get(i..).unwrap_or_default());
                return Err((i, format!("{what} is not a hex digit")));
            }
        };
        match high.take() {
            Some((h, _)) => out.push(h << 4 | digit),
            None => high = Some((digit, i)),
        }
    }
    if let Some((_, at)) = high {
        return Err((
            at,
            format!(
                "odd number of hex digits ({}): the last one has no pair",
                out.len() * 2 + 1
            ),
        ));
    }
    Ok(out)
}

/// Whether `text` is only hex digits, whitespace and `:` (after an optional `0x` prefix), with
/// at least one digit.
pub(crate) fn is_hex_text(text: &[u8]) -> bool {
    let t = trim(text);
    let t = match t.get(..2) {
        Some(b"0x" | b"0X" | b"\\x") => t.get(2..).unwrap_or_default(),
        _ => t,
    };
    t.iter().any(u8::is_ascii_hexdigit)
        && t.iter()
            .all(|&b| b.is_ascii_hexdigit() || b == b':' || is_space(b))
}

/// Whether `text` is only base64 characters (either alphabet), `=` and whitespace, with at least
/// one base64 character.
pub(crate) fn is_base64_text(text: &[u8]) -> bool {
    text.iter().any(u8::is_ascii_alphanumeric)
        && text.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'/' | b'-' | b'_' | b'=')
                || is_space(b)
        })
}

/// Base64 found inside another text format (a JSON `x5c` string, an XML `<X509Certificate>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EmbeddedBase64 {
    /// Byte offset of the base64 in the text.
    pub(crate) offset: usize,
    /// The base64, with the host format's escapes undone (JSON's `\/`, XML's `&#13;`).
    pub(crate) contents: Vec<u8>,
    /// Whether `contents` differs from the text at `offset` (an escape was undone), so that
    /// positions in it are not positions in the text.
    pub(crate) rewritten: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, escaped: bool) -> Vec<(usize, usize, &str)> {
        Lines::new(text.as_bytes(), escaped)
            .map(|l| (l.number, l.offset, core::str::from_utf8(l.text).unwrap()))
            .collect()
    }

    #[test]
    fn quoted_escapes_like_rust_debug_for_what_it_escapes() {
        use super::Quoted;
        // Rust's own `Debug` is the reference for every character both escape.
        for text in [
            "plain CN=Müller, O=Ünïcödé",
            "quote \" and backslash \\",
            "line\nbreak\r\ttab \u{0}\u{1b}\u{7f}\u{85}",
            "zero\u{200b}width \u{200e}mark\u{feff} nbsp\u{a0} soft\u{ad}hyphen",
            "",
        ] {
            assert_eq!(
                alloc::format!("{}", Quoted(text)),
                alloc::format!("{text:?}")
            );
        }
    }

    #[test]
    fn lines_end_at_lf_crlf_and_lone_cr() {
        assert_eq!(
            lines("a\nb\r\nc\rd", false),
            [(1, 0, "a"), (2, 2, "b"), (3, 5, "c"), (4, 7, "d")]
        );
        assert_eq!(
            lines("a\r\r\nb\n", false),
            [(1, 0, "a"), (2, 2, ""), (3, 4, "b")]
        );
    }

    #[test]
    fn escaped_newlines_split_only_when_asked() {
        assert_eq!(lines("a\\nb", false), [(1, 0, "a\\nb")]);
        assert_eq!(
            lines("a\\nb\\r\\nc", true),
            [(1, 0, "a"), (2, 3, "b"), (3, 6, ""), (4, 8, "c")]
        );
    }

    #[test]
    fn find_finds_the_first_occurrence() {
        assert_eq!(find(b"a--b---c", b"---"), Some(4));
        assert_eq!(find(b"------", b"---"), Some(0));
        assert_eq!(find(b"--", b"---"), None);
        assert_eq!(find(b"abc", b""), None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let line = Line {
            number: 1,
            offset: 0,
            text: "äb*".as_bytes(),
        };
        assert_eq!(line.column(3), 3);
    }

    #[test]
    fn hex_accepts_separators_and_prefix() {
        assert_eq!(
            decode_hex(b"0x30:82 0A\n"),
            Ok(alloc::vec![0x30, 0x82, 0x0A])
        );
        assert_eq!(decode_hex(b"30 8").unwrap_err().0, 3);
        assert_eq!(
            decode_hex(b"30zz").unwrap_err(),
            (2, String::from("'z' is not a hex digit"))
        );
    }

    #[test]
    fn base64_collector_reports_the_bad_character() {
        let mut c = Base64Collector::new();
        let line = Line {
            number: 7,
            offset: 0,
            text: b"  QUJD*",
        };
        let err = c.push(&line, 0, line.text.len()).unwrap_err();
        assert_eq!((err.line, err.column), (7, 7));
        assert_eq!(err.reason, "'*' is not a base64 character");
    }

    #[test]
    fn base64_collector_decodes_padded_unpadded_and_url_safe() {
        for (text, expected) in [("QUI=", &b"AB"[..]), ("QUI", b"AB"), ("-_8", b"\xfb\xff")] {
            let mut c = Base64Collector::new();
            let line = Line {
                number: 1,
                offset: 0,
                text: text.as_bytes(),
            };
            c.push(&line, 0, text.len()).unwrap();
            assert_eq!(c.finish().unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn base64_collector_rejects_data_after_padding() {
        let mut c = Base64Collector::new();
        let line = Line {
            number: 1,
            offset: 0,
            text: b"QQ==QQ",
        };
        let err = c.push(&line, 0, 6).unwrap_err();
        assert_eq!(err.column, 5);
    }
}
