#!/usr/bin/env bash
# The benchmark suite (BENCHMARKS.md): builds what it measures, then prints one table of every
# figure with its target and its ratio to a baseline measured in the same run.
#   tests/bench/run.sh            full mode (about 10 minutes on a quiet 2-core machine)
#   tests/bench/run.sh --smoke    one short round of everything, well under 2 minutes (CI runs it)
#   tests/bench/run.sh --wasm-sizes   where the bytes of llmroute.wasm go, by owner and function
#   extra arguments go to suite.mjs, e.g. --json logs/bench.json
set -euo pipefail
cd "$(dirname "$0")/../.."
worker/scripts/setup.sh >/dev/null

if [ "${1:-}" = "--wasm-sizes" ]; then
  # The same link as the shipped module's, keeping function names (a name section) this time.
  if [ ! -w "$(dirname "$(readlink -f "$(command -v emcc)")")" ] && [ -z "${EM_CACHE:-}" ]; then
    export EM_CACHE="$PWD/build-wasm/em-cache"
  fi
  link=$(sed 's| -o llmroute.wasm | --profiling-funcs -o llmroute.names.wasm |' build-wasm/CMakeFiles/llmroute_wasm.dir/link.txt)
  (cd build-wasm && eval "$link")
  exec node tests/bench/wasm_sizes.mjs build-wasm/llmroute.names.wasm 25
fi
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_LOG_PATH="$PWD/logs/wrangler"
exec node tests/bench/suite.mjs "$@"
