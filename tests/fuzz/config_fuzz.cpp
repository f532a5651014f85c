// Fuzz target: the routing config. The input is a config document; it goes through parse_config and
// parse_environment (with a fixed environment), then Router::create. An input that is already a
// whole {"config", "environment", "catalog"?} document also goes to Router::create as it is, so the
// environment and the price catalog are fuzzed too. A router that comes out is used: every route is
// planned and its requests built, and every price it holds prices the largest usage.
#include <cstdint>
#include <string>
#include <vector>

#include "core/pricing.hpp"
#include "core/router.hpp"
#include "fuzz_support.hpp"
#include "util/json_access.hpp"

namespace {

using namespace llmroute;

const json& fixed_environment() {
  static const json env = {{"gateway_base_url", "https://gateway.example/v1/acct/gw/"},
                           {"secrets_set", {"OPENAI_API_KEY", "CF_AIG_TOKEN"}}};
  return env;
}

void check_problems(const std::vector<ConfigProblem>& problems) {
  for (const ConfigProblem& p : problems) {
    FUZZ_CHECK(!p.path.empty() && !p.message.empty(), p.path.c_str());
    // Problems travel to the Worker inside a JSON result.
    std::string text;
    append_json_string(text, p.path);
    FUZZ_CHECK(fuzz::is_json(text), p.path.c_str());
  }
}

// Plans one request per route, one for a direct model and one models list, and builds each request.
void exercise(const core::Router& router) {
  const Config& config = router.config();
  const ClientKey everything{"fuzz", {}, {"*"}, {"*"}, false};
  std::vector<std::string> names;
  for (const auto& [name, route] : config.routes) {
    FUZZ_CHECK(!route.targets.empty(), name.c_str());
    names.push_back(name);
  }
  names.push_back("openai/gpt-4o-mini");
  for (const std::string& name : names) {
    json body = {{"model", name}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    auto request = parse_chat_request(to_json_text(body), config.limits.request);
    if (!request) continue;  // e.g. a max_messages or max_json_depth the fixed request does not meet
    for (const ClientKey* key : {&everything, config.keys.empty() ? &everything : &config.keys.front()}) {
      auto plan = router.plan(*request, *key);
      if (!plan) {
        FUZZ_CHECK(plan.error().http_status >= 400 && plan.error().http_status < 500, name.c_str());
        continue;
      }
      FUZZ_CHECK(!plan->candidates.empty(), name.c_str());
      FUZZ_CHECK(plan->deadline_ms > 0, name.c_str());
      for (const core::Candidate& c : plan->candidates) {
        FUZZ_CHECK(c.provider != nullptr, c.target.label().c_str());
        auto built = c.provider->build_request(*request, c.target.model, providers::RequestContext{});
        if (!built) continue;
        FUZZ_CHECK(fuzz::is_json(built->body), c.target.label().c_str());
        const std::string url = router.upstream_url(*c.provider, built->path);
        FUZZ_CHECK(url.rfind(router.environment().gateway_base_url, 0) == 0, url.c_str());
      }
    }
  }
  for (const ClientKey& key : config.keys) (void)router.authenticate(key.name);

  // Every price the router holds (config prices and any catalog) must price the largest usage
  // without overflow and never below zero.
  Usage most;
  most.prompt_tokens = most.completion_tokens = most.reasoning_tokens = kMaxPricedTokens;
  most.cached_prompt_tokens = most.cache_write_prompt_tokens = kMaxPricedTokens / 3;
  Usage little;
  little.prompt_tokens = little.completion_tokens = 1;
  for (const auto& [name, price] : router.prices().models) {
    std::string provider, model;
    if (!split_provider_model(name, provider, model)) continue;
    for (const Usage& usage : {most, little}) {
      const Cost cost = price_usage(router.prices(), provider, model, usage);
      FUZZ_CHECK(cost.micro_usd >= 0, name.c_str());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json doc;
  if (parse_json(text, doc) != JsonParseStatus::Ok) return 0;

  std::vector<ConfigProblem> problems;
  const Config config = parse_config(doc, problems);
  check_problems(problems);
  const bool config_ok = problems.empty();
  const Environment env = parse_environment(fixed_environment(), config, problems);
  check_problems(problems);
  FUZZ_CHECK(env.gateway_base_url.empty() || env.gateway_base_url.back() != '/', env.gateway_base_url.c_str());

  json whole = json::object();
  whole["config"] = doc;
  whole["environment"] = fixed_environment();
  std::vector<ConfigProblem> create_problems;
  auto router = core::Router::create(whole, create_problems);
  check_problems(create_problems);
  // The fixed environment has every secret: the router exists exactly when the config is valid.
  FUZZ_CHECK((router != nullptr) == config_ok, "Router::create disagrees with parse_config");
  FUZZ_CHECK((router != nullptr) == create_problems.empty(), "a router despite problems, or none without");
  if (router) exercise(*router);

  if (find(doc, "config") != nullptr) {
    std::vector<ConfigProblem> own_problems;
    auto own = core::Router::create(doc, own_problems);
    check_problems(own_problems);
    FUZZ_CHECK((own != nullptr) == own_problems.empty(), "a router despite problems, or none without");
    if (own) exercise(*own);
  }
  return 0;
}
