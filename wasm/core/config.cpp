#include "core/config.hpp"

#include <algorithm>
#include <functional>

#include "core/catalog.hpp"
#include "core/config_check.hpp"
#include "providers/registry.hpp"
#include "util/decimal.hpp"

namespace llmroute {

namespace {

constexpr int kMaxAttempts = 10;
constexpr std::int64_t kMaxTimeoutMs = 15 * 60 * 1000;
constexpr std::int64_t kMaxWeight = 1'000'000;

void parse_retry(const json& retry, const std::string& path, RetryPolicy& out, Checker& check) {
  if (!retry.is_object()) return check.problem(path, "must be an object");
  check.only_known_keys(retry, path, {"attempts", "on_status", "backoff_initial_ms", "backoff_max_ms", "max_retry_after_ms"});
  check.integer(retry, "attempts", path, 1, kMaxAttempts, out.attempts);
  check.integer(retry, "backoff_initial_ms", path, 0, kMaxTimeoutMs, out.backoff_initial_ms);
  check.integer(retry, "backoff_max_ms", path, 0, kMaxTimeoutMs, out.backoff_max_ms);
  check.integer(retry, "max_retry_after_ms", path, 0, kMaxTimeoutMs, out.max_retry_after_ms);
  if (const json* statuses = find(retry, "on_status")) {
    const std::string at = key_path(path, "on_status");
    if (!statuses->is_array()) return check.problem(at, "must be an array of HTTP status codes");
    for (std::size_t i = 0; i < statuses->size(); ++i) {
      const auto code = as_int64((*statuses)[i]);
      if (!code || *code < 400 || *code > 599) {
        check.problem(index_path(at, i), "must be an HTTP error status between 400 and 599");
        continue;
      }
      out.on_status.push_back(static_cast<int>(*code));
    }
  }
}

// A target is "provider/model", {"model": "provider/model", "retry": {...}, "timeout_ms": n,
// "weight": n}, or {"route": "name", "weight": n}: another route's candidates, in its own order.
void parse_target(const json& value, const std::string& path, const Target& defaults, Target& out, Checker& check) {
  out = defaults;
  const json* model = &value;
  if (value.is_object()) {
    check.only_known_keys(value, path, {"model", "route", "weight", "retry", "timeout_ms", "overrides"});
    check.integer(value, "weight", path, 0, kMaxWeight, out.weight);
    if (const json* route = find(value, "route")) {
      const std::string* name = route->get_ptr<const json::string_t*>();
      if (name == nullptr || name->empty()) return check.problem(key_path(path, "route"), "must be the name of a route");
      if (find(value, "model") != nullptr) check.problem(key_path(path, "model"), "a target names either a model or a route, not both");
      if (find(value, "retry") != nullptr || find(value, "timeout_ms") != nullptr || find(value, "overrides") != nullptr) {
        check.problem(path, "retry, timeout_ms and overrides belong to the targets of the route named here, not to the reference");
      }
      out.route = *name;
      return;
    }
    model = find(value, "model");
    if (model == nullptr) return check.problem(key_path(path, "model"), "is required: \"provider/model\" (or \"route\": \"name\")");
    if (const json* retry = find(value, "retry")) parse_retry(*retry, key_path(path, "retry"), out.retry, check);
    check.integer(value, "timeout_ms", path, 1, kMaxTimeoutMs, out.timeout_ms);
    if (const json* overrides = find(value, "overrides")) {
      const std::string at = key_path(path, "overrides");
      if (!overrides->is_object()) {
        check.problem(at, "must be an object of request fields this target sets, e.g. {\"max_tokens\": 1024}");
      } else {
        for (auto it = overrides->begin(); it != overrides->end(); ++it) {
          if (is_protected_request_field(it.key())) {
            check.problem(key_path(at, it.key()), "routing depends on this field; a target may not change it");
          } else if (it.key() == "max_tokens" || it.key() == "max_completion_tokens") {
            const auto cap = as_int64(it.value());
            if (!cap || *cap < 1) check.problem(key_path(at, it.key()), "must be a positive integer (it caps the client's value)");
          }
        }
        out.overrides = *overrides;
      }
    }
  }
  const std::string model_path = value.is_object() ? key_path(path, "model") : path;
  const std::string* text = model->get_ptr<const json::string_t*>();
  if (text == nullptr) return check.problem(model_path, "must be a string \"provider/model\" or an object with a model");
  if (!split_provider_model(*text, out.provider, out.model)) {
    return check.problem(model_path, "must be \"provider/model\", e.g. \"openai/gpt-4o-mini\"");
  }
  const providers::Provider* provider = providers::find(out.provider);
  if (provider == nullptr) {
    check.problem(model_path, "unknown provider '" + out.provider + "' (supported: " + providers::supported_list() + ")");
  } else if (provider->model_problem != nullptr) {
    if (std::string problem = provider->model_problem(out.model); !problem.empty()) check.problem(model_path, problem);
  }
}

void parse_targets(const json& obj, const std::string& path, const Target& defaults, std::vector<Target>& out,
                   Checker& check) {
  const json* targets = find(obj, "targets");
  const std::string at = key_path(path, "targets");
  if (targets == nullptr) return check.problem(at, "is required: a list of \"provider/model\" targets");
  if (!targets->is_array() || targets->empty()) return check.problem(at, "must be a non-empty array");
  for (std::size_t i = 0; i < targets->size(); ++i) {
    Target target;
    parse_target((*targets)[i], index_path(at, i), defaults, target, check);
    out.push_back(std::move(target));
  }
}

void optional_boolean(const json& obj, std::string_view key, const std::string& path, std::optional<bool>& out, Checker& check) {
  if (find(obj, key) == nullptr) return;
  bool value = false;
  check.boolean(obj, key, path, value);
  out = value;
}

void parse_condition(const json& value, const std::string& path, RouteCondition& out, Checker& check) {
  if (!value.is_object()) return check.problem(path, "must be an object of conditions");
  check.only_known_keys(value, path, {"key", "metadata", "has_tools", "has_images", "stream", "min_prompt_tokens", "max_prompt_tokens"});
  if (const json* key = find(value, "key")) {
    const std::string at = key_path(path, "key");
    if (const std::string* name = key->get_ptr<const json::string_t*>()) {
      out.keys.push_back(*name);
    } else if (key->is_array()) {
      for (std::size_t i = 0; i < key->size(); ++i) {
        const std::string* entry = (*key)[i].get_ptr<const json::string_t*>();
        if (entry == nullptr || entry->empty()) check.problem(index_path(at, i), "must be a client key name");
        else out.keys.push_back(*entry);
      }
    } else {
      check.problem(at, "must be a client key name or a list of them");
    }
  }
  if (const json* metadata = check.object(value, "metadata", path)) {
    const std::string at = key_path(path, "metadata");
    for (auto it = metadata->begin(); it != metadata->end(); ++it) {
      const std::string* expected = it.value().get_ptr<const json::string_t*>();
      if (expected == nullptr) check.problem(key_path(at, it.key()), "must be a string (the metadata value to match)");
      else out.metadata.emplace_back(it.key(), *expected);
    }
  }
  optional_boolean(value, "has_tools", path, out.has_tools, check);
  optional_boolean(value, "has_images", path, out.has_images, check);
  optional_boolean(value, "stream", path, out.stream, check);
  std::int64_t tokens = 0;
  if (find(value, "min_prompt_tokens") != nullptr) {
    check.integer(value, "min_prompt_tokens", path, 0, kMaxPricedTokens, tokens);
    out.min_prompt_tokens = tokens;
  }
  if (find(value, "max_prompt_tokens") != nullptr) {
    check.integer(value, "max_prompt_tokens", path, 0, kMaxPricedTokens, tokens);
    out.max_prompt_tokens = tokens;
  }
}

void parse_rules(const json& value, const std::string& path, const Target& defaults, std::vector<RouteRule>& out,
                 Checker& check) {
  if (!value.is_array() || value.empty()) return check.problem(path, "must be a non-empty array of {when, targets}");
  for (std::size_t i = 0; i < value.size(); ++i) {
    const json& entry = value[i];
    const std::string at = index_path(path, i);
    if (!entry.is_object()) {
      check.problem(at, "must be an object {when, targets}");
      continue;
    }
    check.only_known_keys(entry, at, {"when", "targets"});
    RouteRule rule;
    if (const json* when = find(entry, "when")) parse_condition(*when, key_path(at, "when"), rule.when, check);
    else check.problem(key_path(at, "when"), "is required: the conditions of this rule");
    parse_targets(entry, at, defaults, rule.targets, check);
    out.push_back(std::move(rule));
  }
}

bool parse_strategy(std::string_view text, Strategy& out) {
  for (Strategy s : {Strategy::Fallback, Strategy::LoadBalance, Strategy::Conditional, Strategy::Cheapest, Strategy::Fastest}) {
    if (strategy_name(s) == text) {
      out = s;
      return true;
    }
  }
  return false;
}

void parse_circuit_breaker(const json& value, const std::string& path, CircuitBreakerPolicy& out, Checker& check) {
  check.only_known_keys(value, path, {"enabled", "failures", "window_ms", "cooldown_ms"});
  out.enabled = true;
  check.boolean(value, "enabled", path, out.enabled);
  check.integer(value, "failures", path, 1, 1000, out.failures);
  check.integer(value, "window_ms", path, 1000, kMaxTimeoutMs, out.window_ms);
  check.integer(value, "cooldown_ms", path, 1, kMaxTimeoutMs, out.cooldown_ms);
}

// Route references must name a route, and must not lead back to where they start: every problem
// is reported at the reference, with the chain that closes the cycle.
void check_route_references(const Config& config, Checker& check) {
  struct Reference {
    std::string to;
    std::string path;
  };
  std::map<std::string, std::vector<Reference>, std::less<>> edges;
  for (const auto& entry : config.routes) {
    const std::string& name = entry.first;  // named, not bound: lambdas of clang 14 cannot capture bindings
    const Route& route = entry.second;
    const std::string route_path = key_path("$.routes", name);
    auto collect = [&](const std::vector<Target>& targets, const std::string& at) {
      for (std::size_t i = 0; i < targets.size(); ++i) {
        if (targets[i].route.empty()) continue;
        const std::string ref_path = key_path(index_path(at, i), "route");
        if (config.routes.count(targets[i].route) == 0) {
          check.problem(ref_path, "no route named '" + targets[i].route + "'");
          continue;
        }
        edges[name].push_back({targets[i].route, ref_path});
      }
    };
    collect(route.targets, key_path(route_path, "targets"));
    for (std::size_t r = 0; r < route.rules.size(); ++r) {
      collect(route.rules[r].targets, key_path(index_path(key_path(route_path, "rules"), r), "targets"));
    }
  }
  // Depth-first from every route; a reference back onto the current chain closes a cycle.
  enum class Mark { Unseen, OnChain, Done };
  std::map<std::string, Mark, std::less<>> marks;
  std::vector<std::string> chain;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    marks[name] = Mark::OnChain;
    chain.push_back(name);
    for (const Reference& ref : edges[name]) {
      const Mark mark = marks[ref.to];
      if (mark == Mark::OnChain) {
        std::string cycle;
        auto start = std::find(chain.begin(), chain.end(), ref.to);
        for (auto it = start; it != chain.end(); ++it) cycle += *it + " -> ";
        check.problem(ref.path, "route references form a cycle: " + cycle + ref.to);
      } else if (mark == Mark::Unseen) {
        visit(ref.to);
      }
    }
    chain.pop_back();
    marks[name] = Mark::Done;
  };
  for (const auto& entry : config.routes) {
    if (marks[entry.first] == Mark::Unseen) visit(entry.first);
  }
}

void parse_budgets(const json& obj, const std::string& path, std::vector<Budget>& out, Checker& check) {
  const json* list = find(obj, "budgets");
  if (list == nullptr) return;
  const std::string at = key_path(path, "budgets");
  if (!list->is_array()) return check.problem(at, "must be an array of {usd, window}");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    const std::string entry_path = index_path(at, i);
    if (!entry.is_object()) {
      check.problem(entry_path, "must be an object {usd, window}");
      continue;
    }
    check.only_known_keys(entry, entry_path, {"usd", "window"});
    Budget budget;
    const json* usd = find(entry, "usd");
    const auto limit = usd ? json_decimal_scaled(*usd, kMicroScale) : std::nullopt;
    if (!limit || *limit <= 0) check.problem(key_path(entry_path, "usd"), "must be a positive decimal amount of USD, e.g. \"5.00\"");
    else budget.limit_micro_usd = *limit;
    const std::string* window = find_string(entry, "window");
    if (window == nullptr || !parse_window(*window, budget.window)) {
      check.problem(key_path(entry_path, "window"), "must be hour, day or month (fixed UTC windows)");
    }
    out.push_back(budget);
  }
}

void parse_route(const std::string& name, const json& value, const std::string& path, const Target& defaults,
                 Route& out, Checker& check) {
  out.name = name;
  if (!value.is_object()) return check.problem(path, "must be an object with a targets list");
  check.only_known_keys(value, path, {"targets", "strategy", "rules", "last_resort", "hedge_after_ms", "deadline_ms", "budgets", "gateway"});
  if (const json* gateway = check.object(value, "gateway", path)) {
    const std::string at = key_path(path, "gateway");
    check.only_known_keys(*gateway, at, {"cache_ttl_s", "skip_cache", "collect_log", "collect_log_payload", "request_timeout_ms"});
    std::int64_t request_timeout = 0;
    check.integer(*gateway, "request_timeout_ms", at, 1, kMaxTimeoutMs, request_timeout);
    if (request_timeout > 0) out.gateway_headers.emplace_back("cf-aig-request-timeout", std::to_string(request_timeout));
    std::int64_t ttl = 0;
    check.integer(*gateway, "cache_ttl_s", at, 60, 2'592'000, ttl);  // AI Gateway: at least a minute, at most a month
    if (ttl > 0) out.gateway_headers.emplace_back("cf-aig-cache-ttl", std::to_string(ttl));
    for (const auto& [field, header] : {std::pair<const char*, const char*>{"skip_cache", "cf-aig-skip-cache"},
                                        {"collect_log", "cf-aig-collect-log"},
                                        {"collect_log_payload", "cf-aig-collect-log-payload"}}) {
      if (find(*gateway, field) == nullptr) continue;
      bool on = false;
      check.boolean(*gateway, field, at, on);
      out.gateway_headers.emplace_back(header, on ? "true" : "false");
    }
  }
  check.integer(value, "deadline_ms", path, 1, kMaxTimeoutMs, out.deadline_ms);
  check.integer(value, "hedge_after_ms", path, 1, kMaxTimeoutMs, out.hedge_after_ms);
  parse_budgets(value, path, out.budgets, check);
  if (const json* strategy = find(value, "strategy")) {
    const std::string* text = strategy->get_ptr<const json::string_t*>();
    if (text == nullptr || !parse_strategy(*text, out.strategy)) {
      check.problem(key_path(path, "strategy"), "must be one of fallback, loadbalance, conditional, cheapest, fastest");
    }
  }
  parse_targets(value, path, defaults, out.targets, check);
  if (const json* rules = find(value, "rules")) {
    if (out.strategy != Strategy::Conditional) check.problem(key_path(path, "rules"), "rules need \"strategy\": \"conditional\"");
    parse_rules(*rules, key_path(path, "rules"), defaults, out.rules, check);
  } else if (out.strategy == Strategy::Conditional) {
    check.problem(key_path(path, "rules"), "is required by the conditional strategy: a list of {when, targets}");
  }
  if (out.strategy == Strategy::LoadBalance &&
      std::none_of(out.targets.begin(), out.targets.end(), [](const Target& t) { return t.weight > 0; })) {
    check.problem(key_path(path, "targets"), "loadbalance needs at least one target with a weight above 0");
  }
  if (const json* last = find(value, "last_resort")) {
    Target target;
    parse_target(*last, key_path(path, "last_resort"), defaults, target, check);
    if (!target.route.empty()) check.problem(key_path(path, "last_resort"), "must be a provider/model target, not a route");
    out.last_resort = std::move(target);
  }
}

void parse_gateway(const json& value, const std::string& path, GatewaySettings& out, Checker& check) {
  check.only_known_keys(value, path, {"authenticated", "byok"});
  check.boolean(value, "authenticated", path, out.authenticated);
  if (const json* byok = find(value, "byok")) {
    const std::string at = key_path(path, "byok");
    if (!byok->is_array()) return check.problem(at, "must be an array of provider names whose keys the gateway stores");
    for (std::size_t i = 0; i < byok->size(); ++i) {
      const std::string* name = (*byok)[i].get_ptr<const json::string_t*>();
      if (name == nullptr || providers::find(*name) == nullptr) {
        check.problem(index_path(at, i), "must be a supported provider (" + providers::supported_list() + ")");
        continue;
      }
      out.byok.push_back(*name);
    }
    // BYOK keys live in an authenticated gateway (AI Gateway requires it).
    if (!out.byok.empty()) out.authenticated = true;
  }
}

void parse_limits(const json& value, const std::string& path, Limits& out, Checker& check) {
  check.only_known_keys(value, path, {"max_body_bytes", "max_header_bytes", "max_upstream_body_bytes", "max_stream_bytes",
                                      "max_stream_ms", "max_messages", "max_tools", "max_json_depth"});
  check.integer(value, "max_stream_bytes", path, 1024, std::int64_t{1} << 32, out.max_stream_bytes);
  check.integer(value, "max_stream_ms", path, 1000, 60 * 60 * 1000, out.max_stream_ms);
  check.integer(value, "max_body_bytes", path, 1024, 32 << 20, out.max_body_bytes);
  check.integer(value, "max_header_bytes", path, 1024, 256 << 10, out.max_header_bytes);
  check.integer(value, "max_upstream_body_bytes", path, 1024, 32 << 20, out.max_upstream_body_bytes);
  check.integer(value, "max_messages", path, 1, 100000, out.request.max_messages);
  check.integer(value, "max_tools", path, 0, 10000, out.request.max_tools);
  check.integer(value, "max_json_depth", path, 2, 512, out.request.max_json_depth);
}

// A list of non-empty strings, each checked by `valid` (which reports its own problem).
void string_list(const json& obj, std::string_view key, const std::string& path, std::vector<std::string>& out,
                 Checker& check, const std::function<bool(const std::string&, const std::string&)>& valid) {
  const json* v = find(obj, key);
  if (v == nullptr) return;
  const std::string at = key_path(path, key);
  if (!v->is_array()) return check.problem(at, "must be an array of strings");
  out.clear();
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::string* text = (*v)[i].get_ptr<const json::string_t*>();
    if (text == nullptr || text->empty()) {
      check.problem(index_path(at, i), "must be a non-empty string");
      continue;
    }
    if (valid(*text, index_path(at, i))) out.push_back(*text);
  }
}

void parse_keys(const json& value, const Config& config, std::vector<ClientKey>& out, Checker& check) {
  const std::string path = "$.keys";
  if (!value.is_array()) return check.problem(path, "must be an array of client keys");
  for (std::size_t i = 0; i < value.size(); ++i) {
    const json& entry = value[i];
    const std::string at = index_path(path, i);
    if (!entry.is_object()) {
      check.problem(at, "must be an object with name and sha256");
      continue;
    }
    check.only_known_keys(entry, at, {"name", "sha256", "routes", "models", "admin", "budgets", "requests_per_minute",
                                          "tokens_per_minute"});
    ClientKey key;
    parse_budgets(entry, at, key.budgets, check);
    check.integer(entry, "requests_per_minute", at, 0, 1'000'000, key.requests_per_minute);
    check.integer(entry, "tokens_per_minute", at, 0, 1'000'000'000, key.tokens_per_minute);
    const std::string* name = find_string(entry, "name");
    if (name == nullptr || name->empty()) check.problem(key_path(at, "name"), "is required: a name for usage reports");
    else key.name = *name;
    const std::string* hash = find_string(entry, "sha256");
    if (hash == nullptr || !parse_sha256_hex(*hash, key.sha256)) {
      check.problem(key_path(at, "sha256"), "must be the 64 hex digits of the key's SHA-256 (llmroute keygen prints it)");
    }
    string_list(entry, "routes", at, key.routes, check, [&](const std::string& route, const std::string& p) {
      if (route == "*" || config.routes.count(route) > 0) return true;
      check.problem(p, "no route named '" + route + "'");
      return false;
    });
    string_list(entry, "models", at, key.models, check, [&](const std::string& pattern, const std::string& p) {
      if (pattern == "*") return true;
      std::string provider, model;
      if (split_provider_model(pattern, provider, model) && providers::find(provider) != nullptr) return true;
      check.problem(p, "must be \"*\" or provider/model with a known provider (a trailing * matches a prefix)");
      return false;
    });
    check.boolean(entry, "admin", at, key.admin);
    for (const ClientKey& other : out) {
      if (!key.name.empty() && other.name == key.name) check.problem(key_path(at, "name"), "is used by another key");
      if (constant_time_equal(other.sha256, key.sha256) && hash != nullptr) {
        check.problem(key_path(at, "sha256"), "is the same key as '" + other.name + "'");
      }
    }
    out.push_back(std::move(key));
  }
}

void parse_cors(const json& value, const std::string& path, std::vector<std::string>& out, Checker& check) {
  check.only_known_keys(value, path, {"allowed_origins"});
  string_list(value, "allowed_origins", path, out, check, [&](const std::string& origin, const std::string& p) {
    const bool ok = (origin.rfind("https://", 0) == 0 || origin.rfind("http://", 0) == 0) && origin.back() != '/';
    if (!ok) check.problem(p, "must be an origin such as https://app.example.com (scheme and host, no path)");
    return ok;
  });
}

bool matches_pattern(std::string_view pattern, std::string_view text) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return text.substr(0, pattern.size()) == pattern;
  }
  return pattern == text;
}

}  // namespace

std::string_view strategy_name(Strategy strategy) {
  switch (strategy) {
    case Strategy::Fallback: return "fallback";
    case Strategy::LoadBalance: return "loadbalance";
    case Strategy::Conditional: return "conditional";
    case Strategy::Cheapest: return "cheapest";
    case Strategy::Fastest: return "fastest";
  }
  return "fallback";
}

bool ClientKey::may_use_route(std::string_view route) const {
  return std::any_of(routes.begin(), routes.end(), [&](const std::string& r) { return r == "*" || r == route; });
}

bool ClientKey::may_use_model(std::string_view provider_model) const {
  return std::any_of(models.begin(), models.end(), [&](const std::string& m) { return matches_pattern(m, provider_model); });
}

bool split_provider_model(std::string_view text, std::string& provider, std::string& model) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return false;
  provider.assign(text.substr(0, slash));
  model.assign(text.substr(slash + 1));
  return true;
}

Config parse_config(const json& doc, std::vector<ConfigProblem>& problems) {
  Checker check(problems);
  Config config;
  config.prices.version = "config";
  const std::string root = "$";
  if (!doc.is_object()) {
    check.problem(root, "the config must be a JSON object");
    return config;
  }
  check.only_known_keys(doc, root, {"$schema", "version", "routes", "direct_models", "direct", "prices", "gateway",
                                    "limits", "keys", "cors", "circuit_breaker"});
  if (const json* version = find(doc, "version"); version != nullptr && as_int64(*version) != 1) {
    check.problem("$.version", "must be 1");
  }
  check.boolean(doc, "direct_models", root, config.direct_models);

  // Retry and timeout for requests that name provider/model (or a models list) directly.
  if (const json* direct = check.object(doc, "direct", root)) {
    check.only_known_keys(*direct, "$.direct", {"retry", "timeout_ms"});
    if (const json* retry = find(*direct, "retry")) parse_retry(*retry, "$.direct.retry", config.direct_defaults.retry, check);
    check.integer(*direct, "timeout_ms", "$.direct", 1, kMaxTimeoutMs, config.direct_defaults.timeout_ms);
  }

  if (const json* routes = check.object(doc, "routes", root)) {
    for (auto it = routes->begin(); it != routes->end(); ++it) {
      const std::string path = key_path("$.routes", it.key());
      if (it.key().find('/') != std::string::npos) {
        check.problem(path, "a route name must not contain '/': that form names provider/model directly");
        continue;
      }
      Route route;
      parse_route(it.key(), it.value(), path, config.direct_defaults, route, check);
      config.routes.emplace(it.key(), std::move(route));
    }
  }
  check_route_references(config, check);
  if (const json* breaker = check.object(doc, "circuit_breaker", root)) {
    parse_circuit_breaker(*breaker, "$.circuit_breaker", config.circuit_breaker, check);
  }
  if (config.routes.empty() && !config.direct_models) {
    check.problem("$.routes", "no routes are defined and direct_models is false: no request could be served");
  }

  if (const json* prices = check.object(doc, "prices", root)) parse_model_prices(*prices, "$.prices", config.prices, check);
  if (const json* gateway = check.object(doc, "gateway", root)) parse_gateway(*gateway, "$.gateway", config.gateway, check);
  if (const json* limits = check.object(doc, "limits", root)) parse_limits(*limits, "$.limits", config.limits, check);
  if (const json* keys = find(doc, "keys")) parse_keys(*keys, config, config.keys, check);
  if (const json* cors = check.object(doc, "cors", root)) parse_cors(*cors, "$.cors", config.cors_origins, check);
  return config;
}

bool Environment::has_secret(std::string_view name) const {
  return std::find(secrets_set.begin(), secrets_set.end(), name) != secrets_set.end();
}

Environment parse_environment(const json& doc, const Config& config, std::vector<ConfigProblem>& problems) {
  Checker check(problems);
  Environment env;
  if (!doc.is_object()) {
    check.problem("environment", "must be an object");
    return env;
  }
  const std::string* base = find_string(doc, "gateway_base_url");
  if (base == nullptr || base->empty()) {
    check.problem("environment.gateway_base_url", "AI_GATEWAY_BASE_URL is not set");
  } else if (base->rfind("https://", 0) != 0 && base->rfind("http://", 0) != 0) {
    check.problem("environment.gateway_base_url", "AI_GATEWAY_BASE_URL must start with https:// (or http:// for the emulator)");
  } else {
    env.gateway_base_url = *base;
    while (!env.gateway_base_url.empty() && env.gateway_base_url.back() == '/') env.gateway_base_url.pop_back();
  }
  if (const json* secrets = find_array(doc, "secrets_set")) {
    for (const json& name : *secrets) {
      if (const auto* text = name.get_ptr<const json::string_t*>()) env.secrets_set.push_back(*text);
    }
  }
  if (const json* aws = find(doc, "aws_credentials")) {
    // Problems name the fields, never their values.
    const std::string* id = find_string(*aws, "access_key_id");
    const std::string* secret = find_string(*aws, "secret_access_key");
    const json* token = find(*aws, "session_token");
    if (!aws->is_object() || id == nullptr || id->empty() || secret == nullptr || secret->empty() ||
        (token != nullptr && !token->is_string())) {
      check.problem("environment.aws_credentials", "must hold access_key_id and secret_access_key (and optionally session_token) as strings");
    } else {
      env.aws_credentials = AwsCredentials{*id, *secret, token != nullptr ? token->get<std::string>() : std::string()};
    }
  }
  if (config.gateway.authenticated && !env.has_secret(providers::kGatewayTokenSecret)) {
    check.problem("environment.secrets_set", std::string("the gateway is authenticated (gateway.authenticated or BYOK) but the ") +
                                                 std::string(providers::kGatewayTokenSecret) + " secret is not set");
  }
  return env;
}

}  // namespace llmroute
