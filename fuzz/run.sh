#!/usr/bin/env bash
# The long fuzz run: every target for RUNS executions (default 10 million), one after another
# or all at once (PARALLEL=1), at the lowest CPU priority. Needs nightly and cargo-fuzz 0.13.2
# (`cargo install cargo-fuzz --version 0.13.2 --locked`). Seeds come from the test suite.
# Each target's log is fuzz/logs/<target>.log; its stat:: lines hold the execution count.
# SANITIZER=none builds without AddressSanitizer (~18x faster for config_to_plan, whose inputs
# are planned four times each); safe Rust needs ASan less, and the 256 MB single-allocation
# limit then comes from fuzz_targets/common/alloc_limit.rs instead of -malloc_limit_mb.
# libFuzzer fails the run on a panic, a leak, >2 GB RSS, one allocation over 256 MB
# (-malloc_limit_mb, AddressSanitizer's allocator), or one input running longer than TIMEOUT
# seconds (default 60: 10 s tripped once inside ASan's allocator under load 12 at nice 19, on an
# input that runs in milliseconds alone).
#
#   fuzz/run.sh [RUNS]        e.g. fuzz/run.sh 10000000
#   SANITIZER=none fuzz/run.sh 10000000
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-10000000}
# TARGETS="config_to_plan" runs one target only.
read -r -a TARGETS <<<"${TARGETS:-msgpack_decode json_decode config_to_plan}"
mkdir -p logs
(cd .. && cargo test -q --test it write_fuzz_seeds -- --ignored >/dev/null)
SAN=${SANITIZER:-address}
cargo +nightly fuzz build -O -s "$SAN"
run() {
  local t=$1
  nice -n 19 cargo +nightly fuzz run -O -s "$SAN" "$t" "corpus/$t" -- \
    -runs="$RUNS" -timeout="${TIMEOUT:-60}" -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1 \
    >"logs/$t.log" 2>&1
  echo "$t: $(grep -E '^(Done|stat::number_of_executed_units)' "logs/$t.log" | tail -1)"
}
if [[ "${PARALLEL:-0}" == 1 ]]; then
  for t in "${TARGETS[@]}"; do run "$t" & done
  wait
else
  for t in "${TARGETS[@]}"; do run "$t"; done
fi
