#!/usr/bin/env bash
# Runs the benchmarks of an existing build (make bench builds first) and prints
# their results: persona-loadgen (Recommend and ingest beside an empty gRPC
# call and a bare RocksDB loop, as ratios, and Recommend with ALS serving a
# 100k-item catalog: --als100k, which loads and trains for a few minutes),
# then every model_* Google Benchmark binary. Builds nothing. Record the figures in docs/BENCHMARKS.md.
# Usage: scripts/run-benchmarks.sh [build-dir] [extra persona-loadgen flags...]
# Environment: LOADGEN_JSON=<file> also writes the load generator's JSON;
# BENCHMARK_MIN_TIME (default 0.5) is passed to the Google Benchmark binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
bench="$build/tests/bench"
if [[ ! -x "$bench/persona-loadgen" ]]; then
  echo "run-benchmarks: $bench/persona-loadgen is missing; build first (make bench)" >&2
  exit 1
fi

echo "== persona-loadgen (machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
loadgen_flags=(--duration=10 --warmup=2 --concurrency=16 --ingest_concurrency=4 --batch=100
               --streams=1 --stream_window=8 --customers=10000 --sessions=2000
               --als100k)
if [[ -n "${LOADGEN_JSON:-}" ]]; then loadgen_flags+=(--json="$LOADGEN_JSON"); fi
status=0
"$bench/persona-loadgen" "${loadgen_flags[@]}" "$@" || status=$?

shopt -s nullglob
for binary in "$bench"/model_*; do
  [[ -f "$binary" && -x "$binary" ]] || continue
  echo
  echo "== $(basename "$binary")"
  "$binary" --benchmark_min_time="${BENCHMARK_MIN_TIME:-0.5}" || status=$?
done
exit $status
