// Streamed answers through the call state machine: fall back before the first byte reaches the
// client, end with an error event after it, account what was sent.
#include <gtest/gtest.h>

#include "core/call.hpp"
#include "support/core_harness.hpp"

using namespace llmroute;
using namespace llmroute::core;
using test_support::CallDriver;
using test_support::find_action;
using test_support::kTwoTargetConfig;
using test_support::make_router;
using test_support::openai_stream;

namespace {

const char* kStreamRequest = R"({"model":"chat","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]})";

template <typename T>
std::vector<T> all_of(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const auto& a : actions) if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  return out;
}

std::string bytes_of(const std::vector<Action>& actions) {
  std::string out;
  for (const auto& b : all_of<RespondBytes>(actions)) out += b.bytes;
  return out;
}

std::string header_of(const RespondHead& head, std::string_view name) {
  for (const auto& [k, v] : head.headers) if (k == name) return v;
  return {};
}

// Head, then the body in pieces of `piece` bytes, then the end; all actions in order.
std::vector<Action> stream_answer(CallDriver& d, int attempt, const std::string& body, std::size_t piece, bool end = true) {
  d.call->handle(UpstreamResponded{attempt, d.now_ms, 200, std::nullopt});
  std::vector<Action> out = d.drain();
  for (std::size_t i = 0; i < body.size(); i += piece) {
    d.call->feed(attempt, std::string_view(body).substr(i, piece));
    for (auto& a : d.drain()) out.push_back(std::move(a));
  }
  if (end) {
    d.call->handle(UpstreamEnded{attempt, d.now_ms});
    for (auto& a : d.drain()) out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

TEST(StreamCall, AStreamIsRelayedAndPriced) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  const auto started = d.start();
  const auto send = find_action<SendUpstream>(started);
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(json::parse(send->body)["stream_options"]["include_usage"], true);
  const auto actions = stream_answer(d, 1, openai_stream(), 10);
  const auto heads = all_of<RespondHead>(actions);
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(header_of(heads[0], "content-type"), "text/event-stream");
  EXPECT_EQ(header_of(heads[0], "x-llmroute-model"), "gpt-4o-mini");
  EXPECT_EQ(header_of(heads[0], "x-llmroute-attempts").rfind("openai/gpt-4o-mini;outcome=ok;status=200", 0), 0u);
  EXPECT_EQ(bytes_of(actions), openai_stream());
  EXPECT_EQ(find_action<Respond>(actions), nullptr);
  EXPECT_NE(find_action<RespondEnd>(actions), nullptr);
  const RecordUsage* record = find_action<RecordUsage>(actions);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->outcome, "ok");
  EXPECT_EQ(record->cost.micro_usd, 450);  // the same usage costs the same streamed or not
  EXPECT_EQ(record->cost.status, CostStatus::Measured);
  EXPECT_TRUE(d.call->done());
}

TEST(StreamCall, UsageIsAskedForButStrippedWhenTheClientDidNot) {
  CallDriver d(make_router(kTwoTargetConfig), R"({"model":"chat","stream":true,"messages":[{"role":"user","content":"x"}]})");
  const auto started = d.start();
  const auto send = find_action<SendUpstream>(started);
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(json::parse(send->body)["stream_options"]["include_usage"], true);
  const auto actions = stream_answer(d, 1, openai_stream(), 1000);
  EXPECT_EQ(bytes_of(actions).find("\"usage\""), std::string::npos);
  EXPECT_EQ(find_action<RecordUsage>(actions)->cost.micro_usd, 450);
}

TEST(StreamCall, FailureBeforeTheFirstByteFallsBack) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  // A 200 whose stream dies before any chunk: nothing reached the client, so try again.
  auto actions = stream_answer(d, 1, "", 1, false);
  d.call->handle(UpstreamFailed{1, d.now_ms, FailureCause::Network});
  actions = d.drain();
  EXPECT_EQ(find_action<RespondHead>(actions), nullptr);
  ASSERT_NE(find_action<SendUpstream>(d.fire_timer()), nullptr);
  // An error event before any content is a failure too.
  actions = stream_answer(d, 2, "data: {\"error\":{\"message\":\"overloaded\"}}\n\n", 7, false);
  EXPECT_EQ(find_action<RespondHead>(actions), nullptr);
  ASSERT_NE(find_action<CancelUpstream>(actions), nullptr);
  EXPECT_EQ(find_action<SendUpstream>(actions), nullptr);  // feed() knows no time: a timer due at once brings it
  actions = d.fire_timer();
  const auto next = find_action<SendUpstream>(actions);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(json::parse(next->body)["model"], "gpt-4o");
  actions = stream_answer(d, 3, openai_stream(), 50);
  ASSERT_EQ(all_of<RespondHead>(actions).size(), 1u);
  EXPECT_NE(header_of(all_of<RespondHead>(actions)[0], "x-llmroute-attempts").find("reason=stream_error"), std::string::npos);
}

TEST(StreamCall, ACutAfterTheFirstByteEndsWithAnErrorEvent) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  const std::string full = openai_stream();
  const std::string part = full.substr(0, full.find("lo!"));
  auto actions = stream_answer(d, 1, part, 16, false);
  ASSERT_NE(find_action<RespondHead>(actions), nullptr);
  d.call->handle(UpstreamFailed{1, d.now_ms, FailureCause::Network});
  actions = d.drain();
  EXPECT_EQ(find_action<SendUpstream>(actions), nullptr);  // no fallback once the client has bytes
  const std::string tail = bytes_of(actions);
  EXPECT_EQ(tail.rfind("data: {\"error\":", 0), 0u) << tail;
  EXPECT_NE(tail.find("upstream_disconnected"), std::string::npos);
  EXPECT_NE(find_action<RespondEnd>(actions), nullptr);
  EXPECT_EQ(find_action<RecordUsage>(actions)->outcome, "stream_interrupted");
  EXPECT_TRUE(d.call->done());
}

TEST(StreamCall, AStreamThatEndsWithoutDoneIsIncomplete) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  const std::string full = openai_stream();
  const auto actions = stream_answer(d, 1, full.substr(0, full.find("data: [DONE]")), 1000);
  EXPECT_NE(bytes_of(actions).find("upstream_incomplete"), std::string::npos);
  EXPECT_EQ(bytes_of(actions).find("[DONE]"), std::string::npos);
}

TEST(StreamCall, AStalledStreamTimesOut) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  const std::string full = openai_stream();
  stream_answer(d, 1, full.substr(0, 200), 200, false);
  const auto deadline = d.call->next_deadline_ms();
  ASSERT_TRUE(deadline);
  EXPECT_EQ(*deadline, d.now_ms + 5000);  // the target's timeout, as the gap allowed between bytes
  // feed() has no clock, so bytes since the deadline was set re-arm it when it comes...
  EXPECT_TRUE(d.fire_timer().empty());
  EXPECT_EQ(d.call->next_deadline_ms(), d.now_ms + 5000);
  // ... and a whole timeout with no bytes at all is a stall.
  const auto actions = d.fire_timer();
  ASSERT_NE(find_action<CancelUpstream>(actions), nullptr);
  EXPECT_NE(bytes_of(actions).find("upstream_timeout"), std::string::npos);
}

// Found by call_fuzz: the idle deadline was the last event's time plus the timeout, and feed()
// carries no time, so it never moved while bytes flowed: a stream longer than one attempt timeout
// was cut as stalled. Now every timeout with bytes in it re-arms the deadline.
TEST(StreamCall, AStreamLongerThanTheTimeoutGoesOnWhileBytesFlow) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  const std::string full = openai_stream();
  const std::int64_t t0 = d.now_ms;
  const std::size_t first = full.find("\n\n") + 2;  // the first event: the client has the head
  ASSERT_FALSE(all_of<RespondHead>(stream_answer(d, 1, full.substr(0, first), first, false)).empty());
  for (std::size_t round = 0; round < 10; ++round) {  // ten times the 5 s timeout, bytes all the while
    d.call->feed(1, std::string_view(full).substr(first + round, 1));
    d.drain();
    EXPECT_TRUE(d.fire_timer().empty()) << round;
    EXPECT_FALSE(d.call->done()) << round;
  }
  EXPECT_GE(d.now_ms, t0 + 50'000);
  d.call->feed(1, std::string_view(full).substr(first + 10));
  d.drain();
  d.call->handle(UpstreamEnded{1, d.now_ms});
  const auto actions = d.drain();
  EXPECT_NE(bytes_of(actions).find("data: [DONE]"), std::string::npos);
  EXPECT_NE(find_action<RespondEnd>(actions), nullptr);
}

TEST(StreamCall, ClientDisconnectStopsTheUpstream) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  stream_answer(d, 1, openai_stream().substr(0, 150), 150, false);
  const auto actions = d.step(ClientDisconnected{d.now_ms});
  ASSERT_NE(find_action<CancelUpstream>(actions), nullptr);
  EXPECT_EQ(find_action<RecordUsage>(actions)->outcome, "client_disconnected");
  EXPECT_TRUE(d.call->done());
  // Before any upstream answer, too.
  CallDriver early(make_router(kTwoTargetConfig), kStreamRequest);
  early.start();
  const auto early_actions = early.step(ClientDisconnected{early.now_ms});
  ASSERT_NE(find_action<CancelUpstream>(early_actions), nullptr);
  EXPECT_EQ(find_action<RecordUsage>(early_actions)->status, 499);
}

TEST(StreamCall, ErrorStatusesStillFallBack) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  EXPECT_TRUE(d.answer(1, 503, "{}").empty());
  ASSERT_NE(find_action<SendUpstream>(d.fire_timer()), nullptr);
  const auto actions = d.answer(2, 400, R"({"error":{"message":"bad stop"}})");
  const Respond* respond = find_action<Respond>(actions);
  ASSERT_NE(respond, nullptr);  // an error before any stream is an ordinary JSON answer
  EXPECT_EQ(respond->status, 400);
}
