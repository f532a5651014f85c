// Fuzz target: the Call state machine (ngtcp2-style, with FuzzedDataProvider choosing what the
// upstream does). The input picks a fixed config and a request (fixed or fuzzed), then a bounded
// sequence of events: heads with any status, body bytes (canned answers, SSE, errors or noise),
// ends, network failures and timeouts, timers at or before the deadline, events for stale or future
// attempts, a client that goes away. After every step the actions are checked against the Call's
// contract, and at the end the call is driven by its own timer until it must have finished.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "support/core_harness.hpp"

namespace {

using namespace llmroute;
using namespace llmroute::core;

constexpr int kMaxSteps = 200;
constexpr int kMaxTimerSteps = 2000;  // every attempt times out and the deadline bounds the backoffs

// ---- fixed setups -----------------------------------------------------------------------------

const char* kRetryingConfig = R"({
  "routes": {"chat": {"targets": [
    {"model": "openai/gpt-4o-mini", "retry": {"attempts": 3, "on_status": [429, 500, 503], "backoff_initial_ms": 0,
     "backoff_max_ms": 50, "max_retry_after_ms": 2000}, "timeout_ms": 1000},
    {"model": "openai/gpt-4o", "retry": {"attempts": 2, "backoff_initial_ms": 10, "backoff_max_ms": 20}, "timeout_ms": 700},
    "openai/gpt-4.1-mini"], "deadline_ms": 3000}},
  "direct": {"retry": {"attempts": 4, "backoff_initial_ms": 1, "backoff_max_ms": 8}, "timeout_ms": 200},
  "limits": {"max_upstream_body_bytes": 1024, "max_stream_bytes": 2048},
  "prices": {"openai/gpt-4o-mini": {"input": "100000", "output": "100000", "cached_input": "0.000001", "cache_write": "3"}}
})";

const char* kByokConfig = R"({
  "routes": {"chat": {"targets": ["openai/gpt-4o-mini", "openai/gpt-4o"], "deadline_ms": 5000}},
  "gateway": {"byok": ["openai"]},
  "direct_models": false
})";

const char* kAnthropicConfig = R"({
  "routes": {"chat": {"targets": [
    {"model": "anthropic/claude-3-5-haiku-latest", "retry": {"attempts": 2, "backoff_initial_ms": 5}, "timeout_ms": 2000},
    "openai/gpt-4o-mini"], "deadline_ms": 10000}},
  "prices": {"anthropic/claude-3-5-haiku-latest": {"input": "0.80", "output": "4", "cached_input": "0.08", "cache_write": "1"}}
})";

const char* kBudgetConfig = R"({
  "routes": {"chat": {"targets": ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"], "deadline_ms": 10000,
    "budgets": [{"usd": "5.00", "window": "day"}, {"usd": "100", "window": "month"}]}},
  "keys": [{"name": "metered", "sha256": "0000000000000000000000000000000000000000000000000000000000000001",
    "budgets": [{"usd": "0.000001", "window": "hour"}], "requests_per_minute": 60}],
  "prices": {"openai/gpt-4o-mini": {"input": "0.15", "output": "0.60"},
             "anthropic/claude-3-5-haiku-latest": {"input": "0.80", "output": "4"}}
})";

const char* kPatientConfig = R"({
  "routes": {"chat": {"targets": [{"model": "openai/gpt-4o-mini", "retry": {"attempts": 10, "backoff_initial_ms": 0,
    "backoff_max_ms": 0, "max_retry_after_ms": 0}, "timeout_ms": 1}], "deadline_ms": 900000}}
})";

struct Setup {
  const char* config;
  std::vector<std::string> secrets;
};

const std::vector<std::shared_ptr<const Router>>& routers() {
  static const auto instances = [] {
    const Setup setups[] = {
        {test_support::kTwoTargetConfig, {"OPENAI_API_KEY"}},
        {kRetryingConfig, {"OPENAI_API_KEY", "CF_AIG_TOKEN"}},
        {kByokConfig, {"CF_AIG_TOKEN"}},
        {test_support::kTwoTargetConfig, {}},  // no provider key: every target is skipped
        {kPatientConfig, {"OPENAI_API_KEY"}},
        {kAnthropicConfig, {"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}},
        {kBudgetConfig, {"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}},  // calls ask the ledger first
    };
    std::vector<std::shared_ptr<const Router>> out;
    for (const Setup& s : setups) {
      out.push_back(test_support::make_router(s.config, s.secrets));
      FUZZ_CHECK(out.back() != nullptr, s.config);
    }
    return out;
  }();
  return instances;
}

const char* kRequests[] = {
    R"({"model":"chat","messages":[{"role":"user","content":"Say hello"}]})",
    R"({"model":"chat","messages":[{"role":"user","content":"Say hello"}],"stream":true})",
    R"({"model":"chat","messages":[{"role":"user","content":"Say hello"}],"stream":true,"stream_options":{"include_usage":true}})",
    R"({"model":"openai/gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"max_tokens":16})",
    R"({"model":"openai/o1","models":["chat","openai/gpt-4o"],"messages":[{"role":"user","content":"Hi"}],"temperature":0.5})",
};

const char* kErrorBodies[] = {
    R"({"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}})",
    R"({"error":{"message":"This model's maximum context length is 8 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})",
    R"({"error":{"message":"Incorrect API key provided: sk-abc***","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})",
    R"({"error":{"message":"The server had an error while processing your request.","type":"server_error"}})",
    R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
    R"({"error":"plain string"})",
    "<html><body>502 Bad Gateway</body></html>",
    "",
};

const char* kSseEvents[] = {
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
    "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[],"
    "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n",
    "data: [DONE]\n\n",
    "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":\"overloaded\"}}\n\n",
    ": keep-alive\n\n",
    "event: ping\r\ndata: {}\r\n\r\n",
    "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\n",
    // Anthropic's Messages stream
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":"
    "\"assistant\",\"model\":\"claude-3-5-haiku-20241022\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":"
    "12,\"output_tokens\":1,\"cache_read_input_tokens\":3}}}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
    "\"text\":\"\"}}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\"Hi\"}}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
    "\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"{\\\"a\\\":1}\"}}\n\n",
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":"
    "{\"output_tokens\":5}}\n\n",
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
};

constexpr int kStatuses[] = {200, 200, 200, 201, 204, 400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529};

// Fuzzed text for an event field: events reach the Call from JSON, so their strings are UTF-8.
std::string utf8_text(FuzzedDataProvider& fdp, std::size_t max_length) {
  const json text = fdp.ConsumeRandomLengthString(max_length);
  return fuzz::parse_or_discarded(text.dump(-1, ' ', false, json::error_handler_t::replace)).get_ref<const std::string&>();
}

// A chat.completion with fuzzed usage counts (any int64: providers do send nonsense).
std::string answer_body(FuzzedDataProvider& fdp) {
  auto number = [&fdp]() -> std::string {
    switch (fdp.ConsumeIntegralInRange(0, 3)) {
      case 0: return std::to_string(fdp.ConsumeIntegralInRange<std::int64_t>(0, 100000));
      case 1: return std::to_string(fdp.ConsumeIntegral<std::int64_t>());
      case 2: return std::to_string(fdp.ConsumeIntegral<std::uint64_t>());
      default: return "1e300";
    }
  };
  std::string prompt = number(), completion = number(), cached = number();
  return R"({"id":"chatcmpl-fuzz","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",)"
         R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],)"
         R"("usage":{"prompt_tokens":)" + prompt + R"(,"completion_tokens":)" + completion +
         R"(,"prompt_tokens_details":{"cached_tokens":)" + cached + "}}}";
}

// An Anthropic message with fuzzed usage counts.
std::string anthropic_body(FuzzedDataProvider& fdp) {
  const std::int64_t input = fdp.ConsumeIntegral<std::int64_t>(), output = fdp.ConsumeIntegralInRange<std::int64_t>(0, 5000);
  return R"({"id":"msg_fuzz","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[)"
         R"({"type":"text","text":"Hi!"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1,2]}}],)"
         R"("stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":)" + std::to_string(input) +
         R"(,"output_tokens":)" + std::to_string(output) + R"(,"cache_creation_input_tokens":7,"cache_read_input_tokens":3}})";
}

std::string upstream_bytes(FuzzedDataProvider& fdp) {
  switch (fdp.ConsumeIntegralInRange(0, 6)) {
    case 0: return answer_body(fdp);
    case 6: return anthropic_body(fdp);
    case 1: return fdp.PickValueInArray(kErrorBodies);
    case 2: return fdp.PickValueInArray(kSseEvents);
    case 3: return std::string(fdp.ConsumeIntegralInRange<std::size_t>(0, 4096), ' ');
    default: return fdp.ConsumeRandomLengthString(512);
  }
}

// ---- the contract -------------------------------------------------------------------------------

bool valid_headers(const std::vector<providers::Header>& headers) {
  return std::all_of(headers.begin(), headers.end(), [](const providers::Header& h) {
    return !h.first.empty() && fuzz::is_header_value(h.first) && fuzz::is_header_value(h.second);
  });
}

std::string header_of(const std::vector<providers::Header>& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

// What we re-frame for the client are whole events, each line a data line: "data: ...\n\n".
bool whole_sse_events(std::string_view bytes) {
  if (bytes.size() < 2 || bytes.substr(bytes.size() - 2) != "\n\n") return false;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const std::size_t end = bytes.find('\n', start);
    const std::string_view line = bytes.substr(start, end - start);
    if (!line.empty() && line.substr(0, 6) != "data: ") return false;
    if (line.find('\r') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

class Checker {
 public:
  Checker(Call& call, std::string gateway) : call_(call), gateway_(std::move(gateway)) {}

  // Drains the actions of one step taken at `now_ms` and checks them and the state they leave.
  void after_step(std::int64_t now_ms, bool client_left = false) {
    const bool was_done = done_;
    while (auto action = call_.poll_action()) {
      FUZZ_CHECK(!was_done, "an action after the call was done");
      check(*action, now_ms, client_left);
    }
    done_ = call_.done();
    FUZZ_CHECK(!was_done || done_, "a done call came back to life");
    FUZZ_CHECK(recorded_ == done_, "usage is recorded exactly when the call is done");
    if (response_finished_) FUZZ_CHECK(done_, "answered but not done");
    if (done_) {
      FUZZ_CHECK(!call_.next_deadline_ms(), "a deadline on a done call");
      FUZZ_CHECK(response_finished_ || client_left_, "done without answering the client");
    } else if (call_.started()) {
      FUZZ_CHECK(call_.next_deadline_ms().has_value(), "a call that waits with no deadline");
    }
  }

  int last_attempt() const { return last_attempt_; }
  bool awaiting_ledger() const { return awaiting_ledger_ && !done_; }
  bool answered() const { return response_finished_; }

 private:
  void check(const Action& action, std::int64_t now_ms, bool client_left) {
    if (trace_) trace(action, now_ms);
    if (const auto* send = std::get_if<SendUpstream>(&action)) {
      FUZZ_CHECK(!response_started_ && !recorded_, "an attempt after the client was answered");
      awaiting_ledger_ = false;
      FUZZ_CHECK(send->attempt > last_attempt_, "attempt numbers must increase");
      last_attempt_ = send->attempt;
      FUZZ_CHECK(send->deadline_ms > now_ms, "an attempt whose deadline has already passed");
      FUZZ_CHECK(send->url.rfind(gateway_, 0) == 0, send->url.c_str());
      FUZZ_CHECK(fuzz::is_json(send->body), send->body.c_str());
      FUZZ_CHECK(valid_headers(send->headers), "an upstream header the Worker cannot set");
      FUZZ_CHECK(!send->secret_headers.empty(), "an upstream request without credentials");
    } else if (const auto* reserve = std::get_if<ReserveBudget>(&action)) {
      FUZZ_CHECK(!reserved_ && last_attempt_ == 0 && !response_started_, "a reservation after the first attempt");
      reserved_ = awaiting_ledger_ = true;
      FUZZ_CHECK(reserve->amount_micro_usd >= 0, "a negative reservation");
      for (const BudgetCheck& c : reserve->checks) {
        FUZZ_CHECK(c.window_start_ms <= reserve->now_ms && reserve->now_ms < c.window_end_ms, c.window.c_str());
        FUZZ_CHECK(c.limit_micro_usd > 0, c.scope.c_str());
      }
    } else if (const auto* cancel = std::get_if<CancelUpstream>(&action)) {
      FUZZ_CHECK(cancel->attempt > 0 && cancel->attempt == last_attempt_, "cancelling an attempt not in flight");
      FUZZ_CHECK(cancelled_.insert(cancel->attempt).second, "an attempt cancelled twice");
    } else if (const auto* respond = std::get_if<Respond>(&action)) {
      FUZZ_CHECK(!response_started_, "a second answer to the client");
      response_started_ = response_finished_ = true;
      status_ = respond->status;
      // The Worker's Response constructor throws a RangeError outside 200..599.
      FUZZ_CHECK(respond->status >= 200 && respond->status <= 599, std::to_string(respond->status).c_str());
      FUZZ_CHECK(valid_headers(respond->headers), "a response header the Worker cannot set");
      FUZZ_CHECK(!header_of(respond->headers, "content-type").empty(), "an answer without content-type");
      FUZZ_CHECK(fuzz::is_json(respond->body), respond->body.c_str());
    } else if (const auto* head = std::get_if<RespondHead>(&action)) {
      FUZZ_CHECK(!response_started_, "a second answer to the client");
      response_started_ = true;
      status_ = head->status;
      FUZZ_CHECK(head->status == 200, "a stream that does not start with 200");
      FUZZ_CHECK(valid_headers(head->headers), "a response header the Worker cannot set");
      FUZZ_CHECK(header_of(head->headers, "content-type") == "text/event-stream", "a stream that is not SSE");
    } else if (const auto* bytes = std::get_if<RespondBytes>(&action)) {
      FUZZ_CHECK(response_started_ && !response_finished_, "stream bytes outside a stream");
      FUZZ_CHECK(!bytes->bytes.empty(), "empty stream bytes");
      FUZZ_CHECK(whole_sse_events(bytes->bytes), bytes->bytes.c_str());
    } else if (std::holds_alternative<RespondEnd>(action)) {
      FUZZ_CHECK(response_started_ && !response_finished_, "a stream end outside a stream");
      response_finished_ = true;
    } else if (const auto* record = std::get_if<RecordUsage>(&action)) {
      FUZZ_CHECK(!recorded_, "usage recorded twice");
      recorded_ = true;
      if (client_left && !response_finished_) {
        client_left_ = true;
      } else {
        FUZZ_CHECK(response_finished_, "usage recorded before the answer ended");
        FUZZ_CHECK(record->status == status_, "the usage record and the answer disagree on the status");
      }
      FUZZ_CHECK(record->attempts == last_attempt_, "the usage record miscounts attempts");
      FUZZ_CHECK(record->latency_ms >= 0, "a negative latency on a clock that never goes back");
      FUZZ_CHECK(record->cost.micro_usd >= 0, "a negative cost");
    }
  }

  static void trace(const Action& action, std::int64_t now_ms) {
    std::string line = "t=" + std::to_string(now_ms) + " ";
    if (const auto* send = std::get_if<SendUpstream>(&action)) line += "send attempt " + std::to_string(send->attempt) + " " + send->url;
    else if (const auto* cancel = std::get_if<CancelUpstream>(&action)) line += "cancel attempt " + std::to_string(cancel->attempt);
    else if (const auto* reserve = std::get_if<ReserveBudget>(&action)) line += "reserve " + std::to_string(reserve->amount_micro_usd);
    else if (const auto* respond = std::get_if<Respond>(&action)) line += "respond " + std::to_string(respond->status) + " " + respond->body;
    else if (const auto* head = std::get_if<RespondHead>(&action)) line += "respond_head " + std::to_string(head->status);
    else if (const auto* bytes = std::get_if<RespondBytes>(&action)) line += "respond_bytes " + bytes->bytes;
    else if (std::holds_alternative<RespondEnd>(action)) line += "respond_end";
    else if (const auto* record = std::get_if<RecordUsage>(&action)) {
      line += "record " + record->outcome + " status " + std::to_string(record->status) + " attempts " +
              std::to_string(record->attempts) + " cost " + std::to_string(record->cost.micro_usd);
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }

  const bool trace_ = std::getenv("LLMROUTE_FUZZ_TRACE") != nullptr;  // prints every action
  Call& call_;
  std::string gateway_;
  int last_attempt_ = 0;
  std::set<int> cancelled_;
  bool response_started_ = false;
  bool response_finished_ = false;
  bool recorded_ = false;
  bool client_left_ = false;
  bool reserved_ = false;
  bool awaiting_ledger_ = false;
  bool done_ = false;
  int status_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto& router = routers()[fdp.ConsumeIntegralInRange<std::size_t>(0, routers().size() - 1)];

  const std::size_t request_choice = fdp.ConsumeIntegralInRange<std::size_t>(0, std::size(kRequests));
  const std::string body =
      request_choice < std::size(kRequests) ? kRequests[request_choice] : fdp.ConsumeRandomLengthString(1024);
  auto request = parse_chat_request(body, router->config().limits.request);
  if (!request) return 0;
  const ClientKey anyone{"fuzz", {}, {"*"}, {"*"}, false};
  auto plan = router->plan(*request, router->config().keys.empty() ? anyone : router->config().keys.front());
  if (!plan) return 0;

  Call call(router, std::move(*request), std::move(*plan));
  Checker checker(call, router->environment().gateway_base_url);
  std::int64_t now = 1'700'000'000'000 + fdp.ConsumeIntegralInRange<std::int64_t>(0, 1 << 30);

  call.handle(ClientRequestReceived{now, fdp.ConsumeIntegral<std::uint64_t>()});
  checker.after_step(now);

  auto pick_attempt = [&]() -> int {
    const int current = checker.last_attempt();
    switch (fdp.ConsumeIntegralInRange(0, 7)) {
      case 5: return current - 1;
      case 6: return current + 1;
      case 7: return fdp.ConsumeIntegral<int>();
      default: return current;
    }
  };
  auto pick_status = [&]() -> int {
    return fdp.ConsumeBool() ? fdp.PickValueInArray(kStatuses) : fdp.ConsumeIntegralInRange(100, 999);
  };
  auto pick_retry_after = [&]() -> std::optional<std::int64_t> {
    switch (fdp.ConsumeIntegralInRange(0, 3)) {
      case 0: return fdp.ConsumeIntegralInRange<std::int64_t>(0, 5000);
      case 1: return fdp.ConsumeIntegralInRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max());
      default: return std::nullopt;
    }
  };

  for (int step = 0; step < kMaxSteps && fdp.remaining_bytes() > 0; ++step) {
    bool client_left = false;
    switch (fdp.ConsumeIntegralInRange(0, 14)) {
      case 0: {
        const int attempt = pick_attempt();
        const int status = pick_status();
        call.handle(UpstreamResponded{attempt, now, status, pick_retry_after()});
        break;
      }
      case 1:
      case 2: {
        // One statement per draw: the order in which arguments are evaluated is unspecified, and
        // gcc's replay must consume the input exactly as clang's libFuzzer build did.
        const int attempt = pick_attempt();
        call.feed(attempt, upstream_bytes(fdp));
        break;
      }
      case 3: call.handle(UpstreamEnded{pick_attempt(), now}); break;
      case 4: {
        const int attempt = pick_attempt();
        call.handle(UpstreamFailed{attempt, now, fdp.ConsumeBool() ? FailureCause::Timeout : FailureCause::Network});
        break;
      }
      case 5:
      case 6:  // the Worker's timer, at the deadline or a little after
        if (const auto deadline = call.next_deadline_ms()) now = std::max(now, *deadline);
        now += fdp.ConsumeIntegralInRange<std::int64_t>(0, 3) == 0 ? fdp.ConsumeIntegralInRange<std::int64_t>(0, 100) : 0;
        call.handle(TimerFired{now});
        break;
      case 7:  // an early timer: changes nothing
        if (const auto deadline = call.next_deadline_ms(); deadline && *deadline > now) {
          now = fdp.ConsumeIntegralInRange<std::int64_t>(now, *deadline - 1);
        }
        call.handle(TimerFired{now});
        break;
      case 8:  // time passes
        switch (fdp.ConsumeIntegralInRange(0, 2)) {
          case 0: now += fdp.ConsumeIntegralInRange<std::int64_t>(0, 100); break;
          case 1: now += fdp.ConsumeIntegralInRange<std::int64_t>(0, 10000); break;
          default: now += fdp.ConsumeIntegralInRange<std::int64_t>(0, 1'000'000'000); break;
        }
        continue;
      case 9: {  // a whole answer at once, its body split in two feeds
        const int attempt = pick_attempt();
        const int status = pick_status();
        std::string bytes;
        switch (status >= 200 && status < 300 ? fdp.ConsumeIntegralInRange(0, 2) : 2) {
          case 0: bytes = answer_body(fdp); break;
          case 1: bytes = anthropic_body(fdp); break;
          default: bytes = upstream_bytes(fdp);
        }
        const std::size_t split = fdp.ConsumeIntegralInRange<std::size_t>(0, bytes.size());
        call.handle(UpstreamResponded{attempt, now, status, std::nullopt});
        call.feed(attempt, std::string_view(bytes).substr(0, split));
        call.feed(attempt, std::string_view(bytes).substr(split));
        call.handle(UpstreamEnded{attempt, now});
        break;
      }
      case 10: {  // a whole stream: some events, maybe [DONE], then the end
        const int attempt = checker.last_attempt();
        call.handle(UpstreamResponded{attempt, now, 200, std::nullopt});
        const int events = fdp.ConsumeIntegralInRange(0, 6);
        for (int i = 0; i < events; ++i) call.feed(attempt, fdp.PickValueInArray(kSseEvents));
        if (fdp.ConsumeBool()) call.handle(UpstreamEnded{attempt, now});
        break;
      }
      case 11:
        call.handle(ClientDisconnected{now});
        client_left = true;
        break;
      case 12:  // a second start must change nothing
        call.handle(ClientRequestReceived{now, 1});
        break;
      case 13:  // the ledger reserved
        call.handle(BudgetReserved{now, fdp.ConsumeBool() ? "res-1" : utf8_text(fdp, 64)});
        break;
      default: {  // the ledger refused
        BudgetRefused refused;
        refused.now_ms = now;
        refused.http_status = fdp.ConsumeBool() ? 402 : fdp.ConsumeBool() ? 429 : fdp.ConsumeIntegral<int>();
        refused.code = fdp.ConsumeBool() ? "budget_exceeded" : utf8_text(fdp, 32);
        refused.message = utf8_text(fdp, 128);
        refused.retry_after_ms = pick_retry_after();
        call.handle(refused);
        break;
      }
    }
    checker.after_step(now, client_left);
    if (call.done()) break;
  }

  // Whatever happened, the call's own timer must bring it to an end, with one answer.
  for (int i = 0; i < kMaxTimerSteps && !call.done(); ++i) {
    // The ledger answers, or (the input says) never does and the call's own deadline ends it.
    if (checker.awaiting_ledger() && !fdp.ConsumeBool()) {
      call.handle(BudgetReserved{now, "res-end"});
      checker.after_step(now);
      continue;
    }
    const auto deadline = call.next_deadline_ms();
    FUZZ_CHECK(deadline.has_value(), "an unfinished call with no deadline");
    now = std::max(now, *deadline);
    call.handle(TimerFired{now});
    checker.after_step(now);
  }
  FUZZ_CHECK(call.done(), "the call did not finish on its own timer");
  return 0;
}
