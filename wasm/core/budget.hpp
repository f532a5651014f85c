// Budgets and rate limits as arithmetic: fixed UTC windows, and the worst case a request could
// cost. The counters live in a Durable Object; the core decides what to reserve and against what.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/pricing.hpp"

namespace llmroute {

enum class BudgetWindow { Hour, Day, Month };

struct Budget {
  BudgetWindow window = BudgetWindow::Day;
  std::int64_t limit_micro_usd = 0;
};

// One budget a request is checked against: whose, which window, how much.
struct BudgetCheck {
  std::string scope;  // "key:<name>" or "route:<name>"
  std::string window; // "hour" | "day" | "month"
  std::int64_t window_start_ms = 0;
  std::int64_t window_end_ms = 0;
  std::int64_t limit_micro_usd = 0;
};

std::string_view window_name(BudgetWindow window);
bool parse_window(std::string_view text, BudgetWindow& out);

// [start, end) of the fixed UTC window holding `now_ms`.
void window_bounds(BudgetWindow window, std::int64_t now_ms, std::int64_t& start_ms, std::int64_t& end_ms);

// The most a request could cost at `price`: the estimated prompt at the tier it falls in, plus
// every output token it may produce.
std::int64_t worst_case_micro_usd(const ModelPrice& price, std::int64_t estimated_prompt_tokens, std::int64_t max_output_tokens);

}  // namespace llmroute
