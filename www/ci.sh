#!/usr/bin/env bash
# CI for the checker page (www/): builds it from the npm package's build (wasm/dist; runs
# wasm/ci.sh's build first when that is missing), fails when the page compiled into certbind
# (host-actix/assets/checker-page/) is not the page these sources build, and runs the end-to-end
# tests in headless Chromium (/usr/bin/chromium, installed by apt when missing): the page as
# source, as the single file over HTTP and from file://, and as the certbind binary serves it
# from an empty folder. Screenshots go to $CERTBIND_ARTIFACTS (default
# <repo>/tests/artifacts/www/), which CI keeps.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -x ${CHROMIUM:-/usr/bin/chromium} ]]; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if [[ ! -f ../wasm/dist/inline/certbind.js ]]; then
  (cd ../wasm && npm ci --no-audit --no-fund --loglevel=error && npm run build)
fi
npm ci --no-audit --no-fund --loglevel=error
npm run build
# The page compiled into certbind must be the page just built (see embed.mjs).
npm run embed -- --check
# The binary the embedded-page test starts (cheap when cargo test has already built it).
cargo build -q --locked -p certbind-host --bin certbind
npm test
