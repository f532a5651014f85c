#!/usr/bin/env bash
# Installs what llmroute needs on a Debian machine and builds the core twice: natively (CLI, tests,
# benchmarks) and to WebAssembly (worker/build/llmroute.wasm, which the Worker imports).
# Safe to run again: it installs only what is missing and rebuilds only what changed.
#   LLMROUTE_SKIP_NATIVE=1   build only the .wasm (the dev command does not need the native build)
#   LLMROUTE_SKIP_BROWSER=1  do not install chromium (only the dashboard's browser test needs it)
set -euo pipefail
cd "$(dirname "$0")/../.."

# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (tests/fuzz/run.sh).
packages=(cmake g++ clang libclang-rt-14-dev emscripten nlohmann-json3-dev libgtest-dev libbenchmark-dev)
# Debian's chromium, driven by playwright-core in tests/worker/dashboard.test.mjs (no browser download).
[ "${LLMROUTE_SKIP_BROWSER:-0}" = "1" ] || packages+=(chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js 20 or newer may come from elsewhere than Debian (whose npm package then conflicts).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi

if [ ! -d worker/node_modules/wrangler ] || [ worker/package-lock.json -nt worker/node_modules/.package-lock.json ]; then
  echo "setup: npm ci (worker/)"
  (cd worker && npm ci --no-audit --no-fund)
fi

# The dashboard's chart library, from the pinned npm package (no CDN: the page works offline).
mkdir -p worker/assets/dashboard/vendor
for f in dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE; do
  cp worker/node_modules/uplot/$f worker/assets/dashboard/vendor/
done

jobs=$(nproc 2>/dev/null || echo 2)
if [ "${LLMROUTE_SKIP_NATIVE:-0}" != "1" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$jobs"
fi
# Emscripten keeps its cache beside the compiler; when that is not writable, use one of our own.
if [ ! -w "$(dirname "$(readlink -f "$(command -v emcc)")")" ] && [ -z "${EM_CACHE:-}" ]; then
  export EM_CACHE="$PWD/build-wasm/em-cache"
fi
[ -f build-wasm/CMakeCache.txt ] || emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-wasm -j "$jobs"
mkdir -p worker/build
cp build-wasm/llmroute.wasm worker/build/llmroute.wasm
echo "setup: done (worker/build/llmroute.wasm: $(wc -c < worker/build/llmroute.wasm) bytes)"
