#!/usr/bin/env bash
# Installs what certbind's build and tests need on a fresh Debian machine, skipping what is there:
# rustup targets, Debian packages (gcc, make and perl to build the vendored OpenSSL, openssl,
# chromium, nginx, haproxy, postgresql, systemd's systemd-analyze, strace, curl, xz, a JDK for the
# Java TLS client test) and npm packages (npm ci in wasm/, www/ and tests/peers/oidc-provider/).
# The pinned wasm-bindgen-cli is installed into ./tools by the npm package's own build
# (wasm/scripts/wasm-bindgen.mjs) when it is missing.
# Idempotent; safe to run before every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n==> %s\n' "$*"; }

say "rustup targets"
rustup target add wasm32-unknown-unknown wasm32v1-none >/dev/null

need_pkgs=()
command -v openssl  >/dev/null || need_pkgs+=(openssl)
command -v curl     >/dev/null || need_pkgs+=(curl)
command -v xz       >/dev/null || need_pkgs+=(xz-utils)
command -v pkg-config >/dev/null || need_pkgs+=(pkg-config)
# The release binary builds OpenSSL 3.5 from source (host-actix feature `vendored-openssl`):
# a C compiler, make, and perl with the modules OpenSSL's Configure uses (IPC::Cmd is in Debian's
# `perl`, not in the always-installed `perl-base`).
command -v cc       >/dev/null || need_pkgs+=(gcc)
# gcc only recommends the C library headers, and --no-install-recommends leaves them out.
[[ -e /usr/include/stdio.h ]] || need_pkgs+=(libc6-dev)
command -v make     >/dev/null || need_pkgs+=(make)
perl -MIPC::Cmd -MFindBin -MFile::Copy -MFile::Glob -MFile::Path -MPOSIX -e 1 2>/dev/null || need_pkgs+=(perl)
# The system's OpenSSL headers: test-all.sh also checks the build packagers make against it
# (`--no-default-features`).
[[ -e /usr/include/openssl/ssl.h ]] || need_pkgs+=(libssl-dev)
[[ -x /usr/bin/chromium ]] || need_pkgs+=(chromium)
command -v nginx    >/dev/null || [[ -x /usr/sbin/nginx ]] || need_pkgs+=(nginx-light)
command -v haproxy  >/dev/null || [[ -x /usr/sbin/haproxy ]] || need_pkgs+=(haproxy)
# PostgreSQL for the shared-store tests (a throwaway cluster per test run, run as the package's
# `postgres` user when root; see tests/src/postgres.rs).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_pkgs+=(postgresql)
# systemd-analyze (verify, security --offline; no systemd as PID 1 needed) and strace: the unit
# deploy/certbind.service and its sandbox against the calls certbind makes
# (tests/tests/systemd_unit.rs). procps: /bin/kill, which the unit's ExecReload names.
command -v systemd-analyze >/dev/null || need_pkgs+=(systemd)
command -v strace   >/dev/null || need_pkgs+=(strace)
[[ -x /bin/kill ]] || need_pkgs+=(procps)
# javac + java: tests/tests/server_tls.rs runs a java.net.http.HttpClient token client.
command -v javac    >/dev/null || need_pkgs+=(openjdk-17-jdk-headless)
if ((${#need_pkgs[@]})); then
  say "apt-get install ${need_pkgs[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# tests/peers/oidc-provider: node-oidc-provider, the second token issuer of the API tests.
for dir in wasm www tests/peers/oidc-provider; do
  if [[ -f $dir/package-lock.json ]]; then
    say "npm ci in $dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
say "setup done"
