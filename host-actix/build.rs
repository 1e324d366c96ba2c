//! Link flags for the `certbind` binary.
//!
//! Packed relative relocations (`DT_RELR`, `-z pack-relative-relocs`): a position-independent
//! Rust binary carries one 24-byte relocation entry for every pointer in its read-only data
//! (54,000 in `certbind`, 1.3 MB), and the dynamic loader reads them all at every start, which
//! keeps them resident for nothing. Packed, they take 16 KB: the idle server's resident size
//! falls by about 2 MiB (bench/RESULTS.md, issue 12). Only where the result runs: a Linux glibc
//! target built on its own host whose glibc is 2.36 or later (the loader that reads `DT_RELR`;
//! GNU ld from 2.38, lld and mold write it, an older GNU ld ignores the flag with a warning).
//! `CERTBIND_NO_PACKED_RELOCS=1` leaves it out, e.g. to build for an older glibc elsewhere.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CERTBIND_NO_PACKED_RELOCS");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let native = var("HOST") == var("TARGET");
    let linux_gnu = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let opted_out = !var("CERTBIND_NO_PACKED_RELOCS").is_empty();
    if native && linux_gnu && !opted_out && host_glibc_at_least(2, 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether this machine's glibc (`getconf GNU_LIBC_VERSION`, "glibc 2.36") is at least
/// `major.minor`; false when it cannot tell.
fn host_glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}
