// The Cohere v2 chat translator: requests field by field against recorded ones, answers and streams
// (whole and byte by byte) from recorded traffic in ../shared/fixtures/cohere (see its manifest.json),
// plus cases written here for what the recordings do not cover.
#include "providers/cohere/cohere.hpp"

#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::providers;
using namespace llmroute::test_support;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = LLMROUTE_SHARED_FIXTURES_DIR "/cohere";

Result<ProviderRequest> try_build(const std::string& openai_body, std::string_view model = "command-a-03-2025") {
  auto request = parse_chat_request(openai_body, RequestLimits{});
  EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error().message);
  if (!request) return request.take_error();
  return cohere::build_request(*request, model);
}

ProviderRequest build(const std::string& openai_body, std::string_view model = "command-a-03-2025") {
  auto built = try_build(openai_body, model);
  EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
  return built.ok() ? *built : ProviderRequest{};
}

Error build_error(const std::string& openai_body) {
  auto built = try_build(openai_body);
  EXPECT_FALSE(built.ok());
  return built.ok() ? Error{} : built.error();
}

std::string with_user_turn(const std::string& fields) {
  return R"({"model":"r","messages":[{"role":"user","content":"hi"}])" + (fields.empty() ? "" : "," + fields) + "}";
}

Streamed stream(const std::string& upstream, std::size_t piece, bool include_usage = true) {
  return run_stream(cohere::new_stream, upstream, piece, include_usage, "command-a-03-2025");
}

std::string event(const std::string& name, const std::string& data) { return "event: " + name + "\ndata: " + data + "\n\n"; }

const std::string kStart = event("message-start", R"({"id":"c-1","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}})");

}  // namespace

TEST(CohereRequest, RecordedRequestsFieldByField) {
  REQUIRE_SHARED_FIXTURES("cohere");
  for (const char* name : {"chat-text", "chat-tool-call", "chat-stream"}) {
    const json recorded = json::parse(read_file(kFixtures / (std::string(name) + ".request.json")));
    // What an OpenAI client sends for it: the same messages and tools (Cohere v2 takes OpenAI's
    // function format), and stream only when streaming.
    json openai = {{"model", "route"}, {"messages", recorded["messages"]}};
    if (recorded.contains("tools")) openai["tools"] = recorded["tools"];
    if (recorded["stream"] == true) openai["stream"] = true;
    const ProviderRequest built = build(openai.dump(), recorded["model"].get<std::string>());
    const json sent = json::parse(built.body);
    for (auto it = recorded.begin(); it != recorded.end(); ++it) EXPECT_EQ(sent[it.key()], it.value()) << name << ": " << it.key();
    for (auto it = sent.begin(); it != sent.end(); ++it) EXPECT_TRUE(recorded.contains(it.key())) << name << ": extra " << it.key();
    EXPECT_EQ(built.path, "/v2/chat");
    EXPECT_TRUE(built.dropped.empty()) << name;
  }
}

TEST(CohereRequest, ToolTurnsImagesAndSettings) {
  const ProviderRequest built = build(R"({"model":"r","max_completion_tokens":300,"temperature":0.5,"top_p":0.9,"stop":"END",
    "frequency_penalty":0.2,"presence_penalty":0.1,"seed":7,"user":"u-42","logprobs":false,"tool_choice":"required",
    "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object","properties":{"c":{"type":"string"}}}}},
    "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up","strict":true,
              "parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}],
    "messages":[
      {"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Use tools."}]},
      {"role":"user","content":[{"type":"text","text":"What is in this?"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
        {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]},
      {"role":"assistant","content":"I will look it up.","tool_calls":[
        {"id":"lookup_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
        {"id":"lookup_2","type":"function","function":{"name":"lookup","arguments":""}}]},
      {"role":"tool","tool_call_id":"lookup_1","content":"a cat"},
      {"role":"tool","tool_call_id":"lookup_2","content":[{"type":"text","text":"a mat"}]},
      {"role":"assistant","content":"A cat on a mat."},
      {"role":"user","content":"Thanks"}]})");
  const json sent = json::parse(built.body);
  EXPECT_EQ(sent["model"], "command-a-03-2025");
  EXPECT_EQ(sent["max_tokens"], 300);
  EXPECT_EQ(sent["temperature"], 0.5);
  EXPECT_EQ(sent["p"], 0.9);
  EXPECT_FALSE(sent.contains("top_p"));
  EXPECT_EQ(sent["frequency_penalty"], 0.2);
  EXPECT_EQ(sent["presence_penalty"], 0.1);
  EXPECT_EQ(sent["stop_sequences"], json::array({"END"}));
  EXPECT_EQ(sent["seed"], 7);
  EXPECT_EQ(sent["stream"], false);
  EXPECT_EQ(sent["tool_choice"], "REQUIRED");
  EXPECT_EQ(sent["strict_tools"], true);
  EXPECT_EQ(sent["response_format"], json::parse(R"({"type":"json_object","json_schema":{"type":"object","properties":{"c":{"type":"string"}}}})"));
  EXPECT_EQ(sent["tools"][0], json::parse(R"({"type":"function","function":{"name":"lookup","description":"Looks up",
    "parameters":{"type":"object","properties":{"q":{"type":"string"}}}}})"));
  const json& messages = sent["messages"];
  ASSERT_EQ(messages.size(), 8u);  // in order, one for one
  EXPECT_EQ(messages[0], json::parse(R"({"role":"system","content":"Be brief."})"));
  EXPECT_EQ(messages[1], json::parse(R"({"role":"system","content":[{"type":"text","text":"Use tools."}]})"));
  EXPECT_EQ(messages[2]["content"][1], json::parse(R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}})"));
  EXPECT_EQ(messages[2]["content"][2], json::parse(R"({"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}})"));
  EXPECT_EQ(messages[3], json::parse(R"({"role":"assistant","tool_plan":"I will look it up.","tool_calls":[
    {"id":"lookup_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
    {"id":"lookup_2","type":"function","function":{"name":"lookup","arguments":"{}"}}]})"));
  EXPECT_EQ(messages[4], json::parse(R"({"role":"tool","tool_call_id":"lookup_1","content":"a cat"})"));
  EXPECT_EQ(messages[5]["content"], json::parse(R"([{"type":"text","text":"a mat"}])"));
  EXPECT_EQ(messages[6], json::parse(R"({"role":"assistant","content":"A cat on a mat."})"));
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"logprobs", "user"}));
  EXPECT_EQ(built.headers[0], (Header{"content-type", "application/json"}));
}

TEST(CohereRequest, ChoicesItCanAndCannotMake) {
  const std::string one_tool = R"("tools":[{"type":"function","function":{"name":"f"}}])";
  const std::string two_tools = R"("tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g"}}])";
  // Naming the only tool offered is REQUIRED; auto is Cohere's default; none is NONE.
  EXPECT_EQ(json::parse(build(with_user_turn(one_tool + R"(,"tool_choice":{"type":"function","function":{"name":"f"}})")).body)["tool_choice"], "REQUIRED");
  EXPECT_FALSE(json::parse(build(with_user_turn(one_tool + R"(,"tool_choice":"auto")")).body).contains("tool_choice"));
  EXPECT_EQ(json::parse(build(with_user_turn(two_tools + R"(,"tool_choice":"none","parallel_tool_calls":false)")).body)["tool_choice"], "NONE");
  EXPECT_EQ(json::parse(build(with_user_turn(R"("response_format":{"type":"json_object"})")).body)["response_format"],
            json::parse(R"({"type":"json_object"})"));
  EXPECT_FALSE(json::parse(build(with_user_turn(R"("response_format":{"type":"text"},"stream":true)")).body).contains("response_format"));
  EXPECT_EQ(json::parse(build(with_user_turn(R"("stream":true,"stream_options":{"include_usage":true})")).body)["stream"], true);

  // Refused, never silently changed.
  EXPECT_EQ(build_error(with_user_turn(two_tools + R"(,"tool_choice":{"type":"function","function":{"name":"g"}})")).param, "tool_choice");
  EXPECT_EQ(build_error(with_user_turn(two_tools + R"(,"parallel_tool_calls":false)")).param, "parallel_tool_calls");
  EXPECT_EQ(build_error(with_user_turn(R"("tools":[{"type":"function","function":{"name":"f","strict":true}},{"type":"function","function":{"name":"g"}}])")).param, "tools");
  EXPECT_EQ(build_error(with_user_turn(R"("temperature":1.5)")).param, "temperature");
  EXPECT_EQ(build_error(with_user_turn(R"("top_p":1)")).param, "top_p");
  EXPECT_EQ(build_error(with_user_turn(R"("frequency_penalty":-0.5)")).param, "frequency_penalty");
  EXPECT_EQ(build_error(with_user_turn(R"("presence_penalty":1.5)")).param, "presence_penalty");
  EXPECT_EQ(build_error(with_user_turn(R"("n":2)")).param, "n");
  const Error format = build_error(with_user_turn(R"("response_format":{"type":"xml"})"));
  EXPECT_EQ(format.code, "unsupported_parameter");
  EXPECT_EQ(format.param, "response_format");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
    {"role":"user","content":"hi"}]})").param, "messages[0].content[0]");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]})").code,
            "unsupported_parameter");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"function","name":"f","content":"x"}]})").param, "messages[0].role");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"tool","content":"x"}]})").code, "missing_required_parameter");
}

TEST(CohereAnswer, RecordedAnswersBecomeChatCompletions) {
  REQUIRE_SHARED_FIXTURES("cohere");
  auto text = cohere::parse_answer(read_file(kFixtures / "chat-text.response.json"), {1'700'000'000'000, "command-r7b-12-2024"});
  ASSERT_TRUE(text.ok());
  json body = json::parse(text->body);
  EXPECT_EQ(body["id"], "f17a5f6c-1734-4098-bd0d-733ef000ac7b");
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 1'700'000'000);
  EXPECT_EQ(body["model"], "command-r7b-12-2024");  // Cohere does not name it: the one asked for
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello! How can I assist you today?");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  // Billed units, not the 496 tokens the model processed with its prompt template.
  EXPECT_EQ(body["usage"]["prompt_tokens"], 1);
  EXPECT_EQ(body["usage"]["completion_tokens"], 9);
  EXPECT_EQ(text->usage.prompt_tokens, 1);
  EXPECT_TRUE(text->has_usage);

  auto tools = cohere::parse_answer(read_file(kFixtures / "chat-tool-call.response.json"), {0, "command-r"});
  ASSERT_TRUE(tools.ok());
  body = json::parse(tools->body);
  const json& message = body["choices"][0]["message"];
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(message["content"], "I will search for the current time and weather in Tokyo.");
  ASSERT_EQ(message["tool_calls"].size(), 2u);
  EXPECT_EQ(message["tool_calls"][0]["id"], "get_time_dp3men9jrvhf");
  EXPECT_EQ(message["tool_calls"][0]["type"], "function");
  EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "get_time");
  EXPECT_EQ(message["tool_calls"][1]["function"]["name"], "get_weather");
  EXPECT_EQ(message["tool_calls"][1]["function"]["arguments"], "{\"location\":\"Tokyo\"}");
  EXPECT_EQ(tools->usage.prompt_tokens, 62);
  EXPECT_EQ(tools->usage.completion_tokens, 28);
}

TEST(CohereAnswer, UsageFailuresAndThinking) {
  // No billed units: what the model processed. Cache hits stay a part of the prompt.
  auto answer = cohere::parse_answer(R"({"id":"a","finish_reason":"MAX_TOKENS","message":{"role":"assistant","content":[
    {"type":"thinking","thinking":"Let me think."},{"type":"text","text":"Par"}]},
    "usage":{"tokens":{"input_tokens":40,"output_tokens":5},"cached_tokens":32}})", {});
  ASSERT_TRUE(answer.ok());
  json body = json::parse(answer->body);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Par");
  EXPECT_EQ(body["choices"][0]["message"]["reasoning_content"], "Let me think.");
  EXPECT_EQ(answer->usage.prompt_tokens, 40);
  EXPECT_EQ(answer->usage.cached_prompt_tokens, 32);
  EXPECT_EQ(body["usage"]["prompt_tokens_details"]["cached_tokens"], 32);

  Usage usage;
  ASSERT_TRUE(cohere::read_usage(json::parse(R"({"billed_units":{"input_tokens":3,"output_tokens":4},"tokens":{"input_tokens":300},"cached_tokens":250})"), usage));
  EXPECT_EQ(usage.cached_prompt_tokens, 3);  // never more than the prompt it is a part of
  EXPECT_FALSE(cohere::read_usage(json::parse(R"({"billed_units":{}})"), usage));

  for (const char* failed : {"ERROR", "TIMEOUT"}) {
    auto error = cohere::parse_answer(std::string(R"({"id":"b","finish_reason":")") + failed + R"(","message":{"role":"assistant","content":[]}})", {});
    ASSERT_FALSE(error.ok()) << failed;
    EXPECT_EQ(error.error().code, "answer_failed");
    EXPECT_EQ(error.error().kind, ErrorKind::Upstream);
  }
  EXPECT_EQ(cohere::parse_answer("[1]", {}).error().code, "malformed_answer");
  EXPECT_EQ(cohere::parse_answer(R"({"id":"c"})", {}).error().code, "malformed_answer");
  EXPECT_EQ(cohere::ending("STOP_SEQUENCE").finish_reason, "stop");
}

TEST(CohereError, RecordedAndStatusCarriedErrors) {
  REQUIRE_SHARED_FIXTURES("cohere");
  const auto removed = cohere::parse_error(404, read_file(kFixtures / "error-404-v1-chat.json"));
  EXPECT_EQ(removed.type, "invalid_request_error");
  EXPECT_EQ(removed.code, "model_not_found");
  EXPECT_EQ(removed.message.rfind("model 'command-r' was removed", 0), 0u);
  EXPECT_FALSE(removed.context_length_exceeded);

  EXPECT_EQ(cohere::parse_error(401, R"({"id":"x","message":"invalid api token"})").type, "authentication_error");
  EXPECT_EQ(cohere::parse_error(429, R"({"id":"x","message":"You are using a Trial key"})").type, "rate_limit_error");
  EXPECT_EQ(cohere::parse_error(503, "upstream connect error").type, "server_error");
  EXPECT_EQ(cohere::parse_error(503, "upstream connect error").message, "the provider answered HTTP 503");
  const auto too_long = cohere::parse_error(400, R"({"id":"x","message":"too many tokens: size limit exceeded by 11738 tokens."})");
  EXPECT_TRUE(too_long.context_length_exceeded);
  EXPECT_EQ(too_long.code, "context_length_exceeded");
}

TEST(CohereStream, RecordedStreamWholeAndByteByByte) {
  REQUIRE_SHARED_FIXTURES("cohere");
  const std::string upstream = read_file(kFixtures / "chat-stream.sse");
  const Streamed whole = stream(upstream, upstream.size());
  EXPECT_EQ(whole.out, stream(upstream, 1).out);
  EXPECT_EQ(whole.out, stream(upstream, 7).out);
  EXPECT_TRUE(whole.complete);
  EXPECT_FALSE(whole.error);
  // The text is every content-delta of the recording, in order.
  std::string expected;
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.feed(upstream, events);
  for (const SseEvent& e : events) {
    if (e.event == "content-delta") expected += json::parse(e.data)["delta"]["message"]["content"]["text"].get<std::string>();
  }
  const Reassembled r = reassemble(whole.out);
  EXPECT_EQ(r.content, expected);
  EXPECT_EQ(r.content.rfind("Arrrr, matey!", 0), 0u);
  EXPECT_EQ(r.id, "6cd6ce61-bb3b-46f6-907e-fcfab45e51b6");
  EXPECT_EQ(r.model, "command-a-03-2025");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage["prompt_tokens"], 7);
  EXPECT_EQ(r.usage["completion_tokens"], 109);
  EXPECT_EQ(whole.usage.completion_tokens, 109);

  const Streamed quiet = stream(upstream, 13, false);
  EXPECT_TRUE(reassemble(quiet.out).usage.is_null());  // not asked for: not sent, but still known
  EXPECT_TRUE(quiet.has_usage);
}

TEST(CohereStream, ToolPlanAndToolCalls) {
  // Cohere's documented event shapes for a tool call (no recording of one was found).
  const std::string upstream =
      kStart +
      event("tool-plan-delta", R"({"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will check "}}})") +
      event("tool-plan-delta", R"({"type":"tool-plan-delta","delta":{"message":{"tool_plan":"the weather."}}})") +
      event("tool-call-start", R"({"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"get_weather_1","type":"function","function":{"name":"get_weather","arguments":""}}}}})") +
      event("tool-call-delta", R"({"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"location\":"}}}}})") +
      event("tool-call-delta", R"({"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"\"Tokyo\"}"}}}}})") +
      event("tool-call-end", R"({"type":"tool-call-end","index":0})") +
      event("tool-call-start", R"({"type":"tool-call-start","index":1,"delta":{"message":{"tool_calls":{"id":"get_time_2","type":"function","function":{"name":"get_time","arguments":"{}"}}}}})") +
      event("tool-call-end", R"({"type":"tool-call-end","index":1})") +
      event("message-end", R"({"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":62,"output_tokens":28},"tokens":{"input_tokens":968,"output_tokens":83},"cached_tokens":0}}})");
  const Streamed whole = stream(upstream, upstream.size());
  EXPECT_EQ(whole.out, stream(upstream, 1).out);
  EXPECT_TRUE(whole.complete);
  const Reassembled r = reassemble(whole.out);
  EXPECT_EQ(r.content, "I will check the weather.");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0].id, "get_weather_1");
  EXPECT_EQ(r.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.tool_calls[0].arguments, "{\"location\":\"Tokyo\"}");
  EXPECT_EQ(r.tool_calls[1].name, "get_time");
  EXPECT_EQ(r.tool_calls[1].arguments, "{}");
  EXPECT_EQ(r.usage["prompt_tokens"], 62);
}

TEST(CohereStream, ErrorsAndCuts) {
  const std::string delta = event("content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hi"}}}})");
  Streamed s = stream(kStart + delta + event("message-end", R"({"type":"message-end","delta":{"finish_reason":"ERROR"}})"), 5);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->code, "answer_failed");
  EXPECT_FALSE(s.complete);
  s = stream(kStart + delta, 3);
  EXPECT_FALSE(s.error);
  EXPECT_FALSE(s.complete);  // no message-end: the caller ends the client's stream with an error
  EXPECT_EQ(reassemble(s.out).content, "Hi");
  s = stream(kStart + "event: content-delta\ndata: {not json}\n\n", 100);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->code, "malformed_stream");
  // A stream that skips message-start still opens with the role.
  s = stream(delta + event("message-end", R"({"type":"message-end","delta":{"finish_reason":"COMPLETE"}})"), 4);
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(reassemble(s.out).content, "Hi");
}

TEST(CohereStream, AStreamWithoutMessageStartGetsTheCallsId) {
  const Streamed s = stream(event("content-delta", R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hi"}}}})") +
                                event("message-end", R"({"type":"message-end","delta":{"finish_reason":"COMPLETE"}})"),
                            5);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.content, "Hi");
  EXPECT_EQ(r.id, kFallbackId);
  EXPECT_EQ(reassemble(stream(kStart, 7).out).id, "c-1");  // Cohere's own, when it gives one
}
