#!/usr/bin/env bash
# The soak: `certbind serve` (release) under mixed load for DURATION seconds, in windows of
# WINDOW seconds; in each window, at once:
#  - keep-alive token requests (the shared load generator, KEEPALIVE connections),
#  - token requests on a new connection with a full mTLS handshake each (HANDSHAKE workers),
#  - malformed requests (bench/malformed.py: ten kinds, each checked against the status it must
#    get) at MALFORMED % of all requests, paced from the previous window's rate.
# After each window every client has closed its connections and the server's RSS and open files
# are read from /proc (and once in the middle of the window, under load).
# The warm-up is long enough for the bounded caches to fill: every full handshake (the
# new-handshake load and every malformed request) adds sessions to the mTLS listener's TLS
# session cache (at most 20,480, two per TLS 1.3 handshake, a few KiB each), which fills in
# about a minute at this load; RSS grows until then by design, and must not after.
# Checks, after the warm-up (WARMUP seconds): zero unexpected errors (load generator errors,
# malformed requests answered otherwise than they must be), RSS growth under 5% (RSS at the end
# over RSS at the end of the warm-up), open files flat (the idle count after every window equal
# to the first one's, within 2). Exit 1 when a check fails.
#
# Env [defaults]: WORK [/tmp/certbind-soak]  DURATION [600]  WINDOW [10]  WARMUP [120]
#   KEEPALIVE [8]  HANDSHAKE [2]  MALFORMED [5] percent  WORKERS [2]  PORT [9480]
#   PEERS [<repo>/../shared/peers, else /work/shared/peers]
#   LOADGEN_TARGET [<CARGO_TARGET_DIR or target>/loadgen]  OUT [<repo>/bench/soak]
#   CERTBIND, LOADGEN: binaries to use instead of building them
# Output: $OUT/soak.csv (one row per window), $OUT/soak.png (RSS, open files, tokens/s, p99 over
# time; needs gnuplot: apt-get install gnuplot-nox), $OUT/summary.md (also printed).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/certbind-soak}"
DURATION="${DURATION:-600}"
WINDOW="${WINDOW:-10}"
WARMUP="${WARMUP:-120}"
KEEPALIVE="${KEEPALIVE:-8}"
HANDSHAKE="${HANDSHAKE:-2}"
MALFORMED="${MALFORMED:-5}"
WORKERS="${WORKERS:-2}"
PORT="${PORT:-9480}"
PEERS="${PEERS:-$REPO/../shared/peers}"
[[ -d $PEERS/loadgen ]] || PEERS=/work/shared/peers
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
LOADGEN_TARGET="${LOADGEN_TARGET:-$TARGET/loadgen}"
OUT="${OUT:-$REPO/bench/soak}"

say() { printf '==> %s\n' "$*" >&2; }
command -v gnuplot >/dev/null || { echo "soak.sh: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 2; }

if [[ -z ${CERTBIND:-} ]]; then
  say "building certbind (release)"
  (cd "$REPO" && cargo build -q --release --locked -p certbind-host --bin certbind)
  CERTBIND="$TARGET/release/certbind"
fi
if [[ -z ${LOADGEN:-} ]]; then
  say "building the load generator"
  CARGO_TARGET_DIR="$LOADGEN_TARGET" cargo build -q --release --manifest-path "$PEERS/loadgen/Cargo.toml"
  LOADGEN="$LOADGEN_TARGET/release/mtls-loadgen"
fi

rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
"$CERTBIND" dev-pki --dir "$WORK/pki" >/dev/null
# warn-level logs: no line per token; the malformed requests' rejections are logged (and
# their log is part of what must not grow the process).
sed -i 's/^\[server\]$/[server]\nlog = "warn"/' "$WORK/pki/certbind.toml"

PID=
cleanup() {
  if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM
"$CERTBIND" serve --config "$WORK/pki/certbind.toml" --listen "127.0.0.1:$PORT" \
  --workers "$WORKERS" > "$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.1
done

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }
fds() { ls "/proc/$PID/fd" | wc -l; }
URL="https://localhost:$PORT/connect/token"
BODY='grant_type=client_credentials&client_id=certclient&scope=read'
PKI=(--cert "$WORK/pki/client.pem" --key "$WORK/pki/client.key" --cacert "$WORK/pki/ca.pem")
loadgen() { # mode concurrency
  "$LOADGEN" --url "$URL" "${PKI[@]}" -c "$2" -d "$WINDOW" --mode "$1" --body "$BODY" \
    --expect-body access_token --threads 1 --json | tail -1
}

CSV="$OUT/soak.csv"
echo "t_s,rss_kib,fds_under_load,fds_idle,tokens_per_s,keepalive_p99_ms,handshake_p99_ms,ok,errors,malformed_sent,malformed_unexpected" > "$CSV"
: > "$WORK/windows.jsonl"
malformed_rate=20
windows=$((DURATION / WINDOW))
say "soak: $windows windows of $WINDOW s; server pid $PID on port $PORT"
for w in $(seq 1 "$windows"); do
  loadgen keepalive "$KEEPALIVE" > "$WORK/ka.json" &
  ka=$!
  loadgen handshake "$HANDSHAKE" > "$WORK/hs.json" &
  hs=$!
  python3 "$REPO/bench/malformed.py" --port "$PORT" --ca "$WORK/pki/ca.pem" \
    --cert "$WORK/pki/client.pem" --key "$WORK/pki/client.key" \
    --rate "$malformed_rate" --duration "$WINDOW" > "$WORK/bad.json" &
  bad=$!
  sleep "$((WINDOW / 2))"
  fds_load=$(fds)
  wait "$ka" "$hs" "$bad"
  sleep 0.5
  line=$(python3 - "$WORK/ka.json" "$WORK/hs.json" "$WORK/bad.json" "$((w * WINDOW))" "$(rss)" "$fds_load" "$(fds)" "$WINDOW" "$MALFORMED" <<'PY'
import json, sys
ka, hs, bad = (json.load(open(p)) for p in sys.argv[1:4])
t, rss, fds_load, fds_idle, window, share = sys.argv[4:10]
ok = ka["ok"] + hs["ok"]
errors = ka["errors"] + hs["errors"]
row = [t, rss, fds_load, fds_idle, f"{ok / float(window):.1f}", f'{ka["p99_ms"]:.3f}',
       f'{hs["p99_ms"]:.3f}', ok, errors, bad["sent"], bad["unexpected"]]
# next window's malformed rate: MALFORMED % of all requests at this window's token rate
rate = ok / float(window) * float(share) / (100 - float(share))
print(",".join(map(str, row)) + f"|{rate:.1f}|" + json.dumps({"keepalive": ka, "handshake": hs, "malformed": bad}))
PY
)
  echo "${line%%|*}" >> "$CSV"
  rest="${line#*|}"
  malformed_rate="${rest%%|*}"
  echo "${rest#*|}" >> "$WORK/windows.jsonl"
  say "window $w/$windows: ${line%%|*}"
done

say "plot and summary"
gnuplot <<GP
set datafile separator ","
set terminal pngcairo size 1200,900 font ",10" noenhanced
set output "$OUT/soak.png"
set multiplot layout 2,2 title "certbind soak: $DURATION s, $KEEPALIVE keep-alive + $HANDSHAKE new-handshake workers, $MALFORMED% malformed (warm-up $WARMUP s)"
set xlabel "time (s)"
set grid
set key bottom right
set yrange [0:*]
set arrow 1 from $WARMUP, graph 0 to $WARMUP, graph 1 nohead dashtype 2 lc rgb "gray"
set title "RSS (MiB)"
plot "$CSV" every ::1 using 1:(\$2/1024) with linespoints pt 7 ps 0.4 title "RSS"
set title "open files"
plot "$CSV" every ::1 using 1:3 with linespoints pt 7 ps 0.4 title "under load", \
     "$CSV" every ::1 using 1:4 with linespoints pt 7 ps 0.4 title "idle (after each window)"
set title "tokens/s"
plot "$CSV" every ::1 using 1:5 with linespoints pt 7 ps 0.4 title "tokens/s"
set title "p99 latency (ms)"
set key top left
plot "$CSV" every ::1 using 1:6 with linespoints pt 7 ps 0.4 title "keep-alive", \
     "$CSV" every ::1 using 1:7 with linespoints pt 7 ps 0.4 title "new handshake"
unset multiplot
GP

python3 - "$CSV" "$WARMUP" "$OUT/summary.md" <<'PY'
import csv, sys
path, warmup, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rows = list(csv.DictReader(open(path)))
after = [r for r in rows if float(r["t_s"]) > warmup]
base = [r for r in rows if float(r["t_s"]) <= warmup][-1]
num = lambda r, k: float(r[k])
rss0, rss1 = num(base, "rss_kib"), num(after[-1], "rss_kib")
growth = (rss1 - rss0) / rss0 * 100
idle = [int(r["fds_idle"]) for r in after]
ok = sum(int(r["ok"]) for r in rows)
errors = sum(int(r["errors"]) for r in rows)
sent = sum(int(r["malformed_sent"]) for r in rows)
unexpected = sum(int(r["malformed_unexpected"]) for r in rows)
checks = [
    (f"unexpected errors: {errors} load generator errors, {unexpected} malformed requests answered otherwise", errors == 0 and unexpected == 0),
    (f"RSS growth after warm-up: {rss0/1024:.1f} MiB -> {rss1/1024:.1f} MiB ({growth:+.2f}%), bound 5%", growth < 5),
    (f"open files when idle after warm-up: {min(idle)}..{max(idle)} (first {int(base['fds_idle'])}), bound: within 2", max(idle) - min(idle) <= 2 and abs(max(idle) - int(base["fds_idle"])) <= 2),
]
tps = [num(r, "tokens_per_s") for r in after]
ka = sorted(num(r, "keepalive_p99_ms") for r in after)
hs = sorted(num(r, "handshake_p99_ms") for r in after)
with open(out, "w") as f:
    f.write(f"{len(rows)} windows, {float(rows[-1]['t_s']):.0f} s; {ok} tokens, {sent} malformed requests "
            f"({sent / (ok + sent) * 100:.1f}% of all)\n\n")
    f.write(f"tokens/s per window after warm-up: min {min(tps):.0f}, median {sorted(tps)[len(tps)//2]:.0f}, max {max(tps):.0f}; "
            f"p99 per window (ms): keep-alive median {ka[len(ka)//2]:.1f} max {ka[-1]:.1f}, "
            f"new handshake median {hs[len(hs)//2]:.1f} max {hs[-1]:.1f}\n\n")
    for text, good in checks:
        f.write(f"- {'PASS' if good else 'FAIL'}: {text}\n")
print(open(out).read())
sys.exit(0 if all(g for _, g in checks) else 1)
PY
