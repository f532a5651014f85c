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

// Why a call moved past one target, counted: the usage record's fallback reasons. The reason is
// the token the attempts header carries (status_503, timeout, network, malformed_answer,
// context_length_exceeded, circuit_open, no_tools_support, ...): one vocabulary for both.
struct FallbackReason {
  std::string provider;  // of the target moved past
  std::string model;
  std::string reason;
  int count = 0;
};

std::string_view outcome_name(AttemptOutcome outcome);

std::string format_attempts_header(const std::vector<AttemptRecord>& records);

// Each skipped candidate, and each failed attempt that another attempt followed (in the records,
// or still in flight: `attempts_sent` counts every attempt sent), counted per target and reason.
// A failure that ended the call is its error, not a fallback; an attempt that lost a hedge race
// did not fail. Only the first kMaxFallbackReasons (target, reason) pairs are kept.
std::vector<FallbackReason> fallback_reasons(const std::vector<AttemptRecord>& records, int attempts_sent);

// Enough for any sensible route, and a bound on the record (and its ledger rows) for any other.
inline constexpr std::size_t kMaxFallbackReasons = 16;

}  // namespace llmroute::core
