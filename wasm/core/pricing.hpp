// Prices and cost, all integer.
//
// Rates are micro-dollars per million tokens (USD 0.15/M = 150000), which holds every published
// rate exactly. tokens x rate is then an exact count of 10^-12 dollars; a call's cost is that sum
// rounded once, half up, to whole micro-dollars. This is the only rounding in llmroute's money.
//
// Long-context tiers: when a request's prompt is larger than a tier's threshold, the WHOLE request
// (input, output and cache tokens) is priced at that tier's rates, as Anthropic and Google bill.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/usage.hpp"

namespace llmroute {

inline constexpr int kMicroScale = 6;  // micro-dollars: 6 decimal places of a dollar

struct Rates {
  std::int64_t input_per_mtok = 0;           // uncached prompt tokens
  std::int64_t output_per_mtok = 0;          // completion tokens, reasoning included
  std::int64_t cached_input_per_mtok = 0;    // prompt tokens read from the provider's cache
  std::int64_t cache_write_per_mtok = 0;     // prompt tokens written to the cache (5-minute TTL)
  std::int64_t cache_write_1h_per_mtok = 0;  // ... with the 1-hour TTL; 0 = priced as cache_write
};

struct PriceTier {
  std::int64_t above_prompt_tokens = 0;
  Rates rates;
};

enum Capability : std::uint32_t {
  kCapTools = 1u << 0,
  kCapVision = 1u << 1,
  kCapJsonSchema = 1u << 2,
  kCapReasoning = 1u << 3,
};

struct ModelPrice {
  Rates base;
  std::vector<PriceTier> tiers;      // ascending thresholds
  std::int64_t context_window = 0;   // prompt tokens the model accepts; 0 = unknown
  std::int64_t max_output = 0;       // largest completion; 0 = unknown
  std::uint32_t capabilities = 0;    // Capability bits; unknown ones are 0
  std::string effective;             // date the price took effect, YYYY-MM-DD
};

struct PriceTable {
  std::string version;  // of the catalog these prices came from; "config" for config-only prices
  std::string source;   // where the prices were taken from, and under what license
  std::map<std::string, ModelPrice, std::less<>> models;  // keyed by "provider/model"
};

enum class CostStatus {
  Measured,   // priced from the provider's reported usage
  Estimated,  // the provider never said its usage (a stream cut short, an answer without usage):
              // priced from llmroute's own count of the prompt and of what was relayed
  Absent,    // an answer came but cannot be priced (no price for the model, or no usage): never a silent 0
  None,      // no answer was produced, so nothing was billed
};

struct Cost {
  std::int64_t micro_usd = 0;
  CostStatus status = CostStatus::None;
  std::string rate_set{};  // "base" or "above_<N>": which rates were used
};

// Largest token count we price (the largest count read from any provider): larger counts are
// priced as this many, which also keeps tokens x rate inside int64.
inline constexpr std::int64_t kMaxPricedTokens = kMaxTokenCount;
// Largest rate accepted: USD 100,000 per million tokens.
inline constexpr std::int64_t kMaxRatePerMtok = 100'000'000'000;

// The rates that apply to a request with `prompt_tokens`, and the name of that rate set.
const Rates& rates_for(const ModelPrice& price, std::int64_t prompt_tokens, std::string* rate_set = nullptr);

std::int64_t cost_micro_usd(const Usage& usage, const Rates& rates);
std::int64_t cost_micro_usd(const Usage& usage, const ModelPrice& price);

const ModelPrice* find_price(const PriceTable& table, std::string_view provider, std::string_view model);

Cost price_usage(const PriceTable& table, std::string_view provider, std::string_view model, const Usage& usage);

// The cost of `requests` requests whose usage summed to `total`, for what-if reports: aggregates
// lose each request's own prompt size, so the tier is the one the average request falls in.
Cost price_usage_of_requests(const PriceTable& table, std::string_view provider, std::string_view model, const Usage& total,
                             std::int64_t requests);

std::string_view cost_status_name(CostStatus status);

}  // namespace llmroute
