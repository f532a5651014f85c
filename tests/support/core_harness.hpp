// Test support: builds routers from JSON text and drives a Call with a simulated clock, collecting
// the actions it emits. Used by the unit tests and the native benchmark.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/call.hpp"

namespace llmroute::test_support {

inline constexpr const char* kGatewayUrl = "http://127.0.0.1:9/v1/acct/gw";

// A router over `config_json`; the environment has every provider key set unless told otherwise.
inline std::shared_ptr<const core::Router> make_router(const std::string& config_json,
                                                       std::vector<std::string> secrets = {"OPENAI_API_KEY"},
                                                       std::vector<ConfigProblem>* problems_out = nullptr) {
  json doc = json::object();
  doc["config"] = json::parse(config_json, nullptr, false);
  doc["environment"] = {{"gateway_base_url", kGatewayUrl}, {"secrets_set", secrets}};
  std::vector<ConfigProblem> problems;
  auto router = core::Router::create(doc, problems);
  if (problems_out != nullptr) *problems_out = problems;
  return router;
}

// The problems parse_config finds in `config_json`.
inline std::vector<ConfigProblem> problems_of(const std::string& config_json) {
  std::vector<ConfigProblem> problems;
  parse_config(json::parse(config_json), problems);
  return problems;
}

// Whether a problem at exactly `path` says `fragment`.
inline bool has_problem(const std::vector<ConfigProblem>& problems, std::string_view path, std::string_view fragment) {
  for (const auto& p : problems) {
    if (p.path == path && p.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

// Drives one call; every helper returns the actions the step produced.
class CallDriver {
 public:
  // `key` defaults to one that may use every route and model.
  CallDriver(std::shared_ptr<const core::Router> router, const std::string& body, std::uint64_t seed = 7,
             const ClientKey& key = ClientKey{"test-key", {}, {"*"}, {"*"}, false})
      : router_(std::move(router)) {
    auto request = parse_chat_request(body, router_->config().limits.request);
    if (!request) { error = request.error(); return; }
    auto plan = router_->plan(*request, key);
    if (!plan) { error = plan.error(); return; }
    call = std::make_unique<core::Call>(router_, std::move(*request), std::move(*plan));
    seed_ = seed;
  }

  std::vector<core::Action> start() { return step(core::ClientRequestReceived{now_ms, seed_}); }

  std::vector<core::Action> step(const core::Event& event) {
    call->handle(event);
    return drain();
  }

  // The whole answer of one attempt: head, body, end.
  std::vector<core::Action> answer(int attempt, int status, const std::string& body,
                                   std::optional<std::int64_t> retry_after_ms = std::nullopt) {
    call->handle(core::UpstreamResponded{attempt, now_ms, status, retry_after_ms});
    call->feed(attempt, body);
    call->handle(core::UpstreamEnded{attempt, now_ms});
    return drain();
  }

  std::vector<core::Action> fail(int attempt, core::FailureCause cause = core::FailureCause::Network) {
    return step(core::UpstreamFailed{attempt, now_ms, cause});
  }

  // Jumps the clock to the call's deadline and fires the timer there.
  std::vector<core::Action> fire_timer() {
    const auto deadline = call->next_deadline_ms();
    if (deadline) now_ms = *deadline;
    return step(core::TimerFired{now_ms});
  }

  std::vector<core::Action> drain() {
    std::vector<core::Action> out;
    while (auto a = call->poll_action()) out.push_back(std::move(*a));
    return out;
  }

  std::int64_t now_ms = 1'700'000'000'000;
  std::optional<Error> error;
  std::unique_ptr<core::Call> call;

 private:
  std::shared_ptr<const core::Router> router_;
  std::uint64_t seed_ = 7;
};

template <typename T>
const T* find_action(const std::vector<core::Action>& actions) {
  for (const auto& a : actions) {
    if (const T* t = std::get_if<T>(&a)) return t;
  }
  return nullptr;
}

inline std::string header(const core::Respond& respond, std::string_view name) {
  for (const auto& [k, v] : respond.headers) {
    if (k == name) return v;
  }
  return {};
}

// The fallback reasons of the usage record among `actions`, one "provider model reason xN" each,
// to compare whole; {"(no record)"} when there is none.
inline std::vector<std::string> fallback_reasons_of(const std::vector<core::Action>& actions) {
  const auto* record = find_action<core::RecordUsage>(actions);
  if (record == nullptr) return {"(no record)"};
  std::vector<std::string> out;
  for (const core::FallbackReason& f : record->fallback_reasons) {
    out.push_back(f.provider + " " + f.model + " " + f.reason + " x" + std::to_string(f.count));
  }
  return out;
}

// An OpenAI chat.completion written for these tests (not a recording).
inline std::string openai_answer(std::int64_t prompt, std::int64_t completion, std::int64_t cached = 0) {
  return R"({"id":"chatcmpl-test1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",)"
         R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi!","refusal":null},"finish_reason":"stop"}],)"
         R"("usage":{"prompt_tokens":)" + std::to_string(prompt) + R"(,"completion_tokens":)" + std::to_string(completion) +
         R"(,"total_tokens":)" + std::to_string(prompt + completion) +
         R"(,"prompt_tokens_details":{"cached_tokens":)" + std::to_string(cached) + R"(}}})";
}

// An OpenAI stream written for these tests: role, two content pieces, finish, usage, [DONE].
inline std::string openai_stream(bool with_usage = true) {
  const std::string head = R"({"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[)";
  std::string out;
  out += "data: " + head + R"({"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})" + "\n\n";
  out += "data: " + head + R"({"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})" + "\n\n";
  out += "data: " + head + R"({"index":0,"delta":{"content":"lo!"},"finish_reason":null}]})" + "\n\n";
  out += "data: " + head + R"({"index":0,"delta":{},"finish_reason":"stop"}]})" + "\n\n";
  if (with_usage) {
    out += "data: " + head + R"(],"usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500}})" + "\n\n";
  }
  out += "data: [DONE]\n\n";
  return out;
}

inline const char* kTwoTargetConfig = R"({
  "routes": {
    "chat": {
      "targets": [
        {"model": "openai/gpt-4o-mini", "retry": {"attempts": 2, "backoff_initial_ms": 100, "backoff_max_ms": 1000}, "timeout_ms": 5000},
        {"model": "openai/gpt-4o", "retry": {"attempts": 1}, "timeout_ms": 5000}
      ],
      "deadline_ms": 20000
    }
  },
  "prices": {
    "openai/gpt-4o-mini": {"input": "0.15", "output": "0.60", "cached_input": "0.075"},
    "openai/gpt-4o": {"input": "2.50", "output": "10.00"}
  }
})";

inline const char* kHelloRequest = R"({"model":"chat","messages":[{"role":"user","content":"Say hello"}],"temperature":0.2,"future_param":{"x":1}})";

}  // namespace llmroute::test_support
