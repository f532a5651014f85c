// xAI (slug grok, the OpenAI dialect): its usage leaves reasoning out of completion_tokens, ours
// counts it in. Answers and streams from ../shared/fixtures/xai (see its manifest; the stream is a
// .chunks.txt, framed again here); requests and errors were not recorded, so they are written here.
#include <gtest/gtest.h>

#include "core/pricing.hpp"
#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(GrokRequest, PathAndFields) {
  const auto built = build("grok", R"({"model":"r","stream":true,"max_completion_tokens":300,"seed":5,"user":"u","temperature":0.1,
    "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],"tool_choice":"auto",
    "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}},
    "messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"hi"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]})", "grok-3-mini");
  EXPECT_EQ(built.path, "/v1/chat/completions");
  const json sent = json::parse(built.body);
  EXPECT_EQ(sent["model"], "grok-3-mini");
  EXPECT_EQ(sent["stream_options"]["include_usage"], true);
  EXPECT_EQ(sent["max_completion_tokens"], 300);
  EXPECT_EQ(sent["seed"], 5);
  EXPECT_EQ(sent["messages"][0]["role"], "system");
  EXPECT_EQ(sent["messages"][1]["content"][1]["image_url"]["url"], "data:image/png;base64,iVBORw0KGgo=");
  EXPECT_EQ(sent["response_format"]["json_schema"]["name"], "w");
  EXPECT_TRUE(built.dropped.empty());
}

TEST(GrokAnswer, ReasoningTokensMoveInsideCompletion) {
  REQUIRE_SHARED_FIXTURES("xai");
  const auto parsed = answer("grok", fixture("xai/chat-text-reasoning.response.json"));
  // Recorded: prompt 12 (2 cached), completion 1, reasoning 228, total 241 = 12 + 1 + 228.
  EXPECT_EQ(parsed.usage.prompt_tokens, 12);
  EXPECT_EQ(parsed.usage.cached_prompt_tokens, 2);
  EXPECT_EQ(parsed.usage.completion_tokens, 229);
  EXPECT_EQ(parsed.usage.reasoning_tokens, 228);
  const json body = json::parse(parsed.body);
  EXPECT_EQ(body["usage"]["completion_tokens"], 229);
  EXPECT_EQ(body["usage"]["total_tokens"], 241);
  EXPECT_EQ(body["usage"]["cost_in_usd_ticks"], 1176500);  // its own fields stay
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello");
  EXPECT_EQ(body["choices"][0]["message"]["reasoning_content"].get<std::string>().rfind("First, the user said", 0), 0u);
  // Reasoning priced as output, as xAI bills it: (10 x 0.30 + 2 x 0.075 + 229 x 0.50) / 1e6 USD = 117.65 -> 118 micro-dollars.
  EXPECT_EQ(cost_micro_usd(parsed.usage, ModelPrice{300000, 500000, 75000, 300000}), 118);
}

TEST(GrokStream, RecordedToolCallStream) {
  REQUIRE_SHARED_FIXTURES("xai");
  const std::string upstream = sse_from_chunk_lines(fixture("xai/chat-stream-tool-call.chunks.txt"), true);
  const Streamed s = stream_both_ways("grok", upstream, true);
  EXPECT_TRUE(s.complete);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.reasoning, "First, the user is");
  ASSERT_EQ(r.tool_calls.size(), 1u);  // whole in one chunk
  EXPECT_EQ(r.tool_calls[0].id, "call_55117580");
  EXPECT_EQ(r.tool_calls[0].name, "weather");
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"location":"San Francisco"})");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  // Recorded: 291 prompt (290 cached), 26 completion + 196 reasoning = 513 total.
  EXPECT_EQ(r.usage["completion_tokens"], 222);
  EXPECT_EQ(r.usage["total_tokens"], 513);
  EXPECT_EQ(r.usage["prompt_tokens_details"]["cached_tokens"], 290);
  EXPECT_EQ(s.usage.completion_tokens, 222);
  EXPECT_EQ(s.usage.reasoning_tokens, 196);
  EXPECT_EQ(stream("grok", upstream, 11, false).out.find("\"usage\""), std::string::npos);
}

TEST(GrokError, StringErrorAndCode) {
  // xAI's own error body: the message is the string under "error".
  const auto error = provider("grok").parse_error(
      400, R"({"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***pt. You can obtain an API key from https://console.x.ai."})");
  EXPECT_EQ(error.message.rfind("Incorrect API key provided", 0), 0u);
  EXPECT_EQ(error.code, "Client specified an invalid argument");
  EXPECT_EQ(error.type, "invalid_request_error");
}
