// Target health shared by every call of one router: a circuit breaker per provider/model and the
// observed latency the fastest strategy orders by. It is advisory state in isolate memory, fed by
// each finished attempt; it never reads a clock: every operation is told the time.
//
// Breaker: closed until `failures` failures fall within one window of `window_ms` and make up at
// least half of that window's attempts; then open for `cooldown_ms` (or the provider's retry-after,
// when longer). After the cooldown one request is let through as a probe (half-open): its success
// closes the circuit, its failure opens it again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"

namespace llmroute::core {

enum class CircuitState { Closed, Open, HalfOpen };

class Health {
 public:
  explicit Health(CircuitBreakerPolicy policy) : policy_(policy) {}

  struct Admission {
    bool allowed = true;
    bool probe = false;             // allowed as the half-open circuit's single probe
    std::int64_t retry_at_ms = 0;   // refused: when the circuit may let a request through again
  };
  // Whether an attempt at `target` may be sent now. A probe is handed out once per cooldown.
  Admission admit(std::string_view target, std::int64_t now_ms);

  void record_success(std::string_view target, std::int64_t now_ms);
  // `error_class` is the attempt trace's reason (status_503, timeout, network, ...).
  void record_failure(std::string_view target, std::int64_t now_ms, std::string_view error_class,
                      std::optional<std::int64_t> retry_after_ms);
  // An attempt counted as a success at its head that failed afterwards (its stream broke off,
  // stalled, grew past its limit or carried the provider's error event): a failure after all.
  void record_late_failure(std::string_view target, std::int64_t now_ms, std::string_view error_class);
  // An attempt that ended without a verdict (the client left): frees the probe it may have held.
  void record_abandoned(std::string_view target);
  // Time from sending an attempt to its successful answer's head.
  void record_latency(std::string_view target, std::int64_t latency_ms);

  std::optional<std::int64_t> latency_ms(std::string_view target) const;  // nullopt: never measured
  CircuitState state(std::string_view target, std::int64_t now_ms) const;
  const CircuitBreakerPolicy& policy() const { return policy_; }

  // {"circuit_breaker":{...}|null,"targets":[{"target","state","attempts","failures",
  //  "failure_rate_percent","latency_ms"|null,"last_error"|null,"open_until_ms"|null}]}
  std::string to_json(std::int64_t now_ms) const;

 private:
  struct TargetHealth {
    CircuitState state = CircuitState::Closed;
    std::int64_t window_start_ms = 0;
    int attempts = 0;  // in the current window
    int failures = 0;
    std::int64_t open_until_ms = 0;
    bool probe_out = false;
    std::int64_t probe_sent_ms = 0;
    std::optional<std::int64_t> latency_ms;  // exponentially weighted moving average
    std::string last_error;
  };

  TargetHealth* entry(std::string_view target, std::int64_t now_ms);  // null when no more can be tracked
  void open(TargetHealth& health, std::int64_t now_ms, std::optional<std::int64_t> retry_after_ms);
  void count_failure(TargetHealth& health, std::int64_t now_ms, std::string_view error_class,
                     std::optional<std::int64_t> retry_after_ms);

  CircuitBreakerPolicy policy_;
  std::map<std::string, TargetHealth, std::less<>> targets_;
};

// Clients may name any provider/model directly: the table stops growing here.
inline constexpr std::size_t kMaxTrackedTargets = 1024;

}  // namespace llmroute::core
