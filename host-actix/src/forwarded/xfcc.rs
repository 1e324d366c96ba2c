//! Envoy's `x-forwarded-client-cert` (XFCC).
//!
//! Grammar (Envoy docs, "HTTP header manipulation"): elements separated by `,`, each added by
//! one proxy; an element is `key=value` pairs separated by `;`; keys are case-insensitive
//! (`By`, `Hash`, `Cert`, `Chain`, `Subject`, `URI`, `DNS`); a value containing `,`, `;` or `=`
//! is double-quoted, with `\"` for a quote inside. Envoy itself quotes `Cert`, `Chain` and
//! `Subject` but writes `By` and `URI` bare even when they contain `=`, so a bare value runs to
//! the next `;` or `,` and may contain `=`.
//!
//! Which element: the **last** one. A proxy appends its element at the end
//! (`APPEND_FORWARD`) or replaces the header with it (`SANITIZE_SET`); only the last element was
//! written by the proxy certbind trusts (its TCP peer), the earlier ones came from whoever sent
//! the request to that proxy. Its `Cert` (URL-encoded PEM, exactly one certificate) is the
//! client's certificate; `Hash`, when present, must be its SHA-256; `Chain`, when present, must
//! start with it and supplies the intermediates. Only that element's certificates are decoded,
//! so the work is bounded by the header size.

use super::{MAX_CERTIFICATES, Problem, pem, percent};

/// One `key=value` pair, key lowercased, value unquoted.
#[derive(Debug)]
struct Pair {
    key: String,
    value: Vec<u8>,
}

/// The client's certificate, then the chain, from the last element.
///
/// # Errors
/// [`Problem::XfccSyntax`], [`Problem::XfccRepeatedKey`], [`Problem::XfccNoCert`],
/// [`Problem::XfccHashMismatch`], [`Problem::XfccChainMismatch`], or a percent-encoding or PEM
/// problem in `Cert`/`Chain`.
pub(super) fn parse(value: &[u8]) -> Result<Vec<Vec<u8>>, Problem> {
    let elements = elements(value)?;
    let element = elements.len().saturating_sub(1);
    let last = elements.last().map(Vec::as_slice).unwrap_or_default();
    let once = |key: &str| -> Result<Option<&[u8]>, Problem> {
        let mut found = last.iter().filter(|p| p.key == key);
        let first = found.next();
        if found.next().is_some() {
            return Err(Problem::XfccRepeatedKey {
                key: key.to_owned(),
                element,
            });
        }
        Ok(first.map(|p| p.value.as_slice()))
    };
    let cert = once("cert")?.ok_or(Problem::XfccNoCert { element })?;
    let hash = once("hash")?;
    let chain = once("chain")?;
    once("subject")?;
    let mut ders = pem::certificates(&percent::decode(cert)?, 1)?;
    let Some(leaf) = ders.first().cloned() else {
        return Err(Problem::NoCertificate);
    };
    if let Some(hash) = hash {
        let computed: String = openssl::sha::sha256(&leaf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if !hash.eq_ignore_ascii_case(computed.as_bytes()) {
            return Err(Problem::XfccHashMismatch {
                hash: String::from_utf8_lossy(hash).into_owned(),
                computed,
            });
        }
    }
    if let Some(chain) = chain {
        let chain = pem::certificates(&percent::decode(chain)?, MAX_CERTIFICATES)?;
        if chain.first() != Some(&leaf) {
            return Err(Problem::XfccChainMismatch);
        }
        ders.extend(chain.into_iter().skip(1));
    }
    Ok(ders)
}

/// Splits the header into elements of pairs.
fn elements(input: &[u8]) -> Result<Vec<Vec<Pair>>, Problem> {
    let mut elements = Vec::new();
    let mut pairs = Vec::new();
    let mut pos = 0;
    loop {
        let key_start = pos;
        while input
            .get(pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(*b, b'-' | b'_'))
        {
            pos += 1;
        }
        let key = input.get(key_start..pos).unwrap_or_default();
        if key.is_empty() {
            return Err(syntax(
                pos,
                "expected a key (By, Hash, Cert, Chain, Subject, URI, DNS)",
            ));
        }
        if input.get(pos) != Some(&b'=') {
            return Err(syntax(pos, "expected '=' after the key"));
        }
        pos += 1;
        let value = if input.get(pos) == Some(&b'"') {
            quoted(input, &mut pos)?
        } else {
            let start = pos;
            while let Some(b) = input.get(pos) {
                match b {
                    b',' | b';' => break,
                    b'"' => return Err(syntax(pos, "a '\"' inside a value that is not quoted")),
                    _ => pos += 1,
                }
            }
            input.get(start..pos).unwrap_or_default().to_vec()
        };
        pairs.push(Pair {
            key: String::from_utf8_lossy(key).to_ascii_lowercase(),
            value,
        });
        match input.get(pos) {
            None => {
                elements.push(pairs);
                return Ok(elements);
            }
            Some(b';') => pos += 1,
            Some(b',') => {
                elements.push(std::mem::take(&mut pairs));
                pos += 1;
                // Field lines combined by an intermediary are joined with ", ".
                while matches!(input.get(pos), Some(b' ' | b'\t')) {
                    pos += 1;
                }
            }
            Some(_) => return Err(syntax(pos, "expected ';' or ',' after a quoted value")),
        }
    }
}

/// A `"…"` value starting at `*pos`, with `\x` standing for `x`; moves `*pos` past it.
fn quoted(input: &[u8], pos: &mut usize) -> Result<Vec<u8>, Problem> {
    let open = *pos;
    let mut value = Vec::new();
    *pos += 1;
    loop {
        match input.get(*pos) {
            None => return Err(syntax(open, "the quoted value has no closing '\"'")),
            Some(b'"') => {
                *pos += 1;
                return Ok(value);
            }
            Some(b'\\') => {
                let escaped = input
                    .get(*pos + 1)
                    .ok_or_else(|| syntax(*pos, "a '\\' at the end of the header"))?;
                value.push(*escaped);
                *pos += 2;
            }
            Some(b) => {
                value.push(*b);
                *pos += 1;
            }
        }
    }
}

const fn syntax(offset: usize, reason: &'static str) -> Problem {
    Problem::XfccSyntax { offset, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envoy_documentation_examples_split_into_elements() {
        // The three examples of Envoy's header documentation.
        let one = b"By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;Subject=\"/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client\";URI=http://testclient.lyft.com";
        let e = elements(one).unwrap();
        assert_eq!(e.len(), 1);
        let keys: Vec<&str> = e[0].iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["by", "hash", "subject", "uri"]);
        assert_eq!(
            e[0][2].value,
            b"/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client"
        );
        let two = b"By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com,By=http://backend.lyft.com;Hash=9ba61d6425303443c0748a02dd8de688468ed33be74eee6556d90c0149c1309e;URI=http://frontend.lyft.com";
        let e = elements(two).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1][0].value, b"http://backend.lyft.com");
        let dns = b"By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;Subject=\"/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client\";URI=http://testclient.lyft.com;DNS=lyft.com;DNS=www.lyft.com";
        assert_eq!(elements(dns).unwrap()[0].len(), 6);
        // No Cert: nothing to authenticate with.
        assert_eq!(parse(two).unwrap_err(), Problem::XfccNoCert { element: 1 });
    }

    #[test]
    fn quoting_and_escapes() {
        let e = elements(br#"Subject="a\"b,c;d=e";URI=spiffe://x/y?q=1 , By=z"#).unwrap();
        assert_eq!(e[0][0].value, b"a\"b,c;d=e");
        assert_eq!(e[0][1].value, b"spiffe://x/y?q=1 ");
        assert_eq!(e[1][0].value, b"z");
    }

    #[test]
    fn syntax_errors_name_the_offset() {
        let offset = |input: &[u8]| match elements(input) {
            Err(Problem::XfccSyntax { offset, .. }) => offset,
            other => panic!("{input:?}: {other:?}"),
        };
        assert_eq!(offset(b"Cert"), 4);
        assert_eq!(offset(b"=x"), 0);
        assert_eq!(offset(b"Cert=\"abc"), 5);
        assert_eq!(offset(b"Cert=\"a\"b"), 8);
        assert_eq!(offset(b"By=a;"), 5);
        assert_eq!(offset(b"By=a,,By=b"), 5);
        assert_eq!(offset(b"By=a\"b"), 4);
    }

    #[test]
    fn keys_that_may_occur_once_are_checked_in_the_used_element() {
        assert_eq!(
            parse(b"Cert=\"x\";cert=\"y\"").unwrap_err(),
            Problem::XfccRepeatedKey {
                key: "cert".into(),
                element: 0
            }
        );
    }
}
