// Token counts as providers report them: one clamped reader (model/usage.hpp) under every
// provider's usage reader, so no count is negative, none passes kMaxTokenCount, and the sums the
// readers make (Anthropic adds cache tokens back into the prompt) cannot overflow (issue 7, bug C).
#include "model/usage.hpp"

#include <gtest/gtest.h>

#include "core/pricing.hpp"
#include "providers/anthropic/anthropic.hpp"
#include "providers/bedrock/bedrock.hpp"
#include "providers/cohere/cohere.hpp"
#include "providers/gemini/gemini.hpp"
#include "providers/openai/openai.hpp"
#include "util/json_access.hpp"

using namespace llmroute;

namespace {

constexpr const char* kHuge = "9223372036854775807";  // INT64_MAX: summed, it overflowed

json usage_doc(const std::string& text) { return json::parse(text); }

}  // namespace

TEST(Usage, CountsAreClampedIntoTheBelievableRange) {
  const json doc = json::parse(R"({"a": 12, "b": -3, "c": 9223372036854775807, "d": 1e300, "e": "7", "f": 2.0, "g": 1000000001})");
  EXPECT_EQ(find_token_count(doc, "a"), 12);
  EXPECT_EQ(find_token_count(doc, "b"), 0);
  EXPECT_EQ(find_token_count(doc, "c"), kMaxTokenCount);
  EXPECT_EQ(find_token_count(doc, "d"), std::nullopt);  // no integer at all
  EXPECT_EQ(find_token_count(doc, "e"), std::nullopt);
  EXPECT_EQ(find_token_count(doc, "f"), 2);
  EXPECT_EQ(find_token_count(doc, "g"), kMaxTokenCount);
  EXPECT_EQ(find_token_count(doc, "missing"), std::nullopt);
  EXPECT_EQ(token_count(doc, "missing"), 0);
  EXPECT_EQ(token_count(doc, "b"), 0);
  EXPECT_EQ(kMaxPricedTokens, kMaxTokenCount);  // pricing believes exactly what the readers do
}

TEST(Usage, EveryProviderReaderClamps) {
  Usage u;
  ASSERT_TRUE(providers::openai::read_usage(
      usage_doc(std::string(R"({"prompt_tokens":)") + kHuge + R"(,"completion_tokens":-1,
        "prompt_tokens_details":{"cached_tokens":)" + kHuge + R"(},"completion_tokens_details":{"reasoning_tokens":)" + kHuge + "}}"),
      u));
  EXPECT_EQ(u.prompt_tokens, kMaxTokenCount);
  EXPECT_EQ(u.completion_tokens, 0);
  EXPECT_EQ(u.cached_prompt_tokens, kMaxTokenCount);
  EXPECT_EQ(u.reasoning_tokens, kMaxTokenCount);

  u = {};
  ASSERT_TRUE(providers::anthropic::read_usage(
      usage_doc(std::string(R"({"input_tokens":)") + kHuge + R"(,"output_tokens":)" + kHuge + R"(,"cache_read_input_tokens":)" +
                kHuge + R"(,"cache_creation_input_tokens":)" + kHuge + "}"),
      u));
  EXPECT_EQ(u.prompt_tokens, 3 * kMaxTokenCount);  // three clamped counts: far inside int64
  EXPECT_EQ(u.completion_tokens, kMaxTokenCount);

  u = {};
  ASSERT_TRUE(providers::bedrock::read_usage(
      usage_doc(std::string(R"({"inputTokens":-7,"outputTokens":)") + kHuge + R"(,"cacheReadInputTokens":)" + kHuge + "}"), u));
  EXPECT_EQ(u.prompt_tokens, kMaxTokenCount);
  EXPECT_EQ(u.completion_tokens, kMaxTokenCount);

  u = {};
  ASSERT_TRUE(providers::gemini::read_usage(
      usage_doc(std::string(R"({"promptTokenCount":)") + kHuge + R"(,"toolUsePromptTokenCount":)" + kHuge +
                R"(,"candidatesTokenCount":)" + kHuge + R"(,"thoughtsTokenCount":)" + kHuge + "}"),
      u));
  EXPECT_EQ(u.prompt_tokens, 2 * kMaxTokenCount);
  EXPECT_EQ(u.completion_tokens, 2 * kMaxTokenCount);
  EXPECT_EQ(u.reasoning_tokens, kMaxTokenCount);

  u = {};
  ASSERT_TRUE(providers::cohere::read_usage(
      usage_doc(std::string(R"({"billed_units":{"input_tokens":)") + kHuge + R"(,"output_tokens":-2},"cached_tokens":)" + kHuge + "}"),
      u));
  EXPECT_EQ(u.prompt_tokens, kMaxTokenCount);
  EXPECT_EQ(u.completion_tokens, 0);
  EXPECT_EQ(u.cached_prompt_tokens, kMaxTokenCount);

  // Whatever a reader made of it, pricing stays inside its bound.
  const Rates dear{100'000'000'000, 100'000'000'000, 100'000'000'000, 100'000'000'000};
  EXPECT_LE(cost_micro_usd(u, dear), 2 * (kMaxPricedTokens / 1'000'000) * kMaxRatePerMtok);
}
