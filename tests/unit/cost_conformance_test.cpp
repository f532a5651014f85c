// Cost conformance (issue 5): for every provider, the recorded usage of ../shared/fixtures/<provider>/
// (see ../shared/fixtures/manifest.json for each file's provenance and model) parsed through the
// registered translator, each token kind checked against the numbers read by hand from the fixture,
// and the cost checked against a value worked out by hand from the rates, in micro-dollars.
//
// How the expected costs were computed: a rate in USD per million tokens times a token count is
// micro-dollars (1200 tokens x 3.00 $/Mtok = 3600 µ$); each line of a comment is one token kind at
// its rate, and the sum is rounded once, half up. Rates are the bundled catalog's
// (worker/config/prices.json, version litellm-caddc6dd-2025-11-21) for the fixture's model; where the
// catalog has no such model the rates are written in this file ("written price") and the test checks
// that the catalog still lacks the model. No expected value is computed by the code under test.
//
// Also: long-context tiers (whole request at the tier's rates), streams cut before their usage
// event (no usage may be invented: the Call then estimates, tested in stream_call_test.cpp), and
// streamed and non-streamed forms of the same exchange normalising to the same Usage and cost.
#include <gtest/gtest.h>

#include <string>

#include "core/catalog.hpp"
#include "core/pricing.hpp"
#include "support/event_stream_frames.hpp"
#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;

namespace {

const PriceTable& catalog() {
  static const PriceTable table = [] {
    std::vector<ConfigProblem> problems;
    PriceTable t = parse_catalog(json::parse(read_file(LLMROUTE_SOURCE_DIR "/worker/config/prices.json")), problems);
    EXPECT_TRUE(problems.empty()) << problems.front().path << ": " << problems.front().message;
    return t;
  }();
  return table;
}

// The cost at the bundled catalog's price of provider/model; the model must be in the catalog.
std::int64_t at_catalog(std::string_view provider, std::string_view model, const Usage& usage, std::string expected_rate_set = "base") {
  const Cost cost = price_usage(catalog(), provider, model, usage);
  EXPECT_EQ(cost.status, CostStatus::Measured) << provider << "/" << model << " is not in the bundled catalog";
  EXPECT_EQ(cost.rate_set, expected_rate_set) << provider << "/" << model;
  return cost.micro_usd;
}

// Rates in micro-dollars per million tokens, written here for a model the catalog lacks.
struct Written {
  std::int64_t input, output, cached_input, cache_write;
};

// The cost at a written price; the catalog must still lack provider/model (else use its price).
std::int64_t at_written(std::string_view provider, std::string_view model, const Written& w, const Usage& usage) {
  EXPECT_EQ(find_price(catalog(), provider, model), nullptr)
      << provider << "/" << model << " is now in the bundled catalog: price this case with it";
  Rates rates;
  rates.input_per_mtok = w.input;
  rates.output_per_mtok = w.output;
  rates.cached_input_per_mtok = w.cached_input;
  rates.cache_write_per_mtok = w.cache_write;
  return cost_micro_usd(usage, rates);
}

struct Tokens {
  std::int64_t prompt = 0, completion = 0, cached = 0, cache_write = 0, reasoning = 0, cache_write_1h = 0;
};

void expect_usage(const Usage& u, const Tokens& t, const std::string& what) {
  EXPECT_EQ(u.prompt_tokens, t.prompt) << what << ": prompt_tokens";
  EXPECT_EQ(u.completion_tokens, t.completion) << what << ": completion_tokens";
  EXPECT_EQ(u.cached_prompt_tokens, t.cached) << what << ": cached_prompt_tokens";
  EXPECT_EQ(u.cache_write_prompt_tokens, t.cache_write) << what << ": cache_write_prompt_tokens";
  EXPECT_EQ(u.reasoning_tokens, t.reasoning) << what << ": reasoning_tokens";
  EXPECT_EQ(u.cache_write_1h_prompt_tokens, t.cache_write_1h) << what << ": cache_write_1h_prompt_tokens";
}

void expect_same_usage(const Usage& a, const Usage& b, const std::string& what) {
  expect_usage(b, Tokens{a.prompt_tokens, a.completion_tokens, a.cached_prompt_tokens, a.cache_write_prompt_tokens,
                         a.reasoning_tokens, a.cache_write_1h_prompt_tokens},
               what);
}

// A recorded (or hand-built) non-streamed answer: parsed, and it must carry usage.
Usage answered(std::string_view provider_name, const std::string& body, const std::string& what) {
  const providers::Answer a = answer(provider_name, body);
  EXPECT_TRUE(a.has_usage) << what;
  return a.usage;
}

// A stream fed in small pieces (5 bytes), then finished.
constexpr std::size_t kPiece = 5;
Streamed streamed(std::string_view provider_name, const std::string& upstream, const std::string& model = {}) {
  return run_stream(provider(provider_name).new_stream, upstream, kPiece, true, model);
}

// The stream up to (not including) the event holding `needle`, which starts at the last `event_start`
// before it ("data: " or "event: ").
std::string cut_before(const std::string& upstream, std::string_view needle, std::string_view event_start = "data: ") {
  const std::size_t at = upstream.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  if (at == std::string::npos) return upstream;
  const std::size_t start = upstream.rfind(event_start, at);
  EXPECT_NE(start, std::string::npos) << event_start;
  return upstream.substr(0, start);
}

// A cut stream: no usage event came, so no usage may be reported (and the answer is not complete).
void expect_cut_reports_no_usage(std::string_view provider_name, const std::string& cut, const std::string& what,
                                 const std::string& model = {}) {
  const Streamed s = streamed(provider_name, cut, model);
  EXPECT_FALSE(s.complete) << what;
  EXPECT_FALSE(s.has_usage) << what << ": usage reported without a usage event (prompt " << s.usage.prompt_tokens
                            << ", completion " << s.usage.completion_tokens << ")";
}

std::string bedrock_raw(const std::string& file) {
  return base64_decode(json::parse(fixture(file))["raw_base64"].get<std::string>());
}

// The recorded event-stream bytes up to the frame whose payload holds `needle`.
std::string bedrock_cut_before(const std::string& raw, std::string_view needle) {
  std::size_t at = 0;
  while (at + 4 <= raw.size()) {
    const std::size_t length = (static_cast<std::uint8_t>(raw[at]) << 24) | (static_cast<std::uint8_t>(raw[at + 1]) << 16) |
                               (static_cast<std::uint8_t>(raw[at + 2]) << 8) | static_cast<std::uint8_t>(raw[at + 3]);
    if (length == 0 || at + length > raw.size()) break;
    if (raw.substr(at, length).find(needle) != std::string::npos) return raw.substr(0, at);
    at += length;
  }
  ADD_FAILURE() << "no frame holds " << needle;
  return raw;
}

}  // namespace

// ---- OpenAI ------------------------------------------------------------------------------------

TEST(CostConformanceOpenAi, RecordedAnswers) {
  REQUIRE_SHARED_FIXTURES("openai");
  // chat-tool-call (gpt-4o): 68 prompt, 12 completion, nothing cached.
  const Usage tool = answered("openai", fixture("openai/chat-tool-call.response.json"), "chat-tool-call");
  expect_usage(tool, {68, 12, 0, 0, 0}, "chat-tool-call");
  // gpt-4o (2.50 / 10.00): 68 x 2.50 + 12 x 10.00 = 170 + 120 = 290 µ$
  EXPECT_EQ(at_catalog("openai", "gpt-4o", tool), 290);

  // chat-cached-tokens (gpt-5.6-sol): 4020 prompt of which 4012 cached reads, 4 completion.
  const Usage cached = answered("openai", fixture("openai/chat-cached-tokens.response.json"), "chat-cached-tokens");
  expect_usage(cached, {4020, 4, 4012, 0, 0}, "chat-cached-tokens");
  // gpt-5.6-sol is not in the catalog: written price, gpt-5's rates (1.25 / 10.00, cached 0.125):
  // 8 x 1.25 + 4012 x 0.125 + 4 x 10.00 = 10 + 501.5 + 40 = 551.5 -> 552 µ$ (half up)
  EXPECT_EQ(at_written("openai", "gpt-5.6-sol", {1'250'000, 10'000'000, 125'000, 1'250'000}, cached), 552);
}

TEST(CostConformanceOpenAi, ReasoningTokensOfAnOSeriesAnswer) {
  // No o-series answer was recorded: this one is written here. Reasoning is inside completion_tokens
  // and priced as output; cache reads inside prompt_tokens.
  const Usage u = answered("openai", R"({"id":"chatcmpl-o","object":"chat.completion","created":1,"model":"o4-mini-2025-04-16",
    "choices":[{"index":0,"message":{"role":"assistant","content":"42"},"finish_reason":"stop"}],
    "usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":200},
             "completion_tokens_details":{"reasoning_tokens":384}}})", "o4-mini");
  expect_usage(u, {1000, 500, 200, 0, 384}, "o4-mini");
  // o4-mini (1.10 / 4.40, cached 0.275): 800 x 1.10 + 200 x 0.275 + 500 x 4.40 = 880 + 55 + 2200 = 3135 µ$
  EXPECT_EQ(at_catalog("openai", "o4-mini", u), 3135);
}

TEST(CostConformanceOpenAi, StreamPricesAsItsAnswerAndACutStreamHasNoUsage) {
  REQUIRE_SHARED_FIXTURES("openai");
  const std::string upstream = fixture("openai/chat-stream-tool-call-include-usage.sse");
  const Streamed s = streamed("openai", upstream);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {53, 15, 0, 0, 0}, "chat-stream-tool-call-include-usage");
  // gpt-4o-mini (0.15 / 0.60): 53 x 0.15 + 15 x 0.60 = 7.95 + 9 = 16.95 -> 17 µ$
  EXPECT_EQ(at_catalog("openai", "gpt-4o-mini", s.usage), 17);

  // The same exchange, not streamed (written here with the usage event's counts).
  const Usage a = answered("openai", R"({"id":"chatcmpl-Dx0XpqH8w09uBXwq1zFGYdETjtnEl","object":"chat.completion","created":1782955817,
    "model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1",
    "type":"function","function":{"name":"f","arguments":"{\"city\":\"London, UK\"}"}}]},"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":53,"completion_tokens":15,"total_tokens":68,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
    "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_catalog("openai", "gpt-4o-mini", a), 17);

  expect_cut_reports_no_usage("openai", cut_before(upstream, R"("choices":[],"usage":{"prompt_tokens")"), "cut before the usage chunk");
}

// ---- Anthropic ---------------------------------------------------------------------------------

TEST(CostConformanceAnthropic, CacheReadsAndWritesAreAddedIntoThePrompt) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  // input_tokens 3 (uncached only), cache_read_input_tokens 1111, cache_creation_input_tokens 418
  // (all ephemeral_5m), output_tokens 33: prompt = 3 + 1111 + 418 = 1532.
  const Usage u = answered("anthropic", fixture("anthropic/messages-cache-read-and-write.response.json"), "cache-read-and-write");
  expect_usage(u, {1532, 33, 1111, 418, 0, 0}, "messages-cache-read-and-write");
  // claude-sonnet-4-5 (3.00 / 15.00, cached 0.30, write 3.75):
  // 3 x 3.00 + 1111 x 0.30 + 418 x 3.75 + 33 x 15.00 = 9 + 333.3 + 1567.5 + 495 = 2404.8 -> 2405 µ$
  EXPECT_EQ(at_catalog("anthropic", "claude-sonnet-4-5", u), 2405);
  EXPECT_EQ(at_catalog("anthropic", "claude-sonnet-4-5-20250929", u), 2405);  // the model the answer names: same price

  // messages-parallel-tool-use (claude-haiku-4-5): 423 in, 202 out, no cache.
  const Usage tools = answered("anthropic", fixture("anthropic/messages-parallel-tool-use.response.json"), "parallel-tool-use");
  expect_usage(tools, {423, 202, 0, 0, 0, 0}, "messages-parallel-tool-use");
  // claude-haiku-4-5 (1.00 / 5.00): 423 x 1.00 + 202 x 5.00 = 423 + 1010 = 1433 µ$
  EXPECT_EQ(at_catalog("anthropic", "claude-haiku-4-5", tools), 1433);
}

TEST(CostConformanceAnthropic, OneHourCacheWritesAtTheirOwnRate) {
  // Written here (no recording has 1-hour writes): 10 uncached, 3000 written of which 2000 with the 1h TTL.
  const Usage u = answered("anthropic", R"({"id":"msg_1h","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
    "content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":10,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,
             "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":100}})", "1h");
  expect_usage(u, {3010, 100, 0, 3000, 0, 2000}, "1h writes");
  // claude-haiku-4-5 (1.00 / 5.00, write 1.25, 1h write 2.00):
  // 10 x 1.00 + 1000 x 1.25 + 2000 x 2.00 + 100 x 5.00 = 10 + 1250 + 4000 + 500 = 5760 µ$
  EXPECT_EQ(at_catalog("anthropic", "claude-haiku-4-5", u), 5760);
}

TEST(CostConformanceAnthropic, LongContextTierPricesTheWholeRequest) {
  // Written here: input_tokens 180,000 is under the 200k threshold, but with 50,000 cache reads and
  // 20,000 cache writes the prompt is 250,000, above it: every token is at the tier's rates.
  const std::string above = R"({"id":"msg_long","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
    "content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":180000,"cache_creation_input_tokens":20000,"cache_read_input_tokens":50000,"output_tokens":4000}})";
  const Usage u = answered("anthropic", above, "above 200k");
  expect_usage(u, {250'000, 4'000, 50'000, 20'000, 0, 0}, "above 200k");
  // claude-sonnet-4-5 above 200,000 prompt tokens (6.00 / 22.50, cached 0.60, write 7.50):
  // 180,000 x 6.00 + 50,000 x 0.60 + 20,000 x 7.50 + 4,000 x 22.50
  //   = 1,080,000 + 30,000 + 150,000 + 90,000 = 1,350,000 µ$
  EXPECT_EQ(at_catalog("anthropic", "claude-sonnet-4-5", u, "above_200000"), 1'350'000);

  // Exactly 200,000 is not above the threshold: base rates (3.00 / 15.00, cached 0.30, write 3.75).
  std::string at_threshold = above;
  at_threshold.replace(at_threshold.find("180000"), 6, "130000");
  const Usage b = answered("anthropic", at_threshold, "at 200k");
  expect_usage(b, {200'000, 4'000, 50'000, 20'000, 0, 0}, "at 200k");
  // 130,000 x 3.00 + 50,000 x 0.30 + 20,000 x 3.75 + 4,000 x 15.00 = 390,000 + 15,000 + 75,000 + 60,000 = 540,000 µ$
  EXPECT_EQ(at_catalog("anthropic", "claude-sonnet-4-5", b, "base"), 540'000);
}

TEST(CostConformanceAnthropic, StreamsPriceAsTheirAnswers) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  // stream-thinking-redacted (claude-sonnet-4-5-20250929): message_delta's usage, input 92, output 189.
  const Streamed redacted = streamed("anthropic", fixture("anthropic/stream-thinking-redacted.sse"));
  EXPECT_TRUE(redacted.complete);
  ASSERT_TRUE(redacted.has_usage);
  expect_usage(redacted.usage, {92, 189, 0, 0, 0, 0}, "stream-thinking-redacted");
  // claude-sonnet-4-5-20250929 (3.00 / 15.00): 92 x 3.00 + 189 x 15.00 = 276 + 2835 = 3111 µ$
  EXPECT_EQ(at_catalog("anthropic", "claude-sonnet-4-5-20250929", redacted.usage), 3111);
  const Usage a = answered("anthropic", R"({"id":"msg_018XZkwvj9asBiffg3fXt88s","type":"message","role":"assistant",
    "model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,
    "usage":{"input_tokens":92,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
             "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":189}})", "answer");
  expect_same_usage(redacted.usage, a, "streamed vs answered");
  EXPECT_EQ(at_catalog("anthropic", "claude-sonnet-4-5-20250929", a), 3111);

  // stream-thinking-text (asked as claude-sonnet-4-0, answered by claude-sonnet-4-20250514): 43 in,
  // 282 out (thinking included in output_tokens, not counted apart).
  const Streamed thinking = streamed("anthropic", fixture("anthropic/stream-thinking-text.sse"));
  ASSERT_TRUE(thinking.has_usage);
  expect_usage(thinking.usage, {43, 282, 0, 0, 0, 0}, "stream-thinking-text");
  // claude-sonnet-4-20250514 (3.00 / 15.00): 43 x 3.00 + 282 x 15.00 = 129 + 4230 = 4359 µ$
  EXPECT_EQ(at_catalog("anthropic", "claude-sonnet-4-20250514", thinking.usage), 4359);

  // stream-tool-use: message_delta has only output_tokens (153); the input (506) is message_start's.
  const Streamed tool = streamed("anthropic", fixture("anthropic/stream-tool-use.sse"));
  ASSERT_TRUE(tool.has_usage);
  expect_usage(tool.usage, {506, 153, 0, 0, 0, 0}, "stream-tool-use");
  // claude-3-5-sonnet-20240620 is not in the catalog: written price 3.00 / 15.00:
  // 506 x 3.00 + 153 x 15.00 = 1518 + 2295 = 3813 µ$
  EXPECT_EQ(at_written("anthropic", "claude-3-5-sonnet-20240620", {3'000'000, 15'000'000, 300'000, 3'750'000}, tool.usage), 3813);
}

TEST(CostConformanceAnthropic, AStreamCutBeforeMessageDeltaHasNoUsage) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  // message_start carries the input count and a provisional output_tokens (1 here); the final count
  // is message_delta's. Cut before it, the output is unknown: no usage may be reported as measured.
  expect_cut_reports_no_usage("anthropic", cut_before(fixture("anthropic/stream-thinking-text.sse"), R"("type":"message_delta")", "event: "),
                              "stream-thinking-text cut before message_delta");
  expect_cut_reports_no_usage("anthropic", cut_before(fixture("anthropic/stream-tool-use.sse"), R"("type":"message_delta")", "event: "),
                              "stream-tool-use cut before message_delta");
}

// ---- Gemini (google-ai-studio) -----------------------------------------------------------------

TEST(CostConformanceGemini, RecordedAnswersWithThinking) {
  REQUIRE_SHARED_FIXTURES("gemini");
  // generate-content-text (gemini-2.5-flash): promptTokenCount 9, candidatesTokenCount 9,
  // thoughtsTokenCount 34 (outside candidatesTokenCount): completion = 9 + 34 = 43, reasoning 34.
  const Usage text = answered("google-ai-studio", fixture("gemini/generate-content-text.response.json"), "generate-content-text");
  expect_usage(text, {9, 43, 0, 0, 34}, "generate-content-text");
  // gemini-2.5-flash (0.30 / 2.50): 9 x 0.30 + 43 x 2.50 = 2.7 + 107.5 = 110.2 -> 110 µ$
  EXPECT_EQ(at_catalog("google-ai-studio", "gemini-2.5-flash", text), 110);

  // generate-content-max-tokens (gemini-2.5-flash): 15 prompt, 5 candidates, no thoughts.
  const Usage cut = answered("google-ai-studio", fixture("gemini/generate-content-max-tokens.response.json"), "max-tokens");
  expect_usage(cut, {15, 5, 0, 0, 0}, "generate-content-max-tokens");
  // 15 x 0.30 + 5 x 2.50 = 4.5 + 12.5 = 17 µ$
  EXPECT_EQ(at_catalog("google-ai-studio", "gemini-2.5-flash", cut), 17);

  // generate-content-function-call (gemini-2.0-flash): 33 prompt, 5 candidates.
  const Usage call = answered("google-ai-studio", fixture("gemini/generate-content-function-call.response.json"), "function-call");
  expect_usage(call, {33, 5, 0, 0, 0}, "generate-content-function-call");
  // gemini-2.0-flash (0.10 / 0.40): 33 x 0.10 + 5 x 0.40 = 3.3 + 2 = 5.3 -> 5 µ$
  EXPECT_EQ(at_catalog("google-ai-studio", "gemini-2.0-flash", call), 5);
}

TEST(CostConformanceGemini, LongContextTierWithCachedContent) {
  // Written here (no recording has cached content): 300,000 prompt tokens of which 100,000 from a
  // cache, 2,000 candidates and 3,000 thoughts.
  const std::string above = R"({"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":300000,"cachedContentTokenCount":100000,"candidatesTokenCount":2000,"thoughtsTokenCount":3000,
                     "totalTokenCount":305000},"modelVersion":"gemini-2.5-pro","responseId":"r"})";
  const Usage u = answered("google-ai-studio", above, "above 200k");
  expect_usage(u, {300'000, 5'000, 100'000, 0, 3'000}, "above 200k");
  // gemini-2.5-pro above 200,000 (2.50 / 15.00, cached 2.50 as the catalog has it):
  // 200,000 x 2.50 + 100,000 x 2.50 + 5,000 x 15.00 = 500,000 + 250,000 + 75,000 = 825,000 µ$
  EXPECT_EQ(at_catalog("google-ai-studio", "gemini-2.5-pro", u, "above_200000"), 825'000);

  std::string at_threshold = above;
  at_threshold.replace(at_threshold.find("300000"), 6, "200000");
  const Usage b = answered("google-ai-studio", at_threshold, "at 200k");
  expect_usage(b, {200'000, 5'000, 100'000, 0, 3'000}, "at 200k");
  // Base (1.25 / 10.00, cached 0.3125): 100,000 x 1.25 + 100,000 x 0.3125 + 5,000 x 10.00
  //   = 125,000 + 31,250 + 50,000 = 206,250 µ$
  EXPECT_EQ(at_catalog("google-ai-studio", "gemini-2.5-pro", b, "base"), 206'250);
}

TEST(CostConformanceGemini, StreamsPriceAsTheirAnswers) {
  REQUIRE_SHARED_FIXTURES("gemini");
  // stream-generate-content-sse (gemini-2.0-flash-exp): the last chunk's usageMetadata, 13 prompt
  // (the running chunks said 15), 8 candidates.
  const Streamed s = streamed("google-ai-studio", fixture("gemini/stream-generate-content-sse.sse"));
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {13, 8, 0, 0, 0}, "stream-generate-content-sse");
  // gemini-2.0-flash-exp is not in the catalog: written price, gemini-2.0-flash's 0.10 / 0.40:
  // 13 x 0.10 + 8 x 0.40 = 1.3 + 3.2 = 4.5 -> 5 µ$ (half up)
  const Written flash{100'000, 400'000, 25'000, 100'000};
  EXPECT_EQ(at_written("google-ai-studio", "gemini-2.0-flash-exp", flash, s.usage), 5);
  const Usage a = answered("google-ai-studio", R"({"candidates":[{"content":{"role":"model","parts":[{"text":"The capital of France is Paris.\n"}]},
    "finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":13,"candidatesTokenCount":8,"totalTokenCount":21},
    "modelVersion":"gemini-2.0-flash-exp","responseId":"w1peaMz6INOvnvgPgYfPiQY"})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_written("google-ai-studio", "gemini-2.0-flash-exp", flash, a), 5);

  // stream-function-call-thought-signature (gemini-3-pro-preview): 29 prompt, 10 candidates, 202
  // thoughts: completion 212, reasoning 202.
  const Streamed t = streamed("google-ai-studio", fixture("gemini/stream-function-call-thought-signature.sse"));
  ASSERT_TRUE(t.has_usage);
  expect_usage(t.usage, {29, 212, 0, 0, 202}, "stream-function-call-thought-signature");
  // gemini-3-pro-preview is not in the catalog: written price 2.00 / 12.00:
  // 29 x 2.00 + 212 x 12.00 = 58 + 2544 = 2602 µ$
  EXPECT_EQ(at_written("google-ai-studio", "gemini-3-pro-preview", {2'000'000, 12'000'000, 200'000, 2'000'000}, t.usage), 2602);
}

TEST(CostConformanceGemini, AStreamCutBeforeItsLastChunkHasNoUsage) {
  REQUIRE_SHARED_FIXTURES("gemini");
  // Every chunk carries running usageMetadata (15 prompt, no candidates count); the final counts
  // come with finishReason. Cut before that chunk the completion is unknown.
  expect_cut_reports_no_usage("google-ai-studio", cut_before(fixture("gemini/stream-generate-content-sse.sse"), R"("finishReason": "STOP")"),
                              "stream-generate-content-sse cut before its last chunk");
}

// ---- DeepSeek ----------------------------------------------------------------------------------

TEST(CostConformanceDeepSeek, CacheHitsAndReasoning) {
  REQUIRE_SHARED_FIXTURES("deepseek");
  // chat-reasoning-cache-hit (asked as deepseek-reasoner per the manifest; the body names
  // deepseek-v4-flash, which the catalog lacks): 563 prompt, 512 cache hits, 116 completion of which
  // 60 reasoning.
  const Usage hit = answered("deepseek", fixture("deepseek/chat-reasoning-cache-hit.response.json"), "chat-reasoning-cache-hit");
  expect_usage(hit, {563, 116, 512, 0, 60}, "chat-reasoning-cache-hit");
  // deepseek-reasoner (0.60 / 1.70, cached 0.06): 51 x 0.60 + 512 x 0.06 + 116 x 1.70
  //   = 30.6 + 30.72 + 197.2 = 258.52 -> 259 µ$
  EXPECT_EQ(at_catalog("deepseek", "deepseek-reasoner", hit), 259);

  // chat-tool-call (deepseek-reasoner): 339 prompt, 320 cache hits, 92 completion, 48 reasoning.
  const Usage tool = answered("deepseek", fixture("deepseek/chat-tool-call.response.json"), "chat-tool-call");
  expect_usage(tool, {339, 92, 320, 0, 48}, "chat-tool-call");
  // 19 x 0.60 + 320 x 0.06 + 92 x 1.70 = 11.4 + 19.2 + 156.4 = 187 µ$
  EXPECT_EQ(at_catalog("deepseek", "deepseek-reasoner", tool), 187);
}

TEST(CostConformanceDeepSeek, StreamPricesAsItsAnswerAndACutStreamHasNoUsage) {
  REQUIRE_SHARED_FIXTURES("deepseek");
  const std::string upstream = fixture("deepseek/chat-stream-reasoning.sse");
  // Usage rides on the finish chunk: 6 prompt, none cached, 212 completion of which 198 reasoning.
  const Streamed s = streamed("deepseek", upstream);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {6, 212, 0, 0, 198}, "chat-stream-reasoning");
  // deepseek-reasoner (0.60 / 1.70): 6 x 0.60 + 212 x 1.70 = 3.6 + 360.4 = 364 µ$
  EXPECT_EQ(at_catalog("deepseek", "deepseek-reasoner", s.usage), 364);
  const Usage a = answered("deepseek", R"({"id":"33be18fc-3842-486c-8c29-dd8e578f7f20","object":"chat.completion","created":1752169304,
    "model":"deepseek-reasoner","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?",
    "reasoning_content":"..."},"logprobs":null,"finish_reason":"stop"}],
    "usage":{"prompt_tokens":6,"completion_tokens":212,"total_tokens":218,"prompt_tokens_details":{"cached_tokens":0},
    "completion_tokens_details":{"reasoning_tokens":198},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":6}})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_catalog("deepseek", "deepseek-reasoner", a), 364);

  expect_cut_reports_no_usage("deepseek", cut_before(upstream, R"("finish_reason":"stop")"), "cut before the finish chunk");
}

// ---- Groq --------------------------------------------------------------------------------------

// llama3-8b-8192 is not in the catalog: written price 0.05 / 0.08 (llama-3.1-8b-instant's).
constexpr Written kLlama3_8b{50'000, 80'000, 50'000, 50'000};

TEST(CostConformanceGroq, AnswerAndStream) {
  REQUIRE_SHARED_FIXTURES("groq");
  // chat-text: 18 prompt, 43 completion (timing fields beside them).
  const Usage text = answered("groq", fixture("groq/chat-text.response.json"), "chat-text");
  expect_usage(text, {18, 43, 0, 0, 0}, "chat-text");
  // 18 x 0.05 + 43 x 0.08 = 0.9 + 3.44 = 4.34 -> 4 µ$
  EXPECT_EQ(at_written("groq", "llama3-8b-8192", kLlama3_8b, text), 4);

  // chat-stream: x_groq.usage on the finish chunk, 18 prompt, 73 completion.
  const std::string upstream = fixture("groq/chat-stream.sse");
  const Streamed s = streamed("groq", upstream);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {18, 73, 0, 0, 0}, "chat-stream");
  // 18 x 0.05 + 73 x 0.08 = 0.9 + 5.84 = 6.74 -> 7 µ$
  EXPECT_EQ(at_written("groq", "llama3-8b-8192", kLlama3_8b, s.usage), 7);
  const Usage a = answered("groq", R"({"id":"chatcmpl-532a6640-2e18-4a4c-8406-8437a857ce48","object":"chat.completion","created":1739948145,
    "model":"llama3-8b-8192","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"logprobs":null,"finish_reason":"stop"}],
    "usage":{"queue_time":0.28245049,"prompt_tokens":18,"prompt_time":0.002698174,"completion_tokens":73,"completion_time":0.060833333,
    "total_tokens":91,"total_time":0.063531507},"x_groq":{"id":"req_01jmefve36eajb6c1x6k8ppv5m"}})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_written("groq", "llama3-8b-8192", kLlama3_8b, a), 7);

  expect_cut_reports_no_usage("groq", cut_before(upstream, R"("usage":{"queue_time")"), "cut before the x_groq.usage chunk");
}

// ---- Mistral -----------------------------------------------------------------------------------

// mistral-tiny is not in the catalog: written price 0.25 / 0.25.
constexpr Written kMistralTiny{250'000, 250'000, 250'000, 250'000};

TEST(CostConformanceMistral, AnswersAndStream) {
  REQUIRE_SHARED_FIXTURES("mistral");
  // chat-tool-call (mistral-small-latest): 124 prompt, 22 completion.
  const Usage tool = answered("mistral", fixture("mistral/chat-tool-call.response.json"), "chat-tool-call");
  expect_usage(tool, {124, 22, 0, 0, 0}, "chat-tool-call");
  // mistral-small-latest (0.10 / 0.30): 124 x 0.10 + 22 x 0.30 = 12.4 + 6.6 = 19 µ$
  EXPECT_EQ(at_catalog("mistral", "mistral-small-latest", tool), 19);

  // chat-text (mistral-tiny): 11 prompt, 96 completion.
  const Usage text = answered("mistral", fixture("mistral/chat-text.response.json"), "chat-text");
  expect_usage(text, {11, 96, 0, 0, 0}, "chat-text");
  // 11 x 0.25 + 96 x 0.25 = 2.75 + 24 = 26.75 -> 27 µ$
  EXPECT_EQ(at_written("mistral", "mistral-tiny", kMistralTiny, text), 27);

  // chat-stream (mistral-tiny): usage on the finish chunk, 11 prompt, 80 completion.
  const std::string upstream = fixture("mistral/chat-stream.sse");
  const Streamed s = streamed("mistral", upstream);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {11, 80, 0, 0, 0}, "chat-stream");
  // 11 x 0.25 + 80 x 0.25 = 2.75 + 20 = 22.75 -> 23 µ$
  EXPECT_EQ(at_written("mistral", "mistral-tiny", kMistralTiny, s.usage), 23);
  const Usage a = answered("mistral", R"({"id":"6dc321029f5d4aa5899c1b38c9657a61","object":"chat.completion","created":1757759492,
    "model":"mistral-tiny","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
    "usage":{"prompt_tokens":11,"total_tokens":91,"completion_tokens":80}})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_written("mistral", "mistral-tiny", kMistralTiny, a), 23);

  expect_cut_reports_no_usage("mistral", cut_before(upstream, R"("usage":{"prompt_tokens")"), "cut before the finish chunk");
}

// ---- OpenRouter --------------------------------------------------------------------------------

TEST(CostConformanceOpenRouter, AnswerAndStream) {
  REQUIRE_SHARED_FIXTURES("openrouter");
  // chat-tool-call (mistralai/mistral-small): 134 prompt, 43 completion.
  const Usage tool = answered("openrouter", fixture("openrouter/chat-tool-call.response.json"), "chat-tool-call");
  expect_usage(tool, {134, 43, 0, 0, 0}, "chat-tool-call");
  // Not in the catalog: written price 0.20 / 0.60: 134 x 0.20 + 43 x 0.60 = 26.8 + 25.8 = 52.6 -> 53 µ$
  EXPECT_EQ(at_written("openrouter", "mistralai/mistral-small", {200'000, 600'000, 200'000, 200'000}, tool), 53);

  // chat-stream-tool-call-usage (served by Novita as moonshotai/kimi-k2): 57 prompt, 17 completion.
  const std::string upstream = fixture("openrouter/chat-stream-tool-call-usage.sse");
  const Streamed s = streamed("openrouter", upstream);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {57, 17, 0, 0, 0}, "chat-stream-tool-call-usage");
  // Not in the catalog: written price 0.57 / 2.30 (which reproduces OpenRouter's own usage.cost,
  // USD 0.00007159): 57 x 0.57 + 17 x 2.30 = 32.49 + 39.1 = 71.59 -> 72 µ$
  const Written kimi{570'000, 2'300'000, 570'000, 570'000};
  EXPECT_EQ(at_written("openrouter", "moonshotai/kimi-k2", kimi, s.usage), 72);
  const Usage a = answered("openrouter", R"({"id":"gen-1753242299-QZRAt5HJHd1ptY8sdS0s","provider":"Novita","model":"moonshotai/kimi-k2",
    "object":"chat.completion","created":1753242299,"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},
    "finish_reason":"stop","native_finish_reason":"stop","logprobs":null}],
    "usage":{"prompt_tokens":57,"completion_tokens":17,"total_tokens":74,"cost":0.00007159,"is_byok":false,
    "prompt_tokens_details":{"cached_tokens":0},"cost_details":{"upstream_inference_cost":null},"completion_tokens_details":{"reasoning_tokens":0}}})",
                           "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_written("openrouter", "moonshotai/kimi-k2", kimi, a), 72);

  expect_cut_reports_no_usage("openrouter", cut_before(upstream, R"("usage":{"prompt_tokens")"), "cut before the usage chunk");
}

// ---- Perplexity (perplexity-ai) ----------------------------------------------------------------

TEST(CostConformancePerplexity, AnswerAndStream) {
  REQUIRE_SHARED_FIXTURES("perplexity");
  // chat-text (sonar): 11 prompt, 392 completion.
  const Usage text = answered("perplexity-ai", fixture("perplexity/chat-text.response.json"), "chat-text");
  expect_usage(text, {11, 392, 0, 0, 0}, "chat-text");
  // sonar (1.00 / 1.00): 11 x 1.00 + 392 x 1.00 = 403 µ$
  EXPECT_EQ(at_catalog("perplexity-ai", "sonar", text), 403);

  // chat-stream-citations (sonar): running usage in every chunk, the last 10 prompt, 336 completion.
  const std::string lines = fixture("perplexity/chat-stream-citations.chunks.txt");
  const Streamed s = streamed("perplexity-ai", sse_from_chunk_lines(lines, false));
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {10, 336, 0, 0, 0}, "chat-stream-citations");
  // 10 x 1.00 + 336 x 1.00 = 346 µ$
  EXPECT_EQ(at_catalog("perplexity-ai", "sonar", s.usage), 346);
  const Usage a = answered("perplexity-ai", R"({"id":"58cb9740-f356-49e9-b71e-a02a1376c1b9","model":"sonar","created":1770768244,
    "object":"chat.completion","usage":{"prompt_tokens":10,"completion_tokens":336,"total_tokens":346},"citations":[],
    "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"ok"}}]})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_catalog("perplexity-ai", "sonar", a), 346);

  // Cut before the finish chunk: the running totals seen so far are not the answer's usage.
  const std::string upstream = sse_from_chunk_lines(lines, false);
  expect_cut_reports_no_usage("perplexity-ai", cut_before(upstream, R"("finish_reason":"stop")"), "cut before the finish chunk");
}

// ---- xAI (grok) --------------------------------------------------------------------------------

TEST(CostConformanceXai, ReasoningOutsideCompletionIsAddedIn) {
  REQUIRE_SHARED_FIXTURES("xai");
  // chat-text-reasoning (grok-3-mini): prompt 12 of which 2 cached; completion_tokens 1 EXCLUDES the
  // 228 reasoning tokens (total 241): ours is 1 + 228 = 229, reasoning 228.
  const Usage u = answered("grok", fixture("xai/chat-text-reasoning.response.json"), "chat-text-reasoning");
  expect_usage(u, {12, 229, 2, 0, 228}, "chat-text-reasoning");
  // grok-3-mini (0.30 / 0.50, cached 0.30 as the catalog has it):
  // 10 x 0.30 + 2 x 0.30 + 229 x 0.50 = 3 + 0.6 + 114.5 = 118.1 -> 118 µ$
  // (xAI's cost_in_usd_ticks, 1,176,500 x 1e-10 USD = 117.65 µ$, is the same tokens with cached reads
  // at 0.075: the catalog's cached rate for grok-3-mini is higher than xAI's.)
  EXPECT_EQ(at_catalog("grok", "grok-3-mini", u), 118);
}

TEST(CostConformanceXai, StreamPricesAsItsAnswerAndACutStreamHasNoUsage) {
  REQUIRE_SHARED_FIXTURES("xai");
  const std::string upstream = sse_from_chunk_lines(fixture("xai/chat-stream-tool-call.chunks.txt"), true);
  // Usage chunk: prompt 291 of which 290 cached; completion_tokens 26 + 196 reasoning = 222.
  const Streamed s = streamed("grok", upstream);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {291, 222, 290, 0, 196}, "chat-stream-tool-call");
  // grok-3-mini (0.30 / 0.50, cached 0.30): 1 x 0.30 + 290 x 0.30 + 222 x 0.50 = 0.3 + 87 + 111 = 198.3 -> 198 µ$
  EXPECT_EQ(at_catalog("grok", "grok-3-mini", s.usage), 198);
  const Usage a = answered("grok", R"({"id":"de9d896d-e946-b3a7-bb14-75ab33326930","object":"chat.completion","created":1770774066,
    "model":"grok-3-mini","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_55117580",
    "type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}],
    "usage":{"prompt_tokens":291,"completion_tokens":26,"total_tokens":513,"prompt_tokens_details":{"text_tokens":291,"audio_tokens":0,
    "image_tokens":0,"cached_tokens":290},"completion_tokens_details":{"reasoning_tokens":196,"audio_tokens":0,
    "accepted_prediction_tokens":0,"rejected_prediction_tokens":0},"num_sources_used":0,"cost_in_usd_ticks":1330500}})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_catalog("grok", "grok-3-mini", a), 198);

  expect_cut_reports_no_usage("grok", cut_before(upstream, R"("usage":{"prompt_tokens")"), "cut before the usage chunk");
}

// ---- Cohere ------------------------------------------------------------------------------------

TEST(CostConformanceCohere, BilledUnitsArePriced) {
  REQUIRE_SHARED_FIXTURES("cohere");
  // chat-tool-call (command-r): billed_units 62 in / 28 out (tokens processed: 968 / 83).
  const Usage tool = answered("cohere", fixture("cohere/chat-tool-call.response.json"), "chat-tool-call");
  expect_usage(tool, {62, 28, 0, 0, 0}, "chat-tool-call");
  // command-r (0.15 / 0.60): 62 x 0.15 + 28 x 0.60 = 9.3 + 16.8 = 26.1 -> 26 µ$
  EXPECT_EQ(at_catalog("cohere", "command-r", tool), 26);

  // chat-stream (command): message-end's billed_units 7 in / 109 out (tokens: 69 / 110).
  const std::string upstream = fixture("cohere/chat-stream.sse");
  const Streamed s = streamed("cohere", upstream);
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {7, 109, 0, 0, 0}, "chat-stream");
  // command is not in the catalog: written price 1.00 / 2.00: 7 x 1.00 + 109 x 2.00 = 7 + 218 = 225 µ$
  const Written command{1'000'000, 2'000'000, 1'000'000, 1'000'000};
  EXPECT_EQ(at_written("cohere", "command", command, s.usage), 225);
  const Usage a = answered("cohere", R"({"id":"6cd6ce61-bb3b-46f6-907e-fcfab45e51b6","finish_reason":"COMPLETE",
    "message":{"role":"assistant","content":[{"type":"text","text":"ok"}]},
    "usage":{"billed_units":{"input_tokens":7,"output_tokens":109},"tokens":{"input_tokens":69,"output_tokens":110}}})", "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_written("cohere", "command", command, a), 225);

  expect_cut_reports_no_usage("cohere", cut_before(upstream, R"("type":"message-end")", "event: "), "cut before message-end");
}

// ---- Bedrock (aws-bedrock) ---------------------------------------------------------------------

// The catalog has no aws-bedrock model: written price for Amazon Nova Micro, 0.035 / 0.14.
constexpr Written kNovaMicro{35'000, 140'000, 35'000, 35'000};

TEST(CostConformanceBedrock, AnswersAndStream) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  // converse-text (us.amazon.nova-micro-v1:0): 7 in, 30 out.
  const Usage text = answered("aws-bedrock", fixture("bedrock/converse-text.response.json"), "converse-text");
  expect_usage(text, {7, 30, 0, 0, 0}, "converse-text");
  // 7 x 0.035 + 30 x 0.14 = 0.245 + 4.2 = 4.445 -> 4 µ$
  EXPECT_EQ(at_written("aws-bedrock", "us.amazon.nova-micro-v1:0", kNovaMicro, text), 4);
  // converse-max-tokens: 13 in, 5 out: 13 x 0.035 + 5 x 0.14 = 0.455 + 0.7 = 1.155 -> 1 µ$
  const Usage max = answered("aws-bedrock", fixture("bedrock/converse-max-tokens.response.json"), "converse-max-tokens");
  expect_usage(max, {13, 5, 0, 0, 0}, "converse-max-tokens");
  EXPECT_EQ(at_written("aws-bedrock", "us.amazon.nova-micro-v1:0", kNovaMicro, max), 1);

  // converse-stream-text: the recorded event-stream bytes; metadata after messageStop, 13 in, 82 out.
  const std::string raw = bedrock_raw("bedrock/converse-stream-text.stream.json");
  const Streamed s = streamed("aws-bedrock", raw, "us.amazon.nova-micro-v1:0");
  EXPECT_TRUE(s.complete);
  ASSERT_TRUE(s.has_usage);
  expect_usage(s.usage, {13, 82, 0, 0, 0}, "converse-stream-text");
  // 13 x 0.035 + 82 x 0.14 = 0.455 + 11.48 = 11.935 -> 12 µ$
  EXPECT_EQ(at_written("aws-bedrock", "us.amazon.nova-micro-v1:0", kNovaMicro, s.usage), 12);
  const Usage a = answered("aws-bedrock", R"({"output":{"message":{"role":"assistant","content":[{"text":"The capital of France is Paris."}]}},
    "stopReason":"end_turn","usage":{"inputTokens":13,"outputTokens":82,"serverToolUsage":{},"totalTokens":95},"metrics":{"latencyMs":522}})",
                           "answer");
  expect_same_usage(s.usage, a, "streamed vs answered");
  EXPECT_EQ(at_written("aws-bedrock", "us.amazon.nova-micro-v1:0", kNovaMicro, a), 12);

  // Cut before the metadata frame: messageStop came (complete), but no usage.
  const Streamed cut = streamed("aws-bedrock", bedrock_cut_before(raw, "\"usage\""), "us.amazon.nova-micro-v1:0");
  EXPECT_FALSE(cut.has_usage) << "usage reported without the metadata event";
}

TEST(CostConformanceBedrock, CacheReadsAndWritesAreAddedIntoThePrompt) {
  // Written here (no recording has cache counts): inputTokens excludes them, as on Anthropic.
  const Usage u = answered("aws-bedrock", R"({"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn",
    "usage":{"inputTokens":100,"outputTokens":50,"totalTokens":1650,"cacheReadInputTokens":1000,"cacheWriteInputTokens":500},
    "metrics":{"latencyMs":1}})", "cache");
  expect_usage(u, {1600, 50, 1000, 500, 0}, "bedrock cache");
  // Written price (Claude Sonnet on Bedrock, 3.00 / 15.00, cached 0.30, write 3.75):
  // 100 x 3.00 + 1000 x 0.30 + 500 x 3.75 + 50 x 15.00 = 300 + 300 + 1875 + 750 = 3225 µ$
  EXPECT_EQ(at_written("aws-bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", {3'000'000, 15'000'000, 300'000, 3'750'000}, u), 3225);
}

// ---- Azure OpenAI ------------------------------------------------------------------------------

TEST(CostConformanceAzureOpenAi, AnswerPricedAndAStreamWithoutUsageHasNone) {
  REQUIRE_SHARED_FIXTURES("azure-openai");
  // chat-text (deployment openllmetry-testing, model gpt-35-turbo): 15 prompt, 24 completion.
  const Usage text = answered("azure-openai", fixture("azure-openai/chat-text.response.json"), "chat-text");
  expect_usage(text, {15, 24, 0, 0, 0}, "chat-text");
  // The catalog has no azure-openai model: written price, gpt-3.5-turbo's 0.50 / 1.50:
  // 15 x 0.50 + 24 x 1.50 = 7.5 + 36 = 43.5 -> 44 µ$ (half up)
  EXPECT_EQ(at_written("azure-openai", "openllmetry-testing", {500'000, 1'500'000, 500'000, 500'000}, text), 44);

  // chat-stream: this api-version sends no usage at all; none may be reported.
  const Streamed s = streamed("azure-openai", fixture("azure-openai/chat-stream.sse"));
  EXPECT_TRUE(s.complete);
  EXPECT_FALSE(s.has_usage);
}

// ---- Workers AI --------------------------------------------------------------------------------

TEST(CostConformanceWorkersAi, AnswerPricedAndStreamsWithoutUsageHaveNone) {
  REQUIRE_SHARED_FIXTURES("workers-ai");
  // run-chat-completion-reasoning (hand-written by Cloudflare, @cf/meta/llama-3.3-70b-instruct-fp8-fast): 1 prompt, 2 completion.
  const Usage u = answered("workers-ai", fixture("workers-ai/run-chat-completion-reasoning.response.json"), "reasoning");
  expect_usage(u, {1, 2, 0, 0, 0}, "run-chat-completion-reasoning");
  // The catalog has no workers-ai model: written price 0.29 / 2.25: 1 x 0.29 + 2 x 2.25 = 0.29 + 4.5 = 4.79 -> 5 µ$
  EXPECT_EQ(at_written("workers-ai", "@cf/meta/llama-3.3-70b-instruct-fp8-fast", {290'000, 2'250'000, 290'000, 290'000}, u), 5);

  for (const char* file : {"workers-ai/run-stream-text.sse", "workers-ai/run-stream-tool-calls-openai-format.sse"}) {
    const Streamed s = streamed("workers-ai", fixture(file));
    EXPECT_TRUE(s.complete) << file;
    EXPECT_FALSE(s.has_usage) << file;
  }
}
