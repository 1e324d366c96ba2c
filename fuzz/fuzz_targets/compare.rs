//! Fuzz target: thumbprint comparison (`certbind_core::compare`, what `certbind compare`, the
//! npm package's `compare` and the checker page run): a certificate input and a pasted
//! thumbprint. Input framing: the bytes before the first `\n` are the thumbprint text (lossy
//! UTF-8), the rest the certificate input; with no certificate bytes the fixture client
//! certificate is used, so that the thumbprint side gets the fuzzer's full attention. Checked
//! beyond "no panic": a comparison of a certificate with its own SHA-1 or SHA-256, as the
//! normaliser cleaned it, matches.
#![no_main]

use certbind_core::{DecodeOptions, compare, normalize_thumbprint};
use libfuzzer_sys::fuzz_target;

const CLIENT: &[u8] = include_bytes!("../../tests/fixtures/basic.client.ee.der");

fuzz_target!(|data: &[u8]| {
    let (text, input) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let input = if input.is_empty() { CLIENT } else { input };
    let text = String::from_utf8_lossy(text);
    let options = DecodeOptions::default();
    let Ok(comparison) = compare(input, &options, &text) else {
        return;
    };
    let _ = format!("{comparison:?}");
    if input == CLIENT && let Ok(normalized) = normalize_thumbprint(&text) {
        let own = certbind_core::Thumbprints::of_der(CLIENT);
        if normalized.digest == own.sha1 || normalized.digest == own.sha256 {
            assert!(comparison.matched, "its own thumbprint must match: {text:?}");
        }
    }
});
