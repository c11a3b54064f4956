#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs every
# test (unit, integration against the real server binary, benchmark smoke runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build
jobs=$(nproc 2>/dev/null || echo 2)
cd build
ctest --output-on-failure -j"$jobs" --timeout 900
FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_RUNS=${FUZZ_RUNS:-100000} FUZZ_RUNS_importer=${FUZZ_RUNS_importer:-15000} \
  ../scripts/fuzz.sh 120  # libFuzzer harnesses under ASan/UBSan, a fixed seed, 100k inputs each, 15k for the slower importer (docs/OPERATIONS.md, "Fuzzing")
