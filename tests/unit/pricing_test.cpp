#include "core/pricing.hpp"

#include <gtest/gtest.h>

using namespace llmroute;

namespace {
// gpt-4o-mini as published: USD 0.15 / 0.075 cached / 0.60 per million tokens.
const ModelPrice kMini{{150000, 600000, 75000, 150000, 0}, {}, 128000, 16384, 0, "2024-07-18"};
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
  const ModelPrice with_writes{{3000000, 15000000, 300000, 3750000, 0}, {}, 0, 0, 0, {}};  // Claude Sonnet class
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
  const ModelPrice dear{{kMaxRatePerMtok, kMaxRatePerMtok, kMaxRatePerMtok, kMaxRatePerMtok, 0}, {}, 0, 0, 0, {}};
  // 1e9 tokens x USD 100,000 per million = USD 1e8 = 1e14 micro-dollars, per token class.
  EXPECT_EQ(cost_micro_usd(Usage{kMaxPricedTokens, kMaxPricedTokens}, dear), 200'000'000'000'000);
  EXPECT_EQ(cost_micro_usd(Usage{INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, 0, INT64_MAX}, dear), 200'000'000'000'000);
}

TEST(Pricing, UnknownModelIsAbsentNotFree) {
  PriceTable table{"test", {}, {{"openai/gpt-4o-mini", kMini}}};
  const Cost known = price_usage(table, "openai", "gpt-4o-mini", Usage{1000, 500});
  EXPECT_EQ(known.status, CostStatus::Measured);
  EXPECT_EQ(known.micro_usd, 450);
  const Cost unknown = price_usage(table, "openai", "gpt-9", Usage{1000, 500});
  EXPECT_EQ(unknown.status, CostStatus::Absent);
  EXPECT_EQ(cost_status_name(unknown.status), "absent");
}

namespace {
// Claude Sonnet 4.5 as published: USD 3 / 15, cache read 0.30, write 3.75 (5 min) and 6 (1 h);
// above 200k prompt tokens 6 / 22.50, read 0.60, write 7.50.
const ModelPrice kSonnet{{3'000'000, 15'000'000, 300'000, 3'750'000, 6'000'000},
                         {{200'000, {6'000'000, 22'500'000, 600'000, 7'500'000, 0}}}, 200'000, 64'000, kCapTools, "2025-09-29"};
}  // namespace

TEST(Pricing, LongContextPricesTheWholeRequestAtTheTierRates) {
  // 200,000 prompt tokens is not above the threshold: base rates. 200,000 x 3 + 1,000 x 15 = 615,000.
  EXPECT_EQ(cost_micro_usd(Usage{200'000, 1'000}, kSonnet), 615'000);
  // 200,001: every token at the tier. 200,001 x 6 + 1,000 x 22.5 = 1,200,006 + 22,500.
  EXPECT_EQ(cost_micro_usd(Usage{200'001, 1'000}, kSonnet), 1'222'506);
  std::string rate_set;
  rates_for(kSonnet, 200'001, &rate_set);
  EXPECT_EQ(rate_set, "above_200000");
  rates_for(kSonnet, 10, &rate_set);
  EXPECT_EQ(rate_set, "base");
  PriceTable table{"v1", {}, {{"anthropic/claude-sonnet-4-5", kSonnet}}};
  EXPECT_EQ(price_usage(table, "anthropic", "claude-sonnet-4-5", Usage{300'000, 0}).rate_set, "above_200000");
}

TEST(Pricing, OneHourCacheWritesHaveTheirOwnRate) {
  // 1000 written of which 400 with the 1-hour TTL: 600 x 3.75 + 400 x 6 = 2250 + 2400.
  Usage usage{1000, 0, 0, 1000, 0, 400};
  EXPECT_EQ(cost_micro_usd(usage, kSonnet), 4650);
  // Without a 1-hour rate, those are priced as ordinary writes.
  EXPECT_EQ(cost_micro_usd(usage, kMini), 150);
}

TEST(Pricing, ManyRequestsArePricedAtTheTierOfTheAverageRequest) {
  PriceTable table;
  ModelPrice price;
  price.base = {3'000'000, 15'000'000, 300'000, 3'750'000, 0};
  price.tiers = {{200'000, {6'000'000, 22'500'000, 600'000, 7'500'000, 0}}};
  table.models["anthropic/claude"] = price;
  Usage total;
  total.prompt_tokens = 1'000'000;  // ten requests of 100,000: each below the tier
  total.completion_tokens = 10'000;
  const Cost ten = price_usage_of_requests(table, "anthropic", "claude", total, 10);
  EXPECT_EQ(ten.rate_set, "base");
  EXPECT_EQ(ten.micro_usd, 3'150'000);  // 1,000,000 x 3 + 10,000 x 15 = USD 3.15
  const Cost four = price_usage_of_requests(table, "anthropic", "claude", total, 4);  // 250,000 each: above
  EXPECT_EQ(four.rate_set, "above_200000");
  EXPECT_EQ(four.micro_usd, 6'225'000);  // 1,000,000 x 6 + 10,000 x 22.5 = USD 6.225
  EXPECT_EQ(price_usage_of_requests(table, "anthropic", "nope", total, 1).status, CostStatus::Absent);
}
