// Groq (the OpenAI dialect): requests field by field against recorded ones, answers, streams (whole
// and byte by byte, usage from x_groq) and errors from ../shared/fixtures/groq (see its manifest),
// plus cases written here for what the recordings do not cover.
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(GroqRequest, RecordedRequestsFieldByField) {
  REQUIRE_SHARED_FIXTURES("groq");
  for (const char* name : {"chat-text", "chat-stream", "error-400-tool-use-failed"}) {
    const json recorded = fixture_json(std::string("groq/") + name + ".request.json");
    // The recordings are OpenAI-form requests already: the client would have sent the same.
    const auto built = build("groq", recorded.dump(), recorded["model"].get<std::string>());
    json expected = recorded;
    if (expected.contains("n")) {
      expected.erase("n");  // n: 1 asks nothing Groq would refuse; left out, and noted
      EXPECT_EQ(built.dropped, std::vector<std::string>{"n"}) << name;
    }
    expect_same_fields(json::parse(built.body), expected, name);
    EXPECT_EQ(built.path, "/chat/completions");
  }
}

TEST(GroqRequest, RefusalsAndQuirks) {
  const auto built = build("groq", R"({"model":"r","stream":true,"stream_options":{"include_usage":true},"seed":3,"user":"u",
    "max_completion_tokens":50,"messages":[{"role":"developer","content":"Be brief."},
    {"role":"user","name":"ann","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"https://x/cat.png"}}]},
    {"role":"assistant","content":"yo","refusal":null,"annotations":[]}]})", "llama-3.1-8b-instant");
  const json sent = json::parse(built.body);
  EXPECT_FALSE(sent.contains("stream_options"));  // usage comes unasked, in x_groq
  EXPECT_EQ(sent["messages"][0]["role"], "system");
  EXPECT_FALSE(sent["messages"][1].contains("name"));  // Groq answers 400 to messages[].name
  EXPECT_EQ(sent["messages"][1]["content"][1]["image_url"]["url"], "https://x/cat.png");
  EXPECT_EQ(sent["messages"][2], json::parse(R"({"role":"assistant","content":"yo"})"));
  EXPECT_EQ(sent["seed"], 3);
  EXPECT_EQ(sent["user"], "u");
  EXPECT_EQ(sent["max_completion_tokens"], 50);
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"messages[].name", "messages[].annotations", "messages[].refusal"}));
  for (const char* body : {R"({"model":"r","n":2,"messages":[{"role":"user","content":"hi"}]})",
                           R"({"model":"r","logprobs":true,"messages":[{"role":"user","content":"hi"}]})",
                           R"({"model":"r","logit_bias":{"1":5},"messages":[{"role":"user","content":"hi"}]})"}) {
    const auto refused = try_build("groq", body, "m");
    ASSERT_FALSE(refused.ok()) << body;
    EXPECT_EQ(refused.error().code, "unsupported_parameter");
  }
}

TEST(GroqAnswer, RecordedAnswer) {
  REQUIRE_SHARED_FIXTURES("groq");
  const auto parsed = answer("groq", fixture("groq/chat-text.response.json"));
  ASSERT_TRUE(parsed.has_usage);
  EXPECT_EQ(parsed.usage.prompt_tokens, 18);
  EXPECT_EQ(parsed.usage.completion_tokens, 43);
  EXPECT_EQ(parsed.model, "llama3-8b-8192");
  const json body = json::parse(parsed.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["choices"][0]["message"]["content"].get<std::string>().rfind("Here's a joke about OpenTelemetry", 0), 0u);
  EXPECT_EQ(body["usage"]["total_tokens"], 61);
  EXPECT_EQ(body["x_groq"]["id"], "req_01j6y8yaypebqr66bn9r72s63h");  // kept
}

TEST(GroqStream, UsageFromXGroqBecomesTheUsageChunk) {
  REQUIRE_SHARED_FIXTURES("groq");
  const std::string upstream = fixture("groq/chat-stream.sse");
  const Streamed s = stream_both_ways("groq", upstream, true);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  EXPECT_EQ(s.usage.prompt_tokens, 18);
  EXPECT_EQ(s.usage.completion_tokens, 73);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.content.rfind("A joke about Open", 0), 0u);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage_chunks, 1);
  EXPECT_EQ(r.usage["prompt_tokens"], 18);
  EXPECT_EQ(r.usage["total_tokens"], 91);
  EXPECT_EQ(r.chunks.back()["id"], "chatcmpl-532a6640-2e18-4a4c-8406-8437a857ce48");
  EXPECT_EQ(s.out.find("\"queue_time\"", 0), s.out.rfind("\"queue_time\""));  // only in the usage chunk

  const Streamed unasked = stream("groq", upstream, 7, false);
  EXPECT_TRUE(unasked.has_usage);  // still read, for pricing
  EXPECT_EQ(unasked.out.find("\"usage\""), std::string::npos);
  EXPECT_EQ(reassemble(unasked.out).content, r.content);
}

TEST(GroqError, RecordedToolUseFailed) {
  REQUIRE_SHARED_FIXTURES("groq");
  const auto error = provider("groq").parse_error(400, fixture("groq/error-400-tool-use-failed.json"));
  EXPECT_EQ(error.type, "invalid_request_error");
  EXPECT_EQ(error.code, "tool_use_failed");
  EXPECT_EQ(error.message.rfind("Tool call validation failed", 0), 0u);
  EXPECT_FALSE(error.context_length_exceeded);
}

TEST(GroqError, RateLimitAndContextLength) {
  auto error = provider("groq").parse_error(429, R"({"error":{"message":"Rate limit reached for model `llama-3.3-70b-versatile`","type":"tokens","code":"rate_limit_exceeded"}})");
  EXPECT_EQ(error.type, "tokens");
  EXPECT_EQ(error.code, "rate_limit_exceeded");
  error = provider("groq").parse_error(400, R"({"error":{"message":"Please reduce the length of the messages or completion.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
  EXPECT_TRUE(error.context_length_exceeded);
}
