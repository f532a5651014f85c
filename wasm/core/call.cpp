#include "core/call.hpp"

#include <algorithm>

#include "util/decimal.hpp"
#include "util/json_text.hpp"

namespace llmroute::core {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// The target, not the request, is at fault: its key, its account's balance (DeepSeek answers 402
// "Insufficient Balance"), its model name. Another target may well serve the same request.
bool is_target_fault_status(int status) { return status == 401 || status == 402 || status == 403 || status == 404; }

// The code an error event in a stream carries: the provider's own when it gave one (say,
// overloaded_error), so a client can tell a full provider from a broken answer.
std::string stream_error_code(const providers::UpstreamError& error) { return error.code.empty() ? "upstream_error" : error.code; }

// llmroute's cost, as members of the client's usage object: for clients that drop headers.
std::string cost_members(const Cost& cost) {
  std::string out = "\"llmroute_cost_usd\":";
  out += cost.status == CostStatus::Measured || cost.status == CostStatus::Estimated ? format_scaled(cost.micro_usd, kMicroScale)
                                                                                      : std::string("null");
  out += ",\"llmroute_cost_status\":\"";
  out += cost_status_name(cost.status);
  out += '"';
  return out;
}

// Text bytes of an OpenAI answer or chunk: what the client was given, for estimating its tokens.
std::size_t answer_text_bytes(std::string_view openai_json) {
  return string_member_bytes(openai_json, "content") + string_member_bytes(openai_json, "reasoning_content") +
         string_member_bytes(openai_json, "arguments");
}

// The id of an answer (and of every chunk of a stream) whose provider gives none: OpenAI clients
// expect a non-empty one. Made from the call's seed, so the same seed gives the same answer, id
// included, and from the attempt, so two attempts of one call never share it.
std::string fallback_answer_id(std::uint64_t seed, int attempt) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out = "chatcmpl-llmroute-";
  for (int shift = 60; shift >= 0; shift -= 4) out += kHexDigits[(seed >> shift) & 0xF];
  return out + "-" + std::to_string(attempt);
}

// retry-after is whole seconds: round up, so that a client never comes back too early.
std::string retry_after_seconds(std::int64_t ms) { return std::to_string(ms / 1000 + (ms % 1000 != 0)); }

}  // namespace

Call::Call(std::shared_ptr<const Router> router, ChatRequest request, Plan plan)
    : router_(std::move(router)), request_(std::move(request)), plan_(std::move(plan)), tries_(plan_.candidates.size(), 0) {}

void Call::handle(const Event& event) {
  if (done()) return;
  last_event_ms_ = std::visit([](const auto& e) { return e.now_ms; }, event);
  std::visit(Overloaded{
                 [&](const ClientRequestReceived& e) { on_start(e); },
                 [&](const UpstreamResponded& e) { on_responded(e); },
                 [&](const UpstreamEnded& e) { on_ended(e); },
                 [&](const UpstreamFailed& e) { on_failed(e); },
                 [&](const TimerFired& e) { on_timer(e); },
                 [&](const ClientDisconnected& e) { on_disconnected(e); },
                 [&](const BudgetReserved& e) { on_reserved(e); },
                 [&](const BudgetRefused& e) { on_refused(e); },
             },
             event);
}

void Call::feed(int attempt, std::string_view bytes) {
  in_feed_ = true;
  feed_attempt(attempt, bytes);
  in_feed_ = false;
}

void Call::feed_attempt(int attempt, std::string_view bytes) {
  if (auto* streaming = std::get_if<Streaming>(&state_)) {
    if (streaming->attempt == attempt) feed_stream(*streaming, bytes);
    return;
  }
  auto* awaiting = std::get_if<AwaitingUpstream>(&state_);
  if (awaiting == nullptr || awaiting->attempt != attempt) return;
  if (awaiting->stream) return feed_stream(*awaiting, bytes);
  const std::size_t limit = router_->config().limits.max_upstream_body_bytes;
  if (awaiting->body.size() + bytes.size() > limit) {
    // Contain a runaway answer: stop reading, free the buffer, try elsewhere.
    actions_.push_back(CancelUpstream{attempt});
    awaiting->body.clear();
    awaiting->body.shrink_to_fit();
    fail_attempt(*awaiting,
                 {AttemptOutcome::TargetError, awaiting->status, "answer_too_large",
                  "the answer exceeded max_upstream_body_bytes (" + std::to_string(limit) + ")", std::nullopt},
                 last_event_ms_);
    return;
  }
  awaiting->body.append(bytes);
}

std::optional<Action> Call::poll_action() {
  if (actions_.empty()) return std::nullopt;
  Action action = std::move(actions_.front());
  actions_.pop_front();
  return action;
}

std::optional<std::int64_t> Call::next_deadline_ms() const {
  if (const auto* awaiting = std::get_if<AwaitingUpstream>(&state_)) {
    std::int64_t next = awaiting->deadline_ms;
    if (hedge_) next = std::min(next, hedge_->deadline_ms);
    if (const auto due = hedge_due_ms()) next = std::min(next, *due);
    return next;
  }
  if (const auto* streaming = std::get_if<Streaming>(&state_)) return std::min(streaming->idle_deadline_ms, streaming->ends_by_ms);
  if (const auto* backing_off = std::get_if<BackingOff>(&state_)) return backing_off->until_ms;
  if (const auto* reserving = std::get_if<AwaitingReservation>(&state_)) return reserving->deadline_ms;
  return std::nullopt;
}

// ---- transitions ----------------------------------------------------------------------------------

void Call::on_start(const ClientRequestReceived& e) {
  if (!std::holds_alternative<Starting>(state_)) return;
  started_ms_ = e.now_ms;
  const std::uint64_t seed = plan_.seed.value_or(e.seed);
  seed_ = seed;
  rng_ = Pcg32(seed);
  // Loadbalance draws and latency order were planned without the call's seed and time: redo them.
  if (plan_.depends_on_seed_or_health) {
    router_->choose(plan_, request_, seed);
    tries_.assign(plan_.candidates.size(), 0);
  }
  for (const Candidate& c : plan_.candidates) {
    if (!c.skip_reason.empty() && !c.last_resort) {
      trace_.push_back({c.target.label(), AttemptOutcome::Skipped, 0, 0, c.skip_reason, c.skip_detail, {}});
    }
  }
  if (plan_.key_budgets.empty() && plan_.route_budgets.empty() && plan_.requests_per_minute == 0 && plan_.tokens_per_minute == 0) {
    return move_on(0, e.now_ms);
  }

  // Budgets and limits first: the ledger reserves the worst case before any provider is called.
  ReserveBudget reserve;
  reserve.key = plan_.key;
  reserve.amount_micro_usd = worst_case_micro_usd_of_plan();
  reserve.requests_per_minute = plan_.requests_per_minute;
  reserve.tokens_per_minute = plan_.tokens_per_minute;
  reserve.estimated_tokens = request_.estimated_prompt_tokens + request_.max_output_tokens.value_or(0);
  reserve.now_ms = e.now_ms;
  auto add = [&](std::string scope, const Budget& budget) {
    BudgetCheck check{std::move(scope), std::string(window_name(budget.window)), 0, 0, budget.limit_micro_usd};
    window_bounds(budget.window, e.now_ms, check.window_start_ms, check.window_end_ms);
    reserve.checks.push_back(std::move(check));
  };
  for (const Budget& budget : plan_.key_budgets) add("key:" + plan_.key, budget);
  for (const auto& [route, budget] : plan_.route_budgets) add("route:" + route, budget);
  actions_.push_back(std::move(reserve));
  state_ = AwaitingReservation{started_ms_ + plan_.deadline_ms};
}

void Call::on_reserved(const BudgetReserved& e) {
  if (!std::holds_alternative<AwaitingReservation>(state_)) return;
  reservation_id_ = e.reservation_id;
  move_on(0, e.now_ms);
}

void Call::on_refused(const BudgetRefused& e) {
  if (!std::holds_alternative<AwaitingReservation>(state_)) return;
  const int status = e.http_status == 429 ? 429 : 402;
  Error error{ErrorKind::Client, status, status == 429 ? "rate_limit_error" : "insufficient_quota", e.code, e.message, {}};
  Respond respond{status, {{"content-type", "application/json"}}, openai_error_body(error)};
  if (e.retry_after_ms) respond.headers.push_back({"retry-after", retry_after_seconds(*e.retry_after_ms)});
  finish(std::move(respond), RecordUsage{plan_.key, plan_.route, {}, {}, status, e.code, 0, {}, {}, e.now_ms - started_ms_});
}

std::int64_t Call::worst_case_micro_usd_of_plan() const {
  // Fallback may land on any usable candidate: reserve for the dearest. A hedging route may have
  // two attempts running at once, both of which a provider may bill: reserve for the two dearest.
  std::int64_t dearest = 0;
  std::int64_t second = 0;
  for (const Candidate& c : plan_.candidates) {
    if (!c.skip_reason.empty()) continue;
    const ModelPrice* price = find_price(router_->prices(), c.target.provider, c.target.model);
    if (price == nullptr) continue;  // unpriced: its cost will be absent, nothing to reserve
    const std::int64_t max_output = request_.max_output_tokens.value_or(
        price->max_output > 0 ? price->max_output : router_->config().limits.default_max_output_tokens);
    const std::int64_t worst = worst_case_micro_usd(*price, request_.estimated_prompt_tokens, max_output);
    if (worst > dearest) {
      second = dearest;
      dearest = worst;
    } else {
      second = std::max(second, worst);
    }
  }
  return plan_.hedge_after_ms > 0 ? dearest + second : dearest;
}

void Call::on_responded(const UpstreamResponded& e) {
  if (hedge_ && hedge_->attempt == e.attempt) return on_hedge_responded(e);
  auto* awaiting = std::get_if<AwaitingUpstream>(&state_);
  if (awaiting == nullptr || awaiting->attempt != e.attempt || awaiting->status != 0) return;
  if (hedge_ && e.status >= 200 && e.status < 300) drop_hedge(e.now_ms);  // the first attempt answered first
  awaiting->status = e.status;
  awaiting->retry_after_ms = e.retry_after_ms;
  awaiting->error_type = e.error_type;
  if (e.status >= 200 && e.status < 300) {
    router_->health().record_latency(plan_.candidates[awaiting->candidate].target.label(), e.now_ms - awaiting->sent_ms);
  }
  if (request_.stream && e.status >= 200 && e.status < 300) {
    const Candidate& candidate = plan_.candidates[awaiting->candidate];
    providers::StreamOptions options{request_.include_usage, e.now_ms, candidate.target.model,
                                     fallback_answer_id(seed_, e.attempt)};
    // The usage chunk carries the cost, priced as every answer is (see Call::price).
    options.usage_members = [router = router_, provider = candidate.target.provider, model = candidate.target.model](const Usage& usage) {
      return cost_members(price_usage(router->prices(), provider, model, usage));
    };
    awaiting->stream = candidate.provider->new_stream(options);
  }
}

void Call::on_ended(const UpstreamEnded& e) {
  if (auto* streaming = std::get_if<Streaming>(&state_)) {
    if (streaming->attempt == e.attempt) end_stream(*streaming, e.now_ms);
    return;
  }
  if (hedge_ && hedge_->attempt == e.attempt) {
    return fail_hedge({AttemptOutcome::NetworkError, 0, "no_response", "the body ended before any head", {}}, e.now_ms);
  }
  auto* awaiting = std::get_if<AwaitingUpstream>(&state_);
  if (awaiting == nullptr || awaiting->attempt != e.attempt) return;
  if (awaiting->stream) {
    // A 2xx stream that ended before a single byte was worth sending.
    std::string rest;
    awaiting->stream->finish(rest);
    if (!rest.empty() || awaiting->stream->complete()) {
      begin_streaming(*awaiting, std::move(rest));
      return end_stream(std::get<Streaming>(state_), e.now_ms);
    }
    return fail_attempt(*awaiting,
                        {AttemptOutcome::RetryableError, awaiting->status, "stream_ended_early",
                         "the stream ended before any answer", {}},
                        e.now_ms);
  }
  const Candidate& candidate = plan_.candidates[awaiting->candidate];
  const RetryPolicy& retry = candidate.target.retry;
  const int status = awaiting->status;

  if (status == 0) {
    return fail_attempt(*awaiting, {AttemptOutcome::NetworkError, 0, "no_response", "the body ended before any head", {}},
                        e.now_ms);
  }
  if (status >= 200 && status < 300) {
    const providers::AnswerContext context{e.now_ms, candidate.target.model, fallback_answer_id(seed_, e.attempt)};
    auto answer = candidate.provider->parse_answer(awaiting->body, context);
    if (!answer) {
      // A malformed answer, or one the provider itself marked as failed: worth another try.
      return fail_attempt(*awaiting,
                          {AttemptOutcome::RetryableError, status, answer.error().code, answer.error().message, {}}, e.now_ms);
    }
    return succeed(*awaiting, std::move(*answer), e.now_ms);
  }

  providers::UpstreamError error = candidate.provider->parse_error(status, awaiting->body, awaiting->error_type);
  const auto retry_after = awaiting->retry_after_ms ? awaiting->retry_after_ms : error.retry_after_ms;
  // The provider's word that this target cannot serve wins over a retryable status: Bedrock's
  // service quota, whatever its status, does not lift within a backoff.
  if (is_retryable_status(retry, status) && !error.target_fault) {
    return fail_attempt(*awaiting,
                        {AttemptOutcome::RetryableError, status, "status_" + std::to_string(status), error.message, retry_after},
                        e.now_ms);
  }
  if (is_target_fault_status(status) || error.target_fault || status < 400 || status > 599) {  // 6xx+: no Response can carry it
    // The key, permission or model name of this target is wrong: llmroute's problem, not the
    // client's. The provider's own words may quote part of a key, so they are not passed on.
    return fail_attempt(*awaiting,
                        {AttemptOutcome::TargetError, status, "status_" + std::to_string(status),
                         "the provider refused this target (HTTP " + std::to_string(status) + ")", {}},
                        e.now_ms);
  }
  if (error.context_length_exceeded && larger_context_left(awaiting->candidate, false)) {
    // Too long for this model, but a candidate with a larger (or unknown) window is left.
    return fail_attempt(*awaiting, {AttemptOutcome::TargetError, status, "context_length_exceeded", error.message, {}}, e.now_ms);
  }
  answer_client_error(*awaiting, error, e.now_ms);
}

void Call::on_failed(const UpstreamFailed& e) {
  if (auto* streaming = std::get_if<Streaming>(&state_)) {
    if (streaming->attempt == e.attempt) {
      end_stream_with_error(*streaming, "upstream_disconnected", "the provider's stream broke off", e.now_ms);
    }
    return;
  }
  if (hedge_ && hedge_->attempt == e.attempt) {
    const bool timeout = e.cause == FailureCause::Timeout;
    return fail_hedge({timeout ? AttemptOutcome::Timeout : AttemptOutcome::NetworkError, 0, timeout ? "timeout" : "network",
                       timeout ? "the attempt timed out" : "the connection failed", {}},
                      e.now_ms);
  }
  auto* awaiting = std::get_if<AwaitingUpstream>(&state_);
  if (awaiting == nullptr || awaiting->attempt != e.attempt) return;
  if (e.cause == FailureCause::Timeout) {
    fail_attempt(*awaiting, {AttemptOutcome::Timeout, awaiting->status, "timeout", "the attempt timed out", {}}, e.now_ms);
  } else {
    fail_attempt(*awaiting, {AttemptOutcome::NetworkError, awaiting->status, "network", "the connection failed", {}},
                 e.now_ms);
  }
}

void Call::on_timer(const TimerFired& e) {
  if (hedge_ && e.now_ms >= hedge_->deadline_ms) {
    actions_.push_back(CancelUpstream{hedge_->attempt});
    fail_hedge({AttemptOutcome::Timeout, 0, "timeout", "no answer head in time", {}}, e.now_ms);
  }
  if (const auto* reserving = std::get_if<AwaitingReservation>(&state_)) {
    if (e.now_ms < reserving->deadline_ms) return;
    // The ledger never answered: nothing was sent upstream and nothing is known to be reserved, so
    // the client gets a 504 and the record charges nothing (it names no reservation to settle).
    Error error{ErrorKind::Internal, 504, "server_error", "budget_ledger_timeout",
                "the budget ledger did not answer within the request's deadline (" + std::to_string(plan_.deadline_ms) + " ms)", {}};
    return finish(Respond{504, {{"content-type", "application/json"}}, openai_error_body(error)},
                  RecordUsage{plan_.key, plan_.route, {}, {}, 504, "budget_ledger_timeout", 0, {}, {}, e.now_ms - started_ms_});
  }
  if (auto* awaiting = std::get_if<AwaitingUpstream>(&state_)) {
    if (const auto due = hedge_due_ms(); due && e.now_ms >= *due && e.now_ms < awaiting->deadline_ms) {
      return start_hedge(*awaiting, e.now_ms);
    }
    if (e.now_ms < awaiting->deadline_ms) return;  // early: nothing is due yet
    actions_.push_back(CancelUpstream{awaiting->attempt});
    const std::int64_t waited = awaiting->deadline_ms - awaiting->sent_ms;
    fail_attempt(*awaiting,
                 {AttemptOutcome::Timeout, awaiting->status, "timeout",
                  "no complete answer within " + std::to_string(waited) + " ms", {}},
                 e.now_ms);
    return;
  }
  if (auto* backing_off = std::get_if<BackingOff>(&state_)) {
    if (e.now_ms < backing_off->until_ms) return;
    start_attempt(backing_off->candidate, e.now_ms);
    return;
  }
  if (auto* streaming = std::get_if<Streaming>(&state_)) {
    if (e.now_ms >= streaming->ends_by_ms) {
      // Bytes keep coming, too slowly to ever finish (or without end): time bounds it, not only size.
      actions_.push_back(CancelUpstream{streaming->attempt});
      return end_stream_with_error(*streaming, "stream_too_long", "the provider's stream ran past limits.max_stream_ms", e.now_ms);
    }
    if (e.now_ms < streaming->idle_deadline_ms) return;
    if (streaming->fed_since_deadline) {
      // Bytes came since the deadline was set, at times feed() does not know: the stream is alive.
      // So a stall is caught between one and two attempt timeouts after the last byte.
      streaming->fed_since_deadline = false;
      streaming->idle_deadline_ms = e.now_ms + plan_.candidates[streaming->candidate].target.timeout_ms;
      return;
    }
    actions_.push_back(CancelUpstream{streaming->attempt});
    end_stream_with_error(*streaming, "upstream_timeout", "the provider's stream stalled", e.now_ms);
  }
}

void Call::on_disconnected(const ClientDisconnected& e) {
  // Nobody is listening any more: stop the upstream and account for what happened.
  if (auto* streaming = std::get_if<Streaming>(&state_)) {
    actions_.push_back(CancelUpstream{streaming->attempt});
    record(stream_record(*streaming, "client_disconnected", e.now_ms));
    state_ = Done{};
    return;
  }
  if (auto* awaiting = std::get_if<AwaitingUpstream>(&state_)) {
    actions_.push_back(CancelUpstream{awaiting->attempt});
    router_->health().record_abandoned(plan_.candidates[awaiting->candidate].target.label());
  }
  if (hedge_) drop_hedge(e.now_ms);
  record(RecordUsage{plan_.key, plan_.route, {}, {}, 499, "client_disconnected", attempts_sent_, {}, {},
                                 e.now_ms - started_ms_});
  state_ = Done{};
}

// ---- streams --------------------------------------------------------------------------------------

void Call::feed_stream(AwaitingUpstream& awaiting, std::string_view bytes) {
  awaiting.stream_bytes += bytes.size();
  std::string out;
  awaiting.stream->feed(bytes, out);
  if (!out.empty()) {
    // The first bytes worth sending: the client gets the head now, and we are committed.
    begin_streaming(awaiting, std::move(out));
    Streaming& streaming = std::get<Streaming>(state_);
    if (const auto& error = streaming.stream->error()) end_stream_with_error(streaming, stream_error_code(*error), error->message, last_event_ms_);
    return;
  }
  if (const auto& error = awaiting.stream->error()) {
    // An error before any answer: as good as an error status, so fall back.
    actions_.push_back(CancelUpstream{awaiting.attempt});
    return fail_attempt(awaiting, {AttemptOutcome::RetryableError, awaiting.status, "stream_error", error->message, error->retry_after_ms},
                        last_event_ms_);
  }
  if (awaiting.stream_bytes > router_->config().limits.max_stream_bytes) {
    actions_.push_back(CancelUpstream{awaiting.attempt});
    fail_attempt(awaiting, {AttemptOutcome::TargetError, awaiting.status, "answer_too_large", "the stream exceeded max_stream_bytes", {}},
                 last_event_ms_);
  }
}

void Call::feed_stream(Streaming& streaming, std::string_view bytes) {
  streaming.stream_bytes += bytes.size();
  streaming.fed_since_deadline = true;  // (last_event_ms_ + timeout would never move during a long stream)
  std::string out;
  streaming.stream->feed(bytes, out);
  relay(std::move(out));
  if (const auto& error = streaming.stream->error()) {
    actions_.push_back(CancelUpstream{streaming.attempt});
    return end_stream_with_error(streaming, stream_error_code(*error), error->message, last_event_ms_);
  }
  if (streaming.stream_bytes > router_->config().limits.max_stream_bytes) {
    actions_.push_back(CancelUpstream{streaming.attempt});
    end_stream_with_error(streaming, "answer_too_large", "the stream exceeded max_stream_bytes", last_event_ms_);
  }
}

void Call::begin_streaming(AwaitingUpstream& awaiting, std::string first_bytes) {
  const Candidate& candidate = plan_.candidates[awaiting.candidate];
  trace_.push_back(record_for(awaiting, AttemptOutcome::Ok, last_event_ms_));
  record_health(awaiting, nullptr, last_event_ms_);
  RespondHead head{200, answer_headers(candidate)};
  head.headers[0].second = "text/event-stream";
  head.headers.push_back({"cache-control", "no-cache"});
  if (!plan_.route.empty()) head.headers.push_back({"x-llmroute-route", plan_.route});
  head.headers.push_back({"x-llmroute-attempts", format_attempts_header(trace_)});
  actions_.push_back(std::move(head));
  relay(std::move(first_bytes));
  Streaming streaming;
  streaming.attempt = awaiting.attempt;
  streaming.candidate = awaiting.candidate;
  streaming.sent_ms = awaiting.sent_ms;
  streaming.idle_deadline_ms = last_event_ms_ + candidate.target.timeout_ms;
  streaming.ends_by_ms = last_event_ms_ + router_->config().limits.max_stream_ms;
  streaming.fed_since_deadline = true;  // these first bytes came at a time after last_event_ms_
  streaming.stream = std::move(awaiting.stream);
  streaming.stream_bytes = awaiting.stream_bytes;
  state_ = std::move(streaming);
}

void Call::end_stream(Streaming& streaming, std::int64_t now_ms) {
  std::string rest;
  streaming.stream->finish(rest);
  relay(std::move(rest));
  if (!streaming.stream->complete()) {
    return end_stream_with_error(streaming, "upstream_incomplete", "the provider's stream ended before the answer was complete",
                                 now_ms);
  }
  actions_.push_back(RespondBytes{"data: [DONE]\n\n"});
  actions_.push_back(RespondEnd{});
  record(stream_record(streaming, "ok", now_ms));
  state_ = Done{};
}

void Call::end_stream_with_error(Streaming& streaming, std::string_view code, std::string_view message, std::int64_t now_ms) {
  // The head is long gone: the error travels as an OpenAI-style error event, and the stream ends.
  // Every way here is the target's fault (the client leaving is on_disconnected), so its health
  // hears of it: a provider whose streams keep breaking opens its circuit like one that errs.
  router_->health().record_late_failure(plan_.candidates[streaming.candidate].target.label(), now_ms, code);
  Error error{ErrorKind::Upstream, 502, "upstream_error", std::string(code), std::string(message), {}};
  actions_.push_back(RespondBytes{"data: " + openai_error_body(error) + "\n\n"});
  actions_.push_back(RespondEnd{});
  record(stream_record(streaming, "stream_interrupted", now_ms));
  state_ = Done{};
}

void Call::gateway_headers(std::vector<providers::Header>& headers) const {
  if (!plan_.route.empty()) {
    if (auto route = router_->config().routes.find(plan_.route); route != router_->config().routes.end()) {
      for (const auto& header : route->second.gateway_headers) headers.push_back(header);
    }
  }
  // AI Gateway keeps five flat entries; keys starting with "cf." are its own.
  constexpr std::size_t kGatewayMetadataEntries = 5;
  std::string metadata = "{\"llmroute_key\":";
  append_json_string(metadata, plan_.key);
  std::size_t entries = 1;
  if (!plan_.route.empty()) {
    metadata += ",\"llmroute_route\":";
    append_json_string(metadata, plan_.route);
    ++entries;
  }
  for (const auto& [name, value] : plan_.metadata) {
    if (entries == kGatewayMetadataEntries) break;
    if (name.rfind("cf.", 0) == 0 || name == "llmroute_key" || name == "llmroute_route") continue;
    metadata += ',';
    append_json_string(metadata, name);
    metadata += ':';
    append_json_string(metadata, value);
    ++entries;
  }
  metadata += '}';
  headers.emplace_back("cf-aig-metadata", std::move(metadata));
}

void Call::relay(std::string translated) {
  if (translated.empty()) return;
  relayed_text_bytes_ += answer_text_bytes(translated);
  actions_.push_back(RespondBytes{std::move(translated)});
}

Cost Call::price(const Candidate& candidate, const Usage& usage) const {
  return price_usage(router_->prices(), candidate.target.provider, candidate.target.model, usage);
}

Cost Call::estimate(const Candidate& candidate, std::size_t answer_text_bytes, Usage& usage) const {
  usage = Usage{};
  usage.prompt_tokens = request_.estimated_prompt_tokens;
  usage.completion_tokens = estimate_tokens(static_cast<std::int64_t>(answer_text_bytes));
  Cost cost = price(candidate, usage);
  if (cost.status == CostStatus::Measured) cost.status = CostStatus::Estimated;
  return cost;
}

RecordUsage Call::stream_record(const Streaming& streaming, std::string outcome, std::int64_t now_ms) const {
  const Candidate& candidate = plan_.candidates[streaming.candidate];
  const auto& stream = *streaming.stream;
  Usage usage = stream.usage();
  // A stream cut before its usage event still cost money: count what was relayed.
  const Cost cost = stream.has_usage() ? price(candidate, usage) : estimate(candidate, relayed_text_bytes_, usage);
  return RecordUsage{plan_.key, plan_.route, candidate.target.provider, candidate.target.model, 200, std::move(outcome),
                     attempts_sent_, usage, cost, now_ms - started_ms_};
}

std::vector<providers::Header> Call::answer_headers(const Candidate& candidate) const {
  return {{"content-type", "application/json"},
          {"x-llmroute-provider", candidate.target.provider},
          {"x-llmroute-model", candidate.target.model}};
}

// ---- steps ----------------------------------------------------------------------------------------

void Call::start_attempt(std::size_t index, std::int64_t now_ms) {
  if (in_feed_) {
    // A failure found in the bytes of an answer moves on, but feed() does not know the time, and
    // a deadline computed from the last event's could already be past: wait for a timer due at
    // once, which brings the real time.
    state_ = BackingOff{index, now_ms};
    return;
  }
  const std::int64_t request_deadline = started_ms_ + plan_.deadline_ms;
  if (now_ms >= request_deadline) return exhausted(now_ms, "deadline");
  if (!admitted(index, now_ms)) return move_on(index + 1, now_ms);
  AwaitingUpstream awaiting;
  if (!send_attempt(index, now_ms, awaiting)) return move_on(index + 1, now_ms);
  state_ = std::move(awaiting);
}

// Builds the request for candidate `index` and orders it sent. False when this target cannot take
// the request as asked (say, a parameter it lacks): it is skipped, with the reason, and that reason
// is answered if no other target can serve.
bool Call::send_attempt(std::size_t index, std::int64_t now_ms, AwaitingUpstream& awaiting) {
  const Candidate& candidate = plan_.candidates[index];
  // A target with overrides sends its own copy of the request; the others send the client's as is.
  const bool overridden = !candidate.target.overrides.empty();
  const ChatRequest target_request = overridden ? with_overrides(request_, candidate.target.overrides) : ChatRequest{};
  auto built = candidate.provider->build_request(overridden ? target_request : request_, candidate.target.model,
                                                router_->request_context(*candidate.provider, now_ms));
  if (!built) {
    untranslatable_ = built.take_error();
    trace_.push_back({candidate.target.label(), AttemptOutcome::Skipped, 0, 0, untranslatable_->code, untranslatable_->message, {}});
    return false;
  }
  ++tries_[index];
  ++attempts_sent_;
  awaiting.attempt = attempts_sent_;
  awaiting.candidate = index;
  awaiting.sent_ms = now_ms;
  awaiting.deadline_ms = std::min(now_ms + candidate.target.timeout_ms, started_ms_ + plan_.deadline_ms);
  awaiting.dropped = std::move(built->dropped);

  SendUpstream send;
  send.attempt = awaiting.attempt;
  send.url = router_->upstream_url(*candidate.provider, built->path);
  send.headers = std::move(built->headers);
  gateway_headers(send.headers);
  send.secret_headers = router_->secret_headers(*candidate.provider);
  send.body = std::move(built->body);
  send.deadline_ms = awaiting.deadline_ms;
  actions_.push_back(std::move(send));
  return true;
}

// ---- hedging: a second attempt races a slow first one; the first answer head wins ----------------

// When the attempt in flight has waited long enough for a hedge, if the route hedges and this call
// has not yet: no head has come, and a next candidate exists.
std::optional<std::int64_t> Call::hedge_due_ms() const {
  const auto* awaiting = std::get_if<AwaitingUpstream>(&state_);
  if (plan_.hedge_after_ms <= 0 || hedged_ || hedge_ || awaiting == nullptr || awaiting->status != 0) return std::nullopt;
  return awaiting->sent_ms + plan_.hedge_after_ms;
}

void Call::start_hedge(const AwaitingUpstream& primary, std::int64_t now_ms) {
  hedged_ = true;
  for (std::size_t i = primary.candidate + 1; i < plan_.candidates.size(); ++i) {
    Candidate& c = plan_.candidates[i];
    if (!c.skip_reason.empty() || c.last_resort || !admitted(i, now_ms)) continue;
    AwaitingUpstream hedge;
    if (send_attempt(i, now_ms, hedge)) {
      hedge_ = std::move(hedge);
      return;
    }
    c.skip_reason = untranslatable_->code;  // traced once: not tried again when the call moves on
  }
}

void Call::on_hedge_responded(const UpstreamResponded& e) {
  if (hedge_->status != 0) return;
  if (e.status < 200 || e.status >= 300) {
    // The first attempt may still answer: the hedge is simply given up. Only the provider's own
    // trouble counts against its circuit.
    actions_.push_back(CancelUpstream{hedge_->attempt});
    const bool retryable = is_retryable_status(plan_.candidates[hedge_->candidate].target.retry, e.status);
    return fail_hedge({retryable ? AttemptOutcome::RetryableError : AttemptOutcome::TargetError, e.status,
                       "status_" + std::to_string(e.status), {}, e.retry_after_ms},
                      e.now_ms);
  }
  // The hedge answered first: the first attempt is cancelled, and the hedge goes on in its place.
  auto& primary = std::get<AwaitingUpstream>(state_);
  actions_.push_back(CancelUpstream{primary.attempt});
  trace_.push_back(record_for(primary, AttemptOutcome::Cancelled, e.now_ms, "hedge_lost"));
  router_->health().record_abandoned(plan_.candidates[primary.candidate].target.label());
  AwaitingUpstream winner = std::move(*hedge_);
  hedge_.reset();
  state_ = std::move(winner);
  on_responded(e);
}

void Call::fail_hedge(Failure failure, std::int64_t now_ms) {
  AttemptRecord record = record_for(*hedge_, failure.outcome, now_ms, failure.reason, failure.detail);
  record.status = failure.status;
  trace_.push_back(std::move(record));
  if (failure.outcome == AttemptOutcome::TargetError && failure.status >= 400 && failure.status < 500) {
    router_->health().record_abandoned(plan_.candidates[hedge_->candidate].target.label());
  } else {
    record_health(*hedge_, &failure, now_ms);
  }
  hedge_.reset();
}

// The attempt in state_ answered (or the call ended): the hedge is cancelled and traced as such.
void Call::drop_hedge(std::int64_t now_ms) {
  actions_.push_back(CancelUpstream{hedge_->attempt});
  trace_.push_back(record_for(*hedge_, AttemptOutcome::Cancelled, now_ms, "hedge_lost"));
  router_->health().record_abandoned(plan_.candidates[hedge_->candidate].target.label());
  hedge_.reset();
}

AttemptRecord Call::record_for(const AwaitingUpstream& awaiting, AttemptOutcome outcome, std::int64_t now_ms, std::string reason,
                               std::string detail) const {
  return AttemptRecord{plan_.candidates[awaiting.candidate].target.label(), outcome, awaiting.status, now_ms - awaiting.sent_ms,
                       std::move(reason), std::move(detail), awaiting.dropped};
}

void Call::fail_attempt(AwaitingUpstream& awaiting, Failure failure, std::int64_t now_ms) {
  const std::size_t index = awaiting.candidate;
  const Candidate& candidate = plan_.candidates[index];
  const RetryPolicy& retry = candidate.target.retry;
  AttemptRecord record = record_for(awaiting, failure.outcome, now_ms, failure.reason, failure.detail);
  record.status = failure.status;
  record_health(awaiting, &failure, now_ms);
  if (hedge_) {
    // A hedge is already racing: it carries on alone, in place of retries of this one.
    trace_.push_back(std::move(record));
    AwaitingUpstream next = std::move(*hedge_);
    hedge_.reset();
    state_ = std::move(next);
    return;
  }

  const bool retryable = failure.outcome == AttemptOutcome::RetryableError || failure.outcome == AttemptOutcome::Timeout ||
                         failure.outcome == AttemptOutcome::NetworkError;
  if (failure.retry_after_ms) {
    shortest_retry_after_ms_ = std::min(shortest_retry_after_ms_.value_or(*failure.retry_after_ms), *failure.retry_after_ms);
  }
  if (retryable && tries_[index] < retry.attempts) {
    const auto& retry_after = failure.retry_after_ms;
    if (retry_after && *retry_after > retry.max_retry_after_ms) {
      record.reason += "_retry_after_too_long";  // the provider asks for longer than we wait: next target
    } else {
      const std::int64_t delay = std::max(backoff_ms(retry, tries_[index]), retry_after.value_or(0));
      if (now_ms + delay < started_ms_ + plan_.deadline_ms) {
        trace_.push_back(std::move(record));
        state_ = BackingOff{index, now_ms + delay};
        return;
      }
      record.reason += "_no_time_to_retry";
    }
  }
  trace_.push_back(std::move(record));
  if (failure.reason == "context_length_exceeded") larger_context_left(index, true);
  move_on(index + 1, now_ms);
}

void Call::move_on(std::size_t from, std::int64_t now_ms) {
  // The last resort stands in only for a route whose every candidate was passed over as open.
  const bool all_open = attempts_sent_ == 0 && circuit_open_skips_ > 0;
  for (std::size_t i = from; i < plan_.candidates.size(); ++i) {
    const Candidate& c = plan_.candidates[i];
    if (c.skip_reason.empty() && (!c.last_resort || all_open)) return start_attempt(i, now_ms);
  }
  const bool out_of_time = now_ms >= started_ms_ + plan_.deadline_ms;
  exhausted(now_ms, all_open                ? "circuit_open"
                    : attempts_sent_ == 0 ? "no_usable_target"
                    : out_of_time         ? "deadline"
                                          : "all_failed");
}

// Asks the target's circuit breaker; a refusal is traced as a skip. The last resort is not asked:
// it is what is left when every circuit is open.
bool Call::admitted(std::size_t index, std::int64_t now_ms) {
  const Candidate& candidate = plan_.candidates[index];
  if (candidate.last_resort) return true;
  const Health::Admission admission = router_->health().admit(candidate.target.label(), now_ms);
  if (admission.allowed) return true;
  ++circuit_open_skips_;
  circuit_retry_at_ms_ = std::min(circuit_retry_at_ms_.value_or(admission.retry_at_ms), admission.retry_at_ms);
  trace_.push_back({candidate.target.label(), AttemptOutcome::Skipped, 0, 0, "circuit_open",
                    "circuit open for " + std::to_string((admission.retry_at_ms - now_ms + 999) / 1000) + " s more", {}});
  return false;
}

// Every finished attempt tells the shared health what it saw: a failure of the target's own
// (5xx, 429, timeout, network, a refused key) counts against its circuit; an answer counts for it.
void Call::record_health(const AwaitingUpstream& awaiting, const Failure* failure, std::int64_t now_ms) {
  Health& health = router_->health();
  const std::string label = plan_.candidates[awaiting.candidate].target.label();
  if (failure == nullptr) return health.record_success(label, now_ms);
  if (failure->reason == "context_length_exceeded") return health.record_success(label, now_ms);  // healthy, just small
  health.record_failure(label, now_ms, failure->reason, failure->retry_after_ms);
}

// After a context-length error from candidate `failed`: whether a later usable candidate may have a
// larger window (a larger or unknown one); with `pass_over`, the others are skipped and traced.
bool Call::larger_context_left(std::size_t failed, bool pass_over) {
  auto window = [&](const Candidate& c) {
    const ModelPrice* price = find_price(router_->prices(), c.target.provider, c.target.model);
    return price == nullptr ? 0 : price->context_window;
  };
  const std::int64_t failed_window = window(plan_.candidates[failed]);
  bool left = false;
  for (std::size_t i = failed + 1; i < plan_.candidates.size(); ++i) {
    Candidate& c = plan_.candidates[i];
    if (!c.skip_reason.empty() || c.last_resort) continue;
    const std::int64_t w = window(c);
    if (failed_window > 0 && w > 0 && w <= failed_window) {
      if (!pass_over) continue;
      c.skip_reason = "context_window_too_small";
      c.skip_detail = "no larger than that of " + plan_.candidates[failed].target.label() + ", which refused the prompt as too long";
      trace_.push_back({c.target.label(), AttemptOutcome::Skipped, 0, 0, c.skip_reason, c.skip_detail, {}});
      continue;
    }
    left = true;
  }
  return left;
}

void Call::succeed(AwaitingUpstream& awaiting, providers::Answer answer, std::int64_t now_ms) {
  const Candidate& candidate = plan_.candidates[awaiting.candidate];
  trace_.push_back(record_for(awaiting, AttemptOutcome::Ok, now_ms));
  record_health(awaiting, nullptr, now_ms);
  const Cost cost = answer.has_usage ? price(candidate, answer.usage)
                                     : estimate(candidate, answer_text_bytes(answer.body), answer.usage);
  // The body's usage gains the cost too (an answer without usage keeps its body as it came).
  if (answer.has_usage) append_to_member_object(answer.body, "usage", cost_members(cost));
  Respond respond{200, answer_headers(candidate), std::move(answer.body)};
  respond.headers.push_back({"x-llmroute-cost-usd", format_scaled(cost.micro_usd, kMicroScale)});
  respond.headers.push_back({"x-llmroute-cost-status", std::string(cost_status_name(cost.status))});
  RecordUsage record{plan_.key, plan_.route, candidate.target.provider, candidate.target.model, 200, "ok",
                     attempts_sent_, answer.usage, cost, now_ms - started_ms_};
  finish(std::move(respond), std::move(record));
}

void Call::answer_client_error(AwaitingUpstream& awaiting, const providers::UpstreamError& error, std::int64_t now_ms) {
  const Candidate& candidate = plan_.candidates[awaiting.candidate];
  const int status = awaiting.status;
  record_health(awaiting, nullptr, now_ms);  // the provider is up: it judged the request
  trace_.push_back(record_for(awaiting, AttemptOutcome::ClientError, now_ms, "status_" + std::to_string(status), error.message));
  Error client{ErrorKind::Client, status, error.type, error.code, error.message, {}};
  Respond respond{status, answer_headers(candidate), openai_error_body(client)};
  finish(std::move(respond), RecordUsage{plan_.key, plan_.route, candidate.target.provider, candidate.target.model, status,
                                         "client_error", attempts_sent_, {}, {}, now_ms - started_ms_});
}

// Error path: size over speed.
LLMROUTE_SIZE_OVER_SPEED void Call::exhausted(std::int64_t now_ms, std::string_view why) {
  if (attempts_sent_ == 0 && untranslatable_) {
    Error error = *untranslatable_;
    return finish(Respond{error.http_status, {{"content-type", "application/json"}}, openai_error_body(error)},
                  RecordUsage{plan_.key, plan_.route, {}, {}, error.http_status, "client_error", 0, {}, {}, now_ms - started_ms_});
  }
  // Every candidate failed or none could be tried: say what happened to each.
  int status = 502;
  std::string code = "upstream_error";
  bool all_rate_limited = attempts_sent_ > 0;
  bool all_timeouts = attempts_sent_ > 0;
  std::string details;
  for (const AttemptRecord& r : trace_) {
    if (r.outcome != AttemptOutcome::Skipped) {
      all_rate_limited = all_rate_limited && r.status == 429;
      all_timeouts = all_timeouts && r.outcome == AttemptOutcome::Timeout;
    }
    details += (details.empty() ? "" : "; ") + r.target + ": " + std::string(outcome_name(r.outcome));
    if (r.status != 0) details += " HTTP " + std::to_string(r.status);
    if (r.outcome == AttemptOutcome::Skipped && !r.reason.empty()) {
      details += " " + r.reason;  // the reason token the attempts header carries, then the detail
      if (!r.detail.empty()) details += " (" + r.detail + ")";
    } else if (!r.detail.empty()) {
      details += " (" + r.detail + ")";
    } else if (!r.reason.empty()) {
      details += " (" + r.reason + ")";
    }
  }
  if (why == "circuit_open") {
    status = 503;
    code = "circuit_open";
  } else if (why == "no_usable_target") {
    status = 503;
    code = "no_usable_target";
  } else if (why == "deadline") {
    status = 504;
    code = "deadline_exceeded";
  } else if (all_rate_limited) {
    status = 429;
    code = "upstream_rate_limited";
  } else if (all_timeouts) {
    status = 504;
    code = "upstream_timeout";
  }
  std::string message = why == "circuit_open"      ? "every target of this request is cooling down after repeated failures"
                        : why == "no_usable_target" ? "no target of this request can be tried"
                        : why == "deadline"        ? "the request's deadline passed before any target answered"
                                                   : "every target failed";
  if (!details.empty()) message += ": " + details;
  Error error{ErrorKind::Upstream, status, status == 429 ? "rate_limit_error" : "upstream_error", code, message, {}};
  Respond respond{status, {{"content-type", "application/json"}}, openai_error_body(error)};
  if (status == 429 && shortest_retry_after_ms_) {
    respond.headers.push_back({"retry-after", retry_after_seconds(*shortest_retry_after_ms_)});
  }
  if (why == "circuit_open" && circuit_retry_at_ms_) {
    const std::int64_t wait_ms = std::max<std::int64_t>(*circuit_retry_at_ms_ - now_ms, 1000);
    respond.headers.push_back({"retry-after", retry_after_seconds(wait_ms)});
  }
  finish(std::move(respond), RecordUsage{plan_.key, plan_.route, {}, {}, status, code, attempts_sent_, {}, {}, now_ms - started_ms_});
}

void Call::finish(Respond respond, RecordUsage usage) {
  if (hedge_) drop_hedge(last_event_ms_);
  if (!plan_.route.empty()) respond.headers.push_back({"x-llmroute-route", plan_.route});
  respond.headers.push_back({"x-llmroute-attempts", format_attempts_header(trace_)});
  actions_.push_back(std::move(respond));
  record(std::move(usage));
  state_ = Done{};
}

void Call::record(RecordUsage usage) {
  usage.price_version = router_->prices().version;
  usage.reservation_id = reservation_id_;
  // A request refused before routing (a budget, a rate limit, a silent ledger) moved past nothing,
  // though its trace lists the candidates the plan skipped.
  if (!std::holds_alternative<AwaitingReservation>(state_)) usage.fallback_reasons = fallback_reasons(trace_, attempts_sent_);
  actions_.push_back(std::move(usage));
}

std::int64_t Call::backoff_ms(const RetryPolicy& retry, int failed_tries) {
  // Exponential with "equal jitter": half the step is fixed, half is random, so retries from many
  // isolates spread out without ever collapsing to zero delay.
  std::int64_t step = retry.backoff_initial_ms;
  for (int i = 1; i < failed_tries && step < retry.backoff_max_ms; ++i) step *= 2;
  step = std::min(step, retry.backoff_max_ms);
  const std::int64_t half = step / 2;
  const auto jitter = static_cast<std::int64_t>(rng_.below(static_cast<std::uint32_t>(std::min<std::int64_t>(half, 0x7fffffff) + 1)));
  return step - half + jitter;
}

bool Call::is_retryable_status(const RetryPolicy& retry, int status) const {
  if (!retry.on_status.empty()) return std::find(retry.on_status.begin(), retry.on_status.end(), status) != retry.on_status.end();
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

}  // namespace llmroute::core
