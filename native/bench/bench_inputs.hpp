// The inputs both native benchmarks share: the ~2 KB client request and the ~1 KB OpenAI answer of
// the cycle (the same shapes as tests/support/cycle_inputs.mjs for the Wasm benchmarks).
#pragma once

#include <string>
#include <vector>

#include "support/core_harness.hpp"
#include "util/sha256.hpp"

namespace llmroute::bench {

// Text of at least `at_least` bytes, for prompts and answers.
inline std::string words(std::size_t at_least) {
  std::string out;
  while (out.size() < at_least) out += "Billing now retries failed card payments twice before alerting. ";
  return out;
}

// The client key of the benchmarks that go through authentication.
inline constexpr const char* kClientKey = "llmr_bench_key";

// The router_new document of the two-target config, with kClientKey's hash as its one key.
inline json router_doc() {
  json doc;
  doc["config"] = json::parse(test_support::kTwoTargetConfig);
  doc["config"]["keys"] = json::array({{{"name", "bench"}, {"sha256", to_hex(sha256(kClientKey))}}});
  doc["environment"] = {{"gateway_base_url", test_support::kGatewayUrl}, {"secrets_set", {"OPENAI_API_KEY"}}};
  return doc;
}

// ~2 KB: a system prompt, a few turns, a tool, as agents send them.
inline std::string two_kb_request() {
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

// ~1 KB OpenAI chat.completion.
inline std::string one_kb_answer() {
  json answer = json::parse(test_support::openai_answer(520, 140, 256));
  answer["choices"][0]["message"]["content"] = words(600);
  return answer.dump();
}

inline constexpr int kStreamTokens = 300;  // content events per stream: a ~300-token answer

// The i-th token of a streamed answer: short words and spaces, as tokenizers cut English.
inline std::string token(int i) {
  static const char* const kTokens[] = {" Billing", " now", " retries", " failed", " card", " payments", " twice", ",", " then", " alerts", "."};
  return kTokens[i % 11];
}

// OpenAI with stream_options.include_usage, which llmroute always asks for: every chunk carries
// "usage":null until the last, which holds the counts.
inline std::vector<std::string> openai_stream() {
  const std::string head = R"({"id":"chatcmpl-BenchQ7x2","object":"chat.completion.chunk","created":1731000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_0ba0d124f1","choices":[)";
  std::vector<std::string> out;
  out.push_back("data: " + head + R"({"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})" + "\n\n");
  for (int i = 0; i < kStreamTokens; ++i) {
    json delta = {{"content", token(i)}};
    out.push_back("data: " + head + R"({"index":0,"delta":)" + delta.dump() + R"(,"logprobs":null,"finish_reason":null}],"usage":null})" + "\n\n");
  }
  out.push_back("data: " + head + R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null})" + "\n\n");
  out.push_back("data: " + head + R"(],"usage":{"prompt_tokens":520,"completion_tokens":300,"total_tokens":820,"prompt_tokens_details":{"cached_tokens":256,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})" + "\n\n");
  out.push_back("data: [DONE]\n\n");
  return out;
}

}  // namespace llmroute::bench
