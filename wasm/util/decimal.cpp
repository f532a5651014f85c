#include "util/decimal.hpp"

#include <cstdio>
#include <limits>

namespace llmroute {

namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// value = value * 10 + digit, refusing overflow.
bool push_digit(std::int64_t& value, int digit) {
  if (value > (kMax - digit) / 10) return false;
  value = value * 10 + digit;
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_decimal_scaled(std::string_view text, int scale) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';

  std::string digits;  // significant digits, integer part then fraction
  int fraction_digits = 0;
  bool seen_digit = false;
  for (; i < text.size() && is_digit(text[i]); ++i) digits.push_back(text[i]), seen_digit = true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      digits.push_back(text[i]);
      ++fraction_digits;
      seen_digit = true;
    }
  }
  if (!seen_digit) return std::nullopt;

  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) exponent_negative = text[i++] == '-';
    if (i >= text.size() || !is_digit(text[i])) return std::nullopt;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > 400) return std::nullopt;
    }
    if (exponent_negative) exponent = -exponent;
  }
  if (i != text.size()) return std::nullopt;

  // The number is digits * 10^(exponent - fraction_digits); we want it times 10^scale.
  const int shift = exponent - fraction_digits + scale;
  std::int64_t value = 0;
  if (shift >= 0) {
    for (const char c : digits) if (!push_digit(value, c - '0')) return std::nullopt;
    for (int k = 0; k < shift; ++k) {
      if (value == 0) break;
      if (!push_digit(value, 0)) return std::nullopt;
    }
  } else {
    // The last -shift digits must all be zero, or the value is not exact at this scale.
    const std::size_t drop = static_cast<std::size_t>(-shift);
    if (drop > digits.size()) {
      for (const char c : digits) if (c != '0') return std::nullopt;
      return std::int64_t{0};
    }
    for (std::size_t k = digits.size() - drop; k < digits.size(); ++k) {
      if (digits[k] != '0') return std::nullopt;
    }
    for (std::size_t k = 0; k < digits.size() - drop; ++k) {
      if (!push_digit(value, digits[k] - '0')) return std::nullopt;
    }
  }
  return negative ? -value : value;
}

std::optional<std::int64_t> json_decimal_scaled(const json& value, int scale) {
  if (const auto* text = value.get_ptr<const json::string_t*>()) return parse_decimal_scaled(*text, scale);
  if (value.is_number_integer()) {
    const auto whole = as_int64(value);
    if (!whole) return std::nullopt;
    return parse_decimal_scaled(std::to_string(*whole), scale);
  }
  if (value.is_number_float()) {
    char buffer[40];
    const int n = std::snprintf(buffer, sizeof buffer, "%.15g", value.get<double>());
    if (n <= 0 || n >= static_cast<int>(sizeof buffer)) return std::nullopt;
    return parse_decimal_scaled(std::string_view(buffer, static_cast<std::size_t>(n)), scale);
  }
  return std::nullopt;
}

std::string format_scaled(std::int64_t value, int scale) {
  const bool negative = value < 0;
  // Work in unsigned so that INT64_MIN does not overflow on negation.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::string fraction(static_cast<std::size_t>(scale), '0');
  for (int k = scale - 1; k >= 0; --k) {
    fraction[static_cast<std::size_t>(k)] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  }
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude);
  if (scale > 0) out += "." + fraction;
  return out;
}

}  // namespace llmroute
