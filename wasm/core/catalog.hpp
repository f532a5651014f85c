// The price catalog: llmroute's own format (worker/config/prices.json, maintained in the project)
// and an importer for LiteLLM's model_prices_and_context_window.json. Prices are decimal text read
// exactly into integer micro-dollars per million tokens (core/pricing.hpp).
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/pricing.hpp"

namespace llmroute {

class Checker;

// One model's entry, as the catalog and the config's "prices" both write it:
//   {"input": "3", "output": "15", "cached_input": "0.30", "cache_write": "3.75", "cache_write_1h": "6",
//    "tiers": [{"above_prompt_tokens": 200000, "input": "6", ...}],
//    "context_window": 200000, "max_output": 64000, "capabilities": ["tools", "vision"], "effective": "2025-09-29"}
void parse_model_price(const json& value, const std::string& path, ModelPrice& out, Checker& check);

// An object of such entries keyed by "provider/model" (the catalog's models, the config's prices).
void parse_model_prices(const json& models, const std::string& path, PriceTable& out, Checker& check);

// {"format": "llmroute-prices-v1", "version": "...", "models": {"provider/model": {...}}}, or a
// LiteLLM catalog (recognised by its entries' litellm_provider).
PriceTable parse_catalog(const json& doc, std::vector<ConfigProblem>& problems);

// LiteLLM's catalog: chat models of the providers llmroute speaks, keyed the llmroute way
// (provider slug / model). Per-token USD prices are read exactly (3e-06 -> 3000000 per million).
PriceTable import_litellm(const json& doc, std::string version, std::vector<ConfigProblem>& problems);

// The catalog as llmroute's own format, for the CLI that writes worker/config/prices.json.
std::string catalog_json(const PriceTable& table);

}  // namespace llmroute
