#include "core/router.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

#include "core/budget.hpp"

#include "core/catalog.hpp"
#include "util/decimal.hpp"
#include "providers/registry.hpp"

namespace llmroute::core {

namespace {

constexpr std::uint64_t kRoutingStream = 0x6c6c6d726f757465ULL;  // "llmroute"
constexpr std::size_t kMaxCandidates = 64;
constexpr int kMaxNesting = 16;

// Successive weighted draws without replacement: the first pick follows the weights, and the
// rest follow as fallbacks in the order drawn. Targets of weight 0 come last, as listed.
std::vector<std::size_t> weighted_order(const std::vector<Target>& targets, Pcg32& rng) {
  std::vector<std::size_t> left;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].weight > 0) {
      left.push_back(i);
      total += static_cast<std::uint64_t>(targets[i].weight);
    }
  }
  std::vector<std::size_t> out;
  while (!left.empty()) {
    const std::uint64_t wide = (std::uint64_t{rng.next()} << 32) | rng.next();
    std::uint64_t draw = wide % total;
    std::size_t pick = 0;
    while (draw >= static_cast<std::uint64_t>(targets[left[pick]].weight)) draw -= static_cast<std::uint64_t>(targets[left[pick++]].weight);
    out.push_back(left[pick]);
    total -= static_cast<std::uint64_t>(targets[left[pick]].weight);
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].weight <= 0) out.push_back(i);
  }
  return out;
}

// Not a template, so that the stable sort is instantiated once for both strategies (about 10 KB
// of Wasm each).
void sort_usable_first(std::vector<std::pair<std::int64_t, Candidate>>& keyed) {
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    return std::make_pair(!a.second.skip_reason.empty(), a.first) < std::make_pair(!b.second.skip_reason.empty(), b.first);
  });
}

// Sorts usable candidates by `key` (stable: ties keep their order), skipped ones after them all;
// returns the usable ones as "label=<describe(key)>, ..." for the plan's decisions.
template <typename Key, typename Describe>
std::string order_usable_by(std::vector<Candidate>& candidates, Key key, Describe describe) {
  std::vector<std::pair<std::int64_t, Candidate>> keyed;
  for (Candidate& c : candidates) {
    const std::int64_t k = c.skip_reason.empty() ? key(c) : 0;
    keyed.emplace_back(k, std::move(c));
  }
  sort_usable_first(keyed);
  std::string order;
  candidates.clear();
  for (auto& entry : keyed) {
    if (entry.second.skip_reason.empty()) order += (order.empty() ? "" : ", ") + entry.second.target.label() + "=" + describe(entry.first);
    candidates.push_back(std::move(entry.second));
  }
  return order;
}

bool matches(const RouteCondition& when, const ChatRequest& request, const Plan& plan) {
  if (!when.keys.empty() && std::find(when.keys.begin(), when.keys.end(), plan.key) == when.keys.end()) return false;
  for (const auto& wanted : when.metadata) {
    const bool found = std::any_of(plan.metadata.begin(), plan.metadata.end(), [&](const auto& entry) {
      return iequals(entry.first, wanted.first) && entry.second == wanted.second;  // names in any case, values exactly
    });
    if (!found) return false;
  }
  if (when.has_tools && *when.has_tools != request.has_tools) return false;
  if (when.has_images && *when.has_images != request.has_images) return false;
  if (when.stream && *when.stream != request.stream) return false;
  if (when.min_prompt_tokens && request.estimated_prompt_tokens < *when.min_prompt_tokens) return false;
  if (when.max_prompt_tokens && request.estimated_prompt_tokens > *when.max_prompt_tokens) return false;
  return true;
}

}  // namespace

LLMROUTE_SIZE_OVER_SPEED std::shared_ptr<const Router> Router::create(const json& doc, std::vector<ConfigProblem>& problems) {
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

Result<Plan> Router::plan(const ChatRequest& request, const ClientKey& key, RequestMetadata metadata,
                          std::uint64_t seed) const {
  Plan plan;
  plan.key = key.name;
  plan.key_budgets = key.budgets;
  plan.requests_per_minute = key.requests_per_minute;
  plan.tokens_per_minute = key.tokens_per_minute;
  plan.metadata = std::move(metadata);
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
  choose(plan, request, seed);
  return plan;
}

void Router::choose(Plan& plan, const ChatRequest& request, std::uint64_t seed) const {
  plan.candidates.clear();
  plan.decisions.clear();
  plan.depends_on_seed_or_health = false;
  // A stream of its own, so that routing draws do not shift the backoff jitter of the same seed.
  Pcg32 rng(seed, kRoutingStream);
  std::vector<Candidate> all;
  for (const PlanEntry& entry : plan.entries) {
    if (entry.route == nullptr) {
      all.push_back(candidate_for(entry.direct, request));
      continue;
    }
    auto expanded = expand_route(*entry.route, request, plan, rng, 0);
    std::move(expanded.begin(), expanded.end(), std::back_inserter(all));
  }
  // Nesting can name a target twice: it is tried where it first comes (its retries are its own).
  for (Candidate& c : all) {
    if (plan.candidates.size() >= kMaxCandidates) break;
    const bool seen = std::any_of(plan.candidates.begin(), plan.candidates.end(),
                                  [&](const Candidate& p) { return p.target.label() == c.target.label(); });
    if (!seen) plan.candidates.push_back(std::move(c));
  }
  if (plan.entries.size() == 1 && plan.entries[0].route != nullptr && plan.entries[0].route->last_resort) {
    Candidate last = candidate_for(*plan.entries[0].route->last_resort, request);
    last.last_resort = true;
    plan.candidates.push_back(std::move(last));
  }
}

std::vector<Candidate> Router::expand_route(const Route& route, const ChatRequest& request, Plan& plan, Pcg32& rng,
                                            int depth) const {
  std::vector<Candidate> out;
  if (depth > kMaxNesting) return out;  // validation rejects cycles; this bounds a deep chain all the same
  const std::vector<Target>* targets = &route.targets;
  const std::string prefix = "route " + route.name + ": ";
  if (route.strategy == Strategy::Conditional) {
    std::size_t matched = route.rules.size();
    for (std::size_t i = 0; i < route.rules.size() && matched == route.rules.size(); ++i) {
      if (matches(route.rules[i].when, request, plan)) matched = i;
    }
    if (matched < route.rules.size()) {
      targets = &route.rules[matched].targets;
      plan.decisions.push_back(prefix + "rule " + std::to_string(matched) + " matched");
    } else {
      plan.decisions.push_back(prefix + "no rule matched, default targets");
    }
  }
  std::vector<std::size_t> order(targets->size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (route.strategy == Strategy::LoadBalance) {
    order = weighted_order(*targets, rng);
    plan.depends_on_seed_or_health = true;
    std::string drawn;
    for (std::size_t i : order) drawn += (drawn.empty() ? "" : ", ") + (*targets)[i].label();
    plan.decisions.push_back(prefix + "loadbalance drew " + drawn);
  }
  for (std::size_t i : order) {
    const Target& target = (*targets)[i];
    if (target.route.empty()) {
      out.push_back(candidate_for(target, request));
      continue;
    }
    const Route* nested = nested_route(target);
    if (nested == nullptr) continue;  // validated: cannot happen
    auto expanded = expand_route(*nested, request, plan, rng, depth + 1);
    std::move(expanded.begin(), expanded.end(), std::back_inserter(out));
  }
  if (route.strategy == Strategy::Cheapest) order_by_cost(out, request, route, plan);
  if (route.strategy == Strategy::Fastest) order_by_latency(out, route, plan);
  return out;
}

std::vector<const Target*> Router::reachable_targets(const Route& route) const {
  std::vector<const Target*> targets;
  std::vector<const Route*> seen;  // validated free of cycles; a route nested twice adds nothing new anyway
  auto collect = [&](auto&& self, const Route& r) -> void {
    if (std::find(seen.begin(), seen.end(), &r) != seen.end()) return;
    seen.push_back(&r);
    auto add = [&](const Target& t) {
      if (!t.route.empty()) {
        if (const Route* nested = nested_route(t)) self(self, *nested);
      } else if (std::none_of(targets.begin(), targets.end(), [&](const Target* have) { return have->label() == t.label(); })) {
        targets.push_back(&t);
      }
    };
    for (const Target& t : r.targets) add(t);
    for (const RouteRule& rule : r.rules) for (const Target& t : rule.targets) add(t);
    if (r.last_resort) add(*r.last_resort);
  };
  collect(collect, route);
  return targets;
}

const Route* Router::nested_route(const Target& target) const {
  if (target.route.empty()) return nullptr;
  const auto it = config_.routes.find(target.route);
  return it == config_.routes.end() ? nullptr : &it->second;
}

// Capable candidates by the price of the estimated prompt plus the output the request allows (the
// config's default when it names none), dearest last; unpriced ones after every priced one.
void Router::order_by_cost(std::vector<Candidate>& candidates, const ChatRequest& request, const Route& route,
                           Plan& plan) const {
  constexpr std::int64_t kUnpriced = std::numeric_limits<std::int64_t>::max();
  const std::int64_t max_output = request.max_output_tokens.value_or(config_.limits.default_max_output_tokens);
  const std::string order = order_usable_by(
      candidates,
      [&](const Candidate& c) {
        const ModelPrice* price = find_price(prices_, c.target.provider, c.target.model);
        return price == nullptr ? kUnpriced : worst_case_micro_usd(*price, request.estimated_prompt_tokens, max_output);
      },
      [](std::int64_t micro_usd) { return micro_usd == kUnpriced ? std::string("unpriced") : "$" + format_scaled(micro_usd, kMicroScale); });
  plan.decisions.push_back("route " + route.name + ": cheapest first: " + order);
}

// By the moving average of observed latency; targets never measured go first, so that each gets
// measured, then the fastest.
void Router::order_by_latency(std::vector<Candidate>& candidates, const Route& route, Plan& plan) const {
  plan.depends_on_seed_or_health = true;
  const std::string order = order_usable_by(
      candidates, [&](const Candidate& c) { return health_->latency_ms(c.target.label()).value_or(-1); },
      [](std::int64_t latency) { return latency < 0 ? std::string("unmeasured") : std::to_string(latency) + "ms"; });
  plan.decisions.push_back("route " + route.name + ": fastest first: " + order);
}

std::optional<Error> Router::expand(const std::string& name, const ClientKey& key, Plan& plan, bool single) const {
  if (auto it = config_.routes.find(name); it != config_.routes.end()) {
    const Route& route = it->second;
    if (!key.may_use_route(route.name)) {
      return Error{ErrorKind::Client, 403, "permission_error", "route_not_allowed",
                   "the key '" + key.name + "' may not use the route '" + route.name + "'", "model"};
    }
    if (single) {
      plan.route = route.name;
      plan.hedge_after_ms = route.hedge_after_ms;
    }
    plan.deadline_ms = std::max(plan.deadline_ms, route.deadline_ms);
    for (const Budget& budget : route.budgets) plan.route_budgets.emplace_back(route.name, budget);
    plan.entries.push_back({&route, {}});
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
  plan.entries.push_back({nullptr, std::move(target)});
  return std::nullopt;
}

Candidate Router::candidate_for(const Target& target, const ChatRequest& request) const {
  Candidate c;
  c.target = target;
  c.provider = providers::find(target.provider);  // validated with the config
  if (c.provider == nullptr) return c;
  if (!key_in_gateway(target.provider)) {
    if (c.provider->signs_requests() && !environment_.aws_credentials) {
      const bool has_id = environment_.has_secret(providers::kAwsAccessKeyIdSecret);
      c.skip_reason = "missing_secret_" + std::string(has_id ? providers::kAwsSecretAccessKeySecret : providers::kAwsAccessKeyIdSecret);
      return c;
    }
    if (!c.provider->signs_requests() && !environment_.has_secret(c.provider->key_secret)) {
      c.skip_reason = "missing_secret_" + std::string(c.provider->key_secret);
      return c;
    }
  }
  check_capabilities(c, request);
  return c;
}

// What the catalog knows of the model against what the request needs; what it does not know is
// assumed to be there. An entry listing no capability at all says nothing about any of them.
void Router::check_capabilities(Candidate& c, const ChatRequest& request) const {
  const ModelPrice* price = find_price(prices_, c.target.provider, c.target.model);
  if (price == nullptr) return;
  const std::int64_t needed = request.estimated_prompt_tokens + request.max_output_tokens.value_or(0);
  if (price->context_window > 0 && needed > price->context_window) {
    c.skip_reason = "context_window_too_small";
    c.skip_detail = "needs about " + std::to_string(needed) + " tokens (prompt estimate + max tokens), the context window is " +
                    std::to_string(price->context_window);
    return;
  }
  if (price->capabilities == 0) return;
  auto lacks = [&](bool needs, std::uint32_t bit, const char* reason, const char* detail) {
    if (!needs || (price->capabilities & bit) != 0 || !c.skip_reason.empty()) return;
    c.skip_reason = reason;
    c.skip_detail = detail;
  };
  lacks(request.has_tools, kCapTools, "no_tools_support", "the request has tools; the catalog says this model takes none");
  lacks(request.has_images, kCapVision, "no_vision_support", "the request has images; the catalog says this model reads none");
  lacks(request.has_json_schema, kCapJsonSchema, "no_json_schema_support",
        "the request asks for a JSON schema; the catalog says this model cannot follow one");
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
