#!/usr/bin/env bash
# Every test: sets everything up, then runs the native suites (ctest), the same suites under
# AddressSanitizer + UndefinedBehaviorSanitizer, a bounded run of every libFuzzer target, the
# WebAssembly module tests, the emulator's own tests and the Worker integration tests in workerd.
# Stops at the first failing stage.
#   LLMROUTE_FUZZ_SECONDS=30   seconds per fuzz target (0 skips the fuzz stage)
set -euo pipefail
cd "$(dirname "$0")/.."
worker/scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_LOG_PATH="$PWD/logs/wrangler"

echo "== native tests (ctest)"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== native tests under ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLLMROUTE_SANITIZE=ON -DLLMROUTE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$jobs")

# A minute per target, two targets at a time (one per core): three minutes plus the clang build.
# Long runs are tests/fuzz/run.sh with FUZZ_RUNS, by hand.
fuzz_seconds=${LLMROUTE_FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz targets, ${fuzz_seconds}s each"
  tests/fuzz/run.sh "$fuzz_seconds"
fi

echo "== benchmark suite, smoke mode (proves it runs; timings are reported, never asserted)"
node tests/bench/suite.mjs --smoke >/dev/null

echo "== sizes of llmroute.wasm and the Worker bundle against their budgets"
node tests/bench/sizes.mjs --check

echo "== wasm module, emulator and Worker tests (node --test)"
node --test tests/wasm/ tests/emulator_selftest/ tests/worker/
