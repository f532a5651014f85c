// DeepSeek (the OpenAI dialect): requests field by field against recorded ones, answers and streams
// with reasoning_content and cache hits from ../shared/fixtures/deepseek (see its manifest), plus
// cases written here for what the recordings lack (insufficient_system_resource, errors).
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(DeepSeekRequest, RecordedRequestsFieldByField) {
  REQUIRE_SHARED_FIXTURES("deepseek");
  for (const char* name : {"chat-reasoning-cache-hit", "chat-stream-reasoning"}) {
    const json recorded = fixture_json(std::string("deepseek/") + name + ".request.json");
    const auto built = build("deepseek", recorded.dump(), "deepseek-reasoner");
    // Two system messages, strict tools, stream_options: all as the client sent them.
    expect_same_fields(json::parse(built.body), recorded, name);
    EXPECT_TRUE(built.dropped.empty()) << name;
    EXPECT_EQ(built.path, "/chat/completions");
  }
}

TEST(DeepSeekRequest, WhatDeepSeekLacks) {
  const auto built = build("deepseek", R"({"model":"r","stream":true,"seed":1,"user":"u","max_completion_tokens":100,
    "response_format":{"type":"json_object"},"messages":[{"role":"developer","content":"JSON only."},{"role":"user","content":"hi"}]})",
                           "deepseek-chat");
  const json sent = json::parse(built.body);
  EXPECT_EQ(sent["stream_options"]["include_usage"], true);  // asked for: the usage rides on the finish chunk
  EXPECT_EQ(sent["max_tokens"], 100);
  EXPECT_FALSE(sent.contains("max_completion_tokens"));
  EXPECT_EQ(sent["messages"][0]["role"], "system");
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"seed", "user"}));
  for (const char* body : {
           R"({"model":"r","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/a.png"}}]}]})",
           R"({"model":"r","response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{}}},"messages":[{"role":"user","content":"hi"}]})",
           R"({"model":"r","n":3,"messages":[{"role":"user","content":"hi"}]})"}) {
    const auto refused = try_build("deepseek", body, "deepseek-chat");
    ASSERT_FALSE(refused.ok()) << body;
    EXPECT_EQ(refused.error().code, "unsupported_parameter") << body;
  }
}

TEST(DeepSeekAnswer, RecordedReasoningCacheHitAndToolCall) {
  REQUIRE_SHARED_FIXTURES("deepseek");
  const auto hit = answer("deepseek", fixture("deepseek/chat-reasoning-cache-hit.response.json"));
  EXPECT_EQ(hit.usage.prompt_tokens, 563);
  EXPECT_EQ(hit.usage.cached_prompt_tokens, 512);
  EXPECT_EQ(hit.usage.completion_tokens, 116);
  EXPECT_EQ(hit.usage.reasoning_tokens, 60);
  json body = json::parse(hit.body);
  const json& message = body["choices"][0]["message"];
  EXPECT_EQ(message["reasoning_content"].get<std::string>().rfind("The user wants to play a dice game", 0), 0u);
  EXPECT_EQ(message["content"], "Let me load the dice rolling capability!");
  EXPECT_EQ(message["tool_calls"][0]["function"]["arguments"], "{\"id\": \"DICE_ROLL\"}");
  EXPECT_EQ(body["usage"]["prompt_cache_hit_tokens"], 512);  // its own fields stay

  const auto call = answer("deepseek", fixture("deepseek/chat-tool-call.response.json"));
  body = json::parse(call.body);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(body["choices"][0]["message"]["tool_calls"][0]["id"], "call_00_9V0vrf86Pc9aelHCJMZqnJBo");
  EXPECT_EQ(call.usage.cached_prompt_tokens, 320);
  EXPECT_EQ(call.usage.reasoning_tokens, 48);
}

TEST(DeepSeekAnswer, CacheHitsUnderTheirOwnNameAndBrokenOffAnswers) {
  // Older answers name cache hits only prompt_cache_hit_tokens: the client sees OpenAI's field too.
  const auto old = answer("deepseek", R"({"id":"d","object":"chat.completion","created":1,"model":"deepseek-chat",
    "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
    "usage":{"prompt_tokens":100,"completion_tokens":5,"total_tokens":105,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36}})");
  EXPECT_EQ(old.usage.cached_prompt_tokens, 64);
  EXPECT_EQ(json::parse(old.body)["usage"]["prompt_tokens_details"]["cached_tokens"], 64);
  const auto broken = provider("deepseek").parse_answer(R"({"id":"d","object":"chat.completion","created":1,"model":"deepseek-chat",
    "choices":[{"index":0,"message":{"role":"assistant","content":"The answer is"},"finish_reason":"insufficient_system_resource"}]})", {});
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("insufficient_system_resource"), std::string::npos);
}

TEST(DeepSeekStream, RecordedReasoningStream) {
  REQUIRE_SHARED_FIXTURES("deepseek");
  const std::string upstream = fixture("deepseek/chat-stream-reasoning.sse");
  const Streamed s = stream_both_ways("deepseek", upstream, true);
  EXPECT_TRUE(s.complete);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.reasoning.rfind("Hmm, the user just", 0), 0u);
  EXPECT_FALSE(r.content.empty());
  EXPECT_EQ(r.finish_reason, "stop");
  // On the finish chunk upstream; in its own chunk for the client.
  EXPECT_EQ(r.usage_chunks, 1);
  EXPECT_EQ(r.usage["completion_tokens"], 212);
  EXPECT_EQ(r.usage["completion_tokens_details"]["reasoning_tokens"], 198);
  EXPECT_EQ(s.usage.reasoning_tokens, 198);
  EXPECT_EQ(r.chunks.back()["choices"].size(), 0u);

  const Streamed broken = stream("deepseek", R"(data: {"id":"d","object":"chat.completion.chunk","created":1,"model":"deepseek-chat","choices":[{"index":0,"delta":{"content":""},"finish_reason":"insufficient_system_resource"}]}

)", 9, false);
  ASSERT_TRUE(broken.error.has_value());
}

TEST(DeepSeekError, OpenAiEnvelope) {
  auto error = provider("deepseek").parse_error(402, R"({"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}})");
  EXPECT_EQ(error.message, "Insufficient Balance");
  EXPECT_EQ(error.type, "invalid_request_error");  // not DeepSeek's "unknown_error"
  EXPECT_EQ(error.code, "invalid_request_error");
  error = provider("deepseek").parse_error(400, R"({"error":{"message":"This model's maximum context length is 65536 tokens. However, you requested 70000 tokens.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}})");
  EXPECT_TRUE(error.context_length_exceeded);
  EXPECT_EQ(provider("deepseek").parse_error(503, "Server overloaded").type, "server_error");
}
