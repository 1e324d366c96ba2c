#!/usr/bin/env bash
# The fleet harness: on loopback, a throwaway PostgreSQL, three `certbind serve` replicas on that
# one store, and HAProxy from Debian in front of them in two configurations at once, each its own
# process: TCP mode with TLS passing through (docs/proxy/haproxy-fleet-passthrough.cfg) and TLS
# terminated with the client certificate forwarded to `behind_proxy` listeners
# (docs/proxy/haproxy-fleet-terminating.cfg); both health-check /readyz.
#
# The scenario: `cluster-client load` sends token requests through each balancer from
# keep-alive (HTTP/1.1 and HTTP/2) and new-handshake clients at once while this script
#   1. restarts the replicas one after the other (SIGTERM, wait for the exit, start, wait until
#      both balancers have it UP again),
#   2. kills one (SIGKILL), waits until both balancers have taken it out, starts it again and
#      waits until they have taken it back in,
#   3. registers a client through one replica (RFC 7591) and waits for tokens through each
#      balancer and from every replica; revokes a token through one replica (RFC 7009) and waits
#      until every replica says it is inactive; rotates the signing key (`certbind keys rotate`),
#   4. stops PostgreSQL (as a crash would) for DB_OUTAGE seconds and starts it again.
# Then `cluster-client report` checks the claims and writes $WORK/results.json and results.md:
# no failed token request but those in flight on the killed replica at that instant, both
# propagations within a second, every token of the run verified against every replica's JWKS
# (signed by both keys), every SIGTERM answered by an exit 0. Exit status 1 when one fails.
#
#   bench/cluster.sh            the scenario (builds the release binaries)
#   bench/cluster.sh bench      tokens/s of one replica direct, and of one and three behind each
#                               balancer (the shared load generator), then the scenario at bench
#                               scale and its plot (python3 + matplotlib in a venv under $WORK)
# tests/tests/cluster_haproxy.rs runs `bench/cluster.sh` with SCALE=short and debug binaries.
#
# Env [defaults]: WORK [/tmp/certbind-cluster]  SCALE [bench: longer phases; short: CI]
#   CERTBIND, CLIENT [release builds of certbind and cluster-client]
#   BALANCERS ["passthrough terminating"]  PORTS [9 free ports, space-separated; default
#   PORT_BASE 9500…]  WORKERS [1] per replica  KEEPALIVE, HANDSHAKE, HTTP2 clients per balancer,
#   PAUSE_MS between their requests  DRAIN, GRACE (s)  CHECK_INTER [500ms; short 300ms]
#   DB_OUTAGE [10 s; short 2]  (defaults per SCALE below)
#   bench only: DURATION [10] s per throughput run, REPEATS [3], CONCURRENCY [16],
#   PEERS [<repo>/../shared/peers], LOADGEN_TARGET
set -euo pipefail

MODE="${1:-scenario}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

WORK="${WORK:-/tmp/certbind-cluster}"
SCALE="${SCALE:-bench}"
BALANCERS="${BALANCERS:-passthrough terminating}"
WORKERS="${WORKERS:-1}"
# Health checks every CHECK_INTER, two failed ones take a replica out: DRAIN must be longer. A
# check's TLS handshake must finish within CHECK_INTER (HAProxy counts it in the connect phase),
# so the interval cannot be much shorter on a busy machine; PAUSE_MS between requests leaves the
# replicas some of the CPU for the checks when the load clients would take it all.
if [[ $SCALE == short ]]; then
  : "${KEEPALIVE:=2}" "${HANDSHAKE:=2}" "${HTTP2:=1}" "${PAUSE_MS:=5}" "${DRAIN:=2}" "${GRACE:=5}"
  : "${CHECK_INTER:=300ms}" "${WARMUP:=1}" "${SETTLE:=1}" "${DB_OUTAGE:=2}" "${ROTATE_DELAY:=1}"
else
  # 4 + 4 clients per balancer, 2 ms apart: heavy load that leaves the replicas and balancers
  # enough of two shared cores to keep answering. 8 + 8 at full speed (PAUSE_MS=0) overloads
  # them on this machine: stalls of ~3 s, new connections closed after their TLS handshake and
  # health checks timing out (bench/RESULTS.md, issue 15, the overload run).
  : "${KEEPALIVE:=4}" "${HANDSHAKE:=4}" "${HTTP2:=1}" "${PAUSE_MS:=2}" "${DRAIN:=3}" "${GRACE:=10}"
  : "${CHECK_INTER:=500ms}" "${WARMUP:=5}" "${SETTLE:=4}" "${DB_OUTAGE:=10}" "${ROTATE_DELAY:=3}"
fi
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
if [[ -z ${CERTBIND:-} || -z ${CLIENT:-} ]]; then
  say "building certbind and cluster-client (release)"
  (cd "$REPO" && cargo build -q --release --locked -p certbind-host --bin certbind \
    -p certbind-tests --bin cluster-client)
  CERTBIND="${CERTBIND:-$TARGET/release/certbind}"
  CLIENT="${CLIENT:-$TARGET/release/cluster-client}"
fi
read -r -a PORT_LIST <<< "${PORTS:-$(seq -s ' ' "${PORT_BASE:-9500}" "$(( ${PORT_BASE:-9500} + 8 ))")}"
(( ${#PORT_LIST[@]} >= 9 )) || { echo "PORTS: 9 ports needed" >&2; exit 2; }
P_PG=${PORT_LIST[0]}
declare -A DIRECT PROXIED LISTEN PID BALANCER_PORT
for r in 1 2 3; do DIRECT[$r]=${PORT_LIST[$r]}; PROXIED[$r]=${PORT_LIST[$((r + 3))]}; done
BALANCER_PORT[passthrough]=${PORT_LIST[7]}
BALANCER_PORT[terminating]=${PORT_LIST[8]}
ISSUER="https://auth.cluster.test"

rm -rf "$WORK"
mkdir -p "$WORK/logs"
chmod 755 "$WORK"
EVENTS="$WORK/events.log"
FACTS="$WORK/facts.txt"
STOP="$WORK/stop"
PKI="$WORK/pki"
: > "$EVENTS"
: > "$FACTS"

# ---------------------------------------------------------------- the cluster
say "PostgreSQL on port $P_PG"
pg_init "$WORK/pg" "$P_PG"

say "PKI, KEK, three replica configurations"
"$CERTBIND" dev-pki --dir "$PKI" >/dev/null
cat "$PKI/server.pem" "$PKI/server.key" > "$PKI/haproxy.pem"
INITIAL_TOKEN=$("$CERTBIND" registration new-token 2>"$WORK/token-advice.txt" | head -1)
CERTBIND_KEK=$("$CERTBIND" keys new-kek 2>/dev/null)
export CERTBIND_KEK
for r in 1 2 3; do
  cat > "$PKI/replica-$r.toml" <<TOML
# replica $r of bench/cluster.sh
trust_anchors = ["ca.pem"]

[server]
issuer = "$ISSUER"
max_token_lifetime = 600
log = "warn,certbind::shutdown=info,certbind::store=info,certbind::audit=info"

[server.shutdown]
drain_delay = $DRAIN
grace_period = $GRACE

[server.tls]
certificate = "server.pem"
private_key = "server.key"

# Clients, directly or through the TCP-mode balancer.
[[server.listeners]]
address = "127.0.0.1:${DIRECT[$r]}"
kind = "mtls"

# The TLS-terminating balancer, with the client's certificate in a header.
[[server.listeners]]
address = "127.0.0.1:${PROXIED[$r]}"
kind = "mtls"
behind_proxy = true
trusted_proxies = ["127.0.0.1"]
client_cert_header = "haproxy-base64"
metrics = false

[server.keys]
dir = "keys"

[store]
kind = "postgres"
url = "$DB_URL"

[registration]
$(grep '^initial_access_tokens' "$WORK/token-advice.txt")

$(sed -n '/^\[\[clients\]\]/,$p' "$PKI/certbind.toml")
TOML
done
"$CERTBIND" db migrate --config "$PKI/replica-1.toml" >&2
"$CERTBIND" clients import --config "$PKI/replica-1.toml" >&2

start_replica() { # r
  "$CERTBIND" serve --config "$PKI/replica-$1.toml" --workers "$WORKERS" \
    >> "$WORK/logs/replica-$1.log" 2>&1 &
  PID[$1]=$!
  PIDS+=($!)
}
wait_ready() { # r
  "$CLIENT" wait-ready --url "https://localhost:${DIRECT[$1]}" --ca "$PKI/ca.pem" --timeout 60
}
replica_urls() { # the replicas' base URLs, comma-separated
  echo "https://localhost:${DIRECT[1]},https://localhost:${DIRECT[2]},https://localhost:${DIRECT[3]}"
}

say "three replicas"
for r in 1 2 3; do start_replica "$r"; done
for r in 1 2 3; do wait_ready "$r"; done

start_balancer() { # name
  local b=$1 upstream template
  mkdir -p "$WORK/$b"
  case $b in
    passthrough) upstream=DIRECT; template="$REPO/docs/proxy/haproxy-fleet-passthrough.cfg" ;;
    terminating) upstream=PROXIED; template="$REPO/docs/proxy/haproxy-fleet-terminating.cfg" ;;
    *) echo "unknown balancer $b" >&2; return 2 ;;
  esac
  local -n ports=$upstream
  sed -e "s|{{DIR}}|$WORK/$b|g" -e "s|{{LISTEN_PORT}}|${BALANCER_PORT[$b]}|g" \
    -e "s|{{CERTBIND_CA}}|$PKI/ca.pem|g" -e "s|{{CLIENT_CA}}|$PKI/ca.pem|g" \
    -e "s|{{SERVER_PEM}}|$PKI/haproxy.pem|g" -e "s|{{CHECK_INTER}}|$CHECK_INTER|g" \
    -e "s|{{SERVER_1}}|127.0.0.1:${ports[1]}|g" -e "s|{{SERVER_2}}|127.0.0.1:${ports[2]}|g" \
    -e "s|{{SERVER_3}}|127.0.0.1:${ports[3]}|g" "$template" > "$WORK/$b/haproxy.cfg"
  if grep -v '^ *#' "$WORK/$b/haproxy.cfg" | grep -q '{{'; then echo "unfilled placeholder in $template" >&2; return 2; fi
  haproxy -db -f "$WORK/$b/haproxy.cfg" > "$WORK/logs/haproxy-$b.log" 2>&1 &
  PID[$b]=$!
  PIDS+=($!)
  wait_port "${BALANCER_PORT[$b]}"
}
balancer_wait() { # balancer server status [since µs] → prints the ms since then
  "$CLIENT" haproxy --socket "$WORK/$1/haproxy.sock" wait --backend certbind --server "$2" \
    --status "$3" --timeout 60 ${4:+--since-us "$4"}
}
all_up() { # r
  local b
  for b in $BALANCERS; do balancer_wait "$b" "r$1" UP > /dev/null; done
}

say "HAProxy: $BALANCERS"
for b in $BALANCERS; do start_balancer "$b"; done
for r in 1 2 3; do all_up "$r"; done

# Logs an event for the load clients' summary and the plot; LAST_EVENT_US is its time.
event() {
  LAST_EVENT_US=$(date +%s%6N)
  printf '%s %s\n' "$LAST_EVENT_US" "$*" >> "$EVENTS"
  say "event: $*"
}
fact() { echo "$*" >> "$FACTS"; }

# ---------------------------------------------------------------- throughput (bench only)
throughput() {
  local peers="${PEERS:-$REPO/../shared/peers}"
  local loadgen_target="${LOADGEN_TARGET:-$TARGET/loadgen}"
  say "building the shared load generator"
  CARGO_TARGET_DIR="$loadgen_target" cargo build -q --release --manifest-path "$peers/loadgen/Cargo.toml"
  local loadgen="$loadgen_target/release/mtls-loadgen"
  local body='grant_type=client_credentials&client_id=certclient&scope=read'
  local runs="$WORK/throughput.jsonl"
  : > "$runs"
  set_servers() { # balancer state-of-r2-and-r3 (ready|maint)
    local r
    for r in 2 3; do
      "$CLIENT" haproxy --socket "$WORK/$1/haproxy.sock" cmd "set server certbind/r$r state $2" > /dev/null
    done
    if [[ $2 == ready ]]; then all_up 2; all_up 3; fi
  }
  one_run() { # label url mode
    local before after line pids cpu_before=0 cpu_after=0 p
    pids="${PID[1]} ${PID[2]} ${PID[3]} ${PID[passthrough]:-} ${PID[terminating]:-}"
    for p in $pids; do cpu_before=$(awk -v a="$cpu_before" -v b="$(proc_cpu_s "$p")" 'BEGIN { print a + b }'); done
    line=$("$loadgen" --url "$2" --cert "$PKI/client.pem" --key "$PKI/client.key" \
      --cacert "$PKI/ca.pem" -c "${CONCURRENCY:-16}" -d "${DURATION:-10}" --warmup 2 \
      --mode "$3" --body "$body" --expect-body access_token --json | tail -1)
    for p in $pids; do cpu_after=$(awk -v a="$cpu_after" -v b="$(proc_cpu_s "$p")" 'BEGIN { print a + b }'); done
    echo "{\"target\":\"$1\",\"server_cpu_s\":$(awk -v a="$cpu_after" -v b="$cpu_before" 'BEGIN { printf "%.2f", a - b }'),${line#\{}" >> "$runs"
    say "$1 $3: $line"
  }
  local rep mode b
  for rep in $(seq "${REPEATS:-3}"); do
    say "throughput, repetition $rep"
    for mode in keepalive handshake; do
      one_run direct "https://localhost:${DIRECT[1]}/connect/token" "$mode"
      for b in $BALANCERS; do
        set_servers "$b" maint
        one_run "$b-1" "https://localhost:${BALANCER_PORT[$b]}/connect/token" "$mode"
        set_servers "$b" ready
        one_run "$b-3" "https://localhost:${BALANCER_PORT[$b]}/connect/token" "$mode"
      done
    done
  done
}

# ---------------------------------------------------------------- the scenario
scenario() {
  local b r code
  rm -f "$STOP"
  declare -A LOAD
  for b in $BALANCERS; do
    "$CLIENT" load --url "https://localhost:${BALANCER_PORT[$b]}/connect/token" \
      --ca "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
      --keepalive "$KEEPALIVE" --handshake "$HANDSHAKE" --http2 "$HTTP2" --pause-ms "$PAUSE_MS" --stop-file "$STOP" \
      --events "$EVENTS" --out "$WORK/$b" --jwks "$(replica_urls | sed 's|,|/jwks,|g')/jwks" \
      --issuer "$ISSUER" 2> "$WORK/logs/load-$b.log" &
    LOAD[$b]=$!
    PIDS+=($!)
  done
  sleep "$WARMUP"

  event phase rolling-restart
  for r in 1 2 3; do
    event restart "r$r"
    kill -TERM "${PID[$r]}"
    code=0
    wait "${PID[$r]}" || code=$?
    fact "sigterm_exit r$r $code"
    event exited "r$r"
    start_replica "$r"
    wait_ready "$r"
    all_up "$r"
    event up "r$r"
  done
  sleep "$SETTLE"

  event phase kill
  event kill r2
  local killed=$LAST_EVENT_US started
  kill -KILL "${PID[2]}"
  wait "${PID[2]}" 2>/dev/null || true
  # The kill's instant lies between these two events: requests that started before it and
  # ended after `kill` were in flight on it.
  event dead r2
  for b in $BALANCERS; do fact "down_ms $b r2 $(balancer_wait "$b" r2 DOWN "$killed")"; done
  event down r2
  start_replica 2
  started=$(date +%s%6N)
  for b in $BALANCERS; do fact "up_again $b r2 $(balancer_wait "$b" r2 UP "$started")"; done
  event up r2
  sleep "$SETTLE"

  event phase fleet-changes
  for b in $BALANCERS; do
    "$CLIENT" register --ca "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
      --replica "https://localhost:${DIRECT[1]}" --balancer "https://localhost:${BALANCER_PORT[$b]}" \
      --replicas "$(replica_urls)" --initial-token "$INITIAL_TOKEN" > "$WORK/$b/register.json"
    event registered "via $b"
    "$CLIENT" revoke --ca "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
      --replica "https://localhost:${DIRECT[2]}" --balancer "https://localhost:${BALANCER_PORT[$b]}" \
      --replicas "$(replica_urls)" > "$WORK/$b/revoke.json"
    event revoked "via $b"
  done
  event rotate "keys rotate --delay $ROTATE_DELAY"
  "$CERTBIND" keys rotate --config "$PKI/replica-1.toml" --delay "$ROTATE_DELAY" >&2
  sleep $((ROTATE_DELAY + 1))
  event signs "new key"
  sleep "$SETTLE"

  event phase database-down
  pg_stop_immediate
  sleep "$DB_OUTAGE"
  pg_start
  event phase database-back
  for r in 1 2 3; do wait_ready "$r"; done
  event ready "all replicas connected"
  sleep "$SETTLE"

  touch "$STOP"
  for b in $BALANCERS; do wait "${LOAD[$b]}"; done
}

if [[ $MODE == bench ]]; then
  throughput
fi
scenario
status=0
"$CLIENT" report --work "$WORK" --balancers "$BALANCERS" || status=$?
if [[ $MODE == bench ]]; then
  python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q matplotlib \
    && "$WORK/venv/bin/python" "$REPO/bench/plot_cluster.py" "$WORK"
fi
exit $status
