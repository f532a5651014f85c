#include "providers/openai/openai.hpp"

#include <gtest/gtest.h>

#include "support/core_harness.hpp"
#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::providers;

TEST(OpenAiRequest, PatchesTheModelAndKeepsEveryOtherField) {
  auto request = parse_chat_request(
      R"({"model":"chat","models":["a/b"],"messages":[{"role":"user","content":"hi"}],"temperature":0.2,
          "logit_bias":{"50256":-100},"brand_new_param":{"nested":[1,2]}})", RequestLimits{});
  ASSERT_TRUE(request.ok());
  auto built = openai::build_request(*request, "gpt-4o-mini");
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->path, "/chat/completions");
  const json sent = json::parse(built->body);
  EXPECT_EQ(sent["model"], "gpt-4o-mini");
  EXPECT_FALSE(sent.contains("models"));  // llmroute's own field stays home
  EXPECT_EQ(sent["temperature"], 0.2);
  EXPECT_EQ(sent["logit_bias"]["50256"], -100);
  EXPECT_EQ(sent["brand_new_param"]["nested"][1], 2);
  EXPECT_EQ(sent["messages"], request->body["messages"]);
}

TEST(OpenAiAnswer, ReadsUsageIntoOurConvention) {
  auto answer = openai::parse_answer(R"({"id":"x","object":"chat.completion","model":"gpt-4o-mini-2024-07-18",
    "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
    "usage":{"prompt_tokens":4020,"completion_tokens":30,"total_tokens":4050,
      "prompt_tokens_details":{"cached_tokens":4012,"cache_write_tokens":3},
      "completion_tokens_details":{"reasoning_tokens":20}}})");
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->has_usage);
  EXPECT_EQ(answer->usage.prompt_tokens, 4020);
  EXPECT_EQ(answer->usage.completion_tokens, 30);
  EXPECT_EQ(answer->usage.cached_prompt_tokens, 4012);
  EXPECT_EQ(answer->usage.cache_write_prompt_tokens, 3);
  EXPECT_EQ(answer->usage.reasoning_tokens, 20);
  EXPECT_EQ(answer->model, "gpt-4o-mini-2024-07-18");
}

TEST(OpenAiAnswer, MissingUsageIsReportedNotZero) {
  auto answer = openai::parse_answer(R"({"choices":[]})");
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->has_usage);
  answer = openai::parse_answer(R"({"choices":[],"usage":{"prompt_tokens":"7"}})");
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->has_usage);
}

TEST(OpenAiAnswer, MalformedAnswersAreUpstreamErrors) {
  for (const char* body : {"", "{", "[]", "<html>oops</html>", R"({"object":"chat.completion"})"}) {
    auto answer = openai::parse_answer(body);
    ASSERT_FALSE(answer.ok()) << body;
    EXPECT_EQ(answer.error().kind, ErrorKind::Upstream);
    EXPECT_EQ(answer.error().code, "malformed_answer");
  }
}

TEST(OpenAiAnswer, DialectAnswersAndStreamsWithoutAnIdGetTheCallsOwn) {
  for (const char* id : {"", R"("id":"",)"}) {
    const auto answer = test_support::answer("mistral", std::string("{") + id +
        R"("object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]})");
    EXPECT_EQ(json::parse(answer.body)["id"], test_support::kFallbackId) << id;
  }
  EXPECT_EQ(json::parse(test_support::answer("mistral", R"({"id":"cmpl-1","object":"chat.completion","model":"m",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]})").body)["id"], "cmpl-1");
  const std::string chunks = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                             "data: {\"id\":\"\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
  const auto r = test_support::reassemble(test_support::stream_both_ways("mistral", chunks, false).out);
  EXPECT_EQ(r.id, test_support::kFallbackId);  // on every chunk: reassemble() checks
}

TEST(OpenAiError, ReadsTheEnvelope) {
  auto e = openai::parse_error(400, R"({"error":{"message":"This model's maximum context length is 128000 tokens.",
    "type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_EQ(e.code, "context_length_exceeded");
  EXPECT_TRUE(e.context_length_exceeded);
  EXPECT_NE(e.message.find("128000"), std::string::npos);
}

TEST(OpenAiError, UnreadableBodiesStillGiveAMessage) {
  auto e = openai::parse_error(502, "<html>Bad gateway</html>");
  EXPECT_EQ(e.message, "the provider answered HTTP 502");
  EXPECT_EQ(e.type, "server_error");
  e = openai::parse_error(500, R"({"error":{"message":"boom"}})");  // only a message, as some servers send
  EXPECT_EQ(e.message, "boom");
}
