//! Certificates in JSON as JOSE writes them (RFC 7517 §4.7): an `x5c` array of base64 DER
//! strings, pasted alone (`["MIIC…", "MIID…"]`), inside a JWK, or inside a JWKS
//! (`{"keys": [{…, "x5c": [...]}, …]}`), which is how an OAuth server publishes the certificates
//! behind its keys.
//!
//! Not a JSON parser: a scanner that skips strings correctly (so brackets inside them do not
//! count) and picks out the string elements of every `x5c` array, in document order. Anything it
//! does not recognise is left to the caller's "unrecognised format" message.

use alloc::vec::Vec;

use crate::text::EmbeddedBase64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Open(u8),
    Close(u8),
    Colon,
    Comma,
    /// A string: the range of its contents.
    String(usize, usize),
    /// A number, `true`, `false`, `null` or anything else outside a string.
    Other,
}

/// The `x5c` strings of `text`, which starts with `[` or `{` (after whitespace): every element
/// of a top-level array of strings, or of every array under an `"x5c"` key. `None` when there
/// are none (not JSON, or JSON without certificates).
pub(crate) fn x5c_strings(text: &[u8]) -> Option<Vec<EmbeddedBase64>> {
    let tokens = tokenize(text)?;
    let mut found = Vec::new();
    match tokens.first() {
        Some(Token::Open(b'[')) => {
            // A bare x5c array: strings separated by commas, nothing else.
            let end = string_array(tokens.get(1..)?, text, &mut found)?;
            if end + 1 != tokens.len() {
                return None;
            }
        }
        Some(Token::Open(b'{')) => {
            let mut i = 0;
            while let Some(token) = tokens.get(i) {
                i += 1;
                if let Token::String(s, e) = *token
                    && text.get(s..e) == Some(b"x5c".as_slice())
                    && tokens.get(i) == Some(&Token::Colon)
                    && tokens.get(i + 1) == Some(&Token::Open(b'['))
                {
                    let rest = tokens.get(i + 2..)?;
                    i += 2 + string_array(rest, text, &mut found)?;
                }
            }
        }
        _ => return None,
    }
    (!found.is_empty()).then_some(found)
}

/// Reads `"…", "…" ]` (the tokens after a `[`) into `found`; the number of tokens read,
/// including the `]`. `None` when an element is not a string.
fn string_array(tokens: &[Token], text: &[u8], found: &mut Vec<EmbeddedBase64>) -> Option<usize> {
    let mut i = 0;
    loop {
        match tokens.get(i)? {
            Token::Close(b']') if i == 0 => return Some(1),
            Token::String(s, e) => {
                let contents = unescape_slashes(text.get(*s..*e)?);
                found.push(EmbeddedBase64 {
                    offset: *s,
                    rewritten: contents.len() != e - s,
                    contents,
                });
                match tokens.get(i + 1)? {
                    Token::Comma => i += 2,
                    Token::Close(b']') => return Some(i + 2),
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

fn unescape_slashes(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'\\' && tail.first() == Some(&b'/') {
            out.push(b'/');
            rest = tail.get(1..).unwrap_or_default();
        } else {
            out.push(b);
            rest = tail;
        }
    }
    out
}

/// Splits `text` into JSON tokens; `None` at an unterminated string.
fn tokenize(text: &[u8]) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'{' | b'[' => tokens.push(Token::Open(b)),
            b'}' | b']' => tokens.push(Token::Close(b)),
            b':' => tokens.push(Token::Colon),
            b',' => tokens.push(Token::Comma),
            b'"' => {
                let start = i + 1;
                let mut j = start;
                loop {
                    match text.get(j)? {
                        b'"' => break,
                        b'\\' => j += 2,
                        _ => j += 1,
                    }
                }
                tokens.push(Token::String(start, j));
                i = j;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => {
                if tokens.last() != Some(&Token::Other) {
                    tokens.push(Token::Other);
                }
            }
        }
        i += 1;
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    fn contents(text: &str) -> Option<Vec<String>> {
        x5c_strings(text.as_bytes()).map(|v| {
            v.into_iter()
                .map(|s| String::from_utf8(s.contents).unwrap())
                .collect()
        })
    }

    #[test]
    fn a_bare_array_a_jwk_and_a_jwks_give_their_x5c_strings_in_order() {
        assert_eq!(
            contents(r#" ["MIIA", "MIIB"] "#),
            Some(vec!["MIIA".into(), "MIIB".into()])
        );
        assert_eq!(
            contents(r#"{"kty":"RSA","n":"x[y]","x5c":["MIIA"],"x5t":"abc"}"#),
            Some(vec!["MIIA".into()])
        );
        assert_eq!(
            contents(
                r#"{"keys":[{"kid":"1","x5c":["MIIA","MIIB"]},{"kid":"2"},{"x5c":["MIIC"]}]}"#
            ),
            Some(vec!["MIIA".into(), "MIIB".into(), "MIIC".into()])
        );
    }

    #[test]
    fn escaped_slashes_are_unescaped_and_offsets_point_into_the_text() {
        let text = r#"{"x5c": ["MI\/I"]}"#;
        let found = x5c_strings(text.as_bytes()).unwrap();
        assert_eq!(found[0].contents, b"MI/I");
        assert_eq!(&text[found[0].offset..found[0].offset + 2], "MI");
    }

    #[test]
    fn json_without_certificates_or_not_json_is_none() {
        for text in [
            "[]",
            "{}",
            r#"{"x5c": []}"#,
            r#"[1, 2]"#,
            r#"["MIIA", 2]"#,
            r#"["MIIA"] trailing"#,
            r#"{"x5c": "MIIA"}"#,
            r#"["MIIA"#,
            "[MIIA]",
        ] {
            assert_eq!(contents(text), None, "{text}");
        }
    }
}
