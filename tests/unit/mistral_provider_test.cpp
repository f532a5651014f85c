// Mistral (the OpenAI dialect, strict about fields): requests field by field against recorded ones,
// answers (tool calls without a type), streams (padding, usage on the finish chunk) from
// ../shared/fixtures/mistral (see its manifest), plus cases written here for what the recordings
// lack: its finish reasons and error bodies (no Mistral error was recorded).
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(MistralRequest, RecordedRequestsFieldByField) {
  REQUIRE_SHARED_FIXTURES("mistral");
  for (const char* name : {"chat-text", "chat-stream"}) {
    const json recorded = fixture_json(std::string("mistral/") + name + ".request.json");
    const auto built = build("mistral", recorded.dump(), "mistral-tiny");
    expect_same_fields(json::parse(built.body), recorded, name);
    EXPECT_TRUE(built.dropped.empty()) << name;
    EXPECT_EQ(built.path, "/v1/chat/completions");
  }
}

TEST(MistralRequest, OnlyWhatMistralAcceptsGoes) {
  // Mistral answers 422 "Extra inputs are not permitted" to anything else.
  const auto built = build("mistral", R"({"model":"r","stream":true,"stream_options":{"include_usage":true},"seed":9,"user":"u",
    "max_completion_tokens":64,"metadata":{"k":"v"},"store":true,"temperature":0.3,"response_format":{"type":"json_object"},
    "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"required",
    "messages":[{"role":"developer","content":"Be brief."},{"role":"user","name":"ann","content":"hi"},
      {"role":"assistant","content":null,"refusal":null,"reasoning_content":"hm","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"c1","name":"f","content":"42"}]})", "mistral-small-latest");
  const json sent = json::parse(built.body);
  EXPECT_EQ(sent["random_seed"], 9);
  EXPECT_EQ(sent["max_tokens"], 64);
  EXPECT_EQ(sent["temperature"], 0.3);
  EXPECT_EQ(sent["tool_choice"], "required");
  EXPECT_EQ(sent["response_format"]["type"], "json_object");
  for (const char* gone : {"seed", "user", "max_completion_tokens", "metadata", "store", "stream_options"}) {
    EXPECT_FALSE(sent.contains(gone)) << gone;
  }
  EXPECT_EQ(sent["messages"][0], json::parse(R"({"role":"system","content":"Be brief."})"));
  EXPECT_EQ(sent["messages"][1], json::parse(R"({"role":"user","content":"hi"})"));
  EXPECT_EQ(sent["messages"][2]["tool_calls"][0]["id"], "c1");
  EXPECT_FALSE(sent["messages"][2].contains("reasoning_content"));
  EXPECT_EQ(sent["messages"][3], json::parse(R"({"role":"tool","tool_call_id":"c1","content":"42"})"));
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"metadata", "store", "user", "messages[].name", "messages[].reasoning_content",
                                                     "messages[].refusal"}));
  const auto refused = try_build("mistral", R"({"model":"r","logprobs":true,"messages":[{"role":"user","content":"hi"}]})", "m");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().param, "logprobs");
}

TEST(MistralAnswer, RecordedTextAndToolCall) {
  REQUIRE_SHARED_FIXTURES("mistral");
  const auto text = answer("mistral", fixture("mistral/chat-text.response.json"));
  json body = json::parse(text.body);
  EXPECT_FALSE(body["choices"][0]["message"].contains("tool_calls"));  // null there, absent in OpenAI's shape
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(text.usage.prompt_tokens, 11);
  EXPECT_EQ(text.usage.completion_tokens, 96);

  const auto tools = answer("mistral", fixture("mistral/chat-tool-call.response.json"));
  body = json::parse(tools.body);
  const json& message = body["choices"][0]["message"];
  EXPECT_TRUE(message["content"].is_null());
  EXPECT_EQ(message["tool_calls"][0], json::parse(R"({"id":"gSIMJiOkT","type":"function",
    "function":{"name":"weather","arguments":"{\"location\": \"San Francisco\"}"}})"));
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(tools.usage.prompt_tokens, 124);
}

TEST(MistralAnswer, FinishReasonsOfItsOwn) {
  const std::string head = R"({"id":"m1","object":"chat.completion","created":1757759489,"model":"mistral-large-latest",
    "choices":[{"index":0,"message":{"role":"assistant","content":"Once upon"},"finish_reason":")";
  const std::string tail = R"("}],"usage":{"prompt_tokens":32000,"completion_tokens":768,"total_tokens":32768}})";
  const auto cut = answer("mistral", head + "model_length" + tail);
  EXPECT_EQ(json::parse(cut.body)["choices"][0]["finish_reason"], "length");
  const auto failed = provider("mistral").parse_answer(head + "error" + tail, {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::Upstream);  // the call tries elsewhere
}

TEST(MistralStream, PaddingGoneUsageInItsOwnChunk) {
  REQUIRE_SHARED_FIXTURES("mistral");
  const std::string upstream = fixture("mistral/chat-stream.sse");
  const Streamed s = stream_both_ways("mistral", upstream, true);
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.out.find("\"p\":"), std::string::npos);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.content.rfind("Here's a", 0), 0u);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage_chunks, 1);
  EXPECT_EQ(r.usage["completion_tokens"], 80);
  EXPECT_EQ(s.usage.prompt_tokens, 11);
  const Streamed unasked = stream("mistral", upstream, 13, false);
  EXPECT_EQ(unasked.out.find("\"usage\""), std::string::npos);
  EXPECT_TRUE(unasked.has_usage);
}

TEST(MistralStream, ToolCallsAndErrorFinish) {
  const std::string head = R"(data: {"id":"s1","object":"chat.completion.chunk","created":1,"model":"mistral-small-latest","choices":[)";
  const std::string upstream =
      head + R"({"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

)" + head + R"({"index":0,"delta":{"tool_calls":[{"id":"gSIMJiOkT","function":{"name":"weather","arguments":"{\"location\": \"Paris\"}"},"index":0}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":124,"total_tokens":146,"completion_tokens":22},"p":"abc"}

data: [DONE]

)";
  const Streamed s = stream_both_ways("mistral", upstream, false);
  const Reassembled r = reassemble(s.out);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].id, "gSIMJiOkT");  // and type "function", checked by reassemble()
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"location": "Paris"})");
  EXPECT_EQ(r.finish_reason, "tool_calls");

  const Streamed failed = stream("mistral", head + R"({"index":0,"delta":{"content":""},"finish_reason":"error"}]}

)", 5, true);
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_FALSE(failed.complete);
}

TEST(MistralError, ItsOwnErrorBodies) {
  auto error = provider("mistral").parse_error(
      401, R"({"object":"error","message":"Unauthorized","type":"invalid_request_error","param":null,"code":null})");
  EXPECT_EQ(error.message, "Unauthorized");
  EXPECT_EQ(error.type, "invalid_request_error");
  error = provider("mistral").parse_error(422, R"({"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","foo"],"msg":"Extra inputs are not permitted","input":1}]},"type":"invalid_request_error","param":null,"code":3001})");
  EXPECT_NE(error.message.find("Extra inputs are not permitted"), std::string::npos);
  EXPECT_EQ(error.code, "3001");
  error = provider("mistral").parse_error(400, R"({"object":"error","message":"Prompt contains 40011 tokens and 0 draft tokens, too large for model with 32768 maximum context length","type":"invalid_request_error","param":null,"code":null})");
  EXPECT_TRUE(error.context_length_exceeded);
  EXPECT_EQ(error.code, "context_length_exceeded");
  error = provider("mistral").parse_error(422, R"({"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"}]})");
  EXPECT_NE(error.message.find("field required"), std::string::npos);
  EXPECT_EQ(provider("mistral").parse_error(429, "").type, "rate_limit_error");
}
