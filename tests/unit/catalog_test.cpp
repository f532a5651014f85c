// The price catalog: our format, LiteLLM's, the bundled worker/config/prices.json, and costs
// written by hand from the catalog for recorded usage (a usage-normalisation conformance check).
#include "core/catalog.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config_check.hpp"
#include "providers/anthropic/anthropic.hpp"
#include "providers/openai/openai.hpp"
#include "support/core_harness.hpp"

using namespace llmroute;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path kShared = LLMROUTE_SHARED_FIXTURES_DIR "/..";
const fs::path kBundledCatalog = LLMROUTE_SOURCE_DIR "/worker/config/prices.json";

PriceTable bundled() {
  std::vector<ConfigProblem> problems;
  PriceTable table = parse_catalog(json::parse(read(kBundledCatalog)), problems);
  EXPECT_TRUE(problems.empty()) << problems.front().path << ": " << problems.front().message;
  return table;
}

}  // namespace

TEST(Catalog, OurFormatWithTiersCapabilitiesAndProblems) {
  std::vector<ConfigProblem> problems;
  const PriceTable table = parse_catalog(json::parse(R"({"format":"llmroute-prices-v1","version":"2026-11","models":{
    "anthropic/claude-sonnet-4-5":{"input":"3","output":"15","cached_input":"0.30","cache_write":"3.75","cache_write_1h":"6",
      "tiers":[{"above_prompt_tokens":200000,"input":"6","output":"22.50"}],"context_window":200000,"max_output":64000,
      "capabilities":["tools","vision","reasoning"],"effective":"2025-09-29"}}})"), problems);
  ASSERT_TRUE(problems.empty()) << problems.front().path;
  EXPECT_EQ(table.version, "2026-11");
  const ModelPrice& sonnet = table.models.at("anthropic/claude-sonnet-4-5");
  EXPECT_EQ(sonnet.base.cache_write_1h_per_mtok, 6'000'000);
  ASSERT_EQ(sonnet.tiers.size(), 1u);
  EXPECT_EQ(sonnet.tiers[0].rates.output_per_mtok, 22'500'000);
  EXPECT_EQ(sonnet.tiers[0].rates.cached_input_per_mtok, 6'000'000);  // no tier cache rate: its input rate
  EXPECT_EQ(sonnet.capabilities, kCapTools | kCapVision | kCapReasoning);
  EXPECT_EQ(sonnet.effective, "2025-09-29");

  problems.clear();
  parse_catalog(json::parse(R"({"format":"llmroute-prices-v1","models":{"x":{},"a/b":{"input":"1","output":"1.0000001",
    "tiers":[{"input":"2","output":"2"}],"capabilities":["telepathy"],"effective":"soon","extra":1}}})"), problems);
  std::vector<std::string> paths;
  for (const auto& p : problems) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "catalog.models[\"a/b\"].extra", "catalog.models[\"a/b\"].output",
                       "catalog.models[\"a/b\"].tiers[0].above_prompt_tokens", "catalog.models[\"a/b\"].capabilities[0]",
                       "catalog.models[\"a/b\"].effective", "catalog.models.x"}));
}

TEST(Catalog, LiteLlmImportIsExact) {
  std::vector<ConfigProblem> problems;
  const PriceTable table = import_litellm(json::parse(R"({
    "sample_spec": {"input_cost_per_token": "a description"},
    "claude-sonnet-4-5": {"litellm_provider":"anthropic","mode":"chat","input_cost_per_token":3e-06,"output_cost_per_token":1.5e-05,
      "cache_read_input_token_cost":3e-07,"cache_creation_input_token_cost":3.75e-06,"cache_creation_input_token_cost_above_1hr":6e-06,
      "input_cost_per_token_above_200k_tokens":6e-06,"output_cost_per_token_above_200k_tokens":2.25e-05,
      "max_input_tokens":200000,"max_output_tokens":64000,"supports_function_calling":true,"supports_vision":true},
    "gemini/gemini-2.5-flash-lite": {"litellm_provider":"gemini","mode":"chat","input_cost_per_token":1e-07,"output_cost_per_token":4e-07,
      "cache_read_input_token_cost":2.5e-08},
    "text-embedding-3-small": {"litellm_provider":"openai","mode":"embedding","input_cost_per_token":2e-08,"output_cost_per_token":0},
    "dall-e-3": {"litellm_provider":"openai","mode":"image_generation","output_cost_per_image":0.04},
    "some-other/model": {"litellm_provider":"nobody","mode":"chat","input_cost_per_token":1e-06,"output_cost_per_token":1e-06}
  })"), "test", problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(table.models.size(), 2u);
  const ModelPrice& sonnet = table.models.at("anthropic/claude-sonnet-4-5");
  EXPECT_EQ(sonnet.base.input_per_mtok, 3'000'000);
  EXPECT_EQ(sonnet.base.output_per_mtok, 15'000'000);
  EXPECT_EQ(sonnet.base.cached_input_per_mtok, 300'000);
  EXPECT_EQ(sonnet.base.cache_write_per_mtok, 3'750'000);
  EXPECT_EQ(sonnet.base.cache_write_1h_per_mtok, 6'000'000);
  ASSERT_EQ(sonnet.tiers.size(), 1u);
  EXPECT_EQ(sonnet.tiers[0].above_prompt_tokens, 200'000);
  EXPECT_EQ(sonnet.tiers[0].rates.output_per_mtok, 22'500'000);
  EXPECT_EQ(sonnet.context_window, 200'000);
  EXPECT_EQ(sonnet.capabilities, kCapTools | kCapVision);
  // 2.5e-08 USD per token is 0.025 per million: 25,000 micro-dollars per million, exactly.
  EXPECT_EQ(table.models.at("google-ai-studio/gemini-2.5-flash-lite").base.cached_input_per_mtok, 25'000);

  // Round trip through our own format.
  problems.clear();
  const PriceTable again = parse_catalog(json::parse(catalog_json(table)), problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(again.models.at("anthropic/claude-sonnet-4-5").tiers[0].rates.input_per_mtok, 6'000'000);
  EXPECT_EQ(again.models.at("anthropic/claude-sonnet-4-5").base.cache_write_1h_per_mtok, 6'000'000);
}

TEST(Catalog, TheSharedLiteLlmCatalogImports) {
  const fs::path file = kShared / "data/litellm-model-prices.json";
  if (!fs::exists(file)) GTEST_SKIP() << "../shared/data is not beside this clone";
  std::vector<ConfigProblem> problems;
  const PriceTable table = import_litellm(json::parse(read(file)), "litellm", problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_GT(table.models.size(), 300u);
  EXPECT_EQ(table.models.at("openai/gpt-4o-mini").base.input_per_mtok, 150'000);
  EXPECT_EQ(table.models.at("google-ai-studio/gemini-2.5-pro").tiers.at(0).rates.input_per_mtok, 2'500'000);
}

TEST(Catalog, TheBundledCatalogCoversTheCommonModels) {
  const PriceTable table = bundled();
  EXPECT_GE(table.models.size(), 50u);
  for (const auto& [key, price] : table.models) {
    EXPECT_GT(price.base.input_per_mtok, 0) << key;
    EXPECT_GT(price.base.output_per_mtok, 0) << key;
    EXPECT_GT(price.context_window, 0) << key;
    EXPECT_FALSE(price.effective.empty()) << key;
  }
  std::vector<std::string> providers;
  for (const auto& [key, price] : table.models) {
    const std::string provider = key.substr(0, key.find('/'));
    if (providers.empty() || providers.back() != provider) providers.push_back(provider);
  }
  EXPECT_GE(providers.size(), 9u);
}

TEST(Catalog, ConfigPricesOverrideTheCatalog) {
  json doc;
  doc["config"] = json::parse(R"({"prices":{"openai/gpt-4o-mini":{"input":"0.10","output":"0.40"}}})");
  doc["catalog"] = json::parse(read(kBundledCatalog));
  doc["environment"] = {{"gateway_base_url", "https://gw/v1/a/g"}};
  std::vector<ConfigProblem> problems;
  auto router = core::Router::create(doc, problems);
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(router->prices().models.at("openai/gpt-4o-mini").base.input_per_mtok, 100'000);
  EXPECT_EQ(router->prices().models.at("openai/gpt-4o").base.input_per_mtok, 2'500'000);
  EXPECT_EQ(router->prices().version, bundled().version + "+config");
  doc["catalog"] = json::parse(R"({"format":"llmroute-prices-v1","models":{"bad":{}}})");
  EXPECT_EQ(core::Router::create(doc, problems), nullptr);
  EXPECT_EQ(problems.back().path, "catalog.models.bad");
}

// Usage normalisation conformance: recorded usage, each provider's convention, costs written by
// hand from the bundled catalog's rates.
TEST(CostConformance, RecordedUsageAtCatalogPrices) {
  if (!fs::exists(kShared / "fixtures")) GTEST_SKIP() << "../shared/fixtures is not beside this clone";
  const PriceTable table = bundled();
  // OpenAI, cached tokens inside prompt_tokens: 4020 prompt of which 4012 cached, 4 completion, at
  // gpt-4o-mini (0.15 / 0.075 / 0.60): 8 x 0.15 + 4012 x 0.075 + 4 x 0.60 = 1.2 + 300.9 + 2.4 = 304.5 -> 305.
  auto openai = providers::openai::parse_answer(read(kShared / "fixtures/openai/chat-cached-tokens.response.json"), {});
  ASSERT_TRUE(openai.ok());
  EXPECT_EQ(price_usage(table, "openai", "gpt-4o-mini", openai->usage).micro_usd, 305);
  // Anthropic, cache tokens outside input_tokens: input 3, read 1111, write 418, output 33 at
  // claude-sonnet-4-5 (3 / 0.30 / 3.75 / 15): 9 + 333.3 + 1567.5 + 495 = 2404.8 -> 2405.
  auto anthropic = providers::anthropic::parse_answer(read(kShared / "fixtures/anthropic/messages-cache-read-and-write.response.json"), {});
  ASSERT_TRUE(anthropic.ok());
  const Cost cost = price_usage(table, "anthropic", "claude-sonnet-4-5", anthropic->usage);
  EXPECT_EQ(cost.micro_usd, 2405);
  EXPECT_EQ(cost.rate_set, "base");
  // The same usage streamed prices the same: the stream's usage comes from message_start/delta.
  Usage streamed = anthropic->usage;
  EXPECT_EQ(price_usage(table, "anthropic", "claude-sonnet-4-5", streamed).micro_usd, 2405);
}
