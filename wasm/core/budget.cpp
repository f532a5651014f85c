#include "core/budget.hpp"

namespace llmroute {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

// The civil year and month of a day count (civil_from_days, same source).
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::string_view window_name(BudgetWindow window) {
  switch (window) {
    case BudgetWindow::Hour: return "hour";
    case BudgetWindow::Day: return "day";
    case BudgetWindow::Month: return "month";
  }
  return "day";
}

bool parse_window(std::string_view text, BudgetWindow& out) {
  if (text == "hour") out = BudgetWindow::Hour;
  else if (text == "day") out = BudgetWindow::Day;
  else if (text == "month") out = BudgetWindow::Month;
  else return false;
  return true;
}

void window_bounds(BudgetWindow window, std::int64_t now_ms, std::int64_t& start_ms, std::int64_t& end_ms) {
  switch (window) {
    case BudgetWindow::Hour:
      start_ms = floor_div(now_ms, kHourMs) * kHourMs;
      end_ms = start_ms + kHourMs;
      return;
    case BudgetWindow::Day:
      start_ms = floor_div(now_ms, kDayMs) * kDayMs;
      end_ms = start_ms + kDayMs;
      return;
    case BudgetWindow::Month: {
      std::int64_t year = 0;
      unsigned month = 1;
      civil_from_days(floor_div(now_ms, kDayMs), year, month);
      start_ms = days_from_civil(year, month, 1) * kDayMs;
      end_ms = (month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, month + 1, 1)) * kDayMs;
      return;
    }
  }
}

std::int64_t worst_case_micro_usd(const ModelPrice& price, std::int64_t estimated_prompt_tokens, std::int64_t max_output_tokens) {
  Usage usage;
  usage.prompt_tokens = estimated_prompt_tokens;
  usage.completion_tokens = max_output_tokens;
  return cost_micro_usd(usage, price);
}

}  // namespace llmroute
