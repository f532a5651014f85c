// The router: a validated config plus what the Worker told us of its environment. It turns a
// client request into a plan: the ordered candidates to try, each usable or skipped with a reason.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "providers/provider.hpp"
#include "util/result.hpp"

namespace llmroute::core {

struct Candidate {
  Target target;
  const providers::Provider* provider = nullptr;
  std::string skip_reason;  // non-empty: not tried, and why (a short token, e.g. missing_secret)
};

struct Plan {
  std::string key;    // name of the client key the request came with
  std::string route;  // route name, or empty for provider/model and models lists
  std::vector<Candidate> candidates;
  std::int64_t deadline_ms = 0;  // for the whole request, relative to its start
  std::vector<Budget> key_budgets;        // of the client key
  std::vector<std::pair<std::string, Budget>> route_budgets;  // route name, budget
  std::int64_t requests_per_minute = 0;   // of the client key; 0 = no limit
  std::int64_t tokens_per_minute = 0;     // of the client key; 0 = no limit
};

class Router {
 public:
  Router(Config config, Environment environment, PriceTable prices)
      : config_(std::move(config)), environment_(std::move(environment)), prices_(std::move(prices)) {}

  // Parses {"config": {...}, "environment": {...}, "catalog": {...}?}; on failure `problems` lists
  // every issue. The config's own prices override the catalog's, model by model.
  static std::shared_ptr<const Router> create(const json& doc, std::vector<ConfigProblem>& problems);

  // The configured key whose hash matches `presented`: 401 when missing or unknown. Every configured
  // hash is compared, in constant time, so timing says nothing about which (if any) matched.
  Result<const ClientKey*> authenticate(std::string_view presented) const;

  // The candidates for `request`, as far as `key` may use them (403 otherwise).
  Result<Plan> plan(const ChatRequest& request, const ClientKey& key) const;

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
  Candidate candidate_for(const Target& target) const;
  bool key_in_gateway(std::string_view provider) const;

  Config config_;
  Environment environment_;
  PriceTable prices_;
};

}  // namespace llmroute::core
