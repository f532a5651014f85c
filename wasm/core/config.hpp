// The routing config: one JSON document, validated up front. parse_config reports every problem it
// finds, each with the JSON path of the value at fault, rather than stopping at the first.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "core/pricing.hpp"
#include "model/chat_request.hpp"
#include "util/aws_sigv4.hpp"
#include "util/json_access.hpp"
#include "util/sha256.hpp"

namespace llmroute {

struct RetryPolicy {
  int attempts = 2;                    // tries of this target, the first included
  std::vector<int> on_status;          // statuses worth another try; empty = 408, 429 and every 5xx
  std::int64_t backoff_initial_ms = 250;
  std::int64_t backoff_max_ms = 4000;
  std::int64_t max_retry_after_ms = 10000;  // a longer retry-after moves on to the next target instead
};

struct Target {
  std::string provider;  // gateway provider slug, e.g. "openai"
  std::string model;     // the provider's model name
  std::string route;     // non-empty: this entry stands for another route's candidates (nesting)
  std::int64_t weight = 1;  // share of first picks under the loadbalance strategy
  RetryPolicy retry;
  std::int64_t timeout_ms = 60000;  // per attempt
  json overrides = json::object();  // client fields this target sets (max_tokens: caps); see with_overrides
  std::string label() const { return route.empty() ? provider + "/" + model : "route:" + route; }
};

// How a route orders its targets for one request.
enum class Strategy {
  Fallback,     // as listed
  LoadBalance,  // weighted random draws (seeded by the request), the rest as fallbacks
  Conditional,  // the targets of the first rule the request matches, else the route's own
  Cheapest,     // by the catalog's price of the estimated prompt and max tokens
  Fastest,      // by observed latency (core/health.hpp); targets not yet measured first
};

// What a conditional rule looks at; every condition given must hold.
struct RouteCondition {
  std::vector<std::string> keys;                                // client key names; empty = any
  std::vector<std::pair<std::string, std::string>> metadata;   // request metadata entries that must be equal
  std::optional<bool> has_tools;
  std::optional<bool> has_images;
  std::optional<bool> stream;
  std::optional<std::int64_t> min_prompt_tokens;  // estimated, inclusive
  std::optional<std::int64_t> max_prompt_tokens;
};

struct RouteRule {
  RouteCondition when;
  std::vector<Target> targets;
};

struct Route {
  std::string name;
  Strategy strategy = Strategy::Fallback;
  std::vector<Target> targets;  // for conditional: the default when no rule matches
  std::vector<RouteRule> rules;
  std::optional<Target> last_resort;  // tried only when every candidate's circuit is open
  std::int64_t hedge_after_ms = 0;    // > 0: no answer head by then, and the next candidate is tried too
  std::int64_t deadline_ms = 120000;  // bounds every attempt, retry and backoff of one request together
  std::vector<Budget> budgets{};      // spend limits of the route, whoever calls it
  // AI Gateway per-request settings for every attempt of this route (cf-aig-cache-ttl,
  // cf-aig-skip-cache, cf-aig-collect-log, cf-aig-collect-log-payload, cf-aig-request-timeout),
  // as header name and value.
  std::vector<std::pair<std::string, std::string>> gateway_headers{};
};

// Circuit breakers, one per provider/model, shared by every request of a router (core/health.hpp).
struct CircuitBreakerPolicy {
  bool enabled = true;                // off only with "circuit_breaker": {"enabled": false}
  int failures = 5;                   // failures within one window that open the circuit...
  std::int64_t window_ms = 60000;     // ...when they are at least half of that window's attempts
  std::int64_t cooldown_ms = 30000;   // open this long (longer when the provider's retry-after says so)
};

struct GatewaySettings {
  bool authenticated = false;          // send cf-aig-authorization (needs the CF_AIG_TOKEN secret)
  std::vector<std::string> byok;       // providers whose keys are stored in the gateway (BYOK)
};

struct Limits {
  RequestLimits request;
  std::size_t max_body_bytes = 1 << 20;                 // client request body
  std::size_t max_header_bytes = 16 << 10;              // all client request headers together
  std::size_t max_upstream_body_bytes = 8u << 20;       // one provider answer
  std::size_t max_stream_bytes = 256u << 20;            // one streamed answer, all events together
  std::int64_t max_stream_ms = 10 * 60 * 1000;          // one streamed answer, from its head to its end
  std::int64_t default_max_output_tokens = 4096;        // for budget reservations when neither request nor catalog says
};

// A client key: only its SHA-256 is configured, never the key itself.
struct ClientKey {
  std::string name;
  Sha256Digest sha256{};
  std::vector<std::string> routes = {"*"};  // route names it may use; "*" = every route
  std::vector<std::string> models = {"*"};  // provider/model it may name directly; a trailing * matches a prefix
  bool admin = false;                       // may read usage, health details and other admin endpoints
  std::vector<Budget> budgets{};            // spend limits, several windows at once
  std::int64_t requests_per_minute{0};      // 0 = no limit
  std::int64_t tokens_per_minute{0};        // prompt + completion tokens; 0 = no limit

  bool may_use_route(std::string_view route) const;
  bool may_use_model(std::string_view provider_model) const;
};

struct Config {
  std::map<std::string, Route, std::less<>> routes;
  bool direct_models = true;  // may clients name provider/model instead of a route?
  PriceTable prices;
  GatewaySettings gateway;
  Limits limits;
  Target direct_defaults;  // retry/timeout applied to provider/model requests and `models` lists
  CircuitBreakerPolicy circuit_breaker;
  std::vector<ClientKey> keys;
  std::vector<std::string> cors_origins;  // browser origins allowed to call; empty = no CORS
};

struct ConfigProblem {
  std::string path;     // JSONPath of the value at fault, e.g. $.routes.chat.targets[0].model
  std::string message;
};

// What the Worker knows of its environment: only which secrets are set, never their values, with
// one exception: AWS credentials, which SigV4 needs to sign Bedrock requests in the core. They are
// used to sign and for nothing else: no result, error or action the core writes holds them.
struct Environment {
  std::string gateway_base_url;            // AI_GATEWAY_BASE_URL, no trailing slash
  std::vector<std::string> secrets_set;    // names of the secrets that hold a value
  std::optional<AwsCredentials> aws_credentials;  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
  bool has_secret(std::string_view name) const;
};

// Parses and validates; problems is empty exactly when the config is usable.
Config parse_config(const json& doc, std::vector<ConfigProblem>& problems);

// Checks the environment against the config (gateway URL, gateway token).
Environment parse_environment(const json& doc, const Config& config, std::vector<ConfigProblem>& problems);

std::string_view strategy_name(Strategy strategy);

// Splits "provider/model" at the first slash (model names may hold slashes: @cf/meta/...).
bool split_provider_model(std::string_view text, std::string& provider, std::string& model);

}  // namespace llmroute
