#!/usr/bin/env bash
# CI for the npm package `certbind` (wasm/): builds it from source and runs its tests.
# Idempotent; called by scripts/test-all.sh (the lead's .ci/run). Steps:
#   1. npm ci (npm registry only), then `npm run build`: cargo wasm-release + wasm-bindgen + npm
#      binaryen wasm-opt (~3-4 min from clean; size table printed, dist/size-report.json). The
#      build installs the pinned wasm-bindgen-cli into <repo>/tools itself when it is missing
#      (scripts/wasm-bindgen.mjs; ~1 min once), exactly as in a fresh clone.
#   2. tsc check of the generated .d.ts, node --test (vectors, API, CLI end to end incl. byte
#      parity with the Rust CLI, npm pack + offline install, the size budgets of scripts/size.mjs:
#      a build past its budget fails).
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error
npm run build
npm run check
# The Rust CLI, for the byte-for-byte parity tests of `npx certbind` (cheap when cargo test
# has already built it).
cargo build -q --locked -p certbind-host --bin certbind
npm test
