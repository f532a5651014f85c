#!/usr/bin/env bash
# The benchmark suite (BENCHMARKS.md): builds what it measures, then prints one table of every
# figure with its target and its ratio to a baseline measured in the same run.
#   tests/bench/run.sh            full mode (about 10 minutes on a quiet 2-core machine)
#   tests/bench/run.sh --smoke    one short round of everything, well under 2 minutes (CI runs it)
#   extra arguments go to suite.mjs, e.g. --json logs/bench.json
set -euo pipefail
cd "$(dirname "$0")/../.."
worker/scripts/setup.sh >/dev/null
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_LOG_PATH="$PWD/logs/wrangler"
exec node tests/bench/suite.mjs "$@"
