//! Fuzz target: normalise arbitrary text (the bytes as UTF-8 when they are, and always their lossy
//! decoding). It must never panic; an accepted value must be a fixed point with a digest of the
//! right length and changes listed in input order.
//!
//! Run: `fuzz/run.sh normalize [seconds]` (or `cargo +nightly fuzz run normalize` in fuzz/).

#![no_main]

use certbind_core::{ThumbprintForm, normalize_thumbprint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = core::str::from_utf8(data) {
        check(text);
    }
    check(&String::from_utf8_lossy(data));
});

fn check(text: &str) {
    let Ok(n) = normalize_thumbprint(text) else {
        return;
    };
    let digest_len = match n.form {
        ThumbprintForm::Sha1Hex | ThumbprintForm::X5t => 20,
        _ => 32,
    };
    assert_eq!(n.digest.len(), digest_len);
    let chars = text.chars().count();
    assert!(n.changes.windows(2).all(|w| w[0].index < w[1].index));
    assert!(n.changes.iter().all(|c| c.index < chars));
    let again = normalize_thumbprint(&n.value).expect("a normalised value is valid");
    assert_eq!(
        (again.value.as_str(), again.form),
        (n.value.as_str(), n.form)
    );
    assert!(again.changes.is_empty());
    assert_eq!(again.digest, n.digest);
}
