// Prices and cost, all integer.
//
// Rates are micro-dollars per million tokens (USD 0.15/M = 150000), which holds every published
// rate exactly. tokens x rate is then an exact count of 10^-12 dollars; a call's cost is that sum
// rounded once, half up, to whole micro-dollars. This is the only rounding in llmroute's money.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/usage.hpp"

namespace llmroute {

inline constexpr int kMicroScale = 6;  // micro-dollars: 6 decimal places of a dollar

struct ModelPrice {
  std::int64_t input_per_mtok = 0;        // uncached prompt tokens
  std::int64_t output_per_mtok = 0;       // completion tokens, reasoning included
  std::int64_t cached_input_per_mtok = 0; // prompt tokens read from the provider's cache
  std::int64_t cache_write_per_mtok = 0;  // prompt tokens written to the cache
};

// Keyed by "provider/model".
using PriceTable = std::map<std::string, ModelPrice, std::less<>>;

enum class CostStatus {
  Measured,  // priced from the provider's reported usage
  Absent,    // an answer came but cannot be priced (no price for the model, or no usage): never a silent 0
  None,      // no answer was produced, so nothing was billed
};

struct Cost {
  std::int64_t micro_usd = 0;
  CostStatus status = CostStatus::None;
};

// Largest token count we price; larger usage is refused as implausible, which also keeps
// tokens x rate inside int64.
inline constexpr std::int64_t kMaxPricedTokens = 1'000'000'000;
// Largest rate accepted in a config: USD 100,000 per million tokens.
inline constexpr std::int64_t kMaxRatePerMtok = 100'000'000'000;

std::int64_t cost_micro_usd(const Usage& usage, const ModelPrice& price);

const ModelPrice* find_price(const PriceTable& table, std::string_view provider, std::string_view model);

Cost price_usage(const PriceTable& table, std::string_view provider, std::string_view model, const Usage& usage);

std::string_view cost_status_name(CostStatus status);

}  // namespace llmroute
