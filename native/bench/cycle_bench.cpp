// The core's cost per routed request, natively. The cycle: parse a ~2 KB client request, plan the
// route, translate it for the provider, take a ~1 KB answer, read its usage and price it.
//   BM_CoreCycle      through the C++ API (what the logic costs)
//   BM_AbiCycle       through the exported C ABI with JSON events, as the Worker drives it
//   BM_AbiStreamCycle a streamed call through the C ABI, per upstream event
// Each stage on its own is in stages_bench.cpp.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_inputs.hpp"
#include "llmroute.h"
#include "support/core_harness.hpp"

using namespace llmroute;

namespace {

const std::string kRequest = bench::two_kb_request();
const std::string kAnswer = bench::one_kb_answer();

// What the Worker passes for one call answered by its first attempt: the request's metadata, then
// the start, the upstream head (with `content_type`) and the end, as JSON events.
struct AbiEvents {
  std::string meta, start, head, end;
};
AbiEvents abi_events(const std::string& content_type) {
  return {json{{"api_key", bench::kClientKey}}.dump(),
          R"({"type":"client_request_received","now_ms":1000,"seed":1})",
          R"({"type":"upstream_responded","attempt":1,"now_ms":1010,"status":200,"headers":{"content-type":")" + content_type + R"("}})",
          R"({"type":"upstream_ended","attempt":1,"now_ms":1020})"};
}

void BM_CoreCycle(benchmark::State& state) {
  auto router = test_support::make_router(test_support::kTwoTargetConfig);
  for (auto _ : state) {
    test_support::CallDriver d(router, kRequest);
    auto sent = d.start();
    auto done = d.answer(1, 200, kAnswer);
    benchmark::DoNotOptimize(sent);
    benchmark::DoNotOptimize(done);
  }
}
BENCHMARK(BM_CoreCycle);

void BM_AbiCycle(benchmark::State& state) {
  const std::string router_doc = bench::router_doc().dump();
  const std::int32_t router = llmroute_router_new(router_doc.data(), router_doc.size());
  const AbiEvents e = abi_events("application/json");
  for (auto _ : state) {
    const std::int32_t call = llmroute_call_new(router, e.meta.data(), e.meta.size(), kRequest.data(), kRequest.size());
    llmroute_call_step(call, e.start.data(), e.start.size());
    llmroute_call_step(call, e.head.data(), e.head.size());
    llmroute_call_feed(call, 1, reinterpret_cast<const std::uint8_t*>(kAnswer.data()), kAnswer.size());
    llmroute_call_step(call, e.end.data(), e.end.size());
    benchmark::DoNotOptimize(llmroute_result_len());
    llmroute_call_free(call);
  }
  llmroute_router_free(router);
}
BENCHMARK(BM_AbiCycle);

// A streamed call through the C ABI: one llmroute_call_feed per upstream event, each leaving a
// respond_bytes action as JSON, which is what the Worker pays per chunk on top of the translation.
void BM_AbiStreamCycle(benchmark::State& state) {
  const std::string router_doc = bench::router_doc().dump();
  const std::int32_t router = llmroute_router_new(router_doc.data(), router_doc.size());
  json streamed = json::parse(kRequest);
  streamed["stream"] = true;
  const std::string request = streamed.dump();
  const std::vector<std::string> events = bench::openai_stream();
  std::size_t bytes = 0;
  for (const auto& event : events) bytes += event.size();
  const AbiEvents e = abi_events("text/event-stream");
  for (auto _ : state) {
    const std::int32_t call = llmroute_call_new(router, e.meta.data(), e.meta.size(), request.data(), request.size());
    llmroute_call_step(call, e.start.data(), e.start.size());
    llmroute_call_step(call, e.head.data(), e.head.size());
    for (const auto& event : events) llmroute_call_feed(call, 1, reinterpret_cast<const std::uint8_t*>(event.data()), event.size());
    if (llmroute_call_step(call, e.end.data(), e.end.size()) != 0) state.SkipWithError("the stream did not end");
    benchmark::DoNotOptimize(llmroute_result_len());
    llmroute_call_free(call);
  }
  llmroute_router_free(router);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["ns_per_chunk"] = benchmark::Counter(static_cast<double>(events.size()) * 1e-9,
                                                      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AbiStreamCycle);

}  // namespace

BENCHMARK_MAIN();
