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
  // Relayed as it came, but for the cost in the final usage chunk.
  std::string expected = openai_stream();
  const std::string usage_end = R"("total_tokens":1500})";
  ASSERT_NE(expected.find(usage_end), std::string::npos);
  expected.insert(expected.find(usage_end) + usage_end.size() - 1, R"(,"llmroute_cost_usd":0.000450,"llmroute_cost_status":"measured")");
  EXPECT_EQ(bytes_of(actions), expected);
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
  const RecordUsage* record = find_action<RecordUsage>(actions);
  EXPECT_EQ(record->outcome, "stream_interrupted");
  // No usage ever came: the cost is estimated, not a silent 0. The prompt as estimated before the
  // call, the completion from the 3 bytes relayed ("Hel": one token at 3 bytes a token).
  const std::int64_t prompt = parse_chat_request(kStreamRequest, {})->estimated_prompt_tokens;
  EXPECT_EQ(record->cost.status, CostStatus::Estimated);
  EXPECT_EQ(record->usage.prompt_tokens, prompt);
  EXPECT_EQ(record->usage.completion_tokens, 1);
  // gpt-4o-mini: USD 0.15 and 0.60 per million, rounded half up to micro-dollars.
  EXPECT_EQ(record->cost.micro_usd, (prompt * 150'000 + 1 * 600'000 + 500'000) / 1'000'000);
  EXPECT_TRUE(d.call->done());
}

TEST(StreamCall, ALongStreamCutBeforeItsUsageIsEstimatedFromWhatWasRelayed) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  const std::string head = R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[)";
  std::string body = head + R"({"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})" + "\n\n";
  for (int i = 0; i < 1000; ++i) body += head + R"({"index":0,"delta":{"content":"abcdef"},"finish_reason":null}]})" + "\n\n";
  body += head + R"({"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":1}"}}]},"finish_reason":null}]})" + "\n\n";
  stream_answer(d, 1, body, 4096, false);
  d.call->handle(UpstreamFailed{1, d.now_ms, FailureCause::Network});
  const auto actions = d.drain();
  const RecordUsage* record = find_action<RecordUsage>(actions);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->cost.status, CostStatus::Estimated);
  // 6,000 content bytes and the 8 bytes of the arguments as written (escapes included): 2,003 tokens.
  EXPECT_EQ(record->usage.completion_tokens, 2003);
  const std::int64_t prompt = record->usage.prompt_tokens;
  EXPECT_EQ(record->cost.micro_usd, (prompt * 150'000 + 2003 * 600'000 + 500'000) / 1'000'000);
}

TEST(StreamCall, TheUsageChunkOfATranslatedStreamCarriesTheCost) {
  // Anthropic's stream is rewritten, not relayed: its usage chunk is written by the translator.
  CallDriver d(make_router(R"({"routes":{"c":{"targets":["anthropic/claude-x"]}},
      "prices":{"anthropic/claude-x":{"input":"3","output":"15"}}})", {"ANTHROPIC_API_KEY"}),
               R"({"model":"c","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]})");
  d.start();
  const std::string stream =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":100,\"output_tokens\":1}}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":20}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  ASSERT_FALSE(d.error);
  const auto actions = stream_answer(d, 1, stream, 13);
  ASSERT_NE(find_action<RecordUsage>(actions), nullptr);
  const std::string bytes = bytes_of(actions);
  // 100 x USD 3/M + 20 x USD 15/M = USD 0.000600.
  EXPECT_NE(bytes.find(R"("llmroute_cost_usd":0.000600,"llmroute_cost_status":"measured"})"), std::string::npos) << bytes;
  EXPECT_EQ(find_action<RecordUsage>(actions)->cost.micro_usd, 600);
}

TEST(StreamCall, AnErrorInsideTheStreamKeepsTheProvidersCode) {
  CallDriver d(make_router(kTwoTargetConfig), kStreamRequest);
  d.start();
  const std::string full = openai_stream();
  auto actions = stream_answer(d, 1, full.substr(0, full.find("data: ", 10)), 1000, false);
  ASSERT_NE(find_action<RespondHead>(actions), nullptr);
  actions = stream_answer(d, 1, "data: {\"error\":{\"message\":\"busy\",\"code\":\"server_overloaded\"}}\n\n", 1000, false);
  const std::string tail = bytes_of(actions);
  EXPECT_NE(tail.find(R"("code":"server_overloaded")"), std::string::npos) << tail;
  EXPECT_NE(tail.find("busy"), std::string::npos);
  EXPECT_NE(find_action<CancelUpstream>(actions), nullptr);
}

TEST(StreamCall, AnErrorBeforeTheFirstByteKeepsItsRetryAfter) {
  CallDriver d(make_router(R"({"routes":{"g":{"targets":[{"model":"google-ai-studio/gemini-x",
      "retry":{"attempts":2,"backoff_initial_ms":100,"backoff_max_ms":100}}]}}})", {"GOOGLE_AI_STUDIO_API_KEY"}),
               R"({"model":"g","stream":true,"messages":[{"role":"user","content":"x"}]})");
  d.start();
  // Gemini's quota error inside a 200 stream, with the delay it asks for in RetryInfo.
  stream_answer(d, 1,
                "data: {\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
                "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"7s\"}]}}\n\n",
                1000, false);
  ASSERT_TRUE(d.call->next_deadline_ms());
  EXPECT_EQ(*d.call->next_deadline_ms(), d.now_ms + 7000);  // not the 100 ms backoff
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

TEST(StreamCall, AStreamThatTricklesOnPastMaxStreamMsIsEnded) {
  CallDriver d(make_router(R"({"limits":{"max_stream_ms":20000},"routes":{"chat":{"targets":[
      {"model":"openai/gpt-4o-mini","timeout_ms":5000}]}}})", {"OPENAI_API_KEY"}),
               kStreamRequest);
  d.start();
  const std::string full = openai_stream();
  const std::int64_t t0 = d.now_ms;
  const std::size_t first = full.find("\n\n") + 2;
  ASSERT_FALSE(all_of<RespondHead>(stream_answer(d, 1, full.substr(0, first), first, false)).empty());
  const std::int64_t head_ms = d.now_ms;
  std::vector<Action> ended;
  for (std::size_t round = 0; round < 20 && ended.empty(); ++round) {  // a byte every few seconds: never a stall
    d.call->feed(1, std::string_view(full).substr(first + round, 1));
    d.drain();
    ended = d.fire_timer();
  }
  ASSERT_NE(find_action<CancelUpstream>(ended), nullptr);
  EXPECT_EQ(d.now_ms, head_ms + 20000);  // exactly when the limit ran out
  EXPECT_GE(d.now_ms, t0 + 20000);
  EXPECT_NE(bytes_of(ended).find("stream_too_long"), std::string::npos);
  EXPECT_EQ(find_action<RecordUsage>(ended)->outcome, "stream_interrupted");
  EXPECT_TRUE(d.call->done());
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
