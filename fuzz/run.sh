#!/usr/bin/env bash
# Builds and runs fuzz targets with libFuzzer, on stable Rust, without cargo-fuzz:
#   fuzz/run.sh <target> [seconds]     one target (default 60 s; 0 = until a crash or Ctrl-C);
#                                      extra arguments go to libFuzzer
#   fuzz/run.sh all [minutes]          every target in turn, MINUTES each (default 1), then a
#                                      table of executions, coverage, peak RSS and crashes
#   fuzz/run.sh list                   the targets
# The corpus (fuzz/corpus/<target>, not committed) starts from the committed seeds
# (fuzz/seeds/<target>; decode, compare: also tests/fixtures); crashes are written to
# fuzz/artifacts/<target>/, the log of an `all` run to fuzz/artifacts/<target>/run.log. The
# flags are the ones cargo-fuzz passes (coverage instrumentation, `cfg(fuzzing)`), minus
# AddressSanitizer: certbind forbids unsafe code. With nightly and cargo-fuzz installed,
# `cargo +nightly fuzz run <target>` works in the same directory.
set -euo pipefail
cd "$(dirname "$0")"
usage="usage: fuzz/run.sh <target> [seconds] | all [minutes] | list"
target="${1:?$usage}"
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^certbind-fuzz$')
if [[ $target == list ]]; then
    echo "$targets"
    exit 0
fi
if [[ $target != all ]] && ! grep -qx "$target" <<<"$targets"; then
    echo "fuzz/run.sh: no target $target; the targets are:" $targets >&2
    exit 2
fi
triple="$(rustc -vV | sed -n 's/^host: //p')"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd .. && pwd)/target/fuzz}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
# Memory bound of every input: libFuzzer stops with a crash report when the process's RSS
# passes this (checked every second). -malloc_limit_mb (one allocation) is enforced only with
# a sanitizer allocator (cargo +nightly fuzz, AddressSanitizer).
limits=(-max_len=65536 -rss_limit_mb=1024 -malloc_limit_mb=256)

# Builds the targets (all of them with `all`; --target keeps these flags away from build
# scripts and proc macros).
if [[ $target == all ]]; then
    cargo build --release --target "$triple" --bins
else
    cargo build --release --target "$triple" --bin "$target"
fi

seed() {
    local t=$1 corpus="corpus/$1"
    mkdir -p "$corpus" "artifacts/$t"
    if [[ -z "$(ls -A "$corpus")" ]]; then
        if [[ -d seeds/$t ]]; then
            cp seeds/"$t"/* "$corpus/"
        fi
        if [[ $t == decode || $t == compare ]]; then
            find ../tests/fixtures -maxdepth 1 -type f ! -name '*.sh' ! -name '*.py' ! -name '*.json' -exec cp {} "$corpus/" \;
        fi
    fi
}

if [[ $target != all ]]; then
    seconds="${2:-60}"
    seed "$target"
    exec "$CARGO_TARGET_DIR/$triple/release/$target" "corpus/$target" \
        -artifact_prefix="artifacts/$target/" -max_total_time="$seconds" "${limits[@]}" "${@:3}"
fi

minutes="${2:-1}"
if ! [[ $minutes =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz/run.sh all: MINUTES is a whole number of minutes, at least 1 (got $minutes)" >&2
    exit 2
fi
status=0
summary=$'| target | executions | cov | ft | corpus | peak RSS | crashes |\n|---|---|---|---|---|---|---|'
for t in $targets; do
    seed "$t"
    log="artifacts/$t/run.log"
    before=$(find "artifacts/$t" -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' | wc -l)
    echo "==> $t: $minutes min (log: fuzz/$log)"
    set +e
    "$CARGO_TARGET_DIR/$triple/release/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" \
        -max_total_time=$((minutes * 60)) -print_final_stats=1 "${limits[@]}" "${@:3}" >"$log" 2>&1
    code=$?
    set -e
    after=$(find "artifacts/$t" -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' | wc -l)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
    new=$((after - before))
    summary+=$'\n'"| $t | ${runs:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${peak:-?} MB | $new |"
    if [[ $code -ne 0 || $new -ne 0 ]]; then
        status=1
        echo "    $t stopped with exit code $code; $new new finding(s) in fuzz/artifacts/$t/" >&2
    fi
done
echo
echo "$summary"
exit $status
