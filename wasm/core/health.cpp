#include "core/health.hpp"

#include <algorithm>

#include "util/json_access.hpp"

namespace llmroute::core {

namespace {

// The longest a provider's retry-after may hold a circuit open.
constexpr std::int64_t kMaxOpenMs = 60 * 60 * 1000;
// Weight of a new latency sample in the moving average, in tenths.
constexpr std::int64_t kLatencyWeightTenths = 3;

std::string_view state_name(CircuitState state) {
  switch (state) {
    case CircuitState::Closed: return "closed";
    case CircuitState::Open: return "open";
    case CircuitState::HalfOpen: return "half_open";
  }
  return "closed";
}

}  // namespace

Health::Admission Health::admit(std::string_view target, std::int64_t now_ms) {
  if (!policy_.enabled) return {};
  auto it = targets_.find(target);
  if (it == targets_.end()) return {};
  TargetHealth& h = it->second;
  if (h.state == CircuitState::Closed) return {};
  if (h.state == CircuitState::Open && now_ms < h.open_until_ms) return {false, false, h.open_until_ms};
  // Cooled down: one probe at a time. A probe that never reported (its call was dropped) is given
  // up after a cooldown, so the circuit cannot stay half-open for ever.
  if (h.state == CircuitState::HalfOpen && h.probe_out && now_ms < h.probe_sent_ms + policy_.cooldown_ms) {
    return {false, false, h.probe_sent_ms + policy_.cooldown_ms};
  }
  h.state = CircuitState::HalfOpen;
  h.probe_out = true;
  h.probe_sent_ms = now_ms;
  return {true, true, 0};
}

void Health::record_success(std::string_view target, std::int64_t now_ms) {
  TargetHealth* h = entry(target, now_ms);
  if (h == nullptr) return;
  ++h->attempts;
  if (h->state == CircuitState::HalfOpen) {
    h->state = CircuitState::Closed;
    h->probe_out = false;
    h->window_start_ms = now_ms;
    h->attempts = 1;
    h->failures = 0;
  }
}

void Health::record_failure(std::string_view target, std::int64_t now_ms, std::string_view error_class,
                            std::optional<std::int64_t> retry_after_ms) {
  TargetHealth* h = entry(target, now_ms);
  if (h == nullptr) return;
  ++h->attempts;
  count_failure(*h, now_ms, error_class, retry_after_ms);
}

void Health::record_late_failure(std::string_view target, std::int64_t now_ms, std::string_view error_class) {
  TargetHealth* h = entry(target, now_ms);
  if (h == nullptr) return;
  // The attempt is already counted (as a success); a new window starts it afresh.
  if (h->attempts == 0) h->attempts = 1;
  count_failure(*h, now_ms, error_class, std::nullopt);
}

void Health::count_failure(TargetHealth& h, std::int64_t now_ms, std::string_view error_class,
                           std::optional<std::int64_t> retry_after_ms) {
  ++h.failures;
  h.last_error.assign(error_class);
  if (!policy_.enabled) return;
  if (h.state == CircuitState::HalfOpen) return open(h, now_ms, retry_after_ms);
  if (h.state == CircuitState::Closed && h.failures >= policy_.failures && h.failures * 2 >= h.attempts) {
    open(h, now_ms, retry_after_ms);
  }
}

void Health::record_abandoned(std::string_view target) {
  auto it = targets_.find(target);
  if (it != targets_.end()) it->second.probe_out = false;
}

void Health::record_latency(std::string_view target, std::int64_t latency_ms) {
  TargetHealth* h = entry(target, -1);
  if (h == nullptr) return;
  latency_ms = std::max<std::int64_t>(latency_ms, 0);
  h->latency_ms = h->latency_ms ? (*h->latency_ms * (10 - kLatencyWeightTenths) + latency_ms * kLatencyWeightTenths + 5) / 10
                                : latency_ms;
}

std::optional<std::int64_t> Health::latency_ms(std::string_view target) const {
  auto it = targets_.find(target);
  return it == targets_.end() ? std::nullopt : it->second.latency_ms;
}

CircuitState Health::state(std::string_view target, std::int64_t now_ms) const {
  auto it = targets_.find(target);
  if (it == targets_.end()) return CircuitState::Closed;
  const TargetHealth& h = it->second;
  // An open circuit whose cooldown is over will let the next request probe.
  if (h.state == CircuitState::Open && now_ms >= h.open_until_ms) return CircuitState::HalfOpen;
  return h.state;
}

std::string Health::to_json(std::int64_t now_ms) const {
  std::string out = "{\"circuit_breaker\":";
  if (policy_.enabled) {
    out += "{\"failures\":" + std::to_string(policy_.failures) + ",\"window_ms\":" + std::to_string(policy_.window_ms) +
           ",\"cooldown_ms\":" + std::to_string(policy_.cooldown_ms) + "}";
  } else {
    out += "null";
  }
  out += ",\"targets\":[";
  bool first = true;
  for (const auto& [target, h] : targets_) {
    if (!first) out += ',';
    first = false;
    const bool stale = now_ms - h.window_start_ms >= policy_.window_ms;  // the counts are of a past window
    const int attempts = stale ? 0 : h.attempts;
    const int failures = stale ? 0 : h.failures;
    out += "{\"target\":";
    append_json_string(out, target);
    out += ",\"state\":\"" + std::string(state_name(state(target, now_ms))) + "\"";
    out += ",\"attempts\":" + std::to_string(attempts) + ",\"failures\":" + std::to_string(failures);
    out += ",\"failure_rate_percent\":" + std::to_string(attempts == 0 ? 0 : failures * 100 / attempts);
    out += ",\"latency_ms\":" + (h.latency_ms ? std::to_string(*h.latency_ms) : std::string("null"));
    out += ",\"last_error\":";
    if (h.last_error.empty()) out += "null";
    else append_json_string(out, h.last_error);
    out += ",\"open_until_ms\":" + (h.state == CircuitState::Open && now_ms < h.open_until_ms ? std::to_string(h.open_until_ms)
                                                                                               : std::string("null"));
    out += '}';
  }
  out += "]}";
  return out;
}

Health::TargetHealth* Health::entry(std::string_view target, std::int64_t now_ms) {
  auto it = targets_.find(target);
  if (it == targets_.end()) {
    if (targets_.size() >= kMaxTrackedTargets) return nullptr;
    it = targets_.emplace(std::string(target), TargetHealth{}).first;
    it->second.window_start_ms = now_ms;
  }
  TargetHealth& h = it->second;
  // Counting windows roll over; now_ms < 0 means the caller only touches latency.
  if (now_ms >= 0 && now_ms - h.window_start_ms >= policy_.window_ms) {
    h.window_start_ms = now_ms;
    h.attempts = 0;
    h.failures = 0;
  }
  return &h;
}

void Health::open(TargetHealth& h, std::int64_t now_ms, std::optional<std::int64_t> retry_after_ms) {
  h.state = CircuitState::Open;
  h.probe_out = false;
  h.open_until_ms = now_ms + std::max(policy_.cooldown_ms, std::min(retry_after_ms.value_or(0), kMaxOpenMs));
}

}  // namespace llmroute::core
