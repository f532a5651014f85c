// Money is integer. Decimal text ("0.15", "3e-06", "2.5") is parsed exactly into an integer count of
// 10^-scale units; text that cannot be represented exactly at that scale is refused, never rounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/json_access.hpp"

namespace llmroute {

// "0.15" at scale 6 -> 150000. Accepts an optional sign, digits, an optional fraction and an
// optional exponent. nullopt if malformed, inexact at this scale, or out of int64 range.
std::optional<std::int64_t> parse_decimal_scaled(std::string_view text, int scale);

// A JSON string holding decimal text, or a JSON number. Numbers are first printed with 15
// significant digits, which gives back the decimal the author wrote whenever it had at most 15
// significant digits: so 0.15 is read as the decimal 0.15, not as the binary double near it.
std::optional<std::int64_t> json_decimal_scaled(const json& value, int scale);

// 1234567 at scale 6 -> "1.234567"; always `scale` fraction digits.
std::string format_scaled(std::int64_t value, int scale);

}  // namespace llmroute
