//! A strict reader for the PEM text proxies forward (RFC 7468 `CERTIFICATE` blocks).
//!
//! Only `CERTIFICATE` blocks are accepted, one after the other, with nothing but whitespace
//! between them; the body is strict base64 (padded, standard alphabet). Whitespace (space, tab,
//! CR, LF) may appear anywhere between lines, so nginx's tab-indented `$ssl_client_cert` and its
//! unfolded form (line breaks turned into spaces) read the same as a file. A private key
//! anywhere refuses the whole text. This is deliberately narrower than certbind-core's decoder,
//! which accepts whatever people paste: a proxy writes exactly this, and anything else is an
//! error worth seeing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::Problem;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

/// Reads every certificate block (DER, in order), at most `limit` of them.
///
/// # Errors
/// [`Problem::PrivateKey`], [`Problem::UnexpectedPemBlock`], [`Problem::BadPem`],
/// [`Problem::BadBase64`], [`Problem::NoCertificate`]; more than `limit` blocks is
/// [`Problem::ExpectedOneCertificate`] when `limit` is 1, else
/// [`Problem::TooManyCertificates`].
pub(super) fn certificates(text: &[u8], limit: usize) -> Result<Vec<Vec<u8>>, Problem> {
    // A key is refused wherever it is, even after good certificates or in a malformed block.
    if let Some(label) = private_key_label(text) {
        return Err(Problem::PrivateKey { label });
    }
    let mut blocks = Vec::new();
    let mut pos = skip_space(text, 0);
    while pos < text.len() {
        if !text.get(pos..).is_some_and(|rest| rest.starts_with(BEGIN)) {
            return Err(bad(pos, "expected -----BEGIN CERTIFICATE-----"));
        }
        let label_start = pos + BEGIN.len();
        let label_end =
            find(text, DASHES, label_start).ok_or_else(|| bad(pos, "unterminated BEGIN line"))?;
        let label = text.get(label_start..label_end).unwrap_or_default();
        if label != b"CERTIFICATE" {
            return Err(Problem::UnexpectedPemBlock {
                label: String::from_utf8_lossy(label).into_owned(),
            });
        }
        let body_start = label_end + DASHES.len();
        let end = find(text, END, body_start)
            .ok_or_else(|| bad(pos, "no -----END CERTIFICATE----- line"))?;
        let body = text.get(body_start..end).unwrap_or_default();
        let item = blocks.len();
        let mut base64 = Vec::with_capacity(body.len());
        for (i, &b) in body.iter().enumerate() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => base64.push(b),
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => {
                    return Err(bad(
                        body_start + i,
                        &format!("{:?} in the base64 body", char::from(b)),
                    ));
                }
            }
        }
        let der = STANDARD.decode(&base64).map_err(|e| Problem::BadBase64 {
            item,
            reason: e.to_string(),
        })?;
        let end_label_start = end + END.len();
        let end_label_end =
            find(text, DASHES, end_label_start).ok_or_else(|| bad(end, "unterminated END line"))?;
        if text.get(end_label_start..end_label_end) != Some(label) {
            return Err(bad(end, "the END label differs from the BEGIN label"));
        }
        if blocks.len() == limit {
            return Err(if limit == 1 {
                Problem::ExpectedOneCertificate {
                    found: blocks.len() + 1,
                }
            } else {
                Problem::TooManyCertificates {
                    found: blocks.len() + 1,
                    limit,
                }
            });
        }
        blocks.push(der);
        pos = skip_space(text, end_label_end + DASHES.len());
    }
    if blocks.is_empty() {
        return Err(Problem::NoCertificate);
    }
    Ok(blocks)
}

/// The label of a private-key block, or `PRIVATE KEY` when those words appear anywhere.
fn private_key_label(text: &[u8]) -> Option<String> {
    let mut from = 0;
    while let Some(at) = find(text, BEGIN, from) {
        let start = at + BEGIN.len();
        let Some(end) = find(text, DASHES, start) else {
            break;
        };
        let label = text.get(start..end).unwrap_or_default();
        if label.ends_with(b"PRIVATE KEY") {
            return Some(String::from_utf8_lossy(label).into_owned());
        }
        from = end;
    }
    find(text, b"PRIVATE KEY", 0).map(|_| "PRIVATE KEY".to_owned())
}

fn bad(offset: usize, reason: &str) -> Problem {
    Problem::BadPem {
        offset,
        reason: reason.to_owned(),
    }
}

fn skip_space(text: &[u8], from: usize) -> usize {
    text.get(from..)
        .and_then(|rest| {
            rest.iter()
                .position(|b| !matches!(*b, b' ' | b'\t' | b'\r' | b'\n'))
        })
        .map_or(text.len(), |i| from + i)
}

/// The offset of `needle` in `text` at or after `from`.
fn find(text: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    text.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(der: &[u8]) -> String {
        let b64 = STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn reads_blocks_with_any_whitespace_between_lines() {
        let der = vec![0x30_u8; 100];
        let text = pem(&der);
        assert_eq!(certificates(text.as_bytes(), 1).unwrap(), vec![der.clone()]);
        // nginx $ssl_client_cert: continuation lines start with a tab, no final newline.
        let tabbed = text.trim_end().replace('\n', "\n\t");
        assert_eq!(
            certificates(tabbed.as_bytes(), 1).unwrap(),
            vec![der.clone()]
        );
        // Unfolded by an intermediary: line breaks are spaces.
        let unfolded = text.replace('\n', " ");
        assert_eq!(
            certificates(unfolded.as_bytes(), 1).unwrap(),
            vec![der.clone()]
        );
        let two = format!("{text}{text}");
        assert_eq!(certificates(two.as_bytes(), 2).unwrap().len(), 2);
        assert_eq!(
            certificates(two.as_bytes(), 1).unwrap_err(),
            Problem::ExpectedOneCertificate { found: 2 }
        );
    }

    #[test]
    fn keys_other_blocks_and_damage_are_refused() {
        let cert = pem(&[0x30; 10]);
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(
            certificates(format!("{cert}{key}").as_bytes(), 8).unwrap_err(),
            Problem::PrivateKey {
                label: "EC PRIVATE KEY".into()
            }
        );
        let csr = "-----BEGIN CERTIFICATE REQUEST-----\nMA==\n-----END CERTIFICATE REQUEST-----\n";
        assert!(matches!(
            certificates(csr.as_bytes(), 1).unwrap_err(),
            Problem::UnexpectedPemBlock { label } if label == "CERTIFICATE REQUEST"
        ));
        let truncated = cert.replace("-----END CERTIFICATE-----\n", "");
        assert!(matches!(
            certificates(truncated.as_bytes(), 1).unwrap_err(),
            Problem::BadPem { .. }
        ));
        let junk = format!("hello {cert}");
        assert!(matches!(
            certificates(junk.as_bytes(), 1).unwrap_err(),
            Problem::BadPem { offset: 0, .. }
        ));
        let bad_char = cert.replacen("MDAw", "MD*w", 1);
        assert!(matches!(
            certificates(bad_char.as_bytes(), 1).unwrap_err(),
            Problem::BadPem { .. }
        ));
        let bad_padding = cert.replacen("MDAw", "MDA=", 1);
        assert!(matches!(
            certificates(bad_padding.as_bytes(), 1).unwrap_err(),
            Problem::BadBase64 { item: 0, .. }
        ));
        assert_eq!(
            certificates(b"  \n", 1).unwrap_err(),
            Problem::NoCertificate
        );
    }
}
