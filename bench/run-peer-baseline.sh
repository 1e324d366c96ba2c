#!/usr/bin/env bash
# certbind against the peers (node-oidc-provider, openssl s_server) with the shared load
# generator, on the peers' own PKI: wraps ../shared/peers/run-baseline.sh.
#
# The shared peers folder is read-only, so it is copied to $WORK/peers (PKI, node_modules,
# loadgen build and results live there). certbind runs in dev mode on a COPY of the peers' PKI
# ($WORK/pki-copy): it uses ca.pem/server.pem/server.key/client.pem as they are and writes its
# certbind.toml (certclient registered by SHA-1 thumbprint) and keys/ next to them.
#
# Env: WORK [/tmp/certbind-bench]  PEERS [<repo>/../shared/peers]  CERTBIND_BIN [release build]
#      PORT [9446]  TARGETS [oidc-provider s_server certbind]  and every knob of run-baseline.sh
#      (DURATION, REPEATS, CONCURRENCY, MODES, ...).
# Output: $WORK/peers/results/<UTC>/summary.md
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PEERS_SRC="${PEERS:-$REPO/../shared/peers}"
WORK="${WORK:-/tmp/certbind-bench}"
PORT="${PORT:-9446}"
mkdir -p "$WORK"

if [[ ! -x "$WORK/peers/run-baseline.sh" ]]; then
  cp -r "$PEERS_SRC" "$WORK/peers"
  chmod -R u+w "$WORK/peers"
fi
if [[ ! -f "$WORK/peers/pki/ca.pem" ]]; then
  "$WORK/peers/pki/make-pki.sh"
fi
rm -rf "$WORK/pki-copy"
mkdir -p "$WORK/pki-copy"
cp "$WORK/peers/pki/"{ca.pem,server.pem,server.key,client.pem,client.key,selfsigned.pem} "$WORK/pki-copy/"

if [[ -z "${CERTBIND_BIN:-}" ]]; then
  (cd "$REPO" && cargo build --release -p certbind-host --bin certbind)
  CERTBIND_BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/certbind"
fi
# Create certbind.toml and the signing key once, before the timed runs.
"$CERTBIND_BIN" dev-pki --dir "$WORK/pki-copy" > /dev/null

export TARGETS="${TARGETS:-oidc-provider s_server certbind}"
export CUSTOM_NAME=certbind
export CUSTOM_PORT="$PORT"
export CUSTOM_PATH=/connect/token
export CUSTOM_CMD="$CERTBIND_BIN serve --dev --dir $WORK/pki-copy --listen 127.0.0.1:$PORT"
exec "$WORK/peers/run-baseline.sh"
