#include "core/pricing.hpp"

#include <algorithm>

namespace llmroute {

namespace {

std::int64_t clamp_tokens(std::int64_t tokens) { return std::clamp<std::int64_t>(tokens, 0, kMaxPricedTokens); }

}  // namespace

std::int64_t cost_micro_usd(const Usage& usage, const ModelPrice& price) {
  const std::int64_t prompt = clamp_tokens(usage.prompt_tokens);
  const std::int64_t cached = std::min(clamp_tokens(usage.cached_prompt_tokens), prompt);
  const std::int64_t written = std::min(clamp_tokens(usage.cache_write_prompt_tokens), prompt - cached);
  const std::int64_t uncached = prompt - cached - written;
  const std::int64_t completion = clamp_tokens(usage.completion_tokens);

  // tokens x rate can reach 1e9 x 1e11, past int64, so each product is split into whole
  // micro-dollars and a remainder in 10^-12 dollars; only the final sum is rounded.
  std::int64_t whole_micro = 0;
  std::int64_t remainder_pico = 0;
  auto add = [&](std::int64_t tokens, std::int64_t rate_per_mtok) {
    // tokens x rate / 1e6, exactly: (tokens / 1e6) x rate + (tokens % 1e6) x rate / 1e6
    const std::int64_t high = tokens / 1'000'000;
    const std::int64_t low = tokens % 1'000'000;
    whole_micro += high * rate_per_mtok;
    const std::int64_t low_product = low * (rate_per_mtok % 1'000'000);
    whole_micro += low * (rate_per_mtok / 1'000'000);
    whole_micro += low_product / 1'000'000;
    remainder_pico += low_product % 1'000'000;
  };
  add(uncached, price.input_per_mtok);
  add(cached, price.cached_input_per_mtok);
  add(written, price.cache_write_per_mtok);
  add(completion, price.output_per_mtok);

  whole_micro += remainder_pico / 1'000'000;
  remainder_pico %= 1'000'000;
  if (remainder_pico >= 500'000) whole_micro += 1;  // half up, once per call
  return whole_micro;
}

const ModelPrice* find_price(const PriceTable& table, std::string_view provider, std::string_view model) {
  std::string key;
  key.reserve(provider.size() + 1 + model.size());
  key.append(provider).append("/").append(model);
  auto it = table.find(key);
  return it == table.end() ? nullptr : &it->second;
}

Cost price_usage(const PriceTable& table, std::string_view provider, std::string_view model, const Usage& usage) {
  const ModelPrice* price = find_price(table, provider, model);
  if (price == nullptr) return Cost{0, CostStatus::Absent};
  return Cost{cost_micro_usd(usage, *price), CostStatus::Measured};
}

std::string_view cost_status_name(CostStatus status) {
  switch (status) {
    case CostStatus::Measured: return "measured";
    case CostStatus::Absent: return "absent";
    case CostStatus::None: return "none";
  }
  return "absent";
}

}  // namespace llmroute
