#include "core/pricing.hpp"

#include <algorithm>

namespace llmroute {

const Rates& rates_for(const ModelPrice& price, std::int64_t prompt_tokens, std::string* rate_set) {
  const Rates* rates = &price.base;
  std::int64_t threshold = -1;
  for (const PriceTier& tier : price.tiers) {
    if (prompt_tokens > tier.above_prompt_tokens && tier.above_prompt_tokens > threshold) {
      rates = &tier.rates;
      threshold = tier.above_prompt_tokens;
    }
  }
  if (rate_set != nullptr) *rate_set = threshold < 0 ? "base" : "above_" + std::to_string(threshold);
  return *rates;
}

std::int64_t cost_micro_usd(const Usage& usage, const Rates& rates) {
  const std::int64_t prompt = clamp_token_count(usage.prompt_tokens);
  const std::int64_t cached = std::min(clamp_token_count(usage.cached_prompt_tokens), prompt);
  const std::int64_t written = std::min(clamp_token_count(usage.cache_write_prompt_tokens), prompt - cached);
  const std::int64_t written_1h = std::min(clamp_token_count(usage.cache_write_1h_prompt_tokens), written);
  const std::int64_t uncached = prompt - cached - written;
  const std::int64_t completion = clamp_token_count(usage.completion_tokens);

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
  add(uncached, rates.input_per_mtok);
  add(cached, rates.cached_input_per_mtok);
  add(written - written_1h, rates.cache_write_per_mtok);
  add(written_1h, rates.cache_write_1h_per_mtok != 0 ? rates.cache_write_1h_per_mtok : rates.cache_write_per_mtok);
  add(completion, rates.output_per_mtok);

  whole_micro += remainder_pico / 1'000'000;
  remainder_pico %= 1'000'000;
  if (remainder_pico >= 500'000) whole_micro += 1;  // half up, once per call
  return whole_micro;
}

std::int64_t cost_micro_usd(const Usage& usage, const ModelPrice& price) {
  return cost_micro_usd(usage, rates_for(price, usage.prompt_tokens));
}

const ModelPrice* find_price(const PriceTable& table, std::string_view provider, std::string_view model) {
  std::string key;
  key.reserve(provider.size() + 1 + model.size());
  key.append(provider).append("/").append(model);
  auto it = table.models.find(key);
  return it == table.models.end() ? nullptr : &it->second;
}

Cost price_usage(const PriceTable& table, std::string_view provider, std::string_view model, const Usage& usage) {
  const ModelPrice* price = find_price(table, provider, model);
  if (price == nullptr) return Cost{0, CostStatus::Absent, {}};
  Cost cost{0, CostStatus::Measured, {}};
  cost.micro_usd = cost_micro_usd(usage, rates_for(*price, usage.prompt_tokens, &cost.rate_set));
  return cost;
}

Cost price_usage_of_requests(const PriceTable& table, std::string_view provider, std::string_view model, const Usage& total,
                             std::int64_t requests) {
  const ModelPrice* price = find_price(table, provider, model);
  if (price == nullptr) return Cost{0, CostStatus::Absent, {}};
  Cost cost{0, CostStatus::Measured, {}};
  const std::int64_t average_prompt = total.prompt_tokens / std::max<std::int64_t>(requests, 1);
  cost.micro_usd = cost_micro_usd(total, rates_for(*price, average_prompt, &cost.rate_set));
  return cost;
}

std::string_view cost_status_name(CostStatus status) {
  switch (status) {
    case CostStatus::Measured: return "measured";
    case CostStatus::Estimated: return "estimated";
    case CostStatus::Absent: return "absent";
    case CostStatus::None: return "none";
  }
  return "absent";
}

}  // namespace llmroute
