#include "core/attempt_trace.hpp"

#include <algorithm>

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

bool was_sent(AttemptOutcome outcome) { return outcome != AttemptOutcome::Skipped; }

bool failed(AttemptOutcome outcome) {
  return outcome != AttemptOutcome::Ok && outcome != AttemptOutcome::Skipped && outcome != AttemptOutcome::Cancelled;
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

std::vector<FallbackReason> fallback_reasons(const std::vector<AttemptRecord>& records, int attempts_sent) {
  // A failure was followed by another attempt when one comes after it in the records, or when an
  // attempt is still in flight (sent, but not yet in the records: the client left meanwhile).
  int sent_in_records = 0;
  std::size_t last_sent = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!was_sent(records[i].outcome)) continue;
    ++sent_in_records;
    last_sent = i;
  }
  const bool in_flight = sent_in_records < attempts_sent;
  std::vector<FallbackReason> out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const AttemptRecord& r = records[i];
    const bool followed = in_flight || i < last_sent;
    if (r.outcome != AttemptOutcome::Skipped && !(failed(r.outcome) && followed)) continue;
    // Targets are labelled provider/model; provider names hold no slash, model names may.
    const std::size_t slash = r.target.find('/');
    std::string provider = r.target.substr(0, slash);
    std::string model = slash == std::string::npos ? std::string() : r.target.substr(slash + 1);
    std::string reason = r.reason.empty() ? std::string(outcome_name(r.outcome)) : r.reason;
    auto same = [&](const FallbackReason& f) { return f.provider == provider && f.model == model && f.reason == reason; };
    if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) {
      ++it->count;
    } else if (out.size() < kMaxFallbackReasons) {
      out.push_back({std::move(provider), std::move(model), std::move(reason), 1});
    }
  }
  return out;
}

}  // namespace llmroute::core
