// One routed request, as a sans-I/O state machine (after quinn-proto's handle/poll shape).
//
// The Worker feeds it events (each carries now_ms) and body bytes, then drains poll_action() and
// performs each action: send an upstream request, cancel one, answer the client, record usage. It
// keeps one timer, at next_deadline_ms(), and reports it with TimerFired. Attempts are numbered
// from 1; an event for a stale attempt, or an early timer, changes nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/attempt_trace.hpp"
#include "core/pricing.hpp"
#include "core/router.hpp"
#include "util/rng.hpp"

namespace llmroute::core {

// ---- events: facts, past tense ------------------------------------------------------------------
struct ClientRequestReceived {
  std::int64_t now_ms = 0;
  std::uint64_t seed = 0;
};
struct UpstreamResponded {  // the head of an attempt's answer arrived; its body follows via feed()
  int attempt = 0;
  std::int64_t now_ms = 0;
  int status = 0;
  std::optional<std::int64_t> retry_after_ms;  // from retry-after / retry-after-ms, parsed by the caller
  std::string error_type{};  // x-amzn-errortype: the error class Bedrock names in the head, not the body
};
struct UpstreamEnded {  // the whole body of the attempt has been fed
  int attempt = 0;
  std::int64_t now_ms = 0;
};
enum class FailureCause { Network, Timeout };
struct UpstreamFailed {  // no (complete) answer: connection refused or dropped, or a fetch timeout
  int attempt = 0;
  std::int64_t now_ms = 0;
  FailureCause cause = FailureCause::Network;
};
struct TimerFired {
  std::int64_t now_ms = 0;
};
struct ClientDisconnected {  // the client went away (e.g. closed a stream it was reading)
  std::int64_t now_ms = 0;
};
struct BudgetReserved {  // the ledger reserved the worst case against every budget
  std::int64_t now_ms = 0;
  std::string reservation_id;
};
struct BudgetRefused {  // a budget or rate limit would be broken: nothing was reserved
  std::int64_t now_ms = 0;
  int http_status = 402;
  std::string code;     // e.g. budget_exceeded, rate_limited
  std::string message;  // names the budget or limit
  std::optional<std::int64_t> retry_after_ms;
};
using Event = std::variant<ClientRequestReceived, UpstreamResponded, UpstreamEnded, UpstreamFailed, TimerFired,
                           ClientDisconnected, BudgetReserved, BudgetRefused>;

// ---- actions: orders ----------------------------------------------------------------------------
struct SendUpstream {
  int attempt = 0;
  std::string url;
  std::vector<providers::Header> headers;
  std::vector<providers::SecretHeader> secret_headers;
  std::string body;
  std::int64_t deadline_ms = 0;  // the core will time the attempt out at this instant
};
struct CancelUpstream {
  int attempt = 0;
};
struct ReserveBudget {  // before any provider is called: reserve `amount` against every check
  std::string key;
  std::int64_t amount_micro_usd = 0;   // the worst case of this request
  std::vector<BudgetCheck> checks;
  std::int64_t requests_per_minute = 0;
  std::int64_t tokens_per_minute = 0;
  // Counted against tokens_per_minute until the call settles to its real usage: the prompt as
  // estimated, plus the completion's max_tokens when the client set one.
  std::int64_t estimated_tokens = 0;
  std::int64_t now_ms = 0;
};
struct Respond {  // a whole answer
  int status = 200;
  std::vector<providers::Header> headers;
  std::string body;
};
struct RespondHead {  // a streamed answer begins: its bytes follow in RespondBytes, then RespondEnd
  int status = 200;
  std::vector<providers::Header> headers;
};
struct RespondBytes {
  std::string bytes;
};
struct RespondEnd {};
struct RecordUsage {
  std::string key;       // client key name
  std::string route;
  std::string provider;  // of the answering target; empty when none answered
  std::string model;
  int status = 0;        // what the client was answered
  std::string outcome;   // ok, client_error, upstream_error, ...
  int attempts = 0;      // attempts sent upstream
  Usage usage;
  Cost cost;              // with the rate set used
  std::int64_t latency_ms = 0;
  std::string price_version{};   // the catalog (and config) version the prices came from
  std::string reservation_id{};  // the ledger settles this reservation to the real cost
  std::vector<FallbackReason> fallback_reasons{};  // why the call moved past targets; see fallback_reasons()
};
using Action =
    std::variant<SendUpstream, CancelUpstream, ReserveBudget, Respond, RespondHead, RespondBytes, RespondEnd, RecordUsage>;

class Call {
 public:
  Call(std::shared_ptr<const Router> router, ChatRequest request, Plan plan);

  void handle(const Event& event);
  // Body bytes of an attempt's answer, in order. Bytes for a stale attempt are dropped.
  void feed(int attempt, std::string_view bytes);
  std::optional<Action> poll_action();
  std::optional<std::int64_t> next_deadline_ms() const;
  bool done() const { return std::holds_alternative<Done>(state_); }
  bool started() const { return !std::holds_alternative<Starting>(state_); }

 private:
  // ---- states: named by what they wait for ----
  struct Starting {};
  struct AwaitingReservation {
    std::int64_t deadline_ms = 0;  // the request's deadline: a ledger that never answers must not hang the call
  };
  struct AwaitingUpstream {
    int attempt = 0;
    std::size_t candidate = 0;
    std::int64_t sent_ms = 0;
    std::int64_t deadline_ms = 0;
    int status = 0;  // 0 until the head arrives
    std::optional<std::int64_t> retry_after_ms;
    std::string error_type;  // of the head (UpstreamResponded::error_type)
    std::string body;                                     // a whole answer, buffered
    std::unique_ptr<providers::StreamTranslator> stream;  // a streamed 2xx answer, translated as it comes
    std::size_t stream_bytes = 0;
    std::vector<std::string> dropped;  // client fields this provider had no use for
  };
  struct Streaming {  // the client has the head and some bytes: no fallback from here on
    int attempt = 0;
    std::size_t candidate = 0;
    std::int64_t sent_ms = 0;
    std::int64_t idle_deadline_ms = 0;  // no bytes for a whole attempt timeout ends the stream
    std::int64_t ends_by_ms = 0;        // a stream that trickles on past limits.max_stream_ms is ended
    bool fed_since_deadline = false;    // feed() has no clock: bytes since the deadline was set re-arm it
    std::unique_ptr<providers::StreamTranslator> stream;
    std::size_t stream_bytes = 0;
  };
  struct BackingOff {
    std::size_t candidate = 0;
    std::int64_t until_ms = 0;
  };
  struct Done {};
  using State = std::variant<Starting, AwaitingReservation, AwaitingUpstream, BackingOff, Streaming, Done>;

  struct Failure {
    AttemptOutcome outcome;
    int status = 0;
    std::string reason;
    std::string detail;
    std::optional<std::int64_t> retry_after_ms;
  };

  void on_start(const ClientRequestReceived& e);
  void on_responded(const UpstreamResponded& e);
  void on_ended(const UpstreamEnded& e);
  void on_failed(const UpstreamFailed& e);
  void on_timer(const TimerFired& e);
  void on_disconnected(const ClientDisconnected& e);
  void on_reserved(const BudgetReserved& e);
  void on_refused(const BudgetRefused& e);
  std::int64_t worst_case_micro_usd_of_plan() const;

  void feed_attempt(int attempt, std::string_view bytes);
  void feed_stream(AwaitingUpstream& awaiting, std::string_view bytes);
  void feed_stream(Streaming& streaming, std::string_view bytes);
  void begin_streaming(AwaitingUpstream& awaiting, std::string first_bytes);
  void end_stream(Streaming& streaming, std::int64_t now_ms);
  void end_stream_with_error(Streaming& streaming, std::string_view code, std::string_view message, std::int64_t now_ms);
  RecordUsage stream_record(const Streaming& streaming, std::string outcome, std::int64_t now_ms) const;
  // AI Gateway's per-request headers: the route's settings, and cf-aig-metadata tagging the log
  // with the route, the client key's name and the first of the request's own metadata entries.
  void gateway_headers(std::vector<providers::Header>& headers) const;
  void relay(std::string translated);  // streamed bytes for the client; every one leaves through here
  Cost price(const Candidate& candidate, const Usage& usage) const;
  // The cost of an answer whose provider said no usage: the prompt as estimated before the call,
  // the completion from the text the client was given. Fills `usage` with those estimates.
  Cost estimate(const Candidate& candidate, std::size_t answer_text_bytes, Usage& usage) const;
  std::vector<providers::Header> answer_headers(const Candidate& candidate) const;
  void start_attempt(std::size_t candidate, std::int64_t now_ms);
  AttemptRecord record_for(const AwaitingUpstream& awaiting, AttemptOutcome outcome, std::int64_t now_ms,
                           std::string reason = {}, std::string detail = {}) const;
  void fail_attempt(AwaitingUpstream& awaiting, Failure failure, std::int64_t now_ms);
  void move_on(std::size_t after, std::int64_t now_ms);
  bool admitted(std::size_t candidate, std::int64_t now_ms);
  bool send_attempt(std::size_t candidate, std::int64_t now_ms, AwaitingUpstream& out);
  std::optional<std::int64_t> hedge_due_ms() const;
  void start_hedge(const AwaitingUpstream& primary, std::int64_t now_ms);
  void on_hedge_responded(const UpstreamResponded& e);
  void fail_hedge(Failure failure, std::int64_t now_ms);
  void drop_hedge(std::int64_t now_ms);
  void record_health(const AwaitingUpstream& awaiting, const Failure* failure, std::int64_t now_ms);
  bool larger_context_left(std::size_t failed, bool pass_over);
  void succeed(AwaitingUpstream& awaiting, providers::Answer answer, std::int64_t now_ms);
  void answer_client_error(AwaitingUpstream& awaiting, const providers::UpstreamError& error, std::int64_t now_ms);
  void exhausted(std::int64_t now_ms, std::string_view why);
  void finish(Respond respond, RecordUsage usage);
  void record(RecordUsage usage);  // every usage record leaves through here
  std::int64_t backoff_ms(const RetryPolicy& retry, int failed_tries);
  bool is_retryable_status(const RetryPolicy& retry, int status) const;

  std::shared_ptr<const Router> router_;
  ChatRequest request_;
  Plan plan_;
  State state_ = Starting{};
  std::deque<Action> actions_;
  std::vector<AttemptRecord> trace_;
  std::vector<int> tries_;  // tries per candidate
  int attempts_sent_ = 0;
  std::int64_t started_ms_ = 0;
  std::int64_t last_event_ms_ = 0;  // feed() carries no time: failures found there use this
  bool in_feed_ = false;            // inside feed(): the real time is unknown, at or after last_event_ms_
  std::optional<std::int64_t> shortest_retry_after_ms_;
  std::optional<Error> untranslatable_;     // why the last skipped target could not take the request
  std::optional<AwaitingUpstream> hedge_;   // a second attempt racing the one in state_ (hedge_after_ms)
  bool hedged_ = false;                     // a call hedges once at most
  int circuit_open_skips_ = 0;              // candidates passed over because their circuit was open
  std::optional<std::int64_t> circuit_retry_at_ms_;  // the soonest of those circuits lets a request through
  std::string reservation_id_;
  std::size_t relayed_text_bytes_ = 0;  // content, reasoning and tool-argument bytes streamed to the client

  std::uint64_t seed_ = 0;  // the call's: its random draws, and the id of answers whose provider gives none
  Pcg32 rng_{0};
};

}  // namespace llmroute::core
