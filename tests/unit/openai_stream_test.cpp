// The OpenAI stream translator: events re-framed as they come, usage read, and the usage chunk
// stripped when the client did not ask for it. Bytes split anywhere give the same output.
#include "providers/openai/openai.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/core_harness.hpp"

using namespace llmroute;
using namespace llmroute::providers;

namespace {

struct Translated {
  std::string out;
  bool complete = false;
  bool has_usage = false;
  Usage usage;
  bool error = false;
};

Translated translate(const std::string& upstream, bool include_usage, std::size_t piece) {
  auto stream = openai::new_stream({include_usage});
  Translated t;
  for (std::size_t i = 0; i < upstream.size(); i += piece) stream->feed(std::string_view(upstream).substr(i, piece), t.out);
  stream->finish(t.out);
  t.complete = stream->complete();
  t.has_usage = stream->has_usage();
  t.usage = stream->usage();
  t.error = stream->error().has_value();
  return t;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(OpenAiStream, PassesChunksAndReadsUsage) {
  const std::string upstream = test_support::openai_stream();
  const Translated t = translate(upstream, true, upstream.size());
  EXPECT_TRUE(t.complete);
  EXPECT_TRUE(t.has_usage);
  EXPECT_EQ(t.usage.prompt_tokens, 1000);
  EXPECT_EQ(t.usage.completion_tokens, 500);
  // Everything but [DONE] (the call writes that itself) goes through unchanged.
  EXPECT_EQ(t.out + "data: [DONE]\n\n", upstream);
}

TEST(OpenAiStream, StripsTheUsageChunkTheClientDidNotAskFor) {
  const std::string upstream = test_support::openai_stream();
  const Translated t = translate(upstream, false, upstream.size());
  EXPECT_TRUE(t.has_usage);  // still read, for pricing
  EXPECT_EQ(t.out.find("\"usage\""), std::string::npos);
  EXPECT_NE(t.out.find("\"finish_reason\":\"stop\""), std::string::npos);
}

TEST(OpenAiStream, NullUsageOnEveryChunkIsStrippedTooWhenTheClientDidNotAsk) {
  // Asked for usage, OpenAI writes "usage":null on each chunk before the usage chunk.
  const std::string head = R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[)";
  const std::string upstream = head + R"({"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null})" + "\n\n" +
                               head + R"(],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})" + "\n\n" +
                               "data: [DONE]\n\n";
  const Translated stripped = translate(upstream, false, 5);
  EXPECT_EQ(stripped.out.find("usage"), std::string::npos) << stripped.out;
  EXPECT_NE(stripped.out.find(R"("content":"Hi")"), std::string::npos);
  EXPECT_EQ(stripped.usage.prompt_tokens, 3);
  const Translated kept = translate(upstream, true, 5);
  EXPECT_NE(kept.out.find(R"("usage":null)"), std::string::npos);  // asked for: relayed as it came
}

TEST(OpenAiStream, SameOutputWhateverTheSplit) {
  const std::string upstream = test_support::openai_stream();
  const Translated whole = translate(upstream, true, upstream.size());
  for (std::size_t piece : {1u, 2u, 3u, 7u, 64u}) {
    const Translated split = translate(upstream, true, piece);
    EXPECT_EQ(split.out, whole.out) << piece;
    EXPECT_TRUE(split.complete) << piece;
    EXPECT_EQ(split.usage.completion_tokens, 500) << piece;
  }
}

// With include_usage OpenAI writes "usage":null into every chunk but the last; those are relayed
// without being parsed, and the counts of the last are still read, in any spacing.
TEST(OpenAiStream, NullUsageChunksPassAndTheCountsAreRead) {
  const std::string upstream =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\" : null}\n\n"
      "data: {\"choices\":[],\"usage\" :\t{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n"
      "data: [DONE]\n\n";
  const Translated t = translate(upstream, false, 5);
  EXPECT_TRUE(t.complete);
  EXPECT_TRUE(t.has_usage);
  EXPECT_EQ(t.usage.completion_tokens, 2);
  EXPECT_EQ(t.out.find("prompt_tokens"), std::string::npos);  // the client did not ask for it
  EXPECT_EQ(t.out.find("\"usage\":null"), std::string::npos);  // OpenAI's own form is stripped too
  EXPECT_NE(t.out.find("\"usage\" : null"), std::string::npos);  // other spellings pass as they came
}

TEST(OpenAiStream, ErrorsAndCutsAreReported) {
  Translated t = translate("data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n", true, 5);
  EXPECT_TRUE(t.error);
  EXPECT_FALSE(t.complete);
  t = translate("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choi", true, 4);
  EXPECT_FALSE(t.error);
  EXPECT_FALSE(t.complete);  // no [DONE]: the caller ends the client's stream with an error
  t = translate("data: {\"usage\": not json}\n\n", true, 100);
  EXPECT_TRUE(t.error);
}

TEST(OpenAiStream, RecordedStreamByteByByte) {
  const std::filesystem::path file = LLMROUTE_SHARED_FIXTURES_DIR "/openai/chat-stream-tool-call-include-usage.sse";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "../shared/fixtures is not beside this clone";
  const std::string upstream = read(file);
  const Translated whole = translate(upstream, true, upstream.size());
  const Translated bytewise = translate(upstream, true, 1);
  EXPECT_EQ(whole.out, bytewise.out);
  EXPECT_TRUE(whole.complete);
  ASSERT_TRUE(whole.has_usage);
  EXPECT_GT(whole.usage.prompt_tokens, 0);
  EXPECT_NE(whole.out.find("\"tool_calls\""), std::string::npos);
  const Translated stripped = translate(upstream, false, 3);
  EXPECT_EQ(stripped.out.find("\"prompt_tokens\""), std::string::npos);
}

// OpenAI's chunks are relayed as they come, but only if each is one JSON object in UTF-8: a proxy's
// garbage or a byte that is not UTF-8 (issue 7, bug B) must not reach the client as a chunk.
TEST(OpenAiStream, RelaysOnlyJsonObjectsInUtf8) {
  const std::string good = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xC3\xA9\"}}]}\n\n";
  for (const std::string& bad : {std::string("data: not json\n\n"), std::string("data: [1,2]\n\n"),
                                 std::string("data: {\"choices\":[{\"delta\":{\"content\":\"\xFF\"}}]}\n\n"),
                                 std::string("data: {\"choices\":[{\"delta\":{\"content\":\"\xE2\x82\"}}]}\n\n")}) {
    const Translated t = translate(good + bad + good + "data: [DONE]\n\n", false, 3);
    EXPECT_TRUE(t.error) << bad;
    EXPECT_FALSE(t.complete) << bad;
    EXPECT_EQ(t.out, good) << bad;  // what came before the bad event, nothing after
  }
}

// Token counts are believed only up to kMaxTokenCount, and never below zero (issue 7, bug C).
TEST(OpenAiStream, UsageCountsAreClamped) {
  const Translated t = translate(
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":99999999999999999,"
      "\"prompt_tokens_details\":{\"cached_tokens\":1e300}}}\n\ndata: [DONE]\n\n", true, 7);
  ASSERT_TRUE(t.has_usage);
  EXPECT_EQ(t.usage.prompt_tokens, 0);
  EXPECT_EQ(t.usage.completion_tokens, kMaxTokenCount);
  EXPECT_EQ(t.usage.cached_prompt_tokens, 0);  // not an integer: absent
}
