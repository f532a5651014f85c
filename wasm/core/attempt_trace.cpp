#include "core/attempt_trace.hpp"

namespace llmroute::core {

namespace {

// Header values must stay one token: replace anything outside a safe set.
void append_token(std::string& out, std::string_view text) {
  for (const char c : text) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '/' || c == ':' || c == '@' || c == '[' || c == ']';
    out.push_back(safe ? c : '_');
  }
}

}  // namespace

std::string_view outcome_name(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::Ok: return "ok";
    case AttemptOutcome::RetryableError: return "retryable_error";
    case AttemptOutcome::TargetError: return "target_error";
    case AttemptOutcome::ClientError: return "client_error";
    case AttemptOutcome::Timeout: return "timeout";
    case AttemptOutcome::NetworkError: return "network_error";
    case AttemptOutcome::Skipped: return "skipped";
    case AttemptOutcome::Cancelled: return "cancelled";
  }
  return "unknown";
}

std::string format_attempts_header(const std::vector<AttemptRecord>& records) {
  std::string out;
  for (const AttemptRecord& r : records) {
    if (!out.empty()) out += ", ";
    append_token(out, r.target);
    out += ";outcome=";
    out += outcome_name(r.outcome);
    if (r.outcome != AttemptOutcome::Skipped) {
      out += ";status=" + std::to_string(r.status);
      out += ";ms=" + std::to_string(r.duration_ms);
    }
    if (!r.reason.empty()) {
      out += ";reason=";
      append_token(out, r.reason);
    }
    for (std::size_t i = 0; i < r.dropped.size(); ++i) {
      out += i == 0 ? ";dropped=" : "+";
      append_token(out, r.dropped[i]);
    }
  }
  return out;
}

}  // namespace llmroute::core
