// Routing across calls, with a simulated clock: circuit breakers shared by calls of one router, the
// last resort, capability skips, context-length fallback and seeded load balancing in the trace.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/call.hpp"
#include "support/core_harness.hpp"

using namespace llmroute;
using namespace llmroute::core;
using test_support::CallDriver;
using test_support::fallback_reasons_of;
using test_support::find_action;
using test_support::header;
using test_support::make_router;
using test_support::openai_answer;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;

const char* kBreakerConfig = R"({
  "circuit_breaker": {"failures": 2, "window_ms": 60000, "cooldown_ms": 30000},
  "routes": {
    "r": {"targets": [{"model": "openai/gpt-4o-mini", "retry": {"attempts": 1}}, {"model": "openai/gpt-4o", "retry": {"attempts": 1}}]},
    "backed": {"targets": [{"model": "openai/gpt-4o-mini", "retry": {"attempts": 1}}], "last_resort": "openai/gpt-4.1-nano"}
  }
})";

std::string hello(const std::string& model) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"Say hello"}]})";
}

const SendUpstream* sent(const std::vector<Action>& actions) { return find_action<SendUpstream>(actions); }

std::string sent_model(const std::vector<Action>& actions) {
  const SendUpstream* send = sent(actions);
  return send == nullptr ? "" : json::parse(send->body)["model"].get<std::string>();
}

// One call of `model` at `now_ms` in which every attempt fails with `status`; returns the answer.
Respond fail_every_attempt(const std::shared_ptr<const Router>& router, const std::string& model, std::int64_t now_ms, int status) {
  CallDriver d(router, hello(model));
  d.now_ms = now_ms;
  auto actions = d.start();
  while (const SendUpstream* send = sent(actions)) actions = d.answer(send->attempt, status, R"({"error":{"message":"down"}})");
  const Respond* respond = find_action<Respond>(actions);
  return respond == nullptr ? Respond{} : *respond;
}

}  // namespace

TEST(Routing, BreakerOpensAcrossCallsThenAnswers503WithRetryAfterAndReasons) {
  auto router = make_router(kBreakerConfig);
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(fail_every_attempt(router, "r", kStart, 500).status, 502);
  EXPECT_EQ(fail_every_attempt(router, "r", kStart + 1000, 500).status, 502);  // the second failure of each opens it

  CallDriver d(router, hello("r"));
  d.now_ms = kStart + 2000;
  const auto actions = d.start();
  EXPECT_EQ(sent(actions), nullptr);  // nothing is sent to an open circuit
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 503);
  EXPECT_EQ(header(*respond, "retry-after"), "29");  // both opened at +1 s for 30 s; now is +2 s
  EXPECT_EQ(header(*respond, "x-llmroute-attempts"),
            "openai/gpt-4o-mini;outcome=skipped;reason=circuit_open, openai/gpt-4o;outcome=skipped;reason=circuit_open");
  const json body = json::parse(respond->body);
  EXPECT_EQ(body["error"]["code"], "circuit_open");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("openai/gpt-4o-mini: skipped circuit_open (circuit open for 29 s more)"),
            std::string::npos);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("openai/gpt-4o: skipped circuit_open (circuit open for 29 s more)"),
            std::string::npos);

  // Cooled down: the next call probes gpt-4o-mini; its answer closes the circuit.
  CallDriver probe(router, hello("r"));
  probe.now_ms = kStart + 31000;
  EXPECT_EQ(sent_model(probe.start()), "gpt-4o-mini");
  EXPECT_EQ(router->health().state("openai/gpt-4o-mini", kStart + 31000), CircuitState::HalfOpen);
  // Meanwhile another call finds the probe out: gpt-4o-mini is passed over, gpt-4o probed.
  CallDriver meanwhile(router, hello("r"));
  meanwhile.now_ms = kStart + 31500;
  EXPECT_EQ(sent_model(meanwhile.start()), "gpt-4o");
  const auto answered = probe.answer(1, 200, openai_answer(10, 5));
  ASSERT_NE(find_action<Respond>(answered), nullptr);
  EXPECT_EQ(find_action<Respond>(answered)->status, 200);
  EXPECT_EQ(router->health().state("openai/gpt-4o-mini", kStart + 31000), CircuitState::Closed);
  const auto trace = header(*find_action<Respond>(answered), "x-llmroute-attempts");
  EXPECT_EQ(trace, "openai/gpt-4o-mini;outcome=ok;status=200;ms=0");
}

TEST(Routing, TheLastResortAnswersWhenEveryCircuitIsOpen) {
  auto router = make_router(kBreakerConfig);
  ASSERT_NE(router, nullptr);
  // While the circuit is closed the last resort stands aside, even when every candidate fails.
  const Respond failed = fail_every_attempt(router, "backed", kStart, 503);
  EXPECT_EQ(failed.status, 502);
  EXPECT_EQ(header(failed, "x-llmroute-attempts").find("gpt-4.1-nano"), std::string::npos);
  fail_every_attempt(router, "backed", kStart + 10, 503);

  CallDriver d(router, hello("backed"));
  d.now_ms = kStart + 20;
  const auto send = d.start();
  EXPECT_EQ(sent_model(send), "gpt-4.1-nano");
  const auto done = d.answer(1, 200, openai_answer(10, 5));
  const Respond* respond = find_action<Respond>(done);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 200);
  EXPECT_EQ(header(*respond, "x-llmroute-attempts"),
            "openai/gpt-4o-mini;outcome=skipped;reason=circuit_open, openai/gpt-4.1-nano;outcome=ok;status=200;ms=0");
  EXPECT_EQ(fallback_reasons_of(done), (std::vector<std::string>{"openai gpt-4o-mini circuit_open x1"}));
}

TEST(Routing, ClientErrorsAndContextLengthErrorsDoNotOpenTheCircuit) {
  auto router = make_router(kBreakerConfig);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(fail_every_attempt(router, "r", kStart + i, 400).status, 400);
  EXPECT_EQ(router->health().state("openai/gpt-4o-mini", kStart + 10), CircuitState::Closed);
}

TEST(Routing, AContextLengthErrorMovesOnToALargerContext) {
  auto router = make_router(R"({
    "routes": {"long": {"targets": [{"model": "openai/small", "retry": {"attempts": 3}}, "openai/same", "openai/big"]}},
    "prices": {
      "openai/small": {"input": "1", "output": "1", "context_window": 8192},
      "openai/same": {"input": "1", "output": "1", "context_window": 8192},
      "openai/big": {"input": "1", "output": "1", "context_window": 128000}
    }})");
  ASSERT_NE(router, nullptr);
  const std::string too_long = R"({"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})";
  CallDriver d(router, hello("long"));
  EXPECT_EQ(sent_model(d.start()), "small");
  const auto next = d.answer(1, 400, too_long);
  EXPECT_EQ(sent_model(next), "big");  // not retried, and "same" is no larger
  const auto done = d.answer(2, 200, openai_answer(9000, 5));
  const Respond* respond = find_action<Respond>(done);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(header(*respond, "x-llmroute-attempts"),
            "openai/small;outcome=target_error;status=400;ms=0;reason=context_length_exceeded, "
            "openai/same;outcome=skipped;reason=context_window_too_small, openai/big;outcome=ok;status=200;ms=0");

  // With nothing larger left, the client gets the provider's error.
  CallDriver last(router, R"({"model":"openai/small","messages":[{"role":"user","content":"x"}]})");
  last.start();
  const auto refusal = last.answer(1, 400, too_long);
  const Respond* refused = find_action<Respond>(refusal);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(json::parse(refused->body)["error"]["code"], "context_length_exceeded");
}

TEST(Routing, AnthropicOverloadedFallsBack) {
  auto router = make_router(R"({"routes": {"r": {"targets": [
    {"model": "anthropic/claude-haiku-4-5", "retry": {"attempts": 1}}, "openai/gpt-4o-mini"]}}})",
                            {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"});
  CallDriver d(router, hello("r"));
  EXPECT_NE(sent(d.start())->url.find("/anthropic/"), std::string::npos);
  const auto next = d.answer(1, 529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(sent_model(next), "gpt-4o-mini");
  const auto done = d.answer(2, 200, openai_answer(10, 5));
  const Respond* respond = find_action<Respond>(done);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(header(*respond, "x-llmroute-attempts").rfind("anthropic/claude-haiku-4-5;outcome=retryable_error;status=529", 0), 0u);
}

TEST(Routing, CapabilitySkipsAreTracedWithTheirReasons) {
  auto router = make_router(R"({
    "routes": {"r": {"targets": ["openai/text-only", "openai/gpt-4o"]}},
    "prices": {"openai/text-only": {"input": "1", "output": "1", "capabilities": ["tools"]}}})");
  CallDriver d(router, R"({"model":"r","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]})");
  EXPECT_EQ(sent_model(d.start()), "gpt-4o");
  const auto done = d.answer(1, 200, openai_answer(10, 5));
  const Respond* respond = find_action<Respond>(done);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(header(*respond, "x-llmroute-attempts"),
            "openai/text-only;outcome=skipped;reason=no_vision_support, openai/gpt-4o;outcome=ok;status=200;ms=0");
  EXPECT_EQ(fallback_reasons_of(done), (std::vector<std::string>{"openai text-only no_vision_support x1"}));
}

TEST(Routing, LoadBalanceDrawsFromTheCallSeed) {
  auto router = make_router(R"({"routes": {"lb": {"strategy": "loadbalance", "targets": [
    {"model": "openai/gpt-4o-mini", "weight": 1}, {"model": "openai/gpt-4o", "weight": 1}]}}})");
  std::map<std::string, int> first_picks;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    CallDriver a(router, hello("lb"), seed);
    CallDriver b(router, hello("lb"), seed);
    const std::string model = sent_model(a.start());
    EXPECT_EQ(model, sent_model(b.start()));  // same seed, config and request: same decision
    ++first_picks[model];
  }
  EXPECT_GT(first_picks["gpt-4o-mini"], 70);
  EXPECT_GT(first_picks["gpt-4o"], 70);
}

TEST(Routing, ObservedLatencyFeedsTheFastestStrategy) {
  auto router = make_router(R"({"routes": {"fast": {"strategy": "fastest", "targets": ["openai/gpt-4o", "openai/gpt-4o-mini"]}}})");
  auto timed_call = [&](std::int64_t latency_ms) {
    CallDriver d(router, hello("fast"));
    const std::string model = sent_model(d.start());
    d.now_ms += latency_ms;
    d.answer(1, 200, openai_answer(10, 5));
    return model;
  };
  EXPECT_EQ(timed_call(900), "gpt-4o");       // neither measured: as listed
  EXPECT_EQ(timed_call(200), "gpt-4o-mini");  // unmeasured goes first
  EXPECT_EQ(timed_call(200), "gpt-4o-mini");  // now the faster one
  EXPECT_EQ(router->health().latency_ms("openai/gpt-4o"), 900);
}

namespace {

const char* kHedgedConfig = R"({"routes": {"hedged": {"hedge_after_ms": 500, "targets": [
  {"model": "openai/gpt-4o-mini", "timeout_ms": 5000}, {"model": "openai/gpt-4o", "timeout_ms": 5000}]}}})";

// The x-llmroute-attempts header of the answer among `actions` (empty when there is none).
std::string attempts_of(const std::vector<Action>& actions) {
  const Respond* respond = find_action<Respond>(actions);
  return respond == nullptr ? std::string() : header(*respond, "x-llmroute-attempts");
}

template <typename T>
int count_actions(const std::vector<Action>& actions) {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(), [](const Action& a) { return std::holds_alternative<T>(a); }));
}

}  // namespace

TEST(Hedging, TheHedgeWinsWhenItAnswersFirst) {
  CallDriver d(make_router(kHedgedConfig), hello("hedged"));
  EXPECT_EQ(sent_model(d.start()), "gpt-4o-mini");
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms + 500);  // the hedge is due before the attempt's timeout
  const auto hedge = d.fire_timer();
  EXPECT_EQ(sent_model(hedge), "gpt-4o");
  EXPECT_EQ(sent(hedge)->attempt, 2);
  d.now_ms += 100;
  const auto actions = d.answer(2, 200, openai_answer(10, 5));
  const CancelUpstream* cancel = find_action<CancelUpstream>(actions);
  ASSERT_NE(cancel, nullptr);
  EXPECT_EQ(cancel->attempt, 1);
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(header(*respond, "x-llmroute-model"), "gpt-4o");
  EXPECT_EQ(header(*respond, "x-llmroute-attempts"),
            "openai/gpt-4o-mini;outcome=cancelled;status=0;ms=600;reason=hedge_lost, openai/gpt-4o;outcome=ok;status=200;ms=100");
  const RecordUsage* record = find_action<RecordUsage>(actions);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->attempts, 2);  // both were sent: both are accounted
  EXPECT_TRUE(record->fallback_reasons.empty());  // losing the race is no failure
  EXPECT_TRUE(d.call->done());
}

TEST(Hedging, TheFirstAttemptWinsWhenItAnswersFirst) {
  CallDriver d(make_router(kHedgedConfig), hello("hedged"));
  d.start();
  d.fire_timer();
  d.now_ms += 50;
  const auto actions = d.answer(1, 200, openai_answer(10, 5));
  ASSERT_NE(find_action<CancelUpstream>(actions), nullptr);
  EXPECT_EQ(find_action<CancelUpstream>(actions)->attempt, 2);
  EXPECT_EQ(attempts_of(actions),
            "openai/gpt-4o;outcome=cancelled;status=0;ms=50;reason=hedge_lost, openai/gpt-4o-mini;outcome=ok;status=200;ms=550");
  // A late event of the cancelled hedge changes nothing.
  EXPECT_TRUE(d.answer(2, 200, openai_answer(10, 5)).empty());
}

TEST(Hedging, NoHedgeOnceTheHeadHasCome) {
  CallDriver d(make_router(kHedgedConfig), hello("hedged"));
  d.start();
  d.now_ms += 100;
  d.step(UpstreamResponded{1, d.now_ms, 200, std::nullopt});
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms - 100 + 5000);  // only the attempt's own timeout
  EXPECT_EQ(sent(d.fire_timer()), nullptr);
}

TEST(Hedging, AFailedFirstAttemptLeavesTheHedgeRacingAlone) {
  CallDriver d(make_router(kHedgedConfig), hello("hedged"));
  d.start();
  d.fire_timer();
  d.now_ms += 10;
  EXPECT_EQ(count_actions<SendUpstream>(d.answer(1, 503, R"({"error":{"message":"overloaded"}})")), 0);  // no retry meanwhile
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms - 10 + 5000);  // the hedge's timeout
  EXPECT_EQ(attempts_of(d.answer(2, 200, openai_answer(10, 5))),
            "openai/gpt-4o-mini;outcome=retryable_error;status=503;ms=510;reason=status_503, openai/gpt-4o;outcome=ok;status=200;ms=10");
}

TEST(Hedging, AFailedHedgeIsDroppedAndTheFirstAttemptGoesOn) {
  CallDriver d(make_router(kHedgedConfig), hello("hedged"));
  d.start();
  d.fire_timer();
  d.now_ms += 20;
  const auto dropped = d.step(UpstreamResponded{2, d.now_ms, 500, std::nullopt});
  ASSERT_NE(find_action<CancelUpstream>(dropped), nullptr);
  EXPECT_EQ(find_action<CancelUpstream>(dropped)->attempt, 2);
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms - 520 + 5000);  // no second hedge
  const auto actions = d.answer(1, 200, openai_answer(10, 5));
  EXPECT_EQ(attempts_of(actions),
            "openai/gpt-4o;outcome=retryable_error;status=500;ms=20;reason=status_500, openai/gpt-4o-mini;outcome=ok;status=200;ms=520");
  // The call went on without the failed hedge: that counts as moving past it.
  EXPECT_EQ(fallback_reasons_of(actions), (std::vector<std::string>{"openai gpt-4o status_500 x1"}));
}

TEST(Hedging, AStreamHedgesUntilTheFirstHead) {
  CallDriver d(make_router(kHedgedConfig), R"({"model":"hedged","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  d.start();
  EXPECT_EQ(sent_model(d.fire_timer()), "gpt-4o");
  d.now_ms += 30;
  const auto head = d.step(UpstreamResponded{2, d.now_ms, 200, std::nullopt});
  ASSERT_NE(find_action<CancelUpstream>(head), nullptr);
  EXPECT_EQ(find_action<CancelUpstream>(head)->attempt, 1);
  d.call->feed(2, test_support::openai_stream());
  const auto streamed = d.step(UpstreamEnded{2, d.now_ms});  // with the actions the bytes produced
  const RespondHead* respond_head = find_action<RespondHead>(streamed);
  ASSERT_NE(respond_head, nullptr);
  std::string trace;
  for (const auto& [name, value] : respond_head->headers) {
    if (name == "x-llmroute-attempts") trace = value;
  }
  EXPECT_EQ(trace, "openai/gpt-4o-mini;outcome=cancelled;status=0;ms=530;reason=hedge_lost, openai/gpt-4o;outcome=ok;status=200;ms=30");
  EXPECT_EQ(count_actions<RespondEnd>(streamed), 1);
  EXPECT_TRUE(d.call->done());
}
