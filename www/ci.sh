#!/usr/bin/env bash
# CI for the checker page (www/): builds it from the npm package's build (wasm/dist; runs
# wasm/ci.sh's build first when that is missing) and runs the end-to-end tests in headless
# Chromium (/usr/bin/chromium, installed by apt when missing). Screenshots go to
# $CERTBIND_ARTIFACTS (default <repo>/tests/artifacts/www/), which CI keeps.
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
npm test
