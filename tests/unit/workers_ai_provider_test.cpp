// Workers AI (its OpenAI-compatible endpoint, and its own /ai/run shapes): the hand-written answers,
// streams and errors in ../shared/fixtures/workers-ai (see its manifest: copied from Cloudflare's
// own provider tests), plus cases written here for the REST envelope and native tool calls.
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(WorkersAiRequest, ModelInTheBody) {
  const auto built = build("workers-ai", R"({"model":"r","stream":true,"max_completion_tokens":64,"seed":2,
    "messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hi"}]})", "@cf/meta/llama-3.1-8b-instruct");
  EXPECT_EQ(built.path, "/v1/chat/completions");
  const json sent = json::parse(built.body);
  EXPECT_EQ(sent["model"], "@cf/meta/llama-3.1-8b-instruct");
  EXPECT_EQ(sent["max_tokens"], 64);
  EXPECT_EQ(sent["seed"], 2);
  EXPECT_EQ(sent["stream_options"]["include_usage"], true);
  EXPECT_EQ(sent["messages"][0]["role"], "system");
  EXPECT_FALSE(try_build("workers-ai", R"({"model":"r","n":2,"messages":[{"role":"user","content":"hi"}]})", "@cf/x").ok());
  EXPECT_EQ(provider("workers-ai").key_secret, "WORKERS_AI_API_TOKEN");
}

TEST(WorkersAiAnswer, RecordedChatCompletionBareAndInTheEnvelope) {
  REQUIRE_SHARED_FIXTURES("workers-ai");
  const std::string bare = fixture("workers-ai/run-chat-completion-reasoning.response.json");
  // Over REST the same object arrives as the result of the Cloudflare v4 envelope.
  const std::string wrapped = R"({"result":)" + bare + R"(,"success":true,"errors":[],"messages":[]})";
  for (const std::string& body : {bare, wrapped}) {
    const auto parsed = answer("workers-ai", body);
    EXPECT_EQ(parsed.usage.prompt_tokens, 1);
    EXPECT_EQ(parsed.usage.completion_tokens, 2);
    EXPECT_EQ(parsed.model, "@cf/meta/llama-3.3-70b-instruct-fp8-fast");
    const json out = json::parse(parsed.body);
    const json& message = out["choices"][0]["message"];
    EXPECT_EQ(message["content"], "A **cow** is a domesticated, herbivorous mammal");
    EXPECT_EQ(message["reasoning_content"], "Okay, the user is asking");
    EXPECT_FALSE(message.contains("tool_calls"));  // [] where OpenAI writes nothing
    EXPECT_EQ(out["choices"][0]["finish_reason"], "stop");
    EXPECT_FALSE(out.contains("result"));
  }
}

TEST(WorkersAiAnswer, NativeRunShapes) {
  const auto text = answer("workers-ai", R"({"result":{"response":"Hi there","usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}},
    "success":true,"errors":[],"messages":[]})");
  json body = json::parse(text.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 1'700'000'000);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hi there");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(text.usage.completion_tokens, 3);

  const auto tools = answer("workers-ai", R"({"response":null,"tool_calls":[{"name":"get_weather","arguments":{"location":"London"}}]})");
  body = json::parse(tools.body);
  const json& call = body["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["id"], "call_0");
  EXPECT_EQ(call["function"]["name"], "get_weather");
  EXPECT_EQ(json::parse(call["function"]["arguments"].get<std::string>()), json::parse(R"({"location":"London"})"));
  EXPECT_TRUE(body["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_FALSE(tools.has_usage);

  const auto failed = provider("workers-ai").parse_answer(R"({"success":false,"errors":[{"code":5006,"message":"Model failed"}],"result":null})", {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "Model failed");
}

TEST(WorkersAiStream, RecordedNativeTextStream) {
  REQUIRE_SHARED_FIXTURES("workers-ai");
  const Streamed s = stream_both_ways("workers-ai", fixture("workers-ai/run-stream-text.sse"), true);
  EXPECT_TRUE(s.complete);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.chunks.front()["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(r.content, "Hello chunk1Hello chunk2");
  EXPECT_EQ(r.finish_reason, "stop");  // it never says: the stream ended normally
  EXPECT_EQ(r.usage_chunks, 0);        // nor does it count
}

TEST(WorkersAiStream, RecordedOpenAiFormToolCalls) {
  REQUIRE_SHARED_FIXTURES("workers-ai");
  const Streamed s = stream_both_ways("workers-ai", fixture("workers-ai/run-stream-tool-calls-openai-format.sse"), false);
  EXPECT_TRUE(s.complete);
  const Reassembled r = reassemble(s.out);  // id, object, created and model filled in on every chunk
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].id, "chatcmpl-tool-abc");
  EXPECT_EQ(r.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"location": "London"})");
  EXPECT_EQ(r.finish_reason, "tool_calls");
}

TEST(WorkersAiStream, NativeToolCallsAndUsage) {
  const std::string upstream = R"(data: {"tool_calls":[{"name":"get_weather","arguments":{"location":"Paris"}}]}

data: {"response":"","usage":{"prompt_tokens":40,"completion_tokens":12,"total_tokens":52}}

data: [DONE]

)";
  const Streamed s = stream_both_ways("workers-ai", upstream, true);
  const Reassembled r = reassemble(s.out);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].id, "call_0");
  EXPECT_EQ(json::parse(r.tool_calls[0].arguments)["location"], "Paris");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  EXPECT_EQ(r.usage["completion_tokens"], 12);
  EXPECT_EQ(s.usage.prompt_tokens, 40);
}

TEST(WorkersAiError, RecordedEnvelopeErrors) {
  REQUIRE_SHARED_FIXTURES("workers-ai");
  auto error = provider("workers-ai").parse_error(429, fixture("workers-ai/error-429-capacity-exceeded.json"));
  EXPECT_EQ(error.message, "Capacity temporarily exceeded");
  EXPECT_EQ(error.code, "3040");  // out of capacity: retry-after comes in the header
  EXPECT_EQ(error.type, "rate_limit_error");
  error = provider("workers-ai").parse_error(404, fixture("workers-ai/error-404-no-route.json"));
  EXPECT_EQ(error.message, "No route for that URI");
  EXPECT_EQ(error.type, "invalid_request_error");
}

TEST(WorkersAiAnswer, NativeAnswersAndStreamsGetTheCallsId) {
  EXPECT_EQ(json::parse(answer("workers-ai", R"({"result":{"response":"Hi"},"success":true,"errors":[],"messages":[]})").body)["id"],
            kFallbackId);
  const Reassembled r = reassemble(stream_both_ways("workers-ai", "data: {\"response\":\"Hi\"}\n\ndata: {\"response\":\" there\"}\n\ndata: [DONE]\n\n", false).out);
  EXPECT_EQ(r.content, "Hi there");
  EXPECT_EQ(r.id, kFallbackId);  // on every chunk: reassemble() checks
}
