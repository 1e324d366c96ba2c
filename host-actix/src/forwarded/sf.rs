//! The part of RFC 8941 (Structured Field Values) that RFC 9440 uses: a Byte Sequence item
//! (`:base64:`) and a List of them.
//!
//! Parameters and inner lists are refused: RFC 9440 defines none, and no proxy sends them. As
//! RFC 8941 §4.2.7 asks, missing `=` padding and non-zero pad bits are tolerated.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

use super::Problem;

/// Standard alphabet, padding optional, non-zero trailing bits allowed (RFC 8941 §4.2.7).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A field holding one Byte Sequence (RFC 8941 §4.2: leading and trailing spaces discarded).
///
/// # Errors
/// [`Problem::StructuredField`] or [`Problem::BadBase64`].
pub(super) fn item(input: &[u8]) -> Result<Vec<u8>, Problem> {
    let mut pos = skip(input, 0, b" ");
    let bytes = byte_sequence(input, &mut pos, 0)?;
    no_parameters(input, pos)?;
    pos = skip(input, pos, b" ");
    if pos < input.len() {
        return Err(syntax(
            pos,
            if input.get(pos) == Some(&b',') {
                "a single Byte Sequence is expected, not a list"
            } else {
                "unexpected text after the Byte Sequence"
            },
        ));
    }
    Ok(bytes)
}

/// A field holding a List of Byte Sequences (RFC 8941 §4.2.1); an empty field is an empty list.
/// `first_item` numbers the items in errors when several field lines are read in turn.
///
/// # Errors
/// [`Problem::StructuredField`] or [`Problem::BadBase64`].
pub(super) fn list(input: &[u8], first_item: usize) -> Result<Vec<Vec<u8>>, Problem> {
    let mut items = Vec::new();
    let mut pos = skip(input, 0, b" ");
    while pos < input.len() {
        items.push(byte_sequence(input, &mut pos, first_item + items.len())?);
        no_parameters(input, pos)?;
        pos = skip(input, pos, b" \t");
        if pos >= input.len() {
            break;
        }
        if input.get(pos) != Some(&b',') {
            return Err(syntax(pos, "expected ',' between list members"));
        }
        pos = skip(input, pos + 1, b" \t");
        if pos >= input.len() {
            return Err(syntax(pos, "a list must not end with ','"));
        }
    }
    Ok(items)
}

/// `:base64:` at `*pos`; moves `*pos` past it.
fn byte_sequence(input: &[u8], pos: &mut usize, item: usize) -> Result<Vec<u8>, Problem> {
    match input.get(*pos) {
        Some(b':') => {}
        Some(b'(') => return Err(syntax(*pos, "inner lists are not allowed here")),
        _ => return Err(syntax(*pos, "expected ':' starting a Byte Sequence")),
    }
    let start = *pos + 1;
    let rest = input.get(start..).unwrap_or_default();
    let len = rest
        .iter()
        .position(|b| *b == b':')
        .ok_or_else(|| syntax(*pos, "the Byte Sequence has no closing ':'"))?;
    let body = rest.get(..len).unwrap_or_default();
    if let Some(i) = body
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(*b, b'+' | b'/' | b'=')))
    {
        return Err(syntax(
            start + i,
            "a Byte Sequence holds only base64 characters",
        ));
    }
    *pos = start + len + 1;
    LENIENT.decode(body).map_err(|e| Problem::BadBase64 {
        item,
        reason: e.to_string(),
    })
}

fn no_parameters(input: &[u8], pos: usize) -> Result<(), Problem> {
    if input.get(pos) == Some(&b';') {
        return Err(syntax(
            pos,
            "parameters are not defined for certificate fields",
        ));
    }
    Ok(())
}

fn skip(input: &[u8], from: usize, space: &[u8]) -> usize {
    input
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| !space.contains(b)))
        .map_or(input.len(), |i| from + i)
}

const fn syntax(offset: usize, reason: &'static str) -> Problem {
    Problem::StructuredField { offset, reason }
}

/// Standard base64 with padding, as RFC 8941 §4.1.8 serialises a Byte Sequence (for tests and
/// for documentation of the format).
#[cfg(test)]
pub(super) fn serialize(bytes: &[u8]) -> String {
    format!(
        ":{}:",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_lists_parse() {
        assert_eq!(item(b"  :AQID:  ").unwrap(), vec![1, 2, 3]);
        assert_eq!(item(serialize(&[9; 7]).as_bytes()).unwrap(), vec![9; 7]);
        // RFC 8941 §4.2.7: missing padding is tolerated.
        assert_eq!(item(b":AQI:").unwrap(), vec![1, 2]);
        assert_eq!(
            list(b":AQID:, :BAU=:,:Bg==:", 0).unwrap(),
            vec![vec![1, 2, 3], vec![4, 5], vec![6]]
        );
        assert_eq!(list(b"", 0).unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn syntax_errors_name_the_offset() {
        let offset = |input: &[u8], as_list: bool| match if as_list {
            list(input, 0).map(|_| ())
        } else {
            item(input).map(|_| ())
        } {
            Err(Problem::StructuredField { offset, .. }) => offset,
            other => panic!("{input:?}: {other:?}"),
        };
        assert_eq!(offset(b"AQID", false), 0);
        assert_eq!(offset(b":AQID", false), 0);
        assert_eq!(offset(b":AQ-D:", false), 3);
        assert_eq!(offset(b":AQID:;a=1", false), 6);
        assert_eq!(offset(b":AQID:, :BAU=:", false), 6);
        assert_eq!(offset(b":AQID:,", true), 7);
        assert_eq!(offset(b":AQID: :BAU=:", true), 7);
        assert_eq!(offset(b"(:AQID:)", true), 0);
        assert!(matches!(
            item(b":A:").unwrap_err(),
            Problem::BadBase64 { item: 0, .. }
        ));
    }
}
