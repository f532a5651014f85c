// Perplexity (slug perplexity-ai, the OpenAI dialect): the recorded answer and stream (citations,
// running usage in every chunk, a last chunk of object chat.completion.done) from
// ../shared/fixtures/perplexity (see its manifest; the stream is a .chunks.txt, framed again here).
// Requests and errors were not recorded: those cases are written here.
#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

TEST(PerplexityRequest, NoToolsOneChoice) {
  const auto built = build("perplexity-ai", R"({"model":"r","stream":true,"stream_options":{"include_usage":true},"seed":4,"user":"u",
    "max_completion_tokens":200,"temperature":0.2,"search_recency_filter":"week",
    "response_format":{"type":"json_schema","json_schema":{"schema":{"type":"object"}}},
    "messages":[{"role":"developer","content":"Cite sources."},{"role":"user","content":"Population of San Francisco?"}]})", "sonar");
  EXPECT_EQ(built.path, "/chat/completions");
  const json sent = json::parse(built.body);
  EXPECT_FALSE(sent.contains("stream_options"));  // every chunk carries usage anyway
  EXPECT_EQ(sent["max_tokens"], 200);
  EXPECT_EQ(sent["search_recency_filter"], "week");  // its own parameters pass
  EXPECT_EQ(sent["messages"][0]["role"], "system");
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"seed", "user"}));
  for (const char* body : {R"({"model":"r","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]})",
                           R"({"model":"r","n":2,"messages":[{"role":"user","content":"hi"}]})",
                           // Perplexity documents JSON Schema outputs only: no plain JSON mode.
                           R"({"model":"r","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]})"}) {
    const auto refused = try_build("perplexity-ai", body, "sonar");
    ASSERT_FALSE(refused.ok()) << body;
    EXPECT_EQ(refused.error().code, "unsupported_parameter");
  }
  EXPECT_EQ(try_build("perplexity-ai", R"({"model":"r","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]})", "sonar")
                .error().param, "response_format");
  EXPECT_TRUE(try_build("perplexity-ai", R"({"model":"r","response_format":{"type":"text"},"messages":[{"role":"user","content":"hi"}]})", "sonar").ok());
}

TEST(PerplexityAnswer, RecordedAnswerKeepsCitations) {
  REQUIRE_SHARED_FIXTURES("perplexity");
  const auto parsed = answer("perplexity-ai", fixture("perplexity/chat-text.response.json"));
  EXPECT_EQ(parsed.usage.prompt_tokens, 11);
  EXPECT_EQ(parsed.usage.completion_tokens, 392);
  const json body = json::parse(parsed.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["citations"].size(), 6u);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["choices"][0]["message"]["content"].get<std::string>().rfind("**EcoVista Day**", 0), 0u);
}

TEST(PerplexityStream, RunningUsageBecomesOneUsageChunk) {
  REQUIRE_SHARED_FIXTURES("perplexity");
  const std::string lines = fixture("perplexity/chat-stream-citations.chunks.txt");
  // The source dropped any [DONE]: the chat.completion.done chunk ends the answer either way.
  const Streamed s = stream_both_ways("perplexity-ai", sse_from_chunk_lines(lines, false), true);
  EXPECT_EQ(stream("perplexity-ai", sse_from_chunk_lines(lines, true), 64, true).out, s.out);
  EXPECT_TRUE(s.complete);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.content.rfind("The current population of **", 0), 0u);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage_chunks, 1);
  EXPECT_EQ(r.usage["prompt_tokens"], 10);
  EXPECT_EQ(r.usage["completion_tokens"], 336);  // the last running total, not their sum
  EXPECT_EQ(s.usage.completion_tokens, 336);
  EXPECT_EQ(r.chunks.front()["citations"].size(), 7u);
  EXPECT_EQ(stream("perplexity-ai", sse_from_chunk_lines(lines, false), 5, false).out.find("\"usage\""), std::string::npos);
}

TEST(PerplexityError, OpenAiEnvelope) {
  const auto error = provider("perplexity-ai").parse_error(
      400, R"({"error":{"message":"Invalid model 'sonar-huge'. Permitted models can be found in the documentation.","type":"invalid_model","code":400}})");
  EXPECT_EQ(error.message.rfind("Invalid model", 0), 0u);
  // Perplexity's own type is no OpenAI type: the status names the type, and its word becomes the code.
  EXPECT_EQ(error.type, "invalid_request_error");
  EXPECT_EQ(error.code, "invalid_model");
}
