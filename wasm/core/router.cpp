#include "core/router.hpp"

#include <algorithm>

#include "core/catalog.hpp"
#include "providers/registry.hpp"

namespace llmroute::core {

std::shared_ptr<const Router> Router::create(const json& doc, std::vector<ConfigProblem>& problems) {
  const json* config_doc = find(doc, "config");
  const json* env_doc = find(doc, "environment");
  if (config_doc == nullptr) problems.push_back({"config", "is required"});
  if (env_doc == nullptr) problems.push_back({"environment", "is required"});
  if (!problems.empty()) return nullptr;
  Config config = parse_config(*config_doc, problems);
  Environment environment = parse_environment(*env_doc, config, problems);
  PriceTable prices;
  if (const json* catalog = find(doc, "catalog")) prices = parse_catalog(*catalog, problems);
  if (!problems.empty()) return nullptr;
  if (!config.prices.models.empty()) {
    prices.version = prices.version.empty() ? "config" : prices.version + "+config";
    for (auto& [key, price] : config.prices.models) prices.models.insert_or_assign(key, price);
  } else if (prices.version.empty()) {
    prices.version = "none";
  }
  return std::make_shared<const Router>(std::move(config), std::move(environment), std::move(prices));
}

Result<const ClientKey*> Router::authenticate(std::string_view presented) const {
  if (presented.empty()) {
    return Error{ErrorKind::Client, 401, "invalid_request_error", "missing_api_key",
                 "no API key: send Authorization: Bearer <key> (or x-api-key)", {}};
  }
  const Sha256Digest digest = sha256(presented);
  const ClientKey* match = nullptr;
  for (const ClientKey& key : config_.keys) {
    if (constant_time_equal(key.sha256, digest) && match == nullptr) match = &key;
  }
  if (match == nullptr) {
    const char* hint = config_.keys.empty() ? " (this llmroute has no client keys configured: see llmroute keygen)" : "";
    return Error{ErrorKind::Client, 401, "invalid_request_error", "invalid_api_key",
                 std::string("the API key is not valid") + hint, {}};
  }
  return match;
}

Result<Plan> Router::plan(const ChatRequest& request, const ClientKey& key) const {
  Plan plan;
  plan.key = key.name;
  plan.key_budgets = key.budgets;
  plan.requests_per_minute = key.requests_per_minute;
  if (!request.models.empty()) {
    // An OpenRouter-style list: `model` (when given) first, then each entry, in order.
    std::vector<std::string> chain;
    if (!request.model.empty()) chain.push_back(request.model);
    for (const auto& m : request.models) {
      if (std::find(chain.begin(), chain.end(), m) == chain.end()) chain.push_back(m);
    }
    for (const auto& name : chain) {
      if (auto e = expand(name, key, plan, false)) return *e;
    }
  } else if (auto e = expand(request.model, key, plan, true)) {
    return *e;
  }
  return plan;
}

std::optional<Error> Router::expand(const std::string& name, const ClientKey& key, Plan& plan, bool single) const {
  if (auto it = config_.routes.find(name); it != config_.routes.end()) {
    const Route& route = it->second;
    if (!key.may_use_route(route.name)) {
      return Error{ErrorKind::Client, 403, "permission_error", "route_not_allowed",
                   "the key '" + key.name + "' may not use the route '" + route.name + "'", "model"};
    }
    if (single) plan.route = route.name;
    plan.deadline_ms = std::max(plan.deadline_ms, route.deadline_ms);
    for (const Budget& budget : route.budgets) plan.route_budgets.emplace_back(route.name, budget);
    for (const Target& target : route.targets) plan.candidates.push_back(candidate_for(target));
    return std::nullopt;
  }
  Target target = config_.direct_defaults;
  if (!split_provider_model(name, target.provider, target.model)) {
    return Error{ErrorKind::Client, 404, "invalid_request_error", "model_not_found",
                 "the model '" + name + "' is not a route of this llmroute; use a configured route or provider/model", "model"};
  }
  if (!config_.direct_models) {
    return Error{ErrorKind::Client, 403, "invalid_request_error", "model_not_allowed",
                 "provider/model requests are turned off in this llmroute's config; use a configured route", "model"};
  }
  const providers::Provider* provider = providers::find(target.provider);
  if (provider == nullptr) {
    return Error{ErrorKind::Client, 404, "invalid_request_error", "model_not_found",
                 "unknown provider '" + target.provider + "' (supported: " + providers::supported_list() + ")", "model"};
  }
  if (provider->model_problem != nullptr) {
    if (std::string problem = provider->model_problem(target.model); !problem.empty()) {
      return Error{ErrorKind::Client, 400, "invalid_request_error", "model_not_found", std::move(problem), "model"};
    }
  }
  if (!key.may_use_model(name)) {
    return Error{ErrorKind::Client, 403, "permission_error", "model_not_allowed",
                 "the key '" + key.name + "' may not use the model '" + name + "' directly", "model"};
  }
  plan.deadline_ms = std::max(plan.deadline_ms, Route{}.deadline_ms);
  plan.candidates.push_back(candidate_for(target));
  return std::nullopt;
}

Candidate Router::candidate_for(const Target& target) const {
  Candidate c;
  c.target = target;
  c.provider = providers::find(target.provider);  // validated with the config
  if (c.provider == nullptr || key_in_gateway(target.provider)) return c;
  if (c.provider->signs_requests() && !environment_.aws_credentials) {
    const bool has_id = environment_.has_secret(providers::kAwsAccessKeyIdSecret);
    c.skip_reason = "missing_secret_" + std::string(has_id ? providers::kAwsSecretAccessKeySecret : providers::kAwsAccessKeyIdSecret);
  } else if (!c.provider->signs_requests() && !environment_.has_secret(c.provider->key_secret)) {
    c.skip_reason = "missing_secret_" + std::string(c.provider->key_secret);
  }
  return c;
}

bool Router::key_in_gateway(std::string_view provider) const {
  const auto& byok = config_.gateway.byok;
  return std::find(byok.begin(), byok.end(), provider) != byok.end();
}

std::string Router::upstream_url(const providers::Provider& provider, std::string_view path) const {
  std::string url = environment_.gateway_base_url;
  url.append("/").append(provider.name).append(path);
  return url;
}

std::vector<providers::SecretHeader> Router::secret_headers(const providers::Provider& provider) const {
  std::vector<providers::SecretHeader> out;
  if (!provider.signs_requests() && !key_in_gateway(provider.name)) {
    out.push_back({std::string(provider.key_header), std::string(provider.key_secret), std::string(provider.key_prefix)});
  }
  if (environment_.has_secret(providers::kGatewayTokenSecret)) {
    out.push_back({"cf-aig-authorization", std::string(providers::kGatewayTokenSecret), "Bearer "});
  }
  return out;
}

providers::RequestContext Router::request_context(const providers::Provider& provider, std::int64_t now_ms) const {
  providers::RequestContext out;
  out.now_ms = now_ms;
  if (provider.signs_requests() && !key_in_gateway(provider.name) && environment_.aws_credentials) {
    out.aws_credentials = &*environment_.aws_credentials;
  }
  return out;
}

}  // namespace llmroute::core
