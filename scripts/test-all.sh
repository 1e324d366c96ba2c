#!/usr/bin/env bash
# Runs every test certbind has: lints, Rust unit/integration tests (real TLS, real proxies,
# OpenSSL cross-checks), no_std/wasm builds of the core, the npm package's tests against its Node
# and web builds with its size budgets (wasm/ci.sh), and the checker page in headless Chromium,
# including the check that the page built into certbind is the page the sources build and the page
# as the binary serves it (www/ci.sh). Installs missing prerequisites first (scripts/setup.sh).
# Screenshots and other artifacts go to tests/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/bin:$PATH"
start=$SECONDS
step() { printf '\n==> [%3ds] %s\n' $((SECONDS - start)) "$*"; }

scripts/setup.sh

step "rustfmt"
cargo fmt --all --check

step "clippy (all targets, warnings are errors)"
cargo clippy --locked --workspace --all-targets -q -- -D warnings

step "certbind-core builds without std: wasm32v1-none, wasm32-unknown-unknown, no default features"
cargo build --locked -q -p certbind-core --target wasm32v1-none
cargo build --locked -q -p certbind-core --target wasm32-unknown-unknown
cargo build --locked -q -p certbind-core --no-default-features

step "certbind-host builds without the resource-server feature (no HTTP client)"
cargo check --locked -q -p certbind-host --no-default-features --features vendored-openssl

step "certbind-host builds against the system's OpenSSL (what distribution packagers build)"
cargo check --locked -q -p certbind-host --no-default-features --features resource-server

step "cargo test (workspace)"
cargo test --locked --workspace -q

for part in wasm www; do
  if [[ -x $part/ci.sh ]]; then
    step "$part/ci.sh"
    "$part/ci.sh"
  fi
done

step "all tests passed"
