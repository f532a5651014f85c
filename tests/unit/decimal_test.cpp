#include "util/decimal.hpp"

#include <gtest/gtest.h>

using llmroute::format_scaled;
using llmroute::json;
using llmroute::json_decimal_scaled;
using llmroute::parse_decimal_scaled;

TEST(Decimal, ParsesPlainDecimalsExactly) {
  EXPECT_EQ(parse_decimal_scaled("0.15", 6), 150000);
  EXPECT_EQ(parse_decimal_scaled("10", 6), 10000000);
  EXPECT_EQ(parse_decimal_scaled("2.5", 6), 2500000);
  EXPECT_EQ(parse_decimal_scaled("-1.000001", 6), -1000001);
  EXPECT_EQ(parse_decimal_scaled(".5", 1), 5);
  EXPECT_EQ(parse_decimal_scaled("0.018750", 6), 18750);
}

TEST(Decimal, ParsesExponentsAsLiteLlmWritesThem) {
  EXPECT_EQ(parse_decimal_scaled("3e-06", 12), 3000000);  // USD per token -> pico-dollars
  EXPECT_EQ(parse_decimal_scaled("1.25E-7", 12), 125000);
  EXPECT_EQ(parse_decimal_scaled("1e3", 0), 1000);
}

TEST(Decimal, RefusesWhatIsNotExactAtTheScale) {
  EXPECT_EQ(parse_decimal_scaled("0.1234567", 6), std::nullopt);
  EXPECT_EQ(parse_decimal_scaled("3e-07", 6), std::nullopt);
  EXPECT_EQ(parse_decimal_scaled("0.1234560", 6), 123456);  // trailing zeros are fine
}

TEST(Decimal, RefusesMalformedAndOverflowingText) {
  for (const char* bad : {"", "-", ".", "1.2.3", "1e", "e5", "abc", "1,5", " 1", "1 ", "0x10", "1e999"}) {
    EXPECT_EQ(parse_decimal_scaled(bad, 6), std::nullopt) << bad;
  }
  EXPECT_EQ(parse_decimal_scaled("9223372036854775807", 0), INT64_MAX);
  EXPECT_EQ(parse_decimal_scaled("9223372036854775808", 0), std::nullopt);
  EXPECT_EQ(parse_decimal_scaled("9223372036855", 6), std::nullopt);
}

TEST(Decimal, JsonNumbersAreReadAsTheDecimalTheAuthorWrote) {
  // 0.15 is not exactly representable as a double; it must still come out as 150000.
  EXPECT_EQ(json_decimal_scaled(json::parse("0.15"), 6), 150000);
  EXPECT_EQ(json_decimal_scaled(json::parse("3e-06"), 12), 3000000);
  EXPECT_EQ(json_decimal_scaled(json::parse("7"), 6), 7000000);
  EXPECT_EQ(json_decimal_scaled(json::parse("\"0.60\""), 6), 600000);
  EXPECT_EQ(json_decimal_scaled(json::parse("true"), 6), std::nullopt);
  EXPECT_EQ(json_decimal_scaled(json::parse("null"), 6), std::nullopt);
}

TEST(Decimal, FormatsWithAllFractionDigits) {
  EXPECT_EQ(format_scaled(9, 6), "0.000009");
  EXPECT_EQ(format_scaled(1234567, 6), "1.234567");
  EXPECT_EQ(format_scaled(0, 6), "0.000000");
  EXPECT_EQ(format_scaled(-5, 2), "-0.05");
  EXPECT_EQ(format_scaled(INT64_MIN, 6), "-9223372036854.775808");
}
