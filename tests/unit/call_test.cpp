// The call state machine, driven with a simulated clock: every routing decision of the foundation.
#include "core/call.hpp"

#include <gtest/gtest.h>

#include "support/core_harness.hpp"
#include "util/decimal.hpp"
#include "util/sha256.hpp"

using namespace llmroute;
using namespace llmroute::core;
using test_support::CallDriver;
using test_support::fallback_reasons_of;
using test_support::find_action;
using test_support::header;
using test_support::kHelloRequest;
using test_support::kTwoTargetConfig;
using test_support::make_router;
using test_support::openai_answer;

namespace {

// A copy: the actions vector is usually a temporary.
SendUpstream expect_send(const std::vector<Action>& actions, int attempt) {
  const SendUpstream* send = find_action<SendUpstream>(actions);
  EXPECT_NE(send, nullptr);
  if (send == nullptr) return SendUpstream{};
  EXPECT_EQ(send->attempt, attempt);
  return *send;
}

}  // namespace

TEST(Call, FirstTargetAnswersWithCostAndHeaders) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  ASSERT_FALSE(d.error);
  const auto send = expect_send(d.start(), 1);
  EXPECT_EQ(send.url, "http://127.0.0.1:9/v1/acct/gw/openai/chat/completions");
  EXPECT_EQ(send.deadline_ms, d.now_ms + 5000);
  ASSERT_EQ(send.secret_headers.size(), 1u);
  EXPECT_EQ(send.secret_headers[0].name, "authorization");
  EXPECT_EQ(send.secret_headers[0].secret, "OPENAI_API_KEY");
  EXPECT_EQ(send.secret_headers[0].prefix, "Bearer ");
  const json body = json::parse(send.body);
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["future_param"]["x"], 1);

  d.now_ms += 40;
  const auto actions = d.answer(1, 200, openai_answer(1000, 500));
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 200);
  // Relayed as it came, but for the cost added to its usage, for clients that drop headers.
  std::string expected = openai_answer(1000, 500);
  expected.insert(expected.size() - 2, R"(,"llmroute_cost_usd":0.000450,"llmroute_cost_status":"measured")");
  EXPECT_EQ(respond->body, expected);
  EXPECT_EQ(json::parse(respond->body)["usage"]["llmroute_cost_usd"], 0.00045);
  EXPECT_EQ(header(*respond, "x-llmroute-provider"), "openai");
  EXPECT_EQ(header(*respond, "x-llmroute-model"), "gpt-4o-mini");
  EXPECT_EQ(header(*respond, "x-llmroute-cost-usd"), "0.000450");
  EXPECT_EQ(header(*respond, "x-llmroute-cost-status"), "measured");
  EXPECT_EQ(header(*respond, "x-llmroute-route"), "chat");
  EXPECT_EQ(header(*respond, "x-llmroute-attempts"), "openai/gpt-4o-mini;outcome=ok;status=200;ms=40");
  const RecordUsage* record = find_action<RecordUsage>(actions);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->cost.micro_usd, 450);
  EXPECT_EQ(record->usage.prompt_tokens, 1000);
  EXPECT_EQ(record->attempts, 1);
  EXPECT_EQ(record->latency_ms, 40);
  EXPECT_TRUE(record->fallback_reasons.empty());  // nothing was moved past
  EXPECT_TRUE(d.call->done());
  EXPECT_EQ(d.call->next_deadline_ms(), std::nullopt);
}

TEST(Call, FallsBackWhenTheFirstTargetKeepsFailing) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  expect_send(d.start(), 1);
  d.now_ms += 10;
  EXPECT_EQ(find_action<SendUpstream>(d.answer(1, 503, R"({"error":{"message":"overloaded"}})")), nullptr);
  // Backing off: the retry waits for the timer, between half and all of the 100 ms step.
  const auto wake = d.call->next_deadline_ms();
  ASSERT_TRUE(wake);
  EXPECT_GE(*wake - d.now_ms, 50);
  EXPECT_LE(*wake - d.now_ms, 100);
  const auto retry = expect_send(d.fire_timer(), 2);
  EXPECT_EQ(json::parse(retry.body)["model"], "gpt-4o-mini");
  d.now_ms += 5;
  // Second failure of the first target: it has used its two attempts, so the next target at once.
  const auto next = expect_send(d.answer(2, 502, "bad gateway"), 3);
  EXPECT_EQ(json::parse(next.body)["model"], "gpt-4o");
  d.now_ms += 20;
  const auto actions = d.answer(3, 200, openai_answer(100, 10));
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 200);
  EXPECT_EQ(header(*respond, "x-llmroute-model"), "gpt-4o");
  // 100 x 2.50 + 10 x 10.00 = 350 micro-dollars.
  EXPECT_EQ(header(*respond, "x-llmroute-cost-usd"), "0.000350");
  const std::string attempts = header(*respond, "x-llmroute-attempts");
  EXPECT_EQ(attempts.find("openai/gpt-4o-mini;outcome=retryable_error;status=503;ms=10;reason=status_503"), 0u) << attempts;
  EXPECT_NE(attempts.find("openai/gpt-4o-mini;outcome=retryable_error;status=502;ms=5;reason=status_502"), std::string::npos);
  EXPECT_NE(attempts.find("openai/gpt-4o;outcome=ok;status=200;ms=20"), std::string::npos);
  EXPECT_EQ(find_action<RecordUsage>(actions)->attempts, 3);
}

TEST(Call, FallbackReasonsCountEachFailureThatAnotherAttemptFollowed) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  d.answer(1, 503, "{}");
  expect_send(d.fire_timer(), 2);
  expect_send(d.answer(2, 503, "{}"), 3);
  const auto actions = d.answer(3, 200, openai_answer(10, 10));
  EXPECT_EQ(fallback_reasons_of(actions), (std::vector<std::string>{"openai gpt-4o-mini status_503 x2"}));
  EXPECT_EQ(find_action<RecordUsage>(actions)->attempts, 3);
}

TEST(Call, TheFailureThatEndsACallIsItsErrorNotAFallbackReason) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  d.fail(1);
  expect_send(d.fire_timer(), 2);
  expect_send(d.answer(2, 502, "bad gateway"), 3);
  const auto actions = d.fail(3, FailureCause::Timeout);
  EXPECT_EQ(find_action<Respond>(actions)->status, 502);
  EXPECT_EQ(fallback_reasons_of(actions), (std::vector<std::string>{"openai gpt-4o-mini network x1", "openai gpt-4o-mini status_502 x1"}));
}

TEST(Call, FallbackReasonsNameSkippedTargetsEvenWhenTheFirstAttemptAnswers) {
  const char* config = R"({"routes":{"chat":{"targets":["anthropic/claude-haiku-4-5",
    {"model":"openai/gpt-4o-mini","retry":{"attempts":1}}]}}})";
  CallDriver d(make_router(config), kHelloRequest);
  expect_send(d.start(), 1);
  const auto actions = d.answer(1, 200, openai_answer(10, 10));
  EXPECT_EQ(fallback_reasons_of(actions), (std::vector<std::string>{"anthropic claude-haiku-4-5 missing_secret_ANTHROPIC_API_KEY x1"}));
  EXPECT_EQ(find_action<RecordUsage>(actions)->attempts, 1);
}

TEST(Call, FallbackReasonsStayBoundedWhateverTheRoute) {
  // 20 targets without a key, then one that answers: 20 skips, of which the record keeps 16.
  json targets = json::array();
  for (int i = 0; i < 20; ++i) targets.push_back("anthropic/model-" + std::to_string(i));
  targets.push_back("openai/gpt-4o-mini");
  const json config = {{"routes", {{"chat", {{"targets", targets}}}}}};
  CallDriver d(make_router(config.dump()), kHelloRequest);
  expect_send(d.start(), 1);
  const auto reasons = fallback_reasons_of(d.answer(1, 200, openai_answer(10, 10)));
  ASSERT_EQ(reasons.size(), kMaxFallbackReasons);
  EXPECT_EQ(reasons.front(), "anthropic model-0 missing_secret_ANTHROPIC_API_KEY x1");
  EXPECT_EQ(reasons.back(), "anthropic model-15 missing_secret_ANTHROPIC_API_KEY x1");
}

TEST(Call, AnAttemptStillInFlightMakesTheFailureBeforeItAFallbackReason) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  d.answer(1, 429, "{}");
  expect_send(d.fire_timer(), 2);
  const auto actions = d.step(ClientDisconnected{d.now_ms});
  EXPECT_EQ(find_action<RecordUsage>(actions)->outcome, "client_disconnected");
  EXPECT_EQ(fallback_reasons_of(actions), (std::vector<std::string>{"openai gpt-4o-mini status_429 x1"}));
}

TEST(Call, ClientErrorsAreAnsweredNotRetried) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  const auto actions = d.answer(1, 400, R"({"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":"invalid_value"}})");
  EXPECT_EQ(find_action<SendUpstream>(actions), nullptr);
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 400);
  const json body = json::parse(respond->body);
  EXPECT_EQ(body["error"]["message"], "Invalid value for 'temperature'");
  EXPECT_EQ(body["error"]["code"], "invalid_value");
  EXPECT_EQ(find_action<RecordUsage>(actions)->outcome, "client_error");
}

TEST(Call, AuthFailuresMoveOnWithoutEchoingTheProvider) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  // OpenAI echoes part of a wrong key in its message; that text must not reach the client.
  const auto next = expect_send(d.answer(1, 401, R"({"error":{"message":"Incorrect API key provided: sk-abc***xyz"}})"), 2);
  EXPECT_EQ(json::parse(next.body)["model"], "gpt-4o");  // no retry of a misconfigured target
  const auto actions = d.answer(2, 403, R"({"error":{"message":"Project sk-abc lacks access"}})");
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 502);
  EXPECT_EQ(respond->body.find("sk-abc"), std::string::npos) << respond->body;
  EXPECT_NE(respond->body.find("HTTP 401"), std::string::npos);
}

TEST(Call, AnAccountOutOfBalanceMovesOnToTheNextTarget) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  // DeepSeek-style 402: the request is fine, the first target's account is empty.
  const auto next = expect_send(d.answer(1, 402, R"({"error":{"message":"Insufficient Balance","type":"unknown_error"}})"), 2);
  EXPECT_EQ(json::parse(next.body)["model"], "gpt-4o");
  const auto actions = d.answer(2, 200, openai_answer(10, 10));
  EXPECT_EQ(find_action<Respond>(actions)->status, 200);
}

TEST(Call, AProviderBlamingItsTargetMovesOnWhateverTheStatus) {
  // Gemini answers a wrong key with 400 INVALID_ARGUMENT: still the target's fault, not the client's.
  const char* config = R"({"routes":{"chat":{"targets":[
    {"model":"google-ai-studio/gemini-2.5-flash","retry":{"attempts":2}},{"model":"openai/gpt-4o","retry":{"attempts":1}}]}}})";
  CallDriver d(make_router(config, {"GOOGLE_AI_STUDIO_API_KEY", "OPENAI_API_KEY"}), kHelloRequest);
  const auto first = expect_send(d.start(), 1);
  EXPECT_EQ(first.url, "http://127.0.0.1:9/v1/acct/gw/google-ai-studio/v1beta/models/gemini-2.5-flash:generateContent");
  ASSERT_EQ(first.secret_headers.size(), 1u);
  EXPECT_EQ(first.secret_headers[0].name, "x-goog-api-key");
  EXPECT_EQ(first.secret_headers[0].secret, "GOOGLE_AI_STUDIO_API_KEY");
  EXPECT_EQ(first.secret_headers[0].prefix, "");
  const auto next = expect_send(d.answer(1, 400, R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
    "status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}})"), 2);
  EXPECT_EQ(json::parse(next.body)["model"], "gpt-4o");  // no retry of a misconfigured target
  const auto actions = d.answer(2, 200, openai_answer(10, 5));
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 200);
  EXPECT_EQ(header(*respond, "x-llmroute-attempts").rfind("google-ai-studio/gemini-2.5-flash;outcome=target_error;status=400", 0), 0u);
}

TEST(Call, TimeoutCancelsAndRetries) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  d.now_ms += 100;
  EXPECT_TRUE(d.step(TimerFired{d.now_ms}).empty());  // early timers change nothing
  const auto actions = d.fire_timer();                  // at the 5 s attempt deadline
  const CancelUpstream* cancel = find_action<CancelUpstream>(actions);
  ASSERT_NE(cancel, nullptr);
  EXPECT_EQ(cancel->attempt, 1);
  // Late news from the cancelled attempt is ignored.
  EXPECT_TRUE(d.answer(1, 200, openai_answer(1, 1)).empty());
  expect_send(d.fire_timer(), 2);
}

TEST(Call, NetworkErrorsAreRetryable) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  EXPECT_TRUE(d.fail(1).empty());
  expect_send(d.fire_timer(), 2);
  const auto next = expect_send(d.fail(2), 3);
  EXPECT_EQ(json::parse(next.body)["model"], "gpt-4o");
  const auto actions = d.fail(3, FailureCause::Timeout);
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 502);
  EXPECT_EQ(json::parse(respond->body)["error"]["code"], "upstream_error");
}

TEST(Call, EveryTargetTimingOutIsA504) {
  CallDriver d(make_router(R"({"routes":{"r":{"targets":[{"model":"openai/a","retry":{"attempts":1},"timeout_ms":1000}]}}})"),
               R"({"model":"r","messages":[{"role":"user","content":"x"}]})");
  d.start();
  const auto actions = d.fire_timer();
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 504);
  EXPECT_EQ(json::parse(respond->body)["error"]["code"], "upstream_timeout");
}

TEST(Call, RetryAfterIsHonouredAndReported) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  d.answer(1, 429, R"({"error":{"message":"slow down"}})", 3000);
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms + 3000);
  expect_send(d.fire_timer(), 2);
  expect_send(d.answer(2, 429, "{}", 2000), 3);
  const auto actions = d.answer(3, 429, "{}", 1000);
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 429);  // every target rate limited: tell the client when to come back
  EXPECT_EQ(header(*respond, "retry-after"), "1");
  EXPECT_EQ(json::parse(respond->body)["error"]["type"], "rate_limit_error");
}

TEST(Call, RetryAfterLongerThanWeWaitMovesOn) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  const auto next = expect_send(d.answer(1, 503, "{}", 60'000), 2);
  EXPECT_EQ(json::parse(next.body)["model"], "gpt-4o");
  const auto actions = d.answer(2, 200, openai_answer(1, 1));
  EXPECT_NE(header(*find_action<Respond>(actions), "x-llmroute-attempts").find("reason=status_503_retry_after_too_long"),
            std::string::npos);
}

TEST(Call, TheRouteDeadlineBoundsEveryAttemptAndRetry) {
  CallDriver d(make_router(R"({"routes":{"r":{"deadline_ms":3000,"targets":[
      {"model":"openai/a","retry":{"attempts":5,"backoff_initial_ms":1000},"timeout_ms":2000},
      {"model":"openai/b","timeout_ms":2000}]}}})"),
               R"({"model":"r","messages":[{"role":"user","content":"x"}]})");
  const std::int64_t t0 = d.now_ms;
  EXPECT_EQ(expect_send(d.start(), 1).deadline_ms, t0 + 2000);
  d.fire_timer();                                      // attempt 1 times out at t0+2000
  const auto wake = d.call->next_deadline_ms();        // backoff 500..1000 ms
  ASSERT_TRUE(wake);
  const auto retry = expect_send(d.fire_timer(), 2);
  EXPECT_EQ(retry.deadline_ms, t0 + 3000);             // capped by what is left of the route deadline
  const auto actions = d.fire_timer();
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 504);
  EXPECT_EQ(json::parse(respond->body)["error"]["code"], "deadline_exceeded");
}

TEST(Call, MissingKeysSkipTargetsWithAReason) {
  CallDriver d(make_router(kTwoTargetConfig, {}), kHelloRequest);
  const auto actions = d.start();
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 503);
  EXPECT_EQ(json::parse(respond->body)["error"]["code"], "no_usable_target");
  EXPECT_EQ(header(*respond, "x-llmroute-attempts"),
            "openai/gpt-4o-mini;outcome=skipped;reason=missing_secret_OPENAI_API_KEY, "
            "openai/gpt-4o;outcome=skipped;reason=missing_secret_OPENAI_API_KEY");
  EXPECT_EQ(respond->body.find("sk-"), std::string::npos);
}

TEST(Call, ByokSendsNoProviderKeyButTheGatewayToken) {
  CallDriver d(make_router(R"({"gateway":{"byok":["openai"]}})", {"CF_AIG_TOKEN"}),
               R"({"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"x"}]})");
  const auto send = expect_send(d.start(), 1);
  ASSERT_EQ(send.secret_headers.size(), 1u);
  EXPECT_EQ(send.secret_headers[0].name, "cf-aig-authorization");
  EXPECT_EQ(send.secret_headers[0].secret, "CF_AIG_TOKEN");
}

TEST(Call, GatewayTokenIsSentWhenSet) {
  CallDriver d(make_router(kTwoTargetConfig, {"OPENAI_API_KEY", "CF_AIG_TOKEN"}), kHelloRequest);
  const auto send = expect_send(d.start(), 1);
  ASSERT_EQ(send.secret_headers.size(), 2u);
  EXPECT_EQ(send.secret_headers[1].name, "cf-aig-authorization");
}

TEST(Call, MalformedSuccessIsRetried) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  EXPECT_TRUE(d.answer(1, 200, "{\"choices\":[").empty());
  expect_send(d.fire_timer(), 2);
}

TEST(Call, OversizedAnswersAreCutOffAndTheTargetLeft) {
  CallDriver d(make_router(R"({"limits":{"max_upstream_body_bytes":2048},"routes":{"r":{"targets":["openai/a","openai/b"]}}})"),
               R"({"model":"r","messages":[{"role":"user","content":"x"}]})");
  d.start();
  d.call->handle(UpstreamResponded{1, d.now_ms, 200, std::nullopt});
  d.call->feed(1, std::string(2000, ' '));
  EXPECT_TRUE(d.drain().empty());
  d.call->feed(1, std::string(100, ' '));
  const auto cut = d.drain();
  ASSERT_NE(find_action<CancelUpstream>(cut), nullptr);
  // feed() knows no time: the next attempt waits for a timer due at once, which brings the time
  // its deadline is counted from (found by call_fuzz: the last event's time could be long past).
  EXPECT_EQ(find_action<SendUpstream>(cut), nullptr);
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms);
  const auto actions = d.step(TimerFired{d.now_ms + 30'000});
  const SendUpstream next = expect_send(actions, 2);
  EXPECT_EQ(json::parse(next.body)["model"], "b");
  EXPECT_EQ(next.deadline_ms, d.now_ms + 30'000 + Target{}.timeout_ms);  // not the last event's time + timeout
}

TEST(Call, ModelsListIsAnAdHocFallbackChain) {
  CallDriver d(make_router(kTwoTargetConfig), R"({"models":["openai/o3","chat"],"messages":[{"role":"user","content":"x"}]})");
  ASSERT_FALSE(d.error);
  EXPECT_EQ(json::parse(expect_send(d.start(), 1).body)["model"], "o3");
  // o3 uses the direct defaults (2 attempts); then the chat route's targets follow.
  d.answer(1, 500, "{}");
  expect_send(d.fire_timer(), 2);
  EXPECT_EQ(json::parse(expect_send(d.answer(2, 500, "{}"), 3).body)["model"], "gpt-4o-mini");
}

TEST(Call, PlanningErrors) {
  CallDriver unknown(make_router(kTwoTargetConfig), R"({"model":"nope","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(unknown.error);
  EXPECT_EQ(unknown.error->http_status, 404);
  EXPECT_EQ(unknown.error->code, "model_not_found");
  CallDriver provider(make_router(kTwoTargetConfig), R"({"model":"nosuch/x","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(provider.error);
  EXPECT_EQ(provider.error->http_status, 404);
  CallDriver closed(make_router(R"({"direct_models":false,"routes":{"r":{"targets":["openai/a"]}}})"),
                    R"({"model":"openai/gpt-4o","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(closed.error);
  EXPECT_EQ(closed.error->http_status, 403);
}

TEST(Call, UnpricedModelSaysAbsent) {
  CallDriver d(make_router(kTwoTargetConfig), R"({"model":"openai/gpt-5","messages":[{"role":"user","content":"x"}]})");
  d.start();
  const auto actions = d.answer(1, 200, openai_answer(10, 10));
  EXPECT_EQ(header(*find_action<Respond>(actions), "x-llmroute-cost-status"), "absent");
  EXPECT_EQ(find_action<RecordUsage>(actions)->cost.status, CostStatus::Absent);
  const json usage = json::parse(find_action<Respond>(actions)->body)["usage"];
  EXPECT_TRUE(usage["llmroute_cost_usd"].is_null());  // unknown, not 0
  EXPECT_EQ(usage["llmroute_cost_status"], "absent");
}

TEST(Call, AnAnswerWithoutUsageIsEstimatedAndKeptAsItCame) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  const std::string answer =
      R"({"id":"x","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"Hello there, friend"},"finish_reason":"stop"}]})";
  const auto actions = d.answer(1, 200, answer);
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->body, answer);
  EXPECT_EQ(header(*respond, "x-llmroute-cost-status"), "estimated");
  const RecordUsage* record = find_action<RecordUsage>(actions);
  EXPECT_EQ(record->cost.status, CostStatus::Estimated);
  EXPECT_EQ(record->usage.completion_tokens, 7);  // 19 bytes of content, 3 bytes a token, rounded up
  EXPECT_EQ(record->usage.prompt_tokens, parse_chat_request(kHelloRequest, {})->estimated_prompt_tokens);
  EXPECT_EQ(header(*respond, "x-llmroute-cost-usd"), format_scaled(record->cost.micro_usd, kMicroScale));
  EXPECT_GT(record->cost.micro_usd, 0);
}

TEST(Call, SameSeedSameDecisions) {
  auto backoff_for = [](std::uint64_t seed) {
    CallDriver d(make_router(kTwoTargetConfig), kHelloRequest, seed);
    d.start();
    d.answer(1, 503, "{}");
    return *d.call->next_deadline_ms() - d.now_ms;
  };
  EXPECT_EQ(backoff_for(1), backoff_for(1));
  EXPECT_EQ(backoff_for(99), backoff_for(99));
  bool any_differs = false;
  for (std::uint64_t seed = 2; seed < 20 && !any_differs; ++seed) any_differs = backoff_for(seed) != backoff_for(1);
  EXPECT_TRUE(any_differs);  // the jitter really depends on the seed
}

TEST(Call, EventsAfterTheEndChangeNothing) {
  CallDriver d(make_router(kTwoTargetConfig), kHelloRequest);
  d.start();
  d.answer(1, 200, openai_answer(1, 1));
  ASSERT_TRUE(d.call->done());
  EXPECT_TRUE(d.answer(1, 500, "{}").empty());
  EXPECT_TRUE(d.fire_timer().empty());
  EXPECT_TRUE(d.step(ClientRequestReceived{d.now_ms, 1}).empty());
}

TEST(Call, KeysOnlyReachWhatTheyMayUse) {
  auto router = make_router(kTwoTargetConfig);
  const ClientKey narrow{"narrow", {}, {"nothing-here"}, {"openai/gpt-4o-mini"}, false};
  CallDriver route(router, kHelloRequest, 7, narrow);
  ASSERT_TRUE(route.error);
  EXPECT_EQ(route.error->http_status, 403);
  EXPECT_EQ(route.error->code, "route_not_allowed");
  EXPECT_NE(route.error->message.find("'narrow' may not use the route 'chat'"), std::string::npos);
  CallDriver model(router, R"({"model":"openai/gpt-4o","messages":[{"role":"user","content":"x"}]})", 7, narrow);
  ASSERT_TRUE(model.error);
  EXPECT_EQ(model.error->code, "model_not_allowed");
  CallDriver allowed(router, R"({"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"x"}]})", 7, narrow);
  EXPECT_FALSE(allowed.error);
  // A models list is checked entry by entry.
  CallDriver chain(router, R"({"models":["openai/gpt-4o-mini","chat"],"messages":[{"role":"user","content":"x"}]})", 7, narrow);
  ASSERT_TRUE(chain.error);
  EXPECT_EQ(chain.error->code, "route_not_allowed");
}

TEST(Call, AuthenticationComparesHashes) {
  std::string config = kTwoTargetConfig;
  config.insert(config.rfind('}'), R"(,"keys":[{"name":"a","sha256":")" + to_hex(sha256("llmr_a")) +
                                       R"("},{"name":"b","sha256":")" + to_hex(sha256("llmr_b")) + R"(","admin":true}])");
  auto router = make_router(config);
  ASSERT_NE(router, nullptr);
  auto a = router->authenticate("llmr_a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->name, "a");
  auto b = router->authenticate("llmr_b");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE((*b)->admin);
  auto wrong = router->authenticate("llmr_c");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().http_status, 401);
  EXPECT_EQ(wrong.error().code, "invalid_api_key");
  auto missing = router->authenticate("");
  EXPECT_EQ(missing.error().code, "missing_api_key");
  // The usage record names the key.
  CallDriver d(router, kHelloRequest, 7, **a);
  d.start();
  EXPECT_EQ(find_action<RecordUsage>(d.answer(1, 200, openai_answer(1, 1)))->key, "a");
}

namespace {

// A router for Bedrock targets, with the AWS credentials the Worker passes (or none).
std::shared_ptr<const Router> bedrock_router(const std::string& config, std::vector<std::string> secrets, const json& aws) {
  json doc;
  doc["config"] = json::parse(config);
  doc["environment"] = {{"gateway_base_url", test_support::kGatewayUrl}, {"secrets_set", secrets}};
  if (!aws.is_null()) doc["environment"]["aws_credentials"] = aws;
  std::vector<ConfigProblem> problems;
  auto router = Router::create(doc, problems);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems[0].path + ": " + problems[0].message);
  return router;
}

const char* kBedrockConfig = R"({"routes":{"b":{"targets":[
  {"model":"aws-bedrock/us-east-1/anthropic.claude-3-5-haiku-20241022-v1:0","retry":{"attempts":2,"backoff_initial_ms":4000}},
  "openai/gpt-4o-mini"]}}})";
const json kAws = {{"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                   {"session_token", "FwoGZXIvYXdzEBYaDEXAMPLEsessiontoken"}};
const std::vector<std::string> kAwsSecrets = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "OPENAI_API_KEY"};

std::string header_of(const SendUpstream& send, std::string_view name) {
  for (const auto& [k, v] : send.headers) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

TEST(Call, BedrockRequestsAreSignedAtTheTimeOfTheirEvent) {
  CallDriver d(bedrock_router(kBedrockConfig, kAwsSecrets, kAws), R"({"model":"b","messages":[{"role":"user","content":"hi"}]})");
  d.now_ms = 1'732'270'830'000;
  const auto first = expect_send(d.start(), 1);
  EXPECT_EQ(first.url, std::string(test_support::kGatewayUrl) +
                           "/aws-bedrock/bedrock-runtime/us-east-1/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
  EXPECT_TRUE(first.secret_headers.empty());  // no key header: the signature is the credential
  EXPECT_EQ(header_of(first, "x-amz-date"), "20241122T102030Z");
  EXPECT_EQ(header_of(first, "x-amz-security-token"), kAws["session_token"]);
  EXPECT_EQ(header_of(first, "authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20241122/us-east-1/bedrock/aws4_request", 0), 0u);
  for (const auto& [name, value] : first.headers) EXPECT_EQ(value.find("wJalrXUtnFEMI"), std::string::npos) << name;

  // The retry, after a throttle and its backoff, is signed anew at its own time.
  d.answer(1, 429, R"({"message":"Too many requests, please wait before trying again."})");
  const auto retry = expect_send(d.fire_timer(), 2);
  EXPECT_NE(header_of(retry, "x-amz-date"), header_of(first, "x-amz-date"));
  EXPECT_EQ(header_of(retry, "x-amz-date"), amz_date(d.now_ms));
  EXPECT_NE(header_of(retry, "authorization"), header_of(first, "authorization"));

  // A second throttle moves on to OpenAI; what the client gets holds no credential.
  const auto fallback = expect_send(d.answer(2, 429, R"({"message":"Too many requests, please wait before trying again."})"), 3);
  EXPECT_EQ(fallback.url, std::string(test_support::kGatewayUrl) + "/openai/chat/completions");
  const auto done = d.answer(3, 200, test_support::openai_answer(10, 5));
  const Respond* respond = find_action<Respond>(done);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(header(*respond, "x-llmroute-attempts").find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(respond->body.find("FwoGZXIvYXdz"), std::string::npos);
}

TEST(Call, AnAnswerWithoutAnIdGetsOneMadeFromTheSeedAndAttempt) {
  const std::string bedrock_answer = R"({"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn",
    "usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4}})";
  auto id_for = [&](std::uint64_t seed) {
    CallDriver d(bedrock_router(kBedrockConfig, kAwsSecrets, kAws), R"({"model":"b","messages":[{"role":"user","content":"hi"}]})", seed);
    d.start();
    d.answer(1, 503, R"({"message":"unavailable"})");
    expect_send(d.fire_timer(), 2);
    const auto actions = d.answer(2, 200, bedrock_answer);  // alive while respond points into it
    const Respond* respond = find_action<Respond>(actions);
    return respond ? json::parse(respond->body)["id"].get<std::string>() : std::string();
  };
  EXPECT_EQ(id_for(0x2a), "chatcmpl-llmroute-000000000000002a-2");  // the second attempt answered
  EXPECT_EQ(id_for(0x2a), id_for(0x2a));                             // same seed, same answer
  EXPECT_NE(id_for(0x2a), id_for(0x2b));
}

TEST(Call, BedrockThrottlesAreRetriedButAServiceQuotaMovesOn) {
  const std::string request = R"({"model":"b","messages":[{"role":"user","content":"hi"}]})";
  auto second_send = [&](int status, const std::string& error_type) {
    CallDriver d(bedrock_router(kBedrockConfig, kAwsSecrets, kAws), request);
    d.start();
    d.call->handle(UpstreamResponded{1, d.now_ms, status, std::nullopt, error_type});
    d.call->feed(1, R"({"message":"Your request exceeds the service quota for your account."})");
    d.call->handle(UpstreamEnded{1, d.now_ms});
    auto actions = d.drain();
    if (find_action<SendUpstream>(actions) == nullptr) actions = d.fire_timer();  // a retry waits out its backoff
    const SendUpstream* send = find_action<SendUpstream>(actions);
    return send ? send->url : std::string("no second attempt");
  };
  const std::string bedrock = "/aws-bedrock/", openai = "/openai/";
  EXPECT_NE(second_send(429, "ThrottlingException").find(bedrock), std::string::npos);  // transient: the same target again
  EXPECT_NE(second_send(429, "ServiceQuotaExceededException").find(openai), std::string::npos);
  EXPECT_NE(second_send(400, "ServiceQuotaExceededException").find(openai), std::string::npos);  // not the client's 400 either
  EXPECT_EQ(second_send(400, "ValidationException"), "no second attempt");  // the client's: answered
}

TEST(Call, BedrockWithoutCredentialsIsSkippedOrLeftToTheGateway) {
  const std::string body = R"({"model":"b","messages":[{"role":"user","content":"hi"}]})";
  CallDriver none(bedrock_router(kBedrockConfig, {"OPENAI_API_KEY"}, nullptr), body);
  const auto skipped = expect_send(none.start(), 1);
  EXPECT_EQ(skipped.url, std::string(test_support::kGatewayUrl) + "/openai/chat/completions");
  const auto answered = none.answer(1, 200, test_support::openai_answer(1, 1));
  EXPECT_EQ(header(*find_action<Respond>(answered), "x-llmroute-attempts").find(
                "aws-bedrock/us-east-1/anthropic.claude-3-5-haiku-20241022-v1:0;outcome=skipped;reason=missing_secret_AWS_ACCESS_KEY_ID"),
            0u);
  CallDriver half(bedrock_router(kBedrockConfig, {"AWS_ACCESS_KEY_ID", "OPENAI_API_KEY"}, nullptr), body);
  half.start();
  const auto half_answered = half.answer(1, 200, test_support::openai_answer(1, 1));
  EXPECT_NE(header(*find_action<Respond>(half_answered), "x-llmroute-attempts").find("reason=missing_secret_AWS_SECRET_ACCESS_KEY"),
            std::string::npos);

  // BYOK: the gateway holds the credentials and signs; the core signs nothing, whatever it has.
  const std::string byok = R"({"gateway":{"byok":["aws-bedrock"]},"routes":{"b":{"targets":["aws-bedrock/us-east-1/amazon.nova-micro-v1:0"]}}})";
  CallDriver gateway(bedrock_router(byok, {"CF_AIG_TOKEN"}, kAws), body);
  const auto send = expect_send(gateway.start(), 1);
  EXPECT_EQ(header_of(send, "authorization"), "");
  EXPECT_EQ(header_of(send, "x-amz-date"), "");
  ASSERT_EQ(send.secret_headers.size(), 1u);
  EXPECT_EQ(send.secret_headers[0].name, "cf-aig-authorization");
}

TEST(Call, TargetOverridesSetFieldsAndCapMaxTokens) {
  const char* config = R"({"routes":{"r":{"targets":[
    {"model":"openai/gpt-4o-mini","overrides":{"max_tokens":100,"temperature":0,"reasoning_effort":"low"}},
    {"model":"openai/gpt-4o","retry":{"attempts":1}}]}}})";
  auto sent_body = [&](const std::string& request) {
    CallDriver d(make_router(config), request);
    const auto actions = d.start();
    const SendUpstream* send = find_action<SendUpstream>(actions);
    return send == nullptr ? json() : json::parse(send->body);
  };
  json body = sent_body(R"({"model":"r","max_tokens":500,"temperature":0.7,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(body["max_tokens"], 100);  // capped
  EXPECT_FALSE(body.contains("max_completion_tokens"));
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_EQ(body["reasoning_effort"], "low");
  body = sent_body(R"({"model":"r","max_completion_tokens":50,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(body["max_completion_tokens"], 50);  // already below the cap
  body = sent_body(R"({"model":"r","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(body["max_completion_tokens"], 100);  // none asked: the cap is the limit

  // The next target sends the client's request untouched.
  const char* two = R"({"routes":{"r":{"targets":[
    {"model":"openai/gpt-4o-mini","retry":{"attempts":1},"overrides":{"max_tokens":100}},"openai/gpt-4o"]}}})";
  CallDriver d(make_router(two), R"({"model":"r","max_tokens":500,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(json::parse(expect_send(d.start(), 1).body)["max_tokens"], 100);
  const auto next = expect_send(d.answer(1, 503, "{}"), 2);
  EXPECT_EQ(json::parse(next.body)["max_tokens"], 500);
}

TEST(Call, OverridesThatWouldChangeRoutingAreRefusedWithAPath) {
  std::vector<ConfigProblem> problems;
  make_router(R"({"routes":{"r":{"targets":[
    {"model":"openai/a","overrides":{"stream":true,"max_tokens":0}},
    {"model":"openai/b","overrides":[1]},
    {"route":"s","overrides":{"temperature":0}}]},"s":{"targets":["openai/c"]}}})",
              {"OPENAI_API_KEY"}, &problems);
  std::vector<std::string> paths;
  for (const auto& p : problems) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"$.routes.r.targets[0].overrides.max_tokens", "$.routes.r.targets[0].overrides.stream",
                                             "$.routes.r.targets[1].overrides", "$.routes.r.targets[2]"}));
}

TEST(Call, RouteGatewaySettingsAndLogMetadataTravelWithEveryAttempt) {
  const char* config = R"({"routes":{"r":{"targets":["openai/gpt-4o-mini"],
    "gateway":{"cache_ttl_s":300,"skip_cache":true,"collect_log_payload":false,"request_timeout_ms":15000}}}})";
  CallDriver d(make_router(config), R"({"model":"r","messages":[{"role":"user","content":"x"}]})");
  const SendUpstream send = expect_send(d.start(), 1);
  auto value = [&](std::string_view name) {
    for (const auto& [k, v] : send.headers) if (k == name) return v;
    return std::string("<absent>");
  };
  EXPECT_EQ(value("cf-aig-cache-ttl"), "300");
  EXPECT_EQ(value("cf-aig-skip-cache"), "true");
  EXPECT_EQ(value("cf-aig-collect-log-payload"), "false");
  EXPECT_EQ(value("cf-aig-collect-log"), "<absent>");
  EXPECT_EQ(value("cf-aig-request-timeout"), "15000");
  const json metadata = json::parse(value("cf-aig-metadata"));
  EXPECT_EQ(metadata["llmroute_route"], "r");
  EXPECT_EQ(metadata["llmroute_key"], "test-key");

  std::vector<ConfigProblem> problems;
  make_router(R"({"routes":{"r":{"targets":["openai/a"],"gateway":{"cache_ttl_s":5,"skip_cache":"yes","ttl":1}}}})",
              {"OPENAI_API_KEY"}, &problems);
  std::vector<std::string> paths;
  for (const auto& p : problems) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"$.routes.r.gateway.ttl", "$.routes.r.gateway.cache_ttl_s", "$.routes.r.gateway.skip_cache"}));
}
