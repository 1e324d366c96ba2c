//! Fuzz target: the base64-DER forwarded-certificate header formats, `haproxy-base64` and
//! `azure` (one parser; the first byte's low bit picks the format, so both names are reached);
//! framing and checks in `common/forwarded.rs`.
#![no_main]

#[path = "common/forwarded.rs"]
mod forwarded;

use certbind_host::forwarded::HeaderFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let format = if first & 1 == 0 {
        HeaderFormat::HaproxyBase64
    } else {
        HeaderFormat::Azure
    };
    forwarded::run(format, rest);
});
