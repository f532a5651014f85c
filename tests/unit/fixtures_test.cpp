// The OpenAI translator against real recorded traffic in ../shared/fixtures (see its manifest.json
// for the source of every file). Skipped, with a message, when ../shared is not beside the clone.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/pricing.hpp"
#include "providers/openai/openai.hpp"

using namespace llmroute;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = LLMROUTE_SHARED_FIXTURES_DIR;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string text_of(const json& obj, std::string_view key) {
  const std::string* s = find_string(obj, key);
  return s == nullptr ? std::string() : *s;
}

// Manifest entries of one provider and kind.
std::vector<json> entries(std::string_view provider, std::string_view kind) {
  std::vector<json> out;
  const json manifest = json::parse(read(kFixtures / "manifest.json"), nullptr, false);
  if (const json* files = find_array(manifest, "files")) {
    for (const json& f : *files) {
      if (text_of(f, "provider") == provider && text_of(f, "kind") == kind) out.push_back(f);
    }
  }
  return out;
}

#define REQUIRE_FIXTURES()                                                                          \
  if (!fs::exists(kFixtures / "manifest.json")) {                                                  \
    GTEST_SKIP() << "../shared/fixtures is not beside this clone: recorded-traffic tests skipped"; \
  }

}  // namespace

TEST(OpenAiFixtures, RecordedRequestsParseAndTranslateFieldByField) {
  REQUIRE_FIXTURES();
  const auto requests = entries("openai", "request");
  ASSERT_FALSE(requests.empty());
  for (const json& entry : requests) {
    const std::string file = text_of(entry, "file");
    const std::string text = read(kFixtures / file);
    auto request = parse_chat_request(text, RequestLimits{});
    ASSERT_TRUE(request.ok()) << file << ": " << request.error().message;
    auto built = providers::openai::build_request(*request, request->model);
    ASSERT_TRUE(built.ok()) << file;
    // Same API on both sides: what we send is exactly what the client sent.
    EXPECT_EQ(json::parse(built->body), json::parse(text)) << file;
  }
}

TEST(OpenAiFixtures, RecordedAnswersParseWithTheirUsage) {
  REQUIRE_FIXTURES();
  const auto answers = entries("openai", "response");
  ASSERT_FALSE(answers.empty());
  for (const json& entry : answers) {
    const std::string file = text_of(entry, "file");
    const std::string text = read(kFixtures / file);
    auto answer = providers::openai::parse_answer(text);
    ASSERT_TRUE(answer.ok()) << file;
    const json usage = json::parse(text)["usage"];
    ASSERT_TRUE(answer->has_usage) << file;
    EXPECT_EQ(answer->usage.prompt_tokens, usage["prompt_tokens"].get<std::int64_t>()) << file;
    EXPECT_EQ(answer->usage.completion_tokens, usage["completion_tokens"].get<std::int64_t>()) << file;
    const json* details = find_object(usage, "prompt_tokens_details");
    EXPECT_EQ(answer->usage.cached_prompt_tokens, details ? find_int64(*details, "cached_tokens").value_or(0) : 0) << file;
    EXPECT_EQ(answer->body, text) << file;  // passed through byte for byte
  }
}

TEST(OpenAiFixtures, CachedTokensFixturePricesTheCacheOnce) {
  REQUIRE_FIXTURES();
  auto answer = providers::openai::parse_answer(read(kFixtures / "openai/chat-cached-tokens.response.json"));
  ASSERT_TRUE(answer.ok());
  // 4020 prompt (4012 cached) + 4 completion at gpt-4o-mini rates:
  // 8 x 0.15 + 4012 x 0.075 + 4 x 0.60 = 1.2 + 300.9 + 2.4 = 304.5 -> 305 micro-dollars.
  EXPECT_EQ(cost_micro_usd(answer->usage, Rates{150000, 600000, 75000, 150000, 0}), 305);
}

TEST(OpenAiFixtures, RecordedErrorsKeepTheirMessages) {
  REQUIRE_FIXTURES();
  const auto errors = entries("openai", "error");
  ASSERT_FALSE(errors.empty());
  for (const json& entry : errors) {
    const std::string file = text_of(entry, "file");
    if (text_of(entry, "format") != "json") continue;
    const std::string text = read(kFixtures / file);
    const int status = static_cast<int>(find_int64(entry, "status").value_or(0));
    const auto error = providers::openai::parse_error(status, text);
    const json doc = json::parse(text);
    EXPECT_EQ(error.message, doc["error"]["message"].get<std::string>()) << file;
    if (doc["error"]["code"].is_string()) EXPECT_EQ(error.code, doc["error"]["code"].get<std::string>()) << file;
  }
}
