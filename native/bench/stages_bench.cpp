// Each stage of a routed request on its own, natively, so that the whole cycle (cycle_bench.cpp)
// can be read as a sum: request parse, routing decision, request translation and answer parse per
// provider, stream translation per provider (MB/s of upstream bytes and ns per upstream event),
// pricing and budget arithmetic. Every input is written here, in each provider's shape (nothing is
// copied from recordings), at the sizes the issue fixes: a ~2 KB request, ~1 KB answers, streams of
// a few hundred events.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_inputs.hpp"
#include "core/budget.hpp"
#include "core/router.hpp"
#include "providers/registry.hpp"
#include "support/core_harness.hpp"
#include "support/event_stream_frames.hpp"
#include "util/sse.hpp"

using namespace llmroute;

namespace {

// ---- ~1 KB answers in each provider's shape (OpenAI's is bench::one_kb_answer) ----

std::string anthropic_answer() {
  json a = {{"id", "msg_01Bench7kQ2"}, {"type", "message"}, {"role", "assistant"}, {"model", "claude-haiku-4-5-20251001"},
            {"content", {{{"type", "text"}, {"text", bench::words(600)}}}},
            {"stop_reason", "end_turn"}, {"stop_sequence", nullptr},
            {"usage", {{"input_tokens", 264}, {"cache_creation_input_tokens", 0}, {"cache_read_input_tokens", 256}, {"output_tokens", 140}}}};
  return a.dump();
}

std::string gemini_answer() {
  json a = {{"candidates", {{{"content", {{"parts", {{{"text", bench::words(600)}}}}, {"role", "model"}}}, {"finishReason", "STOP"}, {"index", 0}}}},
            {"usageMetadata", {{"promptTokenCount", 520}, {"candidatesTokenCount", 140}, {"totalTokenCount", 660}, {"cachedContentTokenCount", 256}}},
            {"modelVersion", "gemini-2.5-flash"}, {"responseId", "bench-gemini-1"}};
  return a.dump();
}

std::string bedrock_answer() {
  json a = {{"output", {{"message", {{"role", "assistant"}, {"content", {{{"text", bench::words(600)}}}}}}}},
            {"stopReason", "end_turn"},
            {"usage", {{"inputTokens", 264}, {"outputTokens", 140}, {"totalTokens", 404}, {"cacheReadInputTokens", 256}, {"cacheWriteInputTokens", 0}}},
            {"metrics", {{"latencyMs", 812}}}};
  return a.dump();
}

// ---- streams: one string per upstream event, as each would arrive in its own network read ----

// Groq speaks OpenAI's dialect but its chunks are rewritten (usage under x_groq): the dialect path.
std::vector<std::string> groq_stream() {
  const std::string head = R"({"id":"chatcmpl-bench-groq","object":"chat.completion.chunk","created":1731000000,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_bench","choices":[)";
  std::vector<std::string> out;
  out.push_back("data: " + head + R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_bench"}})" + "\n\n");
  for (int i = 0; i < bench::kStreamTokens; ++i) {
    json delta = {{"content", bench::token(i)}};
    out.push_back("data: " + head + R"({"index":0,"delta":)" + delta.dump() + R"(,"logprobs":null,"finish_reason":null}]})" + "\n\n");
  }
  out.push_back("data: " + head + R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_bench","usage":{"queue_time":0.02,"prompt_tokens":520,"prompt_time":0.01,"completion_tokens":300,"completion_time":0.4,"total_tokens":820,"total_time":0.41}}})" + "\n\n");
  out.push_back("data: [DONE]\n\n");
  return out;
}

std::vector<std::string> anthropic_stream() {
  auto event = [](const std::string& name, const std::string& data) { return "event: " + name + "\ndata: " + data + "\n\n"; };
  std::vector<std::string> out;
  out.push_back(event("message_start", R"({"type":"message_start","message":{"id":"msg_01BenchStream","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":264,"cache_creation_input_tokens":0,"cache_read_input_tokens":256,"output_tokens":1}}})"));
  out.push_back(event("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"));
  out.push_back(event("ping", R"({"type": "ping"})"));
  for (int i = 0; i < bench::kStreamTokens; ++i) {
    json delta = {{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", bench::token(i)}}}};
    out.push_back(event("content_block_delta", delta.dump()));
  }
  out.push_back(event("content_block_stop", R"({"type":"content_block_stop","index":0})"));
  out.push_back(event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":300}})"));
  out.push_back(event("message_stop", R"({"type":"message_stop"})"));
  return out;
}

// Gemini's streamGenerateContent?alt=sse: events end in \r\n\r\n and every one repeats the running
// usageMetadata. Gemini sends a few tokens per event; a token per event here keeps the count comparable.
std::vector<std::string> gemini_stream() {
  std::vector<std::string> out;
  for (int i = 0; i < bench::kStreamTokens; ++i) {
    const bool last = i + 1 == bench::kStreamTokens;
    json candidate = {{"content", {{"parts", {{{"text", bench::token(i)}}}}, {"role", "model"}}}, {"index", 0}};
    if (last) candidate["finishReason"] = "STOP";
    json chunk = {{"candidates", {candidate}},
                  {"usageMetadata", {{"promptTokenCount", 520}, {"candidatesTokenCount", i + 1}, {"totalTokenCount", 521 + i}, {"cachedContentTokenCount", 256}}},
                  {"modelVersion", "gemini-2.5-flash"}, {"responseId", "bench-gemini-stream"}};
    out.push_back("data: " + chunk.dump() + "\r\n\r\n");
  }
  return out;
}

// Bedrock's converse-stream: AWS binary event-stream frames, each with CRCs the decoder checks.
std::vector<std::string> bedrock_stream() {
  using test_support::event_frame;
  std::vector<std::string> out;
  out.push_back(event_frame("messageStart", R"({"p":"abcd","role":"assistant"})"));
  for (int i = 0; i < bench::kStreamTokens; ++i) {
    json delta = {{"contentBlockIndex", 0}, {"delta", {{"text", bench::token(i)}}}, {"p", "abcdefgh"}};
    out.push_back(event_frame("contentBlockDelta", delta.dump()));
  }
  out.push_back(event_frame("contentBlockStop", R"({"contentBlockIndex":0,"p":"abc"})"));
  out.push_back(event_frame("messageStop", R"({"p":"abcdef","stopReason":"end_turn"})"));
  out.push_back(event_frame("metadata", R"({"metrics":{"latencyMs":812},"p":"ab","usage":{"inputTokens":264,"outputTokens":300,"totalTokens":564,"cacheReadInputTokens":256}})"));
  return out;
}

const std::string kRequest = bench::two_kb_request();

std::shared_ptr<const core::Router> bench_router() {
  static const auto router = test_support::make_router(test_support::kTwoTargetConfig);
  return router;
}

const providers::Provider& provider(const char* name) { return *providers::find(name); }

// ---- stages --------------------------------------------------------------------------------------

// The baseline of the request-side stages: nlohmann's own parse of the same 2 KB, nothing else.
void BM_Baseline_NlohmannParse(benchmark::State& state) {
  for (auto _ : state) {
    json doc = json::parse(kRequest.begin(), kRequest.end(), nullptr, /*allow_exceptions=*/false);
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRequest.size()));
}
BENCHMARK(BM_Baseline_NlohmannParse);

void BM_Stage_RequestParse(benchmark::State& state) {
  for (auto _ : state) {
    auto request = parse_chat_request(kRequest, RequestLimits{});
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRequest.size()));
}
BENCHMARK(BM_Stage_RequestParse);

// Authenticating the client key: a SHA-256 and a constant-time pass over every configured hash.
void BM_Stage_Authenticate(benchmark::State& state) {
  std::vector<ConfigProblem> problems;
  const auto router = core::Router::create(bench::router_doc(), problems);
  for (auto _ : state) {
    auto key = router->authenticate(bench::kClientKey);
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_Stage_Authenticate);

void BM_Stage_RoutePlan(benchmark::State& state) {
  const auto router = bench_router();
  const auto request = parse_chat_request(kRequest, RequestLimits{});
  const ClientKey key{"bench", {}, {"*"}, {"*"}, false};
  for (auto _ : state) {
    auto plan = router->plan(*request, key);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_Stage_RoutePlan);

void request_translation(benchmark::State& state, const char* name, const char* model) {
  const auto request = parse_chat_request(kRequest, RequestLimits{});
  const AwsCredentials credentials{"AKIDBENCHEXAMPLE", "bench/secret/key/not/real/0123456789abcd", ""};
  providers::RequestContext context{1'731'000'000'000, nullptr};
  if (provider(name).signs_requests()) context.aws_credentials = &credentials;  // SigV4 is part of the cost
  for (auto _ : state) {
    auto built = provider(name).build_request(*request, model, context);
    if (!built) state.SkipWithError("translation failed");
    benchmark::DoNotOptimize(built);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRequest.size()));
}
BENCHMARK_CAPTURE(request_translation, openai, "openai", "gpt-4o-mini")->Name("BM_Stage_RequestTranslate/openai");
BENCHMARK_CAPTURE(request_translation, anthropic, "anthropic", "claude-haiku-4-5")->Name("BM_Stage_RequestTranslate/anthropic");
BENCHMARK_CAPTURE(request_translation, gemini, "google-ai-studio", "gemini-2.5-flash")->Name("BM_Stage_RequestTranslate/google-ai-studio");
BENCHMARK_CAPTURE(request_translation, bedrock, "aws-bedrock", "us-east-1/anthropic.claude-3-5-haiku-20241022-v1:0")->Name("BM_Stage_RequestTranslate/aws-bedrock");
BENCHMARK_CAPTURE(request_translation, groq, "groq", "llama-3.3-70b-versatile")->Name("BM_Stage_RequestTranslate/groq");

void answer_parse(benchmark::State& state, const char* name, std::string (*make)()) {
  const std::string body = make();
  const providers::AnswerContext context{1'731'000'000'000, "bench-model"};
  for (auto _ : state) {
    auto answer = provider(name).parse_answer(body, context);
    if (!answer) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(answer);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK_CAPTURE(answer_parse, openai, "openai", bench::one_kb_answer)->Name("BM_Stage_AnswerParse/openai");
BENCHMARK_CAPTURE(answer_parse, anthropic, "anthropic", anthropic_answer)->Name("BM_Stage_AnswerParse/anthropic");
BENCHMARK_CAPTURE(answer_parse, gemini, "google-ai-studio", gemini_answer)->Name("BM_Stage_AnswerParse/google-ai-studio");
BENCHMARK_CAPTURE(answer_parse, bedrock, "aws-bedrock", bedrock_answer)->Name("BM_Stage_AnswerParse/aws-bedrock");

// A whole stream through a fresh translator, one feed() per upstream event (the worst case: real
// reads often carry several). bytes_per_second counts upstream bytes; ns_per_chunk is the time of
// one event, translator set-up and finish included.
void stream_translation(benchmark::State& state, const char* name, std::vector<std::string> (*make)()) {
  const std::vector<std::string> events = make();
  std::size_t bytes = 0;
  for (const auto& e : events) bytes += e.size();
  const providers::StreamOptions options{true, 1'731'000'000'000, "bench-model"};
  std::string out;
  for (auto _ : state) {
    auto translator = provider(name).new_stream(options);
    out.clear();
    for (const auto& e : events) translator->feed(e, out);
    translator->finish(out);
    if (!translator->complete() || translator->error()) state.SkipWithError("the stream did not translate");
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["chunks"] = static_cast<double>(events.size());
  state.counters["ns_per_chunk"] = benchmark::Counter(static_cast<double>(events.size()) * 1e-9,
                                                      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK_CAPTURE(stream_translation, openai, "openai", bench::openai_stream)->Name("BM_Stage_StreamTranslate/openai");
BENCHMARK_CAPTURE(stream_translation, anthropic, "anthropic", anthropic_stream)->Name("BM_Stage_StreamTranslate/anthropic");
BENCHMARK_CAPTURE(stream_translation, gemini, "google-ai-studio", gemini_stream)->Name("BM_Stage_StreamTranslate/google-ai-studio");
BENCHMARK_CAPTURE(stream_translation, groq, "groq", groq_stream)->Name("BM_Stage_StreamTranslate/groq");
BENCHMARK_CAPTURE(stream_translation, bedrock, "aws-bedrock", bedrock_stream)->Name("BM_Stage_StreamTranslate/aws-bedrock");

// The floor under every stream translator: the same OpenAI events through the SSE decoder alone.
void BM_Baseline_SseDecode(benchmark::State& state) {
  const std::vector<std::string> events = bench::openai_stream();
  std::size_t bytes = 0;
  for (const auto& e : events) bytes += e.size();
  std::vector<SseEvent> decoded;
  for (auto _ : state) {
    SseDecoder decoder;
    for (const auto& e : events) {
      decoded.clear();
      decoder.feed(e, decoded);
      benchmark::DoNotOptimize(decoded);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["ns_per_chunk"] = benchmark::Counter(static_cast<double>(events.size()) * 1e-9,
                                                      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Baseline_SseDecode);

void BM_Stage_Pricing(benchmark::State& state) {
  const auto router = bench_router();
  const Usage usage{520, 140, 256, 0, 0, 0};
  for (auto _ : state) {
    auto cost = price_usage(router->prices(), "openai", "gpt-4o-mini", usage);
    benchmark::DoNotOptimize(cost);
  }
}
BENCHMARK(BM_Stage_Pricing);

// What a budgeted request adds in the core: the worst case of every candidate and the bounds of
// each budget window (the counters themselves are in the Durable Object).
void BM_Stage_BudgetArithmetic(benchmark::State& state) {
  const auto router = bench_router();
  const ModelPrice* price = find_price(router->prices(), "openai", "gpt-4o");
  std::int64_t now_ms = 1'731'000'000'000;
  for (auto _ : state) {
    std::int64_t worst = worst_case_micro_usd(*price, 600, 256);
    for (BudgetWindow window : {BudgetWindow::Hour, BudgetWindow::Day, BudgetWindow::Month}) {
      std::int64_t start = 0, end = 0;
      window_bounds(window, now_ms, start, end);
      worst += start + end;
    }
    benchmark::DoNotOptimize(worst);
    ++now_ms;
  }
}
BENCHMARK(BM_Stage_BudgetArithmetic);

}  // namespace
