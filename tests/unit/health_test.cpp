// Circuit breakers and latency, with a simulated clock: every transition of one target's circuit.
#include "core/health.hpp"

#include <gtest/gtest.h>

using namespace llmroute;
using namespace llmroute::core;

namespace {

constexpr const char* kTarget = "openai/gpt-4o-mini";
constexpr std::int64_t kStart = 1'700'000'000'000;

CircuitBreakerPolicy breaker(int failures = 3, std::int64_t window_ms = 10000, std::int64_t cooldown_ms = 5000) {
  return CircuitBreakerPolicy{true, failures, window_ms, cooldown_ms};
}

}  // namespace

TEST(Health, OpensAfterTheThresholdWithinAWindow) {
  Health health(breaker());
  health.record_failure(kTarget, kStart, "status_503", std::nullopt);
  health.record_failure(kTarget, kStart + 100, "timeout", std::nullopt);
  EXPECT_EQ(health.state(kTarget, kStart + 100), CircuitState::Closed);
  EXPECT_TRUE(health.admit(kTarget, kStart + 100).allowed);
  health.record_failure(kTarget, kStart + 200, "status_529", std::nullopt);
  EXPECT_EQ(health.state(kTarget, kStart + 200), CircuitState::Open);
  const auto refused = health.admit(kTarget, kStart + 300);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_at_ms, kStart + 200 + 5000);
  EXPECT_TRUE(health.admit("openai/gpt-4o", kStart + 300).allowed);  // per target
}

TEST(Health, FailuresInAnEarlierWindowOrAmongManySuccessesDoNotOpen) {
  Health health(breaker());
  health.record_failure(kTarget, kStart, "status_500", std::nullopt);
  health.record_failure(kTarget, kStart + 1, "status_500", std::nullopt);
  health.record_failure(kTarget, kStart + 10000, "status_500", std::nullopt);  // a new window
  EXPECT_EQ(health.state(kTarget, kStart + 10000), CircuitState::Closed);

  Health busy(breaker());
  for (int i = 0; i < 10; ++i) busy.record_success(kTarget, kStart + i);
  for (int i = 0; i < 5; ++i) busy.record_failure(kTarget, kStart + 20 + i, "status_500", std::nullopt);
  EXPECT_EQ(busy.state(kTarget, kStart + 30), CircuitState::Closed);  // 5 of 15: under half
  for (int i = 0; i < 5; ++i) busy.record_failure(kTarget, kStart + 40 + i, "status_500", std::nullopt);
  EXPECT_EQ(busy.state(kTarget, kStart + 50), CircuitState::Open);  // 10 of 20
}

TEST(Health, HalfOpenLetsOneProbeThroughThenClosesOrReopens) {
  Health health(breaker());
  for (int i = 0; i < 3; ++i) health.record_failure(kTarget, kStart, "status_503", std::nullopt);
  const std::int64_t cooled = kStart + 5000;
  EXPECT_EQ(health.state(kTarget, cooled), CircuitState::HalfOpen);
  const auto probe = health.admit(kTarget, cooled);
  EXPECT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  EXPECT_FALSE(health.admit(kTarget, cooled + 1).allowed);  // one probe at a time
  // The probe fails: open again for a whole cooldown.
  health.record_failure(kTarget, cooled + 50, "timeout", std::nullopt);
  EXPECT_EQ(health.state(kTarget, cooled + 51), CircuitState::Open);
  EXPECT_EQ(health.admit(kTarget, cooled + 51).retry_at_ms, cooled + 50 + 5000);
  // The next probe succeeds: closed, with a fresh count.
  EXPECT_TRUE(health.admit(kTarget, cooled + 5050).probe);
  health.record_success(kTarget, cooled + 5100);
  EXPECT_EQ(health.state(kTarget, cooled + 5100), CircuitState::Closed);
  health.record_failure(kTarget, cooled + 5200, "status_503", std::nullopt);
  EXPECT_TRUE(health.admit(kTarget, cooled + 5200).allowed);
}

TEST(Health, AnAbandonedProbeIsGivenBackAndAStuckOneExpires) {
  Health health(breaker());
  for (int i = 0; i < 3; ++i) health.record_failure(kTarget, kStart, "status_503", std::nullopt);
  EXPECT_TRUE(health.admit(kTarget, kStart + 5000).probe);
  health.record_abandoned(kTarget);
  EXPECT_TRUE(health.admit(kTarget, kStart + 5001).probe);
  EXPECT_FALSE(health.admit(kTarget, kStart + 5002).allowed);
  EXPECT_TRUE(health.admit(kTarget, kStart + 5001 + 5000).probe);  // never reported: given up after a cooldown
}

TEST(Health, RetryAfterLengthensTheCooldown) {
  Health health(breaker());
  health.record_failure(kTarget, kStart, "status_429", std::nullopt);
  health.record_failure(kTarget, kStart, "status_429", std::nullopt);
  health.record_failure(kTarget, kStart, "status_429", std::int64_t{60000});
  EXPECT_EQ(health.admit(kTarget, kStart + 5000).retry_at_ms, kStart + 60000);
  EXPECT_TRUE(health.admit(kTarget, kStart + 60000).probe);
  // A retry-after shorter than the cooldown does not shorten it.
  health.record_failure(kTarget, kStart + 60000, "status_429", std::int64_t{1000});
  EXPECT_EQ(health.admit(kTarget, kStart + 60001).retry_at_ms, kStart + 65000);
}

TEST(Health, WithoutABreakerEverythingIsAdmittedButStillCounted) {
  CircuitBreakerPolicy off;
  off.enabled = false;
  Health health(off);
  for (int i = 0; i < 50; ++i) health.record_failure(kTarget, kStart, "status_500", std::nullopt);
  EXPECT_TRUE(health.admit(kTarget, kStart).allowed);
  EXPECT_EQ(health.state(kTarget, kStart), CircuitState::Closed);
  const json doc = json::parse(health.to_json(kStart));
  EXPECT_TRUE(doc["circuit_breaker"].is_null());
  EXPECT_EQ(doc["targets"][0]["failures"], 50);
  EXPECT_EQ(doc["targets"][0]["failure_rate_percent"], 100);
}

TEST(Health, StreamsThatBreakAfterTheirHeadOpenTheCircuit) {
  Health health(breaker(3));
  // Each stream's head counted as a success; each then broke off: three failures of three attempts.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(health.admit(kTarget, kStart + i).allowed);
    health.record_success(kTarget, kStart + i);
    health.record_late_failure(kTarget, kStart + i + 100, "upstream_disconnected");
  }
  EXPECT_EQ(health.state(kTarget, kStart + 200), CircuitState::Open);
  const json doc = json::parse(health.to_json(kStart + 200));
  EXPECT_EQ(doc["targets"][0]["attempts"], 3);
  EXPECT_EQ(doc["targets"][0]["failures"], 3);
  EXPECT_EQ(doc["targets"][0]["last_error"], "upstream_disconnected");
}

TEST(Health, ALateFailureInANewWindowCountsItsOwnAttempt) {
  Health health(breaker(1, 10000));
  health.record_success(kTarget, kStart);
  health.record_late_failure(kTarget, kStart + 20000, "upstream_timeout");  // the window rolled over
  const json doc = json::parse(health.to_json(kStart + 20000));
  EXPECT_EQ(doc["targets"][0]["attempts"], 1);
  EXPECT_EQ(doc["targets"][0]["failures"], 1);
  EXPECT_EQ(health.state(kTarget, kStart + 20000), CircuitState::Open);
}

TEST(Health, LatencyIsAMovingAverage) {
  Health health(breaker());
  EXPECT_EQ(health.latency_ms(kTarget), std::nullopt);
  health.record_latency(kTarget, 1000);
  EXPECT_EQ(health.latency_ms(kTarget), 1000);
  health.record_latency(kTarget, 2000);
  EXPECT_EQ(health.latency_ms(kTarget), 1300);  // 0.7 x 1000 + 0.3 x 2000
}

TEST(Health, ReportsEachTargetAsJson) {
  Health health(breaker());
  health.record_success(kTarget, kStart);
  health.record_latency(kTarget, 120);
  for (int i = 0; i < 3; ++i) health.record_failure("anthropic/claude-haiku-4-5", kStart, "status_529", std::nullopt);
  const json doc = json::parse(health.to_json(kStart + 1000));
  EXPECT_EQ(doc["circuit_breaker"], json::parse(R"({"failures":3,"window_ms":10000,"cooldown_ms":5000})"));
  ASSERT_EQ(doc["targets"].size(), 2u);
  const json& claude = doc["targets"][0];
  EXPECT_EQ(claude["target"], "anthropic/claude-haiku-4-5");
  EXPECT_EQ(claude["state"], "open");
  EXPECT_EQ(claude["failure_rate_percent"], 100);
  EXPECT_EQ(claude["last_error"], "status_529");
  EXPECT_EQ(claude["open_until_ms"], kStart + 5000);
  EXPECT_TRUE(claude["latency_ms"].is_null());
  const json& mini = doc["targets"][1];
  EXPECT_EQ(mini["state"], "closed");
  EXPECT_EQ(mini["attempts"], 1);
  EXPECT_EQ(mini["latency_ms"], 120);
  EXPECT_TRUE(mini["last_error"].is_null());
  EXPECT_TRUE(mini["open_until_ms"].is_null());
}
