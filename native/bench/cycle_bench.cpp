// The core's cost per routed request, natively. The cycle: parse a ~2 KB client request, plan the
// route, translate it for the provider, take a ~1 KB answer, read its usage and price it.
//   BM_CoreCycle      through the C++ API (what the logic costs)
//   BM_AbiCycle       through the exported C ABI with JSON events, as the Worker drives it
//   BM_ParseRequest   the parse alone, as a baseline for the rest
#include <benchmark/benchmark.h>

#include <string>

#include "llmroute.h"
#include "support/core_harness.hpp"
#include "util/sha256.hpp"

using namespace llmroute;

namespace {

// ~2 KB: a system prompt, a few turns, a tool, as agents send them.
std::string two_kb_request() {
  std::string filler;
  while (filler.size() < 1400) filler += "The quick brown fox jumps over the lazy dog. ";
  json body = {
      {"model", "chat"},
      {"messages",
       {{{"role", "system"}, {"content", "You are a concise assistant for an operations team. " + filler}},
        {{"role", "user"}, {"content", "What changed in the last deploy?"}},
        {{"role", "assistant"}, {"content", "Two services were updated: billing and search."}},
        {{"role", "user"}, {"content", "Summarise the billing change in one sentence."}}}},
      {"temperature", 0.2},
      {"max_tokens", 256},
      {"tools", {{{"type", "function"}, {"function", {{"name", "lookup_deploy"}, {"parameters", {{"type", "object"}}}}}}}},
  };
  return body.dump();
}

// ~1 KB answer.
std::string one_kb_answer() {
  std::string text;
  while (text.size() < 600) text += "Billing now retries failed card payments twice before alerting. ";
  json answer = json::parse(test_support::openai_answer(520, 140, 256));
  answer["choices"][0]["message"]["content"] = text;
  return answer.dump();
}

const std::string kRequest = two_kb_request();
const std::string kAnswer = one_kb_answer();

void BM_ParseRequest(benchmark::State& state) {
  for (auto _ : state) {
    auto request = parse_chat_request(kRequest, RequestLimits{});
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRequest.size()));
}
BENCHMARK(BM_ParseRequest);

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
  json doc;
  doc["config"] = json::parse(test_support::kTwoTargetConfig);
  doc["config"]["keys"] = json::array({{{"name", "bench"}, {"sha256", to_hex(sha256("llmr_bench_key"))}}});
  doc["environment"] = {{"gateway_base_url", test_support::kGatewayUrl}, {"secrets_set", {"OPENAI_API_KEY"}}};
  const std::string router_doc = doc.dump();
  const std::int32_t router = llmroute_router_new(router_doc.data(), router_doc.size());
  const std::string meta = R"({"api_key":"llmr_bench_key"})";
  const std::string start = R"({"type":"client_request_received","now_ms":1000,"seed":1})";
  const std::string head = R"({"type":"upstream_responded","attempt":1,"now_ms":1010,"status":200,"headers":{"content-type":"application/json"}})";
  const std::string end = R"({"type":"upstream_ended","attempt":1,"now_ms":1020})";
  for (auto _ : state) {
    const std::int32_t call = llmroute_call_new(router, meta.data(), meta.size(), kRequest.data(), kRequest.size());
    llmroute_call_step(call, start.data(), start.size());
    llmroute_call_step(call, head.data(), head.size());
    llmroute_call_feed(call, 1, reinterpret_cast<const std::uint8_t*>(kAnswer.data()), kAnswer.size());
    llmroute_call_step(call, end.data(), end.size());
    benchmark::DoNotOptimize(llmroute_result_len());
    llmroute_call_free(call);
  }
  llmroute_router_free(router);
}
BENCHMARK(BM_AbiCycle);

}  // namespace

BENCHMARK_MAIN();
