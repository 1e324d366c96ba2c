//! Fuzz target: the `rfc9440` forwarded-certificate header format
//! (`certbind_host::forwarded::read`); framing and checks in `common/forwarded.rs`.
#![no_main]

#[path = "common/forwarded.rs"]
mod forwarded;

use certbind_host::forwarded::HeaderFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| forwarded::run(HeaderFormat::Rfc9440, data));
