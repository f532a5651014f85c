#include "core/pricing.hpp"

#include <gtest/gtest.h>

using namespace llmroute;

namespace {
// gpt-4o-mini as published: USD 0.15 / 0.075 cached / 0.60 per million tokens.
constexpr ModelPrice kMini{150000, 600000, 75000, 150000};
}  // namespace

TEST(Pricing, HandComputedCosts) {
  // 1000 x 0.15 + 500 x 0.60 = 150 + 300 = 450 micro-dollars.
  EXPECT_EQ(cost_micro_usd(Usage{1000, 500}, kMini), 450);
  // 7 x 0.15 + 14 x 0.60 = 1.05 + 8.4 = 9.45 -> 9 (half up only at .5).
  EXPECT_EQ(cost_micro_usd(Usage{7, 14}, kMini), 9);
  // 10 x 0.15 = 1.5 -> 2: exactly half rounds up.
  EXPECT_EQ(cost_micro_usd(Usage{10, 0}, kMini), 2);
}

TEST(Pricing, CachedTokensArePricedOnceAtTheCacheRate) {
  // The recorded OpenAI cache hit: 4020 prompt tokens of which 4012 cached, 4 completion.
  // 8 x 0.15 + 4012 x 0.075 + 4 x 0.60 = 1.2 + 300.9 + 2.4 = 304.5 -> 305.
  EXPECT_EQ(cost_micro_usd(Usage{4020, 4, 4012, 0, 0}, kMini), 305);
  // Cache writes at their own rate.
  const ModelPrice with_writes{3000000, 15000000, 300000, 3750000};  // Claude Sonnet class
  // 100 uncached x 3 + 200 read x 0.3 + 1000 written x 3.75 + 50 x 15 = 300 + 60 + 3750 + 750.
  EXPECT_EQ(cost_micro_usd(Usage{1300, 50, 200, 1000, 0}, with_writes), 4860);
}

TEST(Pricing, ReasoningTokensAreInsideCompletionTokens) {
  EXPECT_EQ(cost_micro_usd(Usage{0, 1000, 0, 0, 900}, kMini), 600);
}

TEST(Pricing, InconsistentUsageIsClampedNotNegative) {
  // More cached tokens than prompt tokens (a provider bug) cannot make cost negative.
  EXPECT_EQ(cost_micro_usd(Usage{10, 0, 50, 0, 0}, kMini), 1);  // 10 x 0.075 = 0.75 -> 1
  EXPECT_EQ(cost_micro_usd(Usage{-5, -5}, kMini), 0);
}

TEST(Pricing, LargestValuesDoNotOverflow) {
  const ModelPrice dear{kMaxRatePerMtok, kMaxRatePerMtok, kMaxRatePerMtok, kMaxRatePerMtok};
  // 1e9 tokens x USD 100,000 per million = USD 1e8 = 1e14 micro-dollars, per token class.
  EXPECT_EQ(cost_micro_usd(Usage{kMaxPricedTokens, kMaxPricedTokens}, dear), 200'000'000'000'000);
  EXPECT_EQ(cost_micro_usd(Usage{INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, 0}, dear), 200'000'000'000'000);
}

TEST(Pricing, UnknownModelIsAbsentNotFree) {
  PriceTable table{{"openai/gpt-4o-mini", kMini}};
  const Cost known = price_usage(table, "openai", "gpt-4o-mini", Usage{1000, 500});
  EXPECT_EQ(known.status, CostStatus::Measured);
  EXPECT_EQ(known.micro_usd, 450);
  const Cost unknown = price_usage(table, "openai", "gpt-9", Usage{1000, 500});
  EXPECT_EQ(unknown.status, CostStatus::Absent);
  EXPECT_EQ(cost_status_name(unknown.status), "absent");
}
