#!/usr/bin/env bash
# The shared store's cost and speed, measured in one run on this machine:
#  1. keep-alive tokens/s of `certbind serve` with the PostgreSQL store vs the file store (same
#     clients, same keys, same binary; runs interleaved so background drift hits both alike) with
#     the shared load generator (../shared/peers/loadgen, built with its own target dir);
#  2. p50/p99 of "registered on replica A → usable on replica B" (tests' fleet-propagation
#     binary: RFC 7591 registration on A, then token requests to B until one succeeds).
# Starts a throwaway PostgreSQL cluster (as the `postgres` user when run as root) and every
# server itself, on loopback, and stops them by PID at the end.
#
# Env [defaults]: WORK [/tmp/certbind-fleet-bench]  DURATION [10] s per run  WARMUP [2]
#   REPEATS [3]  CONCURRENCY [16]  SAMPLES [200] propagation samples  WORKERS [1] per server
#   PEERS [<repo>/../shared/peers]  LOADGEN_TARGET [<CARGO_TARGET_DIR or target>/loadgen]
#   PORT_BASE [9460]
# Output: $WORK/results.md (also printed) and $WORK/runs.jsonl.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/certbind-fleet-bench}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
REPEATS="${REPEATS:-3}"
CONCURRENCY="${CONCURRENCY:-16}"
SAMPLES="${SAMPLES:-200}"
WORKERS="${WORKERS:-1}"
PEERS="${PEERS:-$REPO/../shared/peers}"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
LOADGEN_TARGET="${LOADGEN_TARGET:-$TARGET/loadgen}"
PORT_BASE="${PORT_BASE:-9460}"
P_FILE=$PORT_BASE; P_A=$((PORT_BASE + 1)); P_B=$((PORT_BASE + 2)); P_PG=$((PORT_BASE + 3))

# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

say "building certbind, fleet-propagation (release) and the load generator"
(cd "$REPO" && cargo build -q --release --locked -p certbind-host --bin certbind \
  && cargo build -q --release --locked -p certbind-tests --bin fleet-propagation)
CERTBIND="$TARGET/release/certbind"
PROPAGATION="$TARGET/release/fleet-propagation"
CARGO_TARGET_DIR="$LOADGEN_TARGET" cargo build -q --release --manifest-path "$PEERS/loadgen/Cargo.toml"
LOADGEN="$LOADGEN_TARGET/release/mtls-loadgen"

rm -rf "$WORK"
mkdir -p "$WORK"
chmod 755 "$WORK"

say "PostgreSQL (throwaway cluster on port $P_PG)"
pg_init "$WORK/pg" "$P_PG"

say "PKI and configurations (file store and PostgreSQL store, same clients and key)"
"$CERTBIND" dev-pki --dir "$WORK/pki" >/dev/null
# The same settings for both servers: one issuer, warn-level logs (no per-token log line).
sed -e 's/^\[server\]$/[server]\nissuer = "https:\/\/auth.bench.test"\nlog = "warn"/' \
  "$WORK/pki/certbind.toml" > "$WORK/pki/file.toml"
TOKEN_OUT=$("$CERTBIND" registration new-token 2>"$WORK/token-advice.txt")
INITIAL_TOKEN=$(echo "$TOKEN_OUT" | head -1)
{
  cat "$WORK/pki/file.toml"
  printf '\n[store]\nkind = "postgres"\nurl = "%s"\n\n[registration]\n' "$DB_URL"
  grep '^initial_access_tokens' "$WORK/token-advice.txt"
} > "$WORK/pki/postgres.toml"
CERTBIND_KEK=$("$CERTBIND" keys new-kek 2>/dev/null)
export CERTBIND_KEK
"$CERTBIND" db migrate --config "$WORK/pki/postgres.toml" >&2
"$CERTBIND" clients import --config "$WORK/pki/postgres.toml" >&2

declare -A PID_OF
start() { # name config port
  "$CERTBIND" serve --config "$2" --listen "127.0.0.1:$3" --workers "$WORKERS" \
    > "$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  PID_OF[$1]=$!
  wait_port "$3"
}
start file "$WORK/pki/file.toml" "$P_FILE"
start postgres-a "$WORK/pki/postgres.toml" "$P_A"
start postgres-b "$WORK/pki/postgres.toml" "$P_B"

# ------------------------------------------------------------------ 1. tokens/s
BODY='grant_type=client_credentials&client_id=certclient&scope=read'
: > "$WORK/runs.jsonl"
run() { # name port pid
  local line before after
  before=$(proc_cpu_s "$3")
  line=$("$LOADGEN" --url "https://localhost:$2/connect/token" --cert "$WORK/pki/client.pem" \
    --key "$WORK/pki/client.key" --cacert "$WORK/pki/ca.pem" -c "$CONCURRENCY" \
    -d "$DURATION" --warmup "$WARMUP" --mode keepalive --body "$BODY" \
    --expect-body access_token --json | tail -1)
  after=$(proc_cpu_s "$3")
  # server CPU over warm-up + window, and the requests of both (at the window's rate)
  echo "{\"store\":\"$1\",\"server_cpu_s\":$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }'),${line#\{}" >> "$WORK/runs.jsonl"
  say "$1: $line"
}
for rep in $(seq "$REPEATS"); do
  say "repetition $rep/$REPEATS"
  if (( rep % 2 )); then run file "$P_FILE" "${PID_OF[file]}"; run postgres "$P_A" "${PID_OF[postgres-a]}";
  else run postgres "$P_A" "${PID_OF[postgres-a]}"; run file "$P_FILE" "${PID_OF[file]}"; fi
done

# ------------------------------------------------------------------ 2. propagation
say "registered on A → usable on B ($SAMPLES samples)"
PROP=$("$PROPAGATION" --a "https://localhost:$P_A" --b "https://localhost:$P_B" \
  --cacert "$WORK/pki/ca.pem" --cert "$WORK/pki/client.pem" --key "$WORK/pki/client.key" \
  --initial-token "$INITIAL_TOKEN" --samples "$SAMPLES")
echo "{\"propagation\":$PROP}" >> "$WORK/runs.jsonl"

# ------------------------------------------------------------------ summary
python3 - "$WORK/runs.jsonl" "$DURATION" "$REPEATS" "$CONCURRENCY" "$WORKERS" "$WARMUP" > "$WORK/results.md" <<'PY'
import json, statistics, sys
path, duration, repeats, conc, workers = sys.argv[1:6]
runs = [json.loads(l) for l in open(path) if l.strip()]
prop = next(r["propagation"] for r in runs if "propagation" in r)
by = {}
for r in runs:
    if "store" in r:
        by.setdefault(r["store"], []).append(r)
def med(store, key): return statistics.median(r[key] for r in by[store])
def cpu_us(r):  # server CPU per request over warm-up + window, at the window's rate
    return r["server_cpu_s"] * 1e6 / (r["rps"] * (float(duration) + warmup))
warmup = float(sys.argv[6])
for rs in by.values():
    for r in rs:
        r["cpu_us"] = cpu_us(r)
f, p = med("file", "rps"), med("postgres", "rps")
fc, pc = med("file", "cpu_us"), med("postgres", "cpu_us")
print(f"keep-alive, {conc} connections, {duration} s x {repeats} interleaved runs, {workers} worker(s) per server")
print()
print("| store | tokens/s (median) | runs | p50 ms | p99 ms | server CPU µs/token | errors |")
print("|---|---|---|---|---|---|---|")
for s in ("file", "postgres"):
    rs = " / ".join(f"{r['rps']:.0f}" for r in by[s])
    errs = sum(r["errors"] for r in by[s])
    print(f"| {s} | {med(s, 'rps'):.0f} | {rs} | {med(s, 'p50_ms'):.3f} | {med(s, 'p99_ms'):.3f} | {med(s, 'cpu_us'):.0f} | {errs} |")
print()
print(f"PostgreSQL store / file store: tokens/s {p / f:.3f} ({(p / f - 1) * 100:+.1f}%), "
      f"server CPU per token {pc / fc:.3f} ({(pc / fc - 1) * 100:+.1f}%)")
print()
print(f"registered on A -> usable on B, {prop['samples']} samples: p50 {prop['p50_ms']:.2f} ms, "
      f"p90 {prop['p90_ms']:.2f} ms, p99 {prop['p99_ms']:.2f} ms, max {prop['max_ms']:.2f} ms "
      f"({prop['polls']} token requests to B)")
PY
cat "$WORK/results.md"
