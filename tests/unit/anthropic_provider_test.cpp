// The Anthropic translator: requests field by field against recorded ones, answers and streams
// (whole and byte by byte) from recorded traffic in ../shared/fixtures (see its manifest.json),
// plus cases written here for what the recordings do not cover.
#include "providers/anthropic/anthropic.hpp"

#include <gtest/gtest.h>

#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::providers;
using namespace llmroute::test_support;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = LLMROUTE_SHARED_FIXTURES_DIR "/anthropic";

ProviderRequest build(const std::string& openai_body, std::string_view model = "claude-x") {
  auto request = parse_chat_request(openai_body, RequestLimits{});
  EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error().message);
  auto built = anthropic::build_request(*request, model);
  EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
  return built.ok() ? *built : ProviderRequest{};
}

Error build_error(const std::string& openai_body) {
  auto request = parse_chat_request(openai_body, RequestLimits{});
  auto built = anthropic::build_request(*request, "claude-x");
  EXPECT_FALSE(built.ok());
  return built.ok() ? Error{} : built.error();
}

// What an OpenAI client would have sent to get the recorded Anthropic request.
json as_openai(const json& recorded) {
  json out = {{"model", "route"}, {"max_tokens", recorded["max_tokens"]}, {"messages", json::array()}};
  if (recorded.contains("system")) out["messages"].push_back({{"role", "system"}, {"content", recorded["system"]}});
  for (const json& m : recorded["messages"]) {
    json parts = json::array();
    if (m["content"].is_string()) parts = m["content"];
    else for (const json& b : m["content"]) parts.push_back({{"type", "text"}, {"text", b["text"]}});
    out["messages"].push_back({{"role", m["role"]}, {"content", parts}});
  }
  if (recorded.contains("tools")) {
    for (const json& t : recorded["tools"]) {
      out["tools"].push_back({{"type", "function"},
                              {"function", {{"name", t["name"]}, {"description", t["description"]}, {"parameters", t["input_schema"]}}}});
    }
  }
  if (recorded.contains("tool_choice")) out["tool_choice"] = recorded["tool_choice"]["type"];
  if (recorded.value("stream", false)) out["stream"] = true;
  return out;
}

Streamed stream(const std::string& upstream, std::size_t piece, bool include_usage = true) {
  return run_stream(anthropic::new_stream, upstream, piece, include_usage);
}

}  // namespace

TEST(AnthropicRequest, RecordedRequestsFieldByField) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  for (const char* name : {"messages-text-system", "messages-parallel-tool-use", "stream-tool-use", "error-404-not-found"}) {
    const json recorded = json::parse(read_file(kFixtures / (std::string(name) + ".request.json")));
    const ProviderRequest built = build(as_openai(recorded).dump(), recorded["model"].get<std::string>());
    json sent = json::parse(built.body);
    json expected = recorded;
    expected.erase("stream");
    if (recorded.value("stream", false)) expected["stream"] = true;
    // We always send content as blocks; a recorded plain string means the same.
    for (json& m : expected["messages"]) {
      if (m["content"].is_string()) m["content"] = json::array({{{"type", "text"}, {"text", m["content"]}}});
    }
    for (auto it = expected.begin(); it != expected.end(); ++it) EXPECT_EQ(sent[it.key()], it.value()) << name << ": " << it.key();
    for (auto it = sent.begin(); it != sent.end(); ++it) EXPECT_TRUE(expected.contains(it.key())) << name << ": extra " << it.key();
    EXPECT_EQ(built.path, "/v1/messages");
  }
}

TEST(AnthropicRequest, ToolTurnsImagesAndSettings) {
  const ProviderRequest built = build(R"({"model":"r","max_completion_tokens":300,"temperature":0.5,"top_p":0.9,"stop":"END",
    "user":"u-42","seed":7,"logit_bias":{},"parallel_tool_calls":false,"tool_choice":{"type":"function","function":{"name":"lookup"}},
    "tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}],
    "messages":[
      {"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Use tools."}]},
      {"role":"user","content":[{"type":"text","text":"What is in this?"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
        {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
                                                        {"id":"toolu_2","type":"function","function":{"name":"lookup","arguments":""}}]},
      {"role":"tool","tool_call_id":"toolu_1","content":"a cat"},
      {"role":"tool","tool_call_id":"toolu_2","content":"a mat"},
      {"role":"user","content":"Thanks"}]})");
  const json sent = json::parse(built.body);
  EXPECT_EQ(sent["system"], "Be brief.\n\nUse tools.");
  EXPECT_EQ(sent["max_tokens"], 300);
  EXPECT_EQ(sent["temperature"], 0.5);
  EXPECT_EQ(sent["top_p"], 0.9);
  EXPECT_EQ(sent["stop_sequences"], json::array({"END"}));
  EXPECT_EQ(sent["metadata"]["user_id"], "u-42");
  EXPECT_EQ(sent["tool_choice"], json::parse(R"({"type":"tool","name":"lookup","disable_parallel_tool_use":true})"));
  EXPECT_EQ(sent["tools"][0]["input_schema"]["properties"]["q"]["type"], "string");
  const json& messages = sent["messages"];
  ASSERT_EQ(messages.size(), 3u);  // user, assistant, user (tool results merged with the next user turn)
  EXPECT_EQ(messages[0]["content"][1]["source"], json::parse(R"({"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="})"));
  EXPECT_EQ(messages[0]["content"][2]["source"], json::parse(R"({"type":"url","url":"https://example.com/cat.jpg"})"));
  EXPECT_EQ(messages[1]["content"][0], json::parse(R"({"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"cat"}})"));
  EXPECT_EQ(messages[1]["content"][1]["input"], json::object());
  EXPECT_EQ(messages[2]["role"], "user");
  EXPECT_EQ(messages[2]["content"][0], json::parse(R"({"type":"tool_result","tool_use_id":"toolu_1","content":"a cat"})"));
  EXPECT_EQ(messages[2]["content"][1]["tool_use_id"], "toolu_2");
  EXPECT_EQ(messages[2]["content"][2]["text"], "Thanks");
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"logit_bias", "seed"}));
  EXPECT_EQ(built.headers[1], (Header{"anthropic-version", "2023-06-01"}));
}

TEST(AnthropicRequest, DefaultsAndRefusals) {
  const json sent = json::parse(build(R"({"model":"r","messages":[{"role":"user","content":"hi"}]})").body);
  EXPECT_EQ(sent["max_tokens"], anthropic::kDefaultMaxTokens);
  EXPECT_FALSE(sent.contains("stream"));
  EXPECT_EQ(build_error(R"({"model":"r","temperature":1.5,"messages":[{"role":"user","content":"hi"}]})").param, "temperature");
  EXPECT_EQ(build_error(R"({"model":"r","n":2,"messages":[{"role":"user","content":"hi"}]})").param, "n");
  EXPECT_EQ(build_error(R"({"model":"r","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]})").code,
            "unsupported_parameter");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"system","content":"only a system prompt"}]})").param, "messages");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,
    "tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"[1,2]"}}]}]})").code, "invalid_value");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]})").code,
            "unsupported_parameter");
}

TEST(AnthropicAnswer, RecordedAnswersBecomeChatCompletions) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  auto text = anthropic::parse_answer(read_file(kFixtures / "messages-text-system.response.json"), {1'700'000'000'000});
  ASSERT_TRUE(text.ok());
  json body = json::parse(text->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 1'700'000'000);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_NE(body["choices"][0]["message"]["content"].get<std::string>().find("Paris"), std::string::npos);

  auto tools = anthropic::parse_answer(read_file(kFixtures / "messages-parallel-tool-use.response.json"), {});
  ASSERT_TRUE(tools.ok());
  body = json::parse(tools->body);
  const json& message = body["choices"][0]["message"];
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
  ASSERT_EQ(message["tool_calls"].size(), 4u);
  EXPECT_EQ(message["tool_calls"][0]["id"], "toolu_0167cfEnoQaPviGdVXA95zcu");
  EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "retrieve_entity_info");
  EXPECT_EQ(json::parse(message["tool_calls"][3]["function"]["arguments"].get<std::string>()), json::parse(R"({"name":"Daisy"})"));
}

TEST(AnthropicAnswer, CacheTokensAreAddedBackIntoThePrompt) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  // The recording: input 3, cache read 1111, cache write 418, output 33.
  auto answer = anthropic::parse_answer(read_file(kFixtures / "messages-cache-read-and-write.response.json"), {});
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->usage.prompt_tokens, 3 + 1111 + 418);
  EXPECT_EQ(answer->usage.cached_prompt_tokens, 1111);
  EXPECT_EQ(answer->usage.cache_write_prompt_tokens, 418);
  EXPECT_EQ(answer->usage.completion_tokens, 33);
  const json usage = json::parse(answer->body)["usage"];
  EXPECT_EQ(usage["prompt_tokens"], 1532);
  EXPECT_EQ(usage["prompt_tokens_details"]["cached_tokens"], 1111);
  EXPECT_EQ(usage["total_tokens"], 1565);
}

TEST(AnthropicError, RecordedErrors) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  const auto overloaded = anthropic::parse_error(529, read_file(kFixtures / "error-529-overloaded.json"));
  EXPECT_EQ(overloaded.type, "server_error");
  EXPECT_EQ(overloaded.code, "overloaded_error");
  const auto missing = anthropic::parse_error(404, read_file(kFixtures / "error-404-not-found.json"));
  EXPECT_EQ(missing.type, "invalid_request_error");
  EXPECT_NE(missing.message.find("claude-sonet-4-5"), std::string::npos);
  const auto long_prompt = anthropic::parse_error(400, R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}})");
  EXPECT_TRUE(long_prompt.context_length_exceeded);
}

TEST(AnthropicStream, RecordedToolUseStreamWholeAndByteByByte) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  const std::string upstream = read_file(kFixtures / "stream-tool-use.sse");
  const Streamed whole = stream(upstream, upstream.size());
  const Streamed bytewise = stream(upstream, 1);
  EXPECT_EQ(whole.out, bytewise.out);
  EXPECT_TRUE(whole.complete);
  const Reassembled r = reassemble(whole.out);
  EXPECT_EQ(r.content.rfind("Certainly! I can help you with that information", 0), 0u);
  EXPECT_EQ(r.finish_reason, "tool_calls");
  ASSERT_FALSE(r.tool_calls.empty());
  EXPECT_EQ(r.tool_calls[0].name, "get_weather");
  EXPECT_TRUE(json::parse(r.tool_calls[0].arguments).is_object());  // the fragments join into the arguments
  EXPECT_EQ(r.usage["prompt_tokens"], 506);
  EXPECT_GT(r.usage["completion_tokens"].get<int>(), 5);  // the final count from message_delta, not the first
}

TEST(AnthropicStream, RecordedThinkingStreams) {
  REQUIRE_SHARED_FIXTURES("anthropic");
  for (const char* name : {"stream-thinking-text.sse", "stream-thinking-redacted.sse"}) {
    const std::string upstream = read_file(kFixtures / name);
    const Streamed whole = stream(upstream, upstream.size(), false);
    EXPECT_EQ(whole.out, stream(upstream, 3, false).out) << name;
    EXPECT_TRUE(whole.complete) << name;
    const Reassembled r = reassemble(whole.out);
    EXPECT_FALSE(r.content.empty()) << name;
    EXPECT_EQ(r.finish_reason, "stop") << name;
    EXPECT_TRUE(r.usage.is_null()) << name;  // not asked for: not sent
  }
  const Reassembled thinking = reassemble(stream(read_file(kFixtures / "stream-thinking-text.sse"), 17).out);
  EXPECT_FALSE(thinking.reasoning.empty());
}

TEST(AnthropicStream, ErrorsAndCuts) {
  const std::string start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n";
  Streamed s = stream(start + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", 5);
  EXPECT_TRUE(s.error);
  EXPECT_FALSE(s.complete);
  s = stream(start + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n", 7);
  EXPECT_FALSE(s.error);
  EXPECT_FALSE(s.complete);  // no message_stop: the caller ends the client's stream with an error
  EXPECT_EQ(reassemble(s.out).content, "Hi");
  s = stream(start + "event: content_block_delta\ndata: {not json}\n\n", 100);
  EXPECT_TRUE(s.error);
}

TEST(AnthropicStream, AStreamWithoutMessageStartGetsTheCallsId) {
  const std::string upstream =
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  const Streamed s = stream(upstream, 3);
  const Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.content, "Hi");
  EXPECT_EQ(r.id, kFallbackId);
  // Anthropic's own, when message_start gives it, and for a whole answer.
  EXPECT_EQ(reassemble(stream("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\"}}\n\n" +
                              upstream, 5).out).id, "msg_1");
  EXPECT_EQ(json::parse(anthropic::parse_answer(R"({"id":"msg_2","type":"message","role":"assistant","model":"m",
      "content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}})", {0, "m", kFallbackId})->body)["id"], "msg_2");
}

// The fast path (a SAX pass over content_block_delta events) against the full parse of every
// event, over events written to trip it: each one alone inside a stream with a tool call open,
// under its SSE event name and under another, then all in one stream. A divergence in bytes, end
// state, error or usage fails here.
TEST(AnthropicStream, FastPathWritesWhatTheFullParseWrites) {
  const std::string first =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}\n\n";
  const std::string last =
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":7}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  const std::vector<std::string> events = {
      // Escapes, unicode escapes (a surrogate pair, an escaped NUL) and raw UTF-8.
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a \"q\" \\ \/ \b\f\n\r\t \u0001 \u00e9\u4e2d\ud83d\ude00 é中😀 \u0000"}})",
      // Escaped member names, which the parse unescapes; members in unusual order; whitespace.
      R"({"t\u0079pe":"content_block_delta","delta":{"text":"esc","typ\u0065":"text_delta"},"index":0})",
      "{ \"delta\" : { \"text\" : \"spaced\" , \"type\" : \"text_delta\" } ,\r\n \"index\" : 0 , \"type\" : \"content_block_delta\" }",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}})",
      // Thinking, signatures, tool arguments (to the open call, to no call, empty, negative index).
      R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\": [1, 2.5"}})",
      R"({"type":"content_block_delta","index":5,"delta":{"type":"input_json_delta","partial_json":"{}"}})",
      R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})",
      R"({"type":"content_block_delta","index":-1,"delta":{"type":"input_json_delta","partial_json":"x"}})",
      R"({"type":"content_block_delta","delta":{"type":"input_json_delta","partial_json":"no index"}})",
      R"({"type":"content_block_delta","index":1.0,"delta":{"type":"input_json_delta","partial_json":"float index"}})",
      R"({"type":"content_block_delta","index":18446744073709551615,"delta":{"type":"input_json_delta","partial_json":"huge"}})",
      R"({"type":"content_block_delta","index":"1","delta":{"type":"input_json_delta","partial_json":"string index"}})",
      // The other kinds of a delta's members: a text in a thinking delta, members it skips.
      R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","text":"not thinking","thinking":"yes"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","citation":{"text":"no","type":"no"},"list":[{"type":"no"}],"n":null,"b":true,"f":1.5}})",
      R"({"type":"content_block_delta","index":0,"extra":{"delta":{"text":"no"}},"delta":{"type":"text_delta","text":"nested"}})",
      // Members given twice: the parse keeps the last.
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","text":"b"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"delta":{"type":"thinking_delta","thinking":"b"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"delta":{"type":"text_delta"}})",
      R"({"type":"message_stop","index":0,"delta":{"type":"text_delta","text":"a"},"type":"content_block_delta"})",
      R"({"type":"content_block_delta","index":9,"index":1,"delta":{"type":"input_json_delta","partial_json":"last index"}})",
      // Types it does not read.
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":5}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":null}})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":7,"text":"typed"}})",
      R"({"type":"content_block_delta","index":0,"delta":{"text":"untyped"}})",
      R"({"type":"content_block_delta","index":0,"delta":"text"})",
      R"({"type":"content_block_delta","index":0,"delta":[{"type":"text_delta","text":"array"}]})",
      R"({"type":"content_block_delta","index":0})",
      R"({"type":5,"index":0,"delta":{"type":"text_delta","text":"kind from the event name"}})",
      R"({"index":0,"delta":{"type":"text_delta","text":"no type"}})",
      // Other kinds of event, errors.
      R"({"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":3}})",
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
      R"({"type":"ping"})",
      // Not a JSON object, or too deep for the parse.
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"})",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}} x)",
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"bad \xff utf-8\"}}",
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"raw \x01 control\"}}",
      R"([{"type":"content_block_delta"}])",
      R"("content_block_delta")",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"deep"},"x":)" + std::string(70, '[') + std::string(70, ']') + "}",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"deep enough"},"x":)" + std::string(60, '[') + std::string(60, ']') + "}",
  };
  auto expect_same = [](const std::string& upstream, const std::string& what) {
    expect_fast_path_matches_full_parse(anthropic::new_stream, anthropic::new_full_parse_stream, upstream, what);
  };
  std::string all = first;
  for (const std::string& event : events) {
    for (const char* name : {"content_block_delta", "message_delta"}) {
      const std::string framed = std::string("event: ") + name + "\ndata: " + event + "\n\n";
      expect_same(first + framed + last, event + " as " + name);
      expect_same(framed + last, event + " as " + name + ", first");  // before message_start
      all += framed;
    }
  }
  expect_same(all + last, "all events in one stream");

  // Events it reads itself give what they say.
  const Streamed plain = stream(first + "event: content_block_delta\ndata: " + events[0] + "\n\n" + "event: content_block_delta\ndata: " + events[6] + "\n\n" + last, 1);
  const Reassembled r = reassemble(plain.out);
  EXPECT_EQ(r.content, json::parse(events[0])["delta"]["text"].get<std::string>());
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, "{\"a\": [1, 2.5");
  EXPECT_EQ(r.finish_reason, "tool_calls");
}

// The request `body` as provider `name` would send it: Bedrock's models name their region and it
// signs with example credentials (AWS's documented example keys, not real ones).
Result<ProviderRequest> build_for(const char* name, const std::string& body) {
  const Provider* provider = providers::find(name);
  if (provider == nullptr) return client_error(std::string("no provider ") + name);
  auto request = parse_chat_request(body, {});
  if (!request) return request.take_error();
  static const AwsCredentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  RequestContext context;
  context.aws_credentials = &credentials;
  const std::string model = std::string(name) == "aws-bedrock" ? "us-east-1/anthropic.claude-x" : "m";
  return provider->build_request(*request, model, context);
}

TEST(ProviderRequests, SteeringAProviderCannotHonourIsRefusedNotDropped) {
  for (const char* name : {"anthropic", "google-ai-studio", "cohere", "aws-bedrock"}) {
    auto built = build_for(name, R"({"model":"m","logit_bias":{"50256":-100},"messages":[{"role":"user","content":"hi"}]})");
    ASSERT_FALSE(built) << name;
    EXPECT_EQ(built.error().param, "logit_bias") << name;
    EXPECT_EQ(built.error().code, "unsupported_parameter");
    EXPECT_FALSE(build_for(name, R"({"model":"m","n":3,"messages":[{"role":"user","content":"hi"}]})")) << name;
    // An empty logit_bias and n = 1 ask for nothing: fine.
    EXPECT_TRUE(build_for(name, R"({"model":"m","logit_bias":{},"n":1,"messages":[{"role":"user","content":"hi"}]})")) << name;
  }
}

TEST(ProviderRequests, ImagesWhereOnlyTextIsTakenAreRefusedNotDropped) {
  const std::string image = R"({"type":"image_url","image_url":{"url":"https://example.com/a.png"}})";
  for (const char* name : {"anthropic", "google-ai-studio", "aws-bedrock"}) {
    auto built = build_for(name, R"({"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"be brief"},)" + image +
                                     R"(]},{"role":"user","content":"hi"}]})");
    ASSERT_FALSE(built) << name;
    EXPECT_EQ(built.error().param, "messages[0].content[1]") << name;
    EXPECT_EQ(built.error().code, "unsupported_parameter");
    built = build_for(name, R"({"model":"m","messages":[{"role":"user","content":"hi"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"c1","content":[)" + image + "]}]}");
    ASSERT_FALSE(built) << name;
    EXPECT_EQ(built.error().param, "messages[2].content[0]") << name;
    // Text parts alone still pass, joined.
    EXPECT_TRUE(build_for(name, R"({"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},)"
                                R"({"role":"user","content":"hi"}]})"))
        << name;
  }
}

TEST(ProviderRequests, ParallelToolCallsOffIsHonouredByAnthropicAndRefusedWhereThereIsNoSwitch) {
  const std::string tools = R"("messages":[{"role":"user","content":"hi"}],
      "tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"g"}}])";
  auto sent_choice = [&](const std::string& extra) {
    auto built = build_for("anthropic", "{\"model\":\"m\"," + tools + extra + "}");
    EXPECT_TRUE(built) << extra << ": " << (built ? "" : built.error().message);
    return built ? json::parse(built->body).value("tool_choice", json()) : json();
  };
  // Anthropic's switch needs a tool_choice: "auto" when the client gave none.
  EXPECT_EQ(sent_choice(R"(,"parallel_tool_calls":false)"), json::parse(R"({"type":"auto","disable_parallel_tool_use":true})"));
  EXPECT_EQ(sent_choice(R"(,"parallel_tool_calls":false,"tool_choice":"required")"),
            json::parse(R"({"type":"any","disable_parallel_tool_use":true})"));
  EXPECT_EQ(sent_choice(R"(,"parallel_tool_calls":false,"tool_choice":"none")"), json::parse(R"({"type":"none"})"));
  EXPECT_EQ(sent_choice(R"(,"parallel_tool_calls":true)"), json());

  for (const char* name : {"google-ai-studio", "aws-bedrock", "cohere"}) {
    auto refused = build_for(name, "{\"model\":\"m\"," + tools + R"(,"parallel_tool_calls":false})");
    ASSERT_FALSE(refused) << name;
    EXPECT_EQ(refused.error().http_status, 400) << name;
    EXPECT_EQ(refused.error().code, "unsupported_parameter") << name;
    EXPECT_EQ(refused.error().param, "parallel_tool_calls") << name;
    // Asking for nothing passes, and is not listed as dropped: no tools, no calls allowed, or true.
    for (const std::string& body : std::vector<std::string>{R"({"model":"m","messages":[{"role":"user","content":"hi"}],"parallel_tool_calls":false})",
                                   "{\"model\":\"m\"," + tools + R"(,"parallel_tool_calls":false,"tool_choice":"none"})",
                                   "{\"model\":\"m\"," + tools + R"(,"parallel_tool_calls":true})"}) {
      auto built = build_for(name, body);
      ASSERT_TRUE(built) << name << " " << body << ": " << built.error().message;
      EXPECT_EQ(std::find(built->dropped.begin(), built->dropped.end(), "parallel_tool_calls"), built->dropped.end()) << name;
    }
  }
}

TEST(ProviderRequests, ToolChoiceFormsAProviderCannotMapAreUnsupportedAndMalformedOnesInvalid) {
  const std::string head = R"({"model":"m","messages":[{"role":"user","content":"hi"}],
      "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":)";
  for (const char* name : {"anthropic", "google-ai-studio", "aws-bedrock", "cohere"}) {
    for (const std::string choice : {R"({"type":"allowed_tools","allowed_tools":{"mode":"auto","tools":[{"type":"function","function":{"name":"f"}}]}})",
                                     R"({"type":"custom","custom":{"name":"f"}})", R"("sometimes")"}) {
      auto built = build_for(name, head + choice + "}");
      ASSERT_FALSE(built) << name << " " << choice;
      EXPECT_EQ(built.error().code, "unsupported_parameter") << name << " " << choice;
      EXPECT_EQ(built.error().http_status, 400) << name << " " << choice;
      EXPECT_EQ(built.error().param.rfind("tool_choice", 0), 0u) << name << " " << choice << ": " << built.error().param;
    }
    for (const std::string choice : {R"(5)", R"({"type":"function","function":{}})", R"({})"}) {
      auto built = build_for(name, head + choice + "}");
      ASSERT_FALSE(built) << name << " " << choice;
      EXPECT_EQ(built.error().code, "invalid_type") << name << " " << choice;
    }
    EXPECT_TRUE(build_for(name, head + R"({"type":"function","function":{"name":"f"}}})")) << name;
  }
}

TEST(ProviderRequests, AToolsStrictFlagWithoutASwitchIsListedAsDropped) {
  for (const char* name : {"anthropic", "google-ai-studio", "aws-bedrock"}) {
    auto built = build_for(name, R"({"model":"m","messages":[{"role":"user","content":"hi"}],
      "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"},"strict":true}}]})");
    ASSERT_TRUE(built) << name << ": " << built.error().message;
    EXPECT_NE(std::find(built->dropped.begin(), built->dropped.end(), "tools.function.strict"), built->dropped.end()) << name;
  }
}
