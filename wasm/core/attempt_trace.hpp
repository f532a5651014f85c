// The record of what a call tried, for the x-llmroute-attempts header and the usage record.
//
// Header form: entries separated by ", ", each "provider/model" followed by ";key=value" pairs:
//   openai/gpt-4o-mini;outcome=retryable_error;status=503;ms=12, openai/gpt-4o;outcome=ok;status=200;ms=41
// Skipped candidates appear too, with outcome=skipped and a reason; fields a provider had no use
// for are listed as dropped=a+b.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmroute::core {

enum class AttemptOutcome {
  Ok,
  RetryableError,  // 408/429/5xx (or the target's on_status), malformed answer
  TargetError,     // 401/403/404 or an oversized answer: this target cannot serve, try the next
  ClientError,     // the provider refused the request itself: answered to the client
  Timeout,
  NetworkError,
  Skipped,         // never sent
  Cancelled,       // sent, then given up: the other attempt of a hedged pair answered first
};

struct AttemptRecord {
  std::string target;  // provider/model
  AttemptOutcome outcome = AttemptOutcome::Ok;
  int status = 0;             // HTTP status, 0 when none arrived
  std::int64_t duration_ms = 0;
  std::string reason;         // short token, no spaces or commas
  std::string detail;         // for people: the provider's message or what went wrong
  std::vector<std::string> dropped;  // client fields left out for this provider
};

std::string_view outcome_name(AttemptOutcome outcome);

std::string format_attempts_header(const std::vector<AttemptRecord>& records);

}  // namespace llmroute::core
