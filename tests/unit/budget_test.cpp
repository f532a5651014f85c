// Budget windows, worst-case reservations and the reserve-then-call flow of a Call.
#include "core/budget.hpp"

#include <gtest/gtest.h>

#include "core/call.hpp"
#include "support/core_harness.hpp"
#include "util/sha256.hpp"

using namespace llmroute;
using namespace llmroute::core;
using test_support::CallDriver;
using test_support::find_action;
using test_support::make_router;

namespace {

constexpr std::int64_t kDay = 86'400'000;
// 2024-02-29T13:45:00Z (a leap day) and the instants around it.
constexpr std::int64_t kLeapDay = 1'709'214'300'000;

}  // namespace

TEST(BudgetWindows, FixedUtcHourDayMonth) {
  std::int64_t start = 0, end = 0;
  window_bounds(BudgetWindow::Hour, kLeapDay, start, end);
  EXPECT_EQ(start, 1'709'211'600'000);  // 13:00Z
  EXPECT_EQ(end - start, 3'600'000);
  window_bounds(BudgetWindow::Day, kLeapDay, start, end);
  EXPECT_EQ(start, 1'709'164'800'000);  // 2024-02-29T00:00Z
  EXPECT_EQ(end - start, kDay);
  window_bounds(BudgetWindow::Month, kLeapDay, start, end);
  EXPECT_EQ(start, 1'706'745'600'000);  // 2024-02-01T00:00Z
  EXPECT_EQ(end, 1'709'251'200'000);    // 2024-03-01T00:00Z: 29 days
  window_bounds(BudgetWindow::Month, 1'735'689'599'999, start, end);  // 2024-12-31T23:59:59.999Z
  EXPECT_EQ(start, 1'733'011'200'000);  // 2024-12-01
  EXPECT_EQ(end, 1'735'689'600'000);    // 2025-01-01
  window_bounds(BudgetWindow::Month, 1'735'689'600'000, start, end);  // the next instant: January
  EXPECT_EQ(start, 1'735'689'600'000);
  window_bounds(BudgetWindow::Day, -1, start, end);  // before 1970 still floors, not truncates
  EXPECT_EQ(start, -kDay);
}

TEST(BudgetWindows, Names) {
  BudgetWindow w = BudgetWindow::Hour;
  EXPECT_TRUE(parse_window("month", w));
  EXPECT_EQ(window_name(w), "month");
  EXPECT_FALSE(parse_window("week", w));
}

TEST(BudgetWorstCase, PromptAtItsTierPlusEveryOutputToken) {
  const ModelPrice sonnet{{3'000'000, 15'000'000, 300'000, 3'750'000, 0}, {{200'000, {6'000'000, 22'500'000, 0, 0, 0}}}, 0, 0, 0, {}};
  EXPECT_EQ(worst_case_micro_usd(sonnet, 1'000, 4'096), 3'000 + 61'440);
  EXPECT_EQ(worst_case_micro_usd(sonnet, 250'000, 1'000), 1'500'000 + 22'500);
}

namespace {

const std::string kBudgetConfig = R"({
  "routes": {"chat": {"targets": ["openai/gpt-4o-mini", "openai/gpt-4o"], "budgets": [{"usd": "100", "window": "month"}]}},
  "prices": {"openai/gpt-4o-mini": {"input": "0.15", "output": "0.60"}, "openai/gpt-4o": {"input": "2.50", "output": "10.00"}}
})";

ClientKey budgeted() {
  ClientKey key{"team-a", {}, {"*"}, {"*"}, false};
  key.budgets = {{BudgetWindow::Day, 5'000'000}, {BudgetWindow::Month, 50'000'000}};
  key.requests_per_minute = 60;
  key.tokens_per_minute = 10'000;
  return key;
}

}  // namespace

TEST(BudgetCall, AHedgingRouteReservesForTheTwoDearestCandidates) {
  // Both racing attempts may be billed: gpt-4o's worst case plus gpt-4o-mini's.
  json config = json::parse(kBudgetConfig);
  config["routes"]["chat"]["hedge_after_ms"] = 500;
  const std::string request = R"({"model":"chat","max_tokens":1000,"messages":[{"role":"user","content":"hello there"}]})";
  CallDriver d(make_router(config.dump()), request, 7, budgeted());
  ASSERT_FALSE(d.error);
  const auto actions = d.start();
  const ReserveBudget* reserve = find_action<ReserveBudget>(actions);
  ASSERT_NE(reserve, nullptr);
  const std::int64_t prompt = parse_chat_request(request, {})->estimated_prompt_tokens;
  const std::int64_t dear = (prompt * 2'500'000 + std::int64_t{1000} * 10'000'000 + 500'000) / 1'000'000;
  const std::int64_t cheap = (prompt * 150'000 + std::int64_t{1000} * 600'000 + 500'000) / 1'000'000;
  EXPECT_EQ(reserve->amount_micro_usd, dear + cheap);
}

TEST(BudgetCall, ReservesTheDearestCandidatesWorstCaseBeforeAnyCall) {
  CallDriver d(make_router(kBudgetConfig), R"({"model":"chat","max_tokens":1000,"messages":[{"role":"user","content":"hello there"}]})", 7,
               budgeted());
  ASSERT_FALSE(d.error);
  const auto actions = d.start();
  EXPECT_EQ(find_action<SendUpstream>(actions), nullptr);
  const ReserveBudget* reserve = find_action<ReserveBudget>(actions);
  ASSERT_NE(reserve, nullptr);
  EXPECT_EQ(reserve->key, "team-a");
  EXPECT_EQ(reserve->requests_per_minute, 60);
  EXPECT_EQ(reserve->tokens_per_minute, 10'000);
  // The prompt as estimated before the call, plus the max_tokens asked for.
  EXPECT_EQ(reserve->estimated_tokens, parse_chat_request(R"({"model":"chat","max_tokens":1000,"messages":[{"role":"user","content":"hello there"}]})", {})->estimated_prompt_tokens + 1000);
  // gpt-4o is the dearer candidate: estimated prompt x 2.50 + 1000 x 10.00.
  const std::int64_t prompt = parse_chat_request(R"({"model":"chat","max_tokens":1000,"messages":[{"role":"user","content":"hello there"}]})",
                                                 RequestLimits{})->estimated_prompt_tokens;
  EXPECT_EQ(reserve->amount_micro_usd, (prompt * 2'500'000 + std::int64_t{1000} * 10'000'000 + 500'000) / 1'000'000);
  ASSERT_EQ(reserve->checks.size(), 3u);
  EXPECT_EQ(reserve->checks[0].scope, "key:team-a");
  EXPECT_EQ(reserve->checks[0].window, "day");
  EXPECT_EQ(reserve->checks[0].limit_micro_usd, 5'000'000);
  EXPECT_EQ(reserve->checks[1].window, "month");
  EXPECT_EQ(reserve->checks[2].scope, "route:chat");
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms + Route{}.deadline_ms);  // the ledger gets the request's deadline

  const auto sent = d.step(BudgetReserved{d.now_ms, "r-1"});
  ASSERT_NE(find_action<SendUpstream>(sent), nullptr);
  const auto done = d.answer(1, 200, test_support::openai_answer(10, 10));
  EXPECT_EQ(find_action<RecordUsage>(done)->reservation_id, "r-1");
}

TEST(BudgetCall, ARefusalIsAnsweredWithoutCallingAnyProvider) {
  CallDriver d(make_router(kBudgetConfig), R"({"model":"chat","messages":[{"role":"user","content":"x"}]})", 7, budgeted());
  d.start();
  const auto actions = d.step(BudgetRefused{d.now_ms, 402, "budget_exceeded", "key:team-a day budget of 5.000000 USD would be exceeded", {}});
  EXPECT_EQ(find_action<SendUpstream>(actions), nullptr);
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 402);
  const json body = json::parse(respond->body);
  EXPECT_EQ(body["error"]["code"], "budget_exceeded");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("key:team-a day"), std::string::npos);
  const RecordUsage* record = find_action<RecordUsage>(actions);
  EXPECT_EQ(record->attempts, 0);
  EXPECT_TRUE(record->reservation_id.empty());

  CallDriver limited(make_router(kBudgetConfig), R"({"model":"chat","messages":[{"role":"user","content":"x"}]})", 7, budgeted());
  limited.start();
  const auto rate = limited.step(BudgetRefused{limited.now_ms, 429, "rate_limited", "60 requests per minute", 12'000});
  const Respond* limited_respond = find_action<Respond>(rate);
  ASSERT_NE(limited_respond, nullptr);
  EXPECT_EQ(limited_respond->status, 429);
  EXPECT_EQ(test_support::header(*limited_respond, "retry-after"), "12");
}

TEST(BudgetCall, ARefusedRequestMovedPastNoTarget) {
  // No OpenAI key: the plan skips both targets and the 402's attempts header says so, but a refused
  // request never reached routing, so its record names no fallback reason.
  CallDriver d(make_router(kBudgetConfig, {}), R"({"model":"chat","messages":[{"role":"user","content":"x"}]})", 7, budgeted());
  d.start();
  const auto actions = d.step(BudgetRefused{d.now_ms, 402, "budget_exceeded", "key:team-a day budget exceeded", {}});
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_NE(test_support::header(*respond, "x-llmroute-attempts").find("reason=missing_secret_OPENAI_API_KEY"), std::string::npos);
  const RecordUsage* record = find_action<RecordUsage>(actions);
  ASSERT_NE(record, nullptr);
  EXPECT_TRUE(record->fallback_reasons.empty());
}

// Issue 7, bug D: a ledger that never answers must not hang the call. At the route's deadline the
// client gets an OpenAI-shaped 504 and nothing is charged: no provider was called, no reservation
// is named for settling.
TEST(BudgetCall, ALedgerThatNeverAnswersTimesOutAtTheDeadline) {
  const std::string config = R"({"routes": {"chat": {"targets": ["openai/gpt-4o-mini"], "deadline_ms": 9000,
    "budgets": [{"usd": "100", "window": "month"}]}}, "prices": {"openai/gpt-4o-mini": {"input": "0.15", "output": "0.60"}}})";
  CallDriver d(make_router(config), R"({"model":"chat","messages":[{"role":"user","content":"x"}]})", 7, budgeted());
  const std::int64_t t0 = d.now_ms;
  ASSERT_NE(find_action<ReserveBudget>(d.start()), nullptr);
  EXPECT_EQ(d.call->next_deadline_ms(), t0 + 9000);

  EXPECT_TRUE(d.step(TimerFired{t0 + 8999}).empty());  // early: nothing is due yet
  EXPECT_FALSE(d.call->done());

  const auto actions = d.fire_timer();
  EXPECT_EQ(d.now_ms, t0 + 9000);
  EXPECT_EQ(find_action<SendUpstream>(actions), nullptr);
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);
  EXPECT_EQ(respond->status, 504);
  EXPECT_EQ(test_support::header(*respond, "content-type"), "application/json");
  const json body = json::parse(respond->body);
  EXPECT_EQ(body["error"]["code"], "budget_ledger_timeout");
  EXPECT_EQ(body["error"]["type"], "server_error");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("ledger"), std::string::npos);
  const RecordUsage* record = find_action<RecordUsage>(actions);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->status, 504);
  EXPECT_EQ(record->outcome, "budget_ledger_timeout");
  EXPECT_EQ(record->attempts, 0);
  EXPECT_EQ(record->cost.micro_usd, 0);
  EXPECT_EQ(record->cost.status, CostStatus::None);
  EXPECT_TRUE(record->reservation_id.empty());
  EXPECT_TRUE(d.call->done());
  EXPECT_EQ(d.call->next_deadline_ms(), std::nullopt);

  // The ledger's answer, arriving late, changes nothing.
  EXPECT_TRUE(d.step(BudgetReserved{d.now_ms + 1, "r-late"}).empty());
}

TEST(BudgetCall, NoBudgetsNoReservation) {
  CallDriver d(make_router(R"({"routes":{"chat":{"targets":["openai/gpt-4o-mini"]}}})"), test_support::kHelloRequest);
  const auto actions = d.start();
  EXPECT_EQ(find_action<ReserveBudget>(actions), nullptr);
  EXPECT_NE(find_action<SendUpstream>(actions), nullptr);
}

TEST(BudgetConfig, BudgetsAndLimitsAreValidated) {
  std::vector<ConfigProblem> problems;
  const std::string hash = to_hex(sha256("k"));
  parse_config(json::parse(R"({"routes":{"r":{"targets":["openai/a"],"budgets":[{"usd":"0","window":"day"}]}},
    "keys":[{"name":"a","sha256":")" + hash + R"(","budgets":[{"usd":"5","window":"week"},{"usd":"5.0000001","window":"day"},"x"],
      "requests_per_minute":-1,"tokens_per_minute":"many"}]})"), problems);
  std::vector<std::string> paths;
  for (const auto& p : problems) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"$.routes.r.budgets[0].usd", "$.keys[0].budgets[0].window", "$.keys[0].budgets[1].usd",
                                             "$.keys[0].budgets[2]", "$.keys[0].requests_per_minute",
                                             "$.keys[0].tokens_per_minute"}));
}
