#!/usr/bin/env bash
# Builds and runs one fuzz target with libFuzzer, on stable Rust, without cargo-fuzz:
#   fuzz/run.sh decode [seconds]      (default 60; 0 = until a crash or Ctrl-C)
# The corpus (fuzz/corpus/<target>) is seeded from tests/fixtures; crashes are written to
# fuzz/artifacts/<target>/. The flags are the ones cargo-fuzz passes (coverage instrumentation,
# `cfg(fuzzing)`), minus AddressSanitizer: certbind-core forbids unsafe code. With nightly and
# cargo-fuzz installed, `cargo +nightly fuzz run <target>` works in the same directory.
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: fuzz/run.sh <target> [seconds]}"
seconds="${2:-60}"
triple="$(rustc -vV | sed -n 's/^host: //p')"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd .. && pwd)/target/fuzz}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
# --target keeps these flags away from build scripts and proc macros.
cargo build --release --target "$triple" --bin "$target"

corpus="corpus/$target"
mkdir -p "$corpus" "artifacts/$target"
if [[ -z "$(ls -A "$corpus")" ]]; then
    find ../tests/fixtures -maxdepth 1 -type f ! -name '*.sh' ! -name '*.py' ! -name '*.json' -exec cp {} "$corpus/" \;
fi
exec "$CARGO_TARGET_DIR/$triple/release/$target" "$corpus" \
    -artifact_prefix="artifacts/$target/" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    "${@:3}"
