#!/usr/bin/env bash
# Runs every libFuzzer target for a while: tests/fuzz/run.sh [seconds_per_target] (default 60).
#   FUZZ_TARGETS="stream call"  only these targets
#   FUZZ_RUNS=10000000          stop each target after this many executions too (the long runs;
#                               ASan then skips allocation stacks, see below)
#
# Builds build-fuzz with clang and LLMROUTE_FUZZ=ON, gathers a working corpus per target in
# build-fuzz/corpus/<target>/ (the committed seeds of tests/fuzz/corpus/<target>/, plus recorded
# provider traffic from ../shared/fixtures when that folder sits beside the repo; none of it is
# committed), then fuzzes the targets one per core, two at most at a time. One summary line per
# target; exits 1 if any crashed or was stopped, naming the file that holds the crashing input.
# Logs: build-fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
read -r -a targets <<<"${FUZZ_TARGETS:-config request openai_answer stream call abi}"
runs=()
if [ -n "${FUZZ_RUNS:-}" ]; then
  runs=(-runs="$FUZZ_RUNS")
  # Long runs: ASan records no allocation stacks (13% more executions per second for stream,
  # measured). A finding still stops the run and saves its input; replaying that input through
  # <target>_fuzz_replay in build-asan gives the full report.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
fi
build=build-fuzz
fixtures=../shared/fixtures
jobs=$(( $(nproc 2>/dev/null || echo 2) < 2 ? 1 : 2 ))

echo "== building $build (clang, LLMROUTE_FUZZ=ON)"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMROUTE_FUZZ=ON \
  -DLLMROUTE_BUILD_TESTS=OFF -DLLMROUTE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]/%/_fuzz}"

# Recorded traffic worth starting from, per target (globs relative to the fixtures folder).
openai_like=(openai azure-openai groq mistral deepseek xai perplexity openrouter)
fixture_globs() {
  case "$1" in
    request) echo "*/*.request.json" ;;
    openai_answer) for p in "${openai_like[@]}"; do echo "$p/*.response.json $p/error-*.json"; done ;;
    call | abi) echo "openai/*.response.json openai/error-*.json" ;;
    stream) echo "*/*.sse */*.chunks.txt */*.stream.json" ;;
    *) ;;
  esac
}

# A recorded stream as stream_fuzz reads it: the upstream bytes, then its 4-byte control word
# (every provider in turn, usage asked for, pieces of up to 7 bytes; see stream_fuzz.cpp).
stream_input() {
  case "$1" in
    *.sse) cat "$1" ;;
    *.chunks.txt) sed 's/^/data: /; s/$/\n/' "$1" ;;  # payloads without their SSE framing
    *.stream.json) sed -n 's/.*"raw_base64": *"\([^"]*\)".*/\1/p' "$1" | base64 -d ;;  # Bedrock's recorded bytes
  esac
  printf '\077\001\000\000'
}

# The working corpus of one target: its committed seeds plus the recorded traffic that fits it.
gather_corpus() {
  local target=$1 corpus=$build/corpus/$1 pattern file rel
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$target"/* "$corpus"/
  [ -d "$fixtures" ] || return 0
  for pattern in $(fixture_globs "$target"); do
    for file in "$fixtures"/$pattern; do
      [ -f "$file" ] || continue
      case "$file" in *.request.json) [ "$target" = request ] || continue ;; esac
      rel=${file#"$fixtures"/}
      if [ "$target" = stream ]; then
        stream_input "$file" >"$corpus/fixture-${rel//\//-}"
      else
        cp "$file" "$corpus/fixture-${rel//\//-}"
      fi
    done
  done
}

# Fuzzes one target and writes its summary to build-fuzz/logs/<target>.summary: a line ending in
# "crashes: 0" for a pass, otherwise what stopped it and the first error lines of its log.
fuzz_target() {
  local target=$1 corpus=$build/corpus/$1 crashes=$build/crashes/$1 log=$build/logs/$1.log
  local status=0 max_len=() execs rate cov artifact line
  mkdir -p "$crashes"
  gather_corpus "$target"
  echo "== $target: ${seconds}s from $(ls "$corpus" | wc -l) inputs"
  # Recorded streams reach 70 KB; mutating such inputs through 13 translators runs at tens per
  # second. Short inputs find the same boundary bugs far faster (longer seeds are cut to this).
  [ "$target" = stream ] && max_len=(-max_len=4096)
  "$build/${target}_fuzz" "$corpus" -max_total_time="$seconds" "${runs[@]}" "${max_len[@]}" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$crashes/" -dict=tests/fuzz/llmroute.dict >"$log" 2>&1 || status=$?

  # (a crash while loading the corpus leaves no cov: line yet)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -a -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  artifact=$(sed -n "s/.*Test unit written to //p" "$log" | tail -1)
  line="$target: ${execs:-?} executions (${rate:-?}/s), ${cov:-cov: ? ft: ?}"
  if [ "$status" -eq 0 ]; then
    line+=", crashes: 0"
  elif [ "$status" -eq 72 ] && grep -aq 'libFuzzer: run interrupted' "$log"; then
    # 72 is libFuzzer's exit code for SIGINT/SIGTERM: stopped from outside, no finding. Not a pass.
    line+=", interrupted before the end, no crash"
  else
    line+=", crashes: 1 (exit $status) -> ${artifact:-no input saved, see $log}"
  fi
  {
    echo "$line"
    [ "$status" -eq 0 ] || grep -a -m3 -E 'invariant broken|runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log" \
      | sed 's/^/    /' || true
  } | tee "$build/logs/$target.summary"
}

# One target per core: libFuzzer's single process uses one, so two at a time halve the wall time.
mkdir -p "$build/logs" "$build/crashes"
running=0
for target in "${targets[@]}"; do
  rm -f "$build/logs/$target.summary"
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true  # (a target that died without a summary is counted below)
    running=$((running - 1))
  fi
  fuzz_target "$target" &
  running=$((running + 1))
done
wait

passed=0
failed=0
echo "== summary"
for target in "${targets[@]}"; do
  summary=$build/logs/$target.summary
  if [ -f "$summary" ] && head -1 "$summary" | grep -q ', crashes: 0$'; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
  cat "$summary" 2>/dev/null || echo "$target: ended without a summary, see $build/logs/$target.log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
