//! Fuzz target: `certbind_core::decode` on arbitrary bytes, without a password and with one
//! (so that PKCS#12 inputs get past the MAC check when the fuzzer finds a valid file). Any
//! panic, overflow (overflow checks are on) or runaway allocation is a bug: decode must return
//! an error for every bad input.
#![no_main]

use certbind_core::{DecodeOptions, Limits, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small KDF limits keep each run fast; the structure code paths are the same.
    let mut limits = Limits::DEFAULT;
    limits.max_pkcs12_iterations = 4096;
    let mut options = DecodeOptions::default();
    options.limits = limits;
    if let Ok(decoded) = decode(data, &options) {
        // Every certificate returned must be one well-formed certificate on its own.
        for certificate in &decoded.certificates {
            assert!(certbind_core::Certificate::from_der(certificate.der()).is_ok());
        }
        if let Some(index) = decoded.key_certificate {
            assert!(index < decoded.certificates.len());
        }
    }
    options.password = Some("certbind-test");
    let _ = decode(data, &options);
});
