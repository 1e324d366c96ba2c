//! A PEM scanner that works line by line, so that every error can name its line and column.
//!
//! It is deliberately lenient about everything outside the base64 itself, because real files
//! are: any line endings (see [`Lines`]), text before, between and after blocks (OpenSSL's
//! `Bag Attributes`, `subject=` lines, comments, YAML keys, JSON quotes), indentation, a BEGIN
//! line that shares its line with the base64 or the END line (one-line PEM from web forms), and
//! RFC 1421 headers (`Proc-Type:`, `DEK-Info:`) inside a block, which are skipped. It is strict
//! about what would silently change a certificate: a BEGIN without an END, an END whose label
//! differs, and any character in the body that is not base64.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;
use crate::text::{
    Base64Collector, Line, Lines, SkippedCharacters, TextError, find, is_space, trim,
};

const BEGIN: &[u8] = b"-----BEGIN";
const END: &[u8] = b"-----END";
const DASHES: &[u8] = b"-----";

/// One PEM block: its label, where it starts, and where its body is.
#[derive(Debug)]
pub(crate) struct Block<'a> {
    /// The label, e.g. `CERTIFICATE`.
    pub(crate) label: String,
    /// 1-based line of the BEGIN marker.
    pub(crate) line: usize,
    /// Byte offset of the BEGIN marker in the input.
    pub(crate) offset: usize,
    /// Body pieces: (line, start, end) byte ranges of lines.
    body: Vec<(Line<'a>, usize, usize)>,
    /// Lines skipped as RFC 1421 headers (`Name: value`).
    pub(crate) header_lines: usize,
    /// Whether a marker lacked its closing dashes (`-----BEGIN CERTIFICATE` or `----`).
    pub(crate) sloppy_marker: bool,
}

impl Block<'_> {
    /// Decodes the base64 body.
    ///
    /// # Errors
    /// [`Error::InvalidBase64`] naming the line, column and label.
    pub(crate) fn decode(&self) -> Result<(Vec<u8>, Option<SkippedCharacters>), Error> {
        let mut collector = Base64Collector::new();
        for (line, start, end) in &self.body {
            collector
                .push(line, *start, *end)
                .map_err(|e| self.base64_error(e))?;
        }
        if collector.is_empty() {
            return Err(self.base64_error(TextError {
                line: self.line,
                column: 1,
                reason: String::from("the block is empty"),
            }));
        }
        let skipped = collector.skipped();
        let bytes = collector.finish().map_err(|e| self.base64_error(e))?;
        Ok((bytes, skipped))
    }

    fn base64_error(&self, e: TextError) -> Error {
        Error::InvalidBase64 {
            label: Some(self.label.clone()),
            line: Some(e.line),
            column: e.column,
            reason: e.reason,
        }
    }
}

/// Whether `text` holds a PEM BEGIN marker anywhere.
pub(crate) fn has_begin_marker(text: &[u8]) -> bool {
    find(text, BEGIN).is_some()
}

/// Whether `text` is PEM with literal `\n` escapes instead of line breaks (from a JSON string or
/// an environment variable).
pub(crate) fn has_escaped_newlines(text: &[u8]) -> bool {
    find(text, b"-----\\n").is_some() || find(text, b"-----\\r\\n").is_some()
}

/// Reads a marker's label: the text after `-----BEGIN`/`-----END` up to the closing dashes.
/// Returns (label, bytes consumed after the keyword, whether the closing dashes were missing).
fn marker_label(after_keyword: &[u8]) -> (String, usize, bool) {
    match find(after_keyword, DASHES) {
        Some(close) => {
            let label = trim(after_keyword.get(..close).unwrap_or_default());
            // Swallow any extra dashes, as in `-----END CERTIFICATE------`.
            let mut consumed = close + DASHES.len();
            while after_keyword.get(consumed) == Some(&b'-') {
                consumed += 1;
            }
            (String::from_utf8_lossy(label).into_owned(), consumed, false)
        }
        None => {
            // `-----BEGIN CERTIFICATE` or `-----BEGIN CERTIFICATE----`: the label is the rest of
            // the line without trailing dashes.
            let mut label = trim(after_keyword);
            while let Some((b'-', rest)) = label.split_last() {
                label = rest;
            }
            let label = trim(label);
            (
                String::from_utf8_lossy(label).into_owned(),
                after_keyword.len(),
                true,
            )
        }
    }
}

/// Scans PEM text into blocks, in order.
///
/// # Errors
/// [`Error::PemUnterminated`] for a BEGIN without END (also when another BEGIN comes first),
/// [`Error::PemLabelMismatch`] when the END label differs from the BEGIN label.
pub(crate) fn scan(text: &[u8], escaped_newlines: bool) -> Result<Vec<Block<'_>>, Error> {
    let mut blocks = Vec::new();
    let mut open: Option<Block<'_>> = None;
    for line in Lines::new(text, escaped_newlines) {
        let mut pos = 0;
        while pos <= line.text.len() {
            let rest = line.text.get(pos..).unwrap_or_default();
            match open.take() {
                None => {
                    let Some(at) = find(rest, BEGIN) else { break };
                    let after = pos + at + BEGIN.len();
                    let (label, consumed, sloppy) =
                        marker_label(line.text.get(after..).unwrap_or_default());
                    open = Some(Block {
                        label,
                        line: line.number,
                        offset: line.offset + pos + at,
                        body: Vec::new(),
                        header_lines: 0,
                        sloppy_marker: sloppy,
                    });
                    pos = after + consumed;
                }
                Some(mut block) => {
                    let end_at = find(rest, END);
                    if find(rest, BEGIN).is_some_and(|b| end_at.is_none_or(|e| b < e)) {
                        return Err(Error::PemUnterminated {
                            label: block.label,
                            line: block.line,
                        });
                    }
                    let body_end = end_at.map_or(line.text.len(), |e| pos + e);
                    add_body(&mut block, line, pos, body_end);
                    let Some(end_at) = end_at else {
                        open = Some(block);
                        break;
                    };
                    let after = pos + end_at + END.len();
                    let (label, consumed, sloppy) =
                        marker_label(line.text.get(after..).unwrap_or_default());
                    if label != block.label {
                        return Err(Error::PemLabelMismatch {
                            begin: block.label,
                            end: label,
                            line: line.number,
                        });
                    }
                    block.sloppy_marker |= sloppy;
                    blocks.push(block);
                    pos = after + consumed;
                }
            }
        }
    }
    match open {
        Some(block) => Err(Error::PemUnterminated {
            label: block.label,
            line: block.line,
        }),
        None => Ok(blocks),
    }
}

/// Adds `line.text[start..end]` to a block's body, or skips it as an RFC 1421 header.
fn add_body<'a>(block: &mut Block<'a>, line: Line<'a>, start: usize, end: usize) {
    let part = line.text.get(start..end).unwrap_or_default();
    if part.iter().all(|&b| is_space(b)) {
        return;
    }
    // Base64 has no ':', so a line with one is a header (`Proc-Type: 4,ENCRYPTED`). A line that
    // starts with whitespace right after a header continues it.
    let continues_header = block.header_lines > 0
        && block.body.is_empty()
        && part.first().is_some_and(|&b| b == b' ' || b == b'\t');
    if block.body.is_empty() && (part.contains(&b':') || continues_header) {
        block.header_lines += 1;
        return;
    }
    block.body.push((line, start, end));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<(String, usize)> {
        scan(text.as_bytes(), false)
            .unwrap()
            .into_iter()
            .map(|b| (b.label, b.line))
            .collect()
    }

    #[test]
    fn finds_blocks_among_text() {
        let text = "Bag Attributes\n  localKeyID: 01\n-----BEGIN A-----\nQUJD\n-----END A-----\nx\n\
                    -----BEGIN B C-----\nQUJD\n-----END B C-----\n";
        assert_eq!(
            labels(text),
            [(String::from("A"), 3), (String::from("B C"), 7)]
        );
    }

    #[test]
    fn one_line_pem_and_two_blocks_on_a_line() {
        let text = "-----BEGIN A----- QUJD -----END A----- -----BEGIN B-----QUJD-----END B-----";
        let blocks = scan(text.as_bytes(), false).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].decode().unwrap().0, b"ABC");
        assert_eq!(blocks[1].decode().unwrap().0, b"ABC");
        assert_eq!(blocks[1].offset, 39);
    }

    #[test]
    fn headers_are_skipped() {
        let text = "-----BEGIN A-----\nProc-Type: 4,CLEAR\nComment: x\n  continued\n\nQUJD\n-----END A-----\n";
        let blocks = scan(text.as_bytes(), false).unwrap();
        assert_eq!(blocks[0].header_lines, 3);
        assert_eq!(blocks[0].decode().unwrap().0, b"ABC");
    }

    #[test]
    fn unterminated_and_mismatched_blocks_are_errors() {
        let err = scan(b"x\n-----BEGIN A-----\nQUJD\n", false).unwrap_err();
        assert_eq!(
            err,
            Error::PemUnterminated {
                label: String::from("A"),
                line: 2
            }
        );
        let err = scan(b"-----BEGIN A-----\nQUJD\n-----BEGIN B-----\n", false).unwrap_err();
        assert_eq!(
            err,
            Error::PemUnterminated {
                label: String::from("A"),
                line: 1
            }
        );
        let err = scan(b"-----BEGIN A-----\nQUJD\n-----END B-----\n", false).unwrap_err();
        assert_eq!(
            err,
            Error::PemLabelMismatch {
                begin: String::from("A"),
                end: String::from("B"),
                line: 3
            }
        );
    }

    #[test]
    fn sloppy_dashes_are_accepted() {
        let blocks = scan(b"-----BEGIN A----\nQUJD\n-----END A\n", false).unwrap();
        assert_eq!(blocks[0].label, "A");
        assert!(blocks[0].sloppy_marker);
    }

    #[test]
    fn base64_errors_name_line_column_and_label() {
        let blocks = scan(b"-----BEGIN A-----\nQU*D\n-----END A-----\n", false).unwrap();
        assert_eq!(
            blocks[0].decode().unwrap_err(),
            Error::InvalidBase64 {
                label: Some(String::from("A")),
                line: Some(2),
                column: 3,
                reason: String::from("'*' is not a base64 character"),
            }
        );
    }
}
