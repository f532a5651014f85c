// The router: a validated config plus what the Worker told us of its environment. It turns a
// client request into a plan: the ordered candidates to try, each usable or skipped with a reason.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/health.hpp"
#include "providers/provider.hpp"
#include "util/result.hpp"
#include "util/rng.hpp"

namespace llmroute::core {

struct Candidate {
  Target target;
  const providers::Provider* provider = nullptr;
  std::string skip_reason;  // non-empty: not tried, and why (a short token, e.g. missing_secret)
  std::string skip_detail;  // the same for people, e.g. the sizes behind context_window_too_small
  bool last_resort = false; // the route's last_resort: tried only when every other circuit is open
};

// Request metadata the Worker passes beside the body (x-llmroute-meta-* and cf-aig-metadata
// headers), for conditional rules: name, value.
using RequestMetadata = std::vector<std::pair<std::string, std::string>>;

// What a request names: a route, or one provider/model target.
struct PlanEntry {
  const Route* route = nullptr;
  Target direct;
};

struct Plan {
  std::string key;    // name of the client key the request came with
  std::string route;  // route name, or empty for provider/model and models lists
  std::vector<Candidate> candidates;
  std::int64_t deadline_ms = 0;  // for the whole request, relative to its start
  std::int64_t hedge_after_ms = 0;  // of the route: when to race the next candidate (0 = never)
  std::vector<Budget> key_budgets;        // of the client key
  std::vector<std::pair<std::string, Budget>> route_budgets;  // route name, budget
  std::int64_t requests_per_minute = 0;   // of the client key; 0 = no limit
  std::int64_t tokens_per_minute = 0;     // of the client key; 0 = no limit
  RequestMetadata metadata;
  std::optional<std::uint64_t> seed;      // the client's own (x-llmroute-seed), else the call's
  std::vector<PlanEntry> entries;         // what the candidates were expanded from
  bool depends_on_seed_or_health = false; // a loadbalance or fastest route: choose() again at the start
  std::vector<std::string> decisions;     // what each strategy decided, for llmroute explain
};

class Router {
 public:
  Router(Config config, Environment environment, PriceTable prices)
      : config_(std::move(config)),
        environment_(std::move(environment)),
        prices_(std::move(prices)),
        health_(std::make_shared<Health>(config_.circuit_breaker)) {}

  // Parses {"config": {...}, "environment": {...}, "catalog": {...}?}; on failure `problems` lists
  // every issue. The config's own prices override the catalog's, model by model.
  static std::shared_ptr<const Router> create(const json& doc, std::vector<ConfigProblem>& problems);

  // The configured key whose hash matches `presented`: 401 when missing or unknown. Every configured
  // hash is compared, in constant time, so timing says nothing about which (if any) matched.
  Result<const ClientKey*> authenticate(std::string_view presented) const;

  // The candidates for `request`, as far as `key` may use them (403 otherwise), ordered by each
  // route's strategy with `seed` and the targets' current health.
  Result<Plan> plan(const ChatRequest& request, const ClientKey& key, RequestMetadata metadata = {},
                    std::uint64_t seed = 0) const;

  // Expands the plan's entries into candidates again: a call does so once its seed is known.
  void choose(Plan& plan, const ChatRequest& request, std::uint64_t seed) const;

  // Every provider/model `route` may answer with, whatever the request: its targets, its rules' and
  // last resort's, and those of the routes it nests, each once, in that order (for what-if pricing).
  std::vector<const Target*> reachable_targets(const Route& route) const;

  // The one mutable part of a router: health shared by all its calls, fed by their attempts.
  Health& health() const { return *health_; }

  const Config& config() const { return config_; }
  const Environment& environment() const { return environment_; }
  const PriceTable& prices() const { return prices_; }

  // Gateway URL, headers and secret headers for one attempt at `target`.
  std::string upstream_url(const providers::Provider& provider, std::string_view path) const;
  std::vector<providers::SecretHeader> secret_headers(const providers::Provider& provider) const;
  // What building a request for `provider` at `now_ms` needs: the credentials to sign with, for a
  // provider signed in the core whose keys are not in the gateway.
  providers::RequestContext request_context(const providers::Provider& provider, std::int64_t now_ms) const;

 private:
  // Appends the candidates `name` stands for (a route's targets, or one provider/model).
  std::optional<Error> expand(const std::string& name, const ClientKey& key, Plan& plan, bool single) const;
  std::vector<Candidate> expand_route(const Route& route, const ChatRequest& request, Plan& plan, Pcg32& rng,
                                      int depth) const;
  // The route a {"route": name} target nests; null for a provider/model target.
  const Route* nested_route(const Target& target) const;
  void order_by_cost(std::vector<Candidate>& candidates, const ChatRequest& request, const Route& route, Plan& plan) const;
  void order_by_latency(std::vector<Candidate>& candidates, const Route& route, Plan& plan) const;
  Candidate candidate_for(const Target& target, const ChatRequest& request) const;
  void check_capabilities(Candidate& candidate, const ChatRequest& request) const;
  bool key_in_gateway(std::string_view provider) const;

  Config config_;
  Environment environment_;
  PriceTable prices_;
  std::shared_ptr<Health> health_;
};

}  // namespace llmroute::core
