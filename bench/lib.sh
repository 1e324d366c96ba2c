# Shared by the bench scripts (sourced, not run): messages, processes stopped by PID when the
# script ends, waiting for a port, and a throwaway PostgreSQL cluster on loopback (run as the
# `postgres` user when the script runs as root: PostgreSQL refuses root).

say() { printf '==> %s\n' "$*" >&2; }

PIDS=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
AS=()
if [[ $(id -u) -eq 0 ]]; then AS=(runuser -u postgres --); fi
PG_DIR=""

# Stops every process started (SIGTERM starts a certbind replica's drain, SIGINT right after
# ends it at once) and the PostgreSQL cluster.
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.1
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $PG_DIR && -d $PG_DIR/data ]]; then
    "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM

wait_port() { # port
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  return 1
}

# pg_init DIR PORT: a new cluster in DIR (user certbind, trust), started; sets DB_URL.
pg_init() {
  PG_DIR=$1 PG_PORT=$2
  [[ -n $PG_BIN ]] || { echo "PostgreSQL is not installed (Debian package postgresql)" >&2; return 1; }
  mkdir -p "$PG_DIR"
  [[ ${#AS[@]} -eq 0 ]] || chown postgres: "$PG_DIR"
  "${AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U certbind --no-sync >/dev/null
  pg_start
  DB_URL="postgres://certbind@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
}

pg_start() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}

# As a crash would: no checkpoint, connections cut.
pg_stop_immediate() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null
}

# utime+stime (all threads) of a process, in seconds.
proc_cpu_s() {
  awk '{ sub(/^.*\) /, ""); split($0, f, " "); printf "%.2f", (f[12] + f[13]) / 100 }' "/proc/$1/stat"
}
