#include "core/catalog.hpp"

#include <array>

#include "core/config_check.hpp"
#include "util/decimal.hpp"

namespace llmroute {

namespace {

constexpr std::string_view kFormat = "llmroute-prices-v1";

struct CapabilityName {
  std::string_view name;
  Capability bit;
  std::string_view litellm_flag;
};
constexpr std::array<CapabilityName, 4> kCapabilities = {{
    {"tools", kCapTools, "supports_function_calling"},
    {"vision", kCapVision, "supports_vision"},
    {"json_schema", kCapJsonSchema, "supports_response_schema"},
    {"reasoning", kCapReasoning, "supports_reasoning"},
}};

// LiteLLM provider -> AI Gateway slug, and the prefix LiteLLM puts on that provider's keys.
struct LiteLlmProvider {
  std::string_view litellm;
  std::string_view slug;
  std::string_view key_prefix;
};
constexpr std::array<LiteLlmProvider, 13> kLiteLlmProviders = {{
    {"openai", "openai", ""},
    {"anthropic", "anthropic", ""},
    {"gemini", "google-ai-studio", "gemini/"},
    {"groq", "groq", "groq/"},
    {"mistral", "mistral", "mistral/"},
    {"deepseek", "deepseek", "deepseek/"},
    {"xai", "grok", "xai/"},
    {"openrouter", "openrouter", "openrouter/"},
    {"perplexity", "perplexity-ai", "perplexity/"},
    {"cohere_chat", "cohere", ""},
    {"azure", "azure-openai", "azure/"},
    {"bedrock_converse", "aws-bedrock", ""},
    {"cloudflare", "workers-ai", "cloudflare/"},
}};

// Reads one rate field; false (and a problem) when present but not a valid decimal rate.
bool read_rate(const json& obj, std::string_view key, const std::string& path, std::int64_t& out, Checker& check) {
  const json* v = find(obj, key);
  if (v == nullptr) return false;
  const auto parsed = json_decimal_scaled(*v, kMicroScale);
  if (!parsed || *parsed < 0 || *parsed > kMaxRatePerMtok) {
    check.problem(key_path(path, key), "must be a non-negative decimal USD per million tokens with at most 6 decimal places, e.g. \"0.15\"");
    return false;
  }
  out = *parsed;
  return true;
}

void read_rates(const json& obj, const std::string& path, Rates& out, Checker& check, bool required) {
  for (const auto& [key, field] : {std::pair{"input", &Rates::input_per_mtok}, std::pair{"output", &Rates::output_per_mtok}}) {
    if (!read_rate(obj, key, path, out.*field, check) && required && find(obj, key) == nullptr) {
      check.problem(key_path(path, key), "is required");
    }
  }
  // Without a cache rate, cached and written tokens cost what ordinary input costs.
  if (!read_rate(obj, "cached_input", path, out.cached_input_per_mtok, check)) out.cached_input_per_mtok = out.input_per_mtok;
  if (!read_rate(obj, "cache_write", path, out.cache_write_per_mtok, check)) out.cache_write_per_mtok = out.input_per_mtok;
  read_rate(obj, "cache_write_1h", path, out.cache_write_1h_per_mtok, check);
}

// LiteLLM's per-token USD price -> micro-dollars per million tokens, exactly (scale 12).
std::optional<std::int64_t> litellm_rate(const json& entry, const std::string& key) {
  const json* v = find(entry, key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  const auto rate = json_decimal_scaled(*v, 12);  // bounded like a config rate: pricing relies on it
  return rate && *rate >= 0 && *rate <= kMaxRatePerMtok ? rate : std::nullopt;
}

void append_rate(std::string& out, std::string_view key, std::int64_t value) {
  out += ",\"";
  out += key;
  out += "\":\"";
  std::string text = format_scaled(value, kMicroScale);
  // Trailing zeros say nothing: "0.150000" -> "0.15", "3.000000" -> "3".
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  out += text;
  out += '"';
}

void append_rates(std::string& out, const Rates& r) {
  append_rate(out, "input", r.input_per_mtok);
  append_rate(out, "output", r.output_per_mtok);
  append_rate(out, "cached_input", r.cached_input_per_mtok);
  append_rate(out, "cache_write", r.cache_write_per_mtok);
  if (r.cache_write_1h_per_mtok != 0) append_rate(out, "cache_write_1h", r.cache_write_1h_per_mtok);
}

}  // namespace

void parse_model_price(const json& value, const std::string& path, ModelPrice& out, Checker& check) {
  if (!value.is_object()) return check.problem(path, "must be an object of USD-per-million-token rates");
  check.only_known_keys(value, path, {"input", "output", "cached_input", "cache_write", "cache_write_1h", "tiers",
                                      "context_window", "max_output", "capabilities", "effective"});
  read_rates(value, path, out.base, check, true);
  if (const json* tiers = find(value, "tiers")) {
    const std::string at = key_path(path, "tiers");
    if (!tiers->is_array()) return check.problem(at, "must be an array of {above_prompt_tokens, rates}");
    for (std::size_t i = 0; i < tiers->size(); ++i) {
      const json& tier_doc = (*tiers)[i];
      const std::string tier_path = index_path(at, i);
      if (!tier_doc.is_object()) {
        check.problem(tier_path, "must be an object");
        continue;
      }
      check.only_known_keys(tier_doc, tier_path, {"above_prompt_tokens", "input", "output", "cached_input", "cache_write", "cache_write_1h"});
      PriceTier tier;
      tier.above_prompt_tokens = -1;
      check.integer(tier_doc, "above_prompt_tokens", tier_path, 1, kMaxPricedTokens, tier.above_prompt_tokens);
      if (tier.above_prompt_tokens < 0) check.problem(key_path(tier_path, "above_prompt_tokens"), "is required");
      read_rates(tier_doc, tier_path, tier.rates, check, true);
      out.tiers.push_back(tier);
    }
  }
  check.integer(value, "context_window", path, 0, kMaxPricedTokens, out.context_window);
  check.integer(value, "max_output", path, 0, kMaxPricedTokens, out.max_output);
  if (const json* caps = find(value, "capabilities")) {
    if (!caps->is_array()) return check.problem(key_path(path, "capabilities"), "must be an array of capability names");
    for (std::size_t i = 0; i < caps->size(); ++i) {
      const std::string* name = (*caps)[i].get_ptr<const json::string_t*>();
      const auto* known = name == nullptr ? nullptr : [&]() -> const CapabilityName* {
        for (const auto& c : kCapabilities) if (c.name == *name) return &c;
        return nullptr;
      }();
      if (known == nullptr) check.problem(index_path(key_path(path, "capabilities"), i), "must be one of tools, vision, json_schema, reasoning");
      else out.capabilities |= known->bit;
    }
  }
  if (const json* effective = find(value, "effective")) {
    const std::string* date = effective->get_ptr<const json::string_t*>();
    if (date == nullptr || date->size() != 10 || (*date)[4] != '-' || (*date)[7] != '-') {
      check.problem(key_path(path, "effective"), "must be a date, YYYY-MM-DD");
    } else {
      out.effective = *date;
    }
  }
}

PriceTable parse_catalog(const json& doc, std::vector<ConfigProblem>& problems) {
  Checker check(problems);
  PriceTable table;
  if (!doc.is_object()) {
    check.problem("catalog", "must be a JSON object");
    return table;
  }
  const std::string* format = find_string(doc, "format");
  if (format == nullptr) return import_litellm(doc, "litellm", problems);
  if (*format != kFormat) {
    check.problem("catalog.format", "must be \"" + std::string(kFormat) + "\"");
    return table;
  }
  check.only_known_keys(doc, "catalog", {"format", "version", "source", "models"});
  const std::string* version = find_string(doc, "version");
  table.version = version ? *version : "unversioned";
  if (const std::string* source = find_string(doc, "source")) table.source = *source;
  const json* models = find_object(doc, "models");
  if (models == nullptr) {
    check.problem("catalog.models", "is required: an object keyed by provider/model");
    return table;
  }
  parse_model_prices(*models, "catalog.models", table, check);
  return table;
}

void parse_model_prices(const json& models, const std::string& path, PriceTable& out, Checker& check) {
  for (auto it = models.begin(); it != models.end(); ++it) {
    const std::string at = key_path(path, it.key());
    std::string provider, model;
    if (!split_provider_model(it.key(), provider, model)) {
      check.problem(at, "a price key must be \"provider/model\"");
      continue;
    }
    ModelPrice price;
    parse_model_price(it.value(), at, price, check);
    out.models.emplace(it.key(), std::move(price));
  }
}

PriceTable import_litellm(const json& doc, std::string version, std::vector<ConfigProblem>& problems) {
  Checker check(problems);
  PriceTable table;
  table.version = std::move(version);
  if (!doc.is_object()) {
    check.problem("catalog", "must be a JSON object");
    return table;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const json& entry = it.value();
    const std::string* provider_name = find_string(entry, "litellm_provider");
    const std::string* mode = find_string(entry, "mode");
    if (provider_name == nullptr || mode == nullptr || *mode != "chat") continue;
    const LiteLlmProvider* provider = nullptr;
    for (const auto& p : kLiteLlmProviders) if (p.litellm == *provider_name) provider = &p;
    if (provider == nullptr) continue;
    std::string_view model = it.key();
    if (!provider->key_prefix.empty() && model.substr(0, provider->key_prefix.size()) == provider->key_prefix) {
      model.remove_prefix(provider->key_prefix.size());
    }
    const auto input = litellm_rate(entry, "input_cost_per_token");
    const auto output = litellm_rate(entry, "output_cost_per_token");
    if (!input || !output) continue;  // priced by other units (images, seconds): not ours

    ModelPrice price;
    auto rates_with_suffix = [&](const std::string& suffix, Rates& r) {
      r.input_per_mtok = litellm_rate(entry, "input_cost_per_token" + suffix).value_or(0);
      r.output_per_mtok = litellm_rate(entry, "output_cost_per_token" + suffix).value_or(0);
      r.cached_input_per_mtok = litellm_rate(entry, "cache_read_input_token_cost" + suffix).value_or(r.input_per_mtok);
      r.cache_write_per_mtok = litellm_rate(entry, "cache_creation_input_token_cost" + suffix).value_or(r.input_per_mtok);
    };
    rates_with_suffix("", price.base);
    price.base.cache_write_1h_per_mtok = litellm_rate(entry, "cache_creation_input_token_cost_above_1hr").value_or(0);
    // Long-context tiers are written as input_cost_per_token_above_<N>k_tokens.
    for (const int thousands : {128, 200}) {
      const std::string suffix = "_above_" + std::to_string(thousands) + "k_tokens";
      if (!litellm_rate(entry, "input_cost_per_token" + suffix)) continue;
      PriceTier tier;
      tier.above_prompt_tokens = std::int64_t{thousands} * 1000;
      rates_with_suffix(suffix, tier.rates);
      if (tier.rates.output_per_mtok == 0) tier.rates.output_per_mtok = price.base.output_per_mtok;
      price.tiers.push_back(tier);
    }
    price.context_window = find_int64(entry, "max_input_tokens").value_or(0);
    price.max_output = find_int64(entry, "max_output_tokens").value_or(0);
    for (const auto& c : kCapabilities) {
      if (find_bool(entry, c.litellm_flag).value_or(false)) price.capabilities |= c.bit;
    }
    std::string key(provider->slug);
    key.append("/").append(model);
    table.models.emplace(std::move(key), std::move(price));
  }
  return table;
}

std::string catalog_json(const PriceTable& table) {
  std::string out = "{\n  \"format\": \"llmroute-prices-v1\",\n  \"version\": ";
  append_json_string(out, table.version);
  if (!table.source.empty()) {
    out += ",\n  \"source\": ";
    append_json_string(out, table.source);
  }
  out += ",\n  \"models\": {";
  bool first = true;
  for (const auto& [key, price] : table.models) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    append_json_string(out, key);
    out += ": {";
    std::string fields;
    append_rates(fields, price.base);
    if (!price.tiers.empty()) {
      fields += ",\"tiers\":[";
      for (std::size_t i = 0; i < price.tiers.size(); ++i) {
        if (i > 0) fields += ',';
        fields += "{\"above_prompt_tokens\":" + std::to_string(price.tiers[i].above_prompt_tokens);
        append_rates(fields, price.tiers[i].rates);
        fields += '}';
      }
      fields += ']';
    }
    if (price.context_window > 0) fields += ",\"context_window\":" + std::to_string(price.context_window);
    if (price.max_output > 0) fields += ",\"max_output\":" + std::to_string(price.max_output);
    std::string caps;
    for (const auto& c : kCapabilities) {
      if ((price.capabilities & c.bit) != 0u) {
        if (!caps.empty()) caps += ',';
        append_json_string(caps, c.name);
      }
    }
    fields += ",\"capabilities\":[" + caps + "]";
    if (!price.effective.empty()) {
      fields += ",\"effective\":";
      append_json_string(fields, price.effective);
    }
    out += fields.substr(1);  // drop the leading comma
    out += '}';
  }
  out += "\n  }\n}\n";
  return out;
}

}  // namespace llmroute
