#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-fuzz), replays every seed and regression
# input under the sanitizers, then fuzzes each harness for a while, two at a
# time. Any crash, sanitizer report, leak, timeout or broken property fails the
# script, naming the harness and the input file (kept in a temporary directory).
#
# Usage: scripts/fuzz.sh [seconds per harness] [harness...]
#   seconds  default $FUZZ_SECONDS or 30; 0 only replays the inputs
#   harness  validation rules segment_rule importer records model_record
#            (default: all)
# Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_JOBS (nproc), FUZZ_KEEP=1 keeps
# the temporary directory (new corpus entries and artifacts) when nothing failed.
# FUZZ_SEED and FUZZ_RUNS make a run repeatable: libFuzzer's random seed and a
# fixed number of mutated inputs per harness (the seconds then only cap it;
# FUZZ_RUNS_<harness>, e.g. FUZZ_RUNS_importer, sets one harness's number).
# scripts/test.sh (CI) sets both, so CI's verdict does not depend on luck or on
# the machine's speed; plain runs use a random seed and fuzz for the seconds.
# Longer local runs and what to do with a crash: docs/OPERATIONS.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${FUZZ_SECONDS:-30}}
[[ $# -gt 0 ]] && shift
harnesses=("$@")
if [[ ${#harnesses[@]} -eq 0 ]]; then
  harnesses=(validation rules segment_rule importer records model_record)
fi
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

for tool in clang clang++; do
  if ! command -v "$tool" >/dev/null; then
    echo "fuzz.sh: $tool is missing (scripts/install-deps.sh installs clang and libFuzzer)" >&2
    exit 1
  fi
done

start=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPERSONA_FUZZ=ON \
  -DPERSONA_NATIVE=ON >/dev/null
cmake --build "$build" -j"$jobs" --target persona_fuzzers >/dev/null
echo "fuzz.sh: built the harnesses in $(( $(date +%s) - start )) s"

work=$(mktemp -d "${TMPDIR:-/tmp}/persona-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Replays the checked-in inputs, then fuzzes; writes <work>/<harness>.rc.
run_one() {
  local h=$1 bin="$build/tests/fuzz/${1}_fuzzer" dir="$work/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local inputs=()
  while IFS= read -r -d '' f; do inputs+=("$f"); done < <(
    find "tests/fuzz/corpus/$h" "tests/fuzz/regressions/$h" -type f ! -name '.*' -print0 \
      2>/dev/null | sort -z)
  local dict=()
  [[ -f "tests/fuzz/$h.dict" ]] && dict=(-dict="tests/fuzz/$h.dict")
  echo "${#inputs[@]}" >"$dir/inputs"
  local rc=0
  if [[ ${#inputs[@]} -gt 0 ]]; then
    "$bin" -artifact_prefix="$dir/artifacts/" "${inputs[@]}" >"$dir/replay.log" 2>&1 || rc=$?
  fi
  if [[ $rc -eq 0 && $seconds -gt 0 ]]; then
    local seeds=()
    for d in "tests/fuzz/corpus/$h" "tests/fuzz/regressions/$h"; do
      [[ -d $d ]] && seeds+=("$d")
    done
    local repeat=()
    [[ -n ${FUZZ_SEED:-} ]] && repeat+=(-seed="$FUZZ_SEED")
    local runs_var="FUZZ_RUNS_$h"
    local runs=${!runs_var:-${FUZZ_RUNS:-}}
    [[ -n $runs ]] && repeat+=(-runs="$runs")
    "$bin" "${repeat[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" \
      "$dir/corpus" "${seeds[@]}" >"$dir/fuzz.log" 2>&1 || rc=$?
  fi
  echo "$rc" >"$work/$h.rc"
}

for h in "${harnesses[@]}"; do
  if [[ ! -x "$build/tests/fuzz/${h}_fuzzer" ]]; then
    echo "fuzz.sh: unknown harness '$h'" >&2
    exit 2
  fi
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  run_one "$h" &
done
wait

failed=0
for h in "${harnesses[@]}"; do
  rc=$(cat "$work/$h.rc" 2>/dev/null || echo 1)
  if [[ $rc -eq 0 ]]; then
    execs=$(grep -ho 'stat::number_of_executed_units: *[0-9]*' "$work/$h/fuzz.log" 2>/dev/null |
      grep -o '[0-9]*$' || echo 0)
    echo "fuzz.sh: $h: ok (replayed $(cat "$work/$h/inputs") inputs; ${execs:-0} runs, at most ${seconds} s)"
    continue
  fi
  failed=1
  echo "fuzz.sh: $h: FAILED (exit $rc)" >&2
  for log in "$work/$h/replay.log" "$work/$h/fuzz.log"; do
    [[ -f $log ]] || continue
    [[ $log == */replay.log ]] &&
      { grep -h 'Running: ' "$log" | tail -1 | sed 's/^/  last input: /' >&2 || true; }
    grep -hE 'ERROR: |FUZZ_CHECK|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/  /' >&2 || true
    echo "  log: $log" >&2
  done
  for a in "$work/$h/artifacts/"*; do
    [[ -f $a ]] || continue
    echo "  crashing input: $a" >&2
    # CI's temporary directory is gone after the run: print small inputs so a
    # crash found there can be rebuilt (base64 -d) and reproduced.
    if [[ $(stat -c %s "$a") -le 4096 ]]; then
      echo "  input as base64:" >&2
      base64 -w 100 "$a" | sed 's/^/    /' >&2
    fi
    echo "  reproduce: $build/tests/fuzz/${h}_fuzzer $a" >&2
    echo "  then minimise it (-minimize_crash=1 -runs=10000), copy it to tests/fuzz/regressions/$h/ and fix the bug" >&2
  done
done
echo "fuzz.sh: finished in $(( $(date +%s) - start )) s"
if [[ $failed -ne 0 ]]; then
  echo "fuzz.sh: inputs and logs kept in $work" >&2
  exit 1
fi
if [[ ${FUZZ_KEEP:-0} == 1 ]]; then
  echo "fuzz.sh: corpus and logs kept in $work"
else
  rm -rf "$work"
fi
