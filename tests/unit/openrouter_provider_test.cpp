// OpenRouter (the OpenAI dialect): requests field by field against recorded ones, the recorded tool
// call answer, stream (repeated tool-call headers, no finish_reason, usage with cost) and 429 from
// ../shared/fixtures/openrouter (see its manifest), plus cases written here: SSE comment lines and
// an error chunk inside a 200 stream.
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(OpenRouterRequest, RecordedRequestsFieldByField) {
  REQUIRE_SHARED_FIXTURES("openrouter");
  for (const char* name : {"chat-tool-call", "chat-stream-tool-call-usage", "error-429-upstream-rate-limited"}) {
    const json recorded = fixture_json(std::string("openrouter/") + name + ".request.json");
    const auto built = build("openrouter", recorded.dump(), recorded["model"].get<std::string>());
    expect_same_fields(json::parse(built.body), recorded, name);
    EXPECT_TRUE(built.dropped.empty()) << name;
    EXPECT_EQ(built.path, "/v1/chat/completions");
  }
  const json sent = json::parse(build("openrouter", R"({"model":"r","max_completion_tokens":9,"messages":[{"role":"developer","content":"x"}]})",
                                       "openai/gpt-4o").body);
  EXPECT_EQ(sent["max_tokens"], 9);
  EXPECT_EQ(sent["messages"][0]["role"], "system");
}

TEST(OpenRouterAnswer, RecordedToolCall) {
  REQUIRE_SHARED_FIXTURES("openrouter");
  const auto parsed = answer("openrouter", fixture("openrouter/chat-tool-call.response.json"));
  EXPECT_EQ(parsed.usage.prompt_tokens, 134);
  EXPECT_EQ(parsed.usage.completion_tokens, 43);
  EXPECT_EQ(parsed.model, "mistralai/mistral-small");
  const json body = json::parse(parsed.body);
  EXPECT_EQ(body["provider"], "Mistral");  // who served it, kept
  EXPECT_EQ(body["choices"][0]["native_finish_reason"], "tool_calls");
  const json& call = body["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["id"], "3sniiMddS");
  EXPECT_EQ(call["type"], "function");
  EXPECT_EQ(json::parse(call["function"]["arguments"].get<std::string>())["numerator"], 123);
}

TEST(OpenRouterAnswer, CacheWritesAndCost) {
  const auto parsed = answer("openrouter", R"({"id":"gen-1","object":"chat.completion","created":1,"model":"anthropic/claude-sonnet-4",
    "provider":"Anthropic","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop","native_finish_reason":"end_turn"}],
    "usage":{"prompt_tokens":3000,"completion_tokens":10,"total_tokens":3010,"cost":0.0123,"is_byok":false,
      "prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":1900},"cost_details":{"upstream_inference_cost":null},
      "completion_tokens_details":{"reasoning_tokens":0}}})");
  EXPECT_EQ(parsed.usage.prompt_tokens, 3000);
  EXPECT_EQ(parsed.usage.cached_prompt_tokens, 1000);
  EXPECT_EQ(parsed.usage.cache_write_prompt_tokens, 1900);
  const json usage = json::parse(parsed.body)["usage"];
  EXPECT_EQ(usage["cost"], 0.0123);
  EXPECT_EQ(usage["prompt_tokens_details"]["cache_write_tokens"], 1900);
}

TEST(OpenRouterStream, RecordedToolCallStream) {
  REQUIRE_SHARED_FIXTURES("openrouter");
  // As served: a processing comment first (the recording starts after it).
  const std::string upstream = ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n" + fixture("openrouter/chat-stream-tool-call-usage.sse");
  const Streamed s = stream_both_ways("openrouter", upstream, true);
  EXPECT_TRUE(s.complete);
  const Reassembled r = reassemble(s.out);
  // Both fragments repeat id "0" and the name: a client joining them sees each once.
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].id, "0");
  EXPECT_EQ(r.tool_calls[0].name, "llm_version");
  EXPECT_EQ(r.tool_calls[0].arguments, "{}");
  // The recording never says how it finished; OpenAI clients insist on being told.
  EXPECT_EQ(r.finish_reason, "tool_calls");
  EXPECT_EQ(r.usage["prompt_tokens"], 57);
  EXPECT_EQ(r.usage["completion_tokens"], 17);
  EXPECT_EQ(r.usage["cost"], 0.00007159);
  EXPECT_EQ(r.chunks.front()["id"], "gen-1753242299-QZRAt5HJHd1ptY8sdS0s");
  EXPECT_EQ(r.chunks.front()["provider"], "Novita");
}

TEST(OpenRouterStream, ErrorChunkInsideA200Stream) {
  const std::string head = R"(data: {"id":"gen-2","object":"chat.completion.chunk","created":1,"model":"google/gemini-2.5-pro","provider":"Google","choices":[)";
  const std::string error = R"(data: {"id":"gen-2","object":"chat.completion.chunk","created":1,"model":"google/gemini-2.5-pro","provider":"Google",)"
                            R"("error":{"code":502,"message":"Provider returned error","metadata":{"provider_name":"Google","raw":"upstream connect error"}},)"
                            R"("choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}],"usage":{"prompt_tokens":20,"completion_tokens":3,"total_tokens":23,"cost":0.0001}})";
  const std::string upstream = head + R"({"index":0,"delta":{"role":"assistant","content":"Par"},"finish_reason":null}]}

)" + error + "\n\ndata: [DONE]\n\n";
  const Streamed s = stream_both_ways("openrouter", upstream, true);
  ASSERT_TRUE(s.error.has_value());
  EXPECT_EQ(s.error->message, "Provider returned error: upstream connect error");
  EXPECT_EQ(s.error->code, "502");
  EXPECT_FALSE(s.complete);  // the call ends the client's stream with an error event
  EXPECT_TRUE(s.has_usage);  // what was spent is still known
  EXPECT_EQ(s.usage.completion_tokens, 3);
  EXPECT_EQ(reassemble(s.out).content, "Par");

  // The same before any text: nothing was sent, so the call can still try elsewhere.
  const Streamed early = stream("openrouter", error + "\n\n", 4, false);
  EXPECT_TRUE(early.error.has_value());
  EXPECT_TRUE(early.out.empty());
}

TEST(OpenRouterError, RecordedUpstreamRateLimit) {
  REQUIRE_SHARED_FIXTURES("openrouter");
  const auto error = provider("openrouter").parse_error(429, fixture("openrouter/error-429-upstream-rate-limited.json"));
  EXPECT_EQ(error.message.rfind("Provider returned error: google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream", 0), 0u);
  EXPECT_EQ(error.code, "429");
  EXPECT_EQ(error.type, "rate_limit_error");
}
