// The Bedrock Converse translator: requests field by field against recorded ones (paths against the
// recorded URIs), SigV4 headers, answers and binary event streams (whole and byte by byte) from
// recorded traffic in ../shared/fixtures/bedrock (see its manifest.json), plus cases written here
// for what the recordings do not cover.
#include "providers/bedrock/bedrock.hpp"

#include <gtest/gtest.h>

#include "support/event_stream_frames.hpp"
#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::providers;
using namespace llmroute::test_support;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = LLMROUTE_SHARED_FIXTURES_DIR "/bedrock";
const std::string kModel = "us-east-1/anthropic.claude-3-5-haiku-20241022-v1:0";
const AwsCredentials kExample{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

Result<ProviderRequest> try_build(const std::string& openai_body, const std::string& model = kModel, const RequestContext& context = {}) {
  auto request = parse_chat_request(openai_body, RequestLimits{});
  EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error().message);
  if (!request) return request.take_error();
  return bedrock::build_request(*request, model, context);
}

ProviderRequest build(const std::string& openai_body, const std::string& model = kModel, const RequestContext& context = {}) {
  auto built = try_build(openai_body, model, context);
  EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
  return built.ok() ? *built : ProviderRequest{};
}

Error build_error(const std::string& openai_body, const std::string& model = kModel) {
  auto built = try_build(openai_body, model);
  EXPECT_FALSE(built.ok());
  return built.ok() ? Error{} : built.error();
}

std::string with_user_turn(const std::string& fields) {
  return R"({"model":"r","messages":[{"role":"user","content":"hi"}])" + (fields.empty() ? "" : "," + fields) + "}";
}

// What an OpenAI client would have sent to get the recorded Converse request.
json as_openai(const json& recorded, bool stream) {
  json out = {{"model", "route"}, {"messages", json::array()}};
  for (const json& block : recorded.value("system", json::array())) out["messages"].push_back({{"role", "system"}, {"content", block["text"]}});
  for (const json& m : recorded["messages"]) {
    json parts = json::array();
    for (const json& b : m["content"]) parts.push_back({{"type", "text"}, {"text", b["text"]}});
    out["messages"].push_back({{"role", m["role"]}, {"content", parts}});
  }
  const json config = recorded.value("inferenceConfig", json::object());
  if (config.contains("maxTokens")) out["max_tokens"] = config["maxTokens"];
  if (config.contains("temperature")) out["temperature"] = config["temperature"];
  if (recorded.contains("toolConfig")) {
    for (const json& t : recorded["toolConfig"]["tools"]) {
      const json& spec = t["toolSpec"];
      out["tools"].push_back({{"type", "function"},
                              {"function", {{"name", spec["name"]}, {"description", spec["description"]}, {"parameters", spec["inputSchema"]["json"]}}}});
    }
    if (recorded["toolConfig"]["toolChoice"].contains("auto")) out["tool_choice"] = "auto";
  }
  if (stream) out["stream"] = true;
  return out;
}

std::vector<json> manifest_entries(std::string_view kind) {
  std::vector<json> out;
  const json manifest = json::parse(read_file(fs::path(LLMROUTE_SHARED_FIXTURES_DIR) / "manifest.json"));
  for (const json& f : manifest["files"]) {
    if (f["provider"] == "bedrock" && f["kind"] == kind) out.push_back(f);
  }
  return out;
}

Streamed stream(const std::string& upstream, std::size_t piece, bool include_usage = true) {
  return run_stream(bedrock::new_stream, upstream, piece, include_usage, kModel);
}

const std::string kStart = event_frame("messageStart", R"({"p":"abc","role":"assistant"})");
const std::string kStop = event_frame("messageStop", R"({"p":"abcdef","stopReason":"end_turn"})");
const std::string kMetadata = event_frame("metadata", R"({"metrics":{"latencyMs":5},"usage":{"inputTokens":10,"outputTokens":3,"totalTokens":13}})");

std::string text_delta(const std::string& text) {
  return event_frame("contentBlockDelta", json{{"contentBlockIndex", 0}, {"delta", {{"text", text}}}, {"p", "xyz"}}.dump());
}

}  // namespace

TEST(BedrockRequest, RecordedRequestsFieldByFieldOnTheRecordedPaths) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  const auto requests = manifest_entries("request");
  ASSERT_EQ(requests.size(), 5u);
  for (const json& entry : requests) {
    const std::string file = entry["file"];
    const json recorded = json::parse(read_file(kFixtures / fs::path(file).filename()));
    const std::string uri = entry["recorded_uri"];  // https://bedrock-runtime.us-east-1.amazonaws.com/model/{id}/converse[-stream]
    const bool streaming = uri.size() > 7 && uri.substr(uri.size() - 7) == "-stream";
    // The config names the model id as it is, colon and all: us.amazon.nova-micro-v1:0.
    std::string model_id = entry["model"];
    if (auto at = model_id.find("%3A"); at != std::string::npos) model_id.replace(at, 3, ":");
    const ProviderRequest built = build(as_openai(recorded, streaming).dump(), "us-east-1/" + model_id);
    EXPECT_EQ(built.path, "/bedrock-runtime/us-east-1" + uri.substr(uri.find("/model/"))) << file;
    const json sent = json::parse(built.body);
    json expected = recorded;
    if (expected.contains("inferenceConfig") && expected["inferenceConfig"].empty()) expected.erase("inferenceConfig");  // the same as none
    for (auto it = expected.begin(); it != expected.end(); ++it) EXPECT_EQ(sent[it.key()], it.value()) << file << ": " << it.key();
    for (auto it = sent.begin(); it != sent.end(); ++it) EXPECT_TRUE(expected.contains(it.key())) << file << ": extra " << it.key();
    EXPECT_TRUE(built.dropped.empty()) << file;
  }
}

TEST(BedrockRequest, ToolTurnsImagesAndSettings) {
  const ProviderRequest built = build(R"({"model":"r","max_completion_tokens":300,"temperature":0.5,"top_p":0.9,"stop":["END","STOP"],
    "user":"u-42","seed":7,"tool_choice":{"type":"function","function":{"name":"lookup"}},
    "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}},
             {"type":"function","function":{"name":"now"}}],
    "messages":[
      {"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Use tools."}]},
      {"role":"user","content":[{"type":"text","text":"What is in this?"},{"type":"text","text":""},
        {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"tooluse_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
                                                        {"id":"tooluse_2","type":"function","function":{"name":"now","arguments":""}}]},
      {"role":"tool","tool_call_id":"tooluse_1","content":"a cat"},
      {"role":"tool","tool_call_id":"tooluse_2","content":[{"type":"text","text":"noon"}]},
      {"role":"user","content":"Thanks"}]})");
  const json sent = json::parse(built.body);
  EXPECT_EQ(sent["system"], json::parse(R"([{"text":"Be brief."},{"text":"Use tools."}])"));
  EXPECT_EQ(sent["inferenceConfig"], json::parse(R"({"maxTokens":300,"temperature":0.5,"topP":0.9,"stopSequences":["END","STOP"]})"));
  EXPECT_EQ(sent["toolConfig"]["toolChoice"], json::parse(R"({"tool":{"name":"lookup"}})"));
  EXPECT_EQ(sent["toolConfig"]["tools"][0], json::parse(R"({"toolSpec":{"name":"lookup","description":"Looks up",
    "inputSchema":{"json":{"type":"object","properties":{"q":{"type":"string"}}}}}})"));
  EXPECT_EQ(sent["toolConfig"]["tools"][1]["toolSpec"]["inputSchema"]["json"], json::parse(R"({"type":"object","properties":{}})"));
  const json& messages = sent["messages"];
  ASSERT_EQ(messages.size(), 3u);  // user, assistant, user (tool results merged with the next user turn)
  EXPECT_EQ(messages[0]["content"], json::parse(R"([{"text":"What is in this?"},{"image":{"format":"jpeg","source":{"bytes":"/9j/4AAQ"}}}])"));
  EXPECT_EQ(messages[1], json::parse(R"({"role":"assistant","content":[{"toolUse":{"toolUseId":"tooluse_1","name":"lookup","input":{"q":"cat"}}},
    {"toolUse":{"toolUseId":"tooluse_2","name":"now","input":{}}}]})"));
  EXPECT_EQ(messages[2], json::parse(R"({"role":"user","content":[{"toolResult":{"toolUseId":"tooluse_1","content":[{"text":"a cat"}]}},
    {"toolResult":{"toolUseId":"tooluse_2","content":[{"text":"noon"}]}},{"text":"Thanks"}]})"));
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"seed", "user"}));
  EXPECT_EQ(built.path, "/bedrock-runtime/us-east-1/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
  ASSERT_EQ(built.headers.size(), 1u);  // no credentials: the gateway signs (BYOK)
  EXPECT_EQ(built.headers[0], (Header{"content-type", "application/json"}));
}

TEST(BedrockRequest, ChoicesItCanAndCannotMake) {
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"f"}}])";
  EXPECT_EQ(json::parse(build(with_user_turn(tools + R"(,"tool_choice":"required")")).body)["toolConfig"]["toolChoice"],
            json::parse(R"({"any":{}})"));
  EXPECT_FALSE(json::parse(build(with_user_turn(tools)).body)["toolConfig"].contains("toolChoice"));
  // none, with no tool call in the conversation: the tools are not offered at all.
  EXPECT_FALSE(json::parse(build(with_user_turn(tools + R"(,"tool_choice":"none","parallel_tool_calls":false)")).body).contains("toolConfig"));
  EXPECT_FALSE(json::parse(build(with_user_turn(R"("response_format":{"type":"text"})")).body).contains("inferenceConfig"));
  // An ARN names the model too: its ':' and '/' are encoded.
  EXPECT_EQ(build(with_user_turn(R"("stream":true)"), "us-west-2/arn:aws:bedrock:us-west-2:1:inference-profile/us.x").path,
            "/bedrock-runtime/us-west-2/model/arn%3Aaws%3Abedrock%3Aus-west-2%3A1%3Ainference-profile%2Fus.x/converse-stream");

  EXPECT_EQ(build_error(with_user_turn(tools + R"(,"parallel_tool_calls":false)")).param, "parallel_tool_calls");
  EXPECT_EQ(build_error(R"({"model":"r","tool_choice":"none",)" + tools + R"(,"messages":[{"role":"user","content":"x"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"t","content":"y"}]})").param, "tool_choice");
  EXPECT_EQ(build_error(with_user_turn(R"("temperature":1.2)")).param, "temperature");
  EXPECT_EQ(build_error(with_user_turn(R"("n":3)")).param, "n");
  EXPECT_EQ(build_error(with_user_turn(R"("response_format":{"type":"json_object"})")).code, "unsupported_parameter");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/cat.png"}}]}]})").param,
            "messages[0].content[0].image_url.url");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AA"}}]}]})").code,
            "unsupported_parameter");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"system","content":"only a system prompt"}]})").param, "messages");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,
    "tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"[1]"}}]}]})").code, "invalid_value");
  const Error no_region = build_error(with_user_turn(""), "anthropic.claude-3-5-haiku-20241022-v1:0");
  EXPECT_EQ(no_region.kind, ErrorKind::Config);
  EXPECT_EQ(no_region.code, "invalid_target_model");
}

TEST(BedrockRequest, SignedAgainstTheOriginalAwsUrl) {
  // What this request is signed as, checked against botocore 1.43 (SigV4Auth(credentials, "bedrock",
  // "us-east-1") on POST https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-
  // haiku-20241022-v1%3A0/converse with this body, at 2024-11-22T10:20:30Z).
  const std::string openai = with_user_turn("");
  const ProviderRequest built = build(openai, kModel, {1'732'270'830'000, &kExample});
  EXPECT_EQ(built.body, R"({"messages":[{"content":[{"text":"hi"}],"role":"user"}]})");
  ASSERT_EQ(built.headers.size(), 3u);
  EXPECT_EQ(built.headers[1], (Header{"x-amz-date", "20241122T102030Z"}));
  EXPECT_EQ(built.headers[2].first, "authorization");
  EXPECT_EQ(built.headers[2].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20241122/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, "
            "Signature=01e02a419a867b67f453f3ad2dce5d1fd707cb49540c3c3d558951d113d481f6");

  AwsCredentials temporary = kExample;
  temporary.session_token = "FwoGZXIvYXdzEBYaDEXAMPLEsessiontoken";
  const ProviderRequest session = build(openai, kModel, {1'732'270'830'000, &temporary});
  ASSERT_EQ(session.headers.size(), 4u);
  EXPECT_EQ(session.headers[2], (Header{"x-amz-security-token", temporary.session_token}));
  EXPECT_NE(session.headers[3].second.find("SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="), std::string::npos);
  for (const Header& h : session.headers) EXPECT_EQ(h.second.find(kExample.secret_access_key), std::string::npos) << h.first;
  EXPECT_EQ(session.body.find(kExample.secret_access_key), std::string::npos);
}

TEST(BedrockAnswer, RecordedAnswersBecomeChatCompletions) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  auto text = bedrock::parse_answer(read_file(kFixtures / "converse-text.response.json"), {1'700'000'000'000, "us-east-1/us.amazon.nova-micro-v1:0"});
  ASSERT_TRUE(text.ok());
  json body = json::parse(text->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 1'700'000'000);
  EXPECT_EQ(body["model"], "us-east-1/us.amazon.nova-micro-v1:0");
  EXPECT_EQ(body["choices"][0]["message"]["content"].get<std::string>().rfind("Hello! How can I assist you today?", 0), 0u);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 7);
  EXPECT_EQ(body["usage"]["completion_tokens"], 30);
  EXPECT_EQ(body["usage"]["total_tokens"], 37);

  auto cut = bedrock::parse_answer(read_file(kFixtures / "converse-max-tokens.response.json"), {});
  ASSERT_TRUE(cut.ok());
  body = json::parse(cut->body);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "The capital of France is");
  EXPECT_EQ(cut->usage.completion_tokens, 5);

  auto tool = bedrock::parse_answer(read_file(kFixtures / "converse-tool-use.response.json"), {});
  ASSERT_TRUE(tool.ok());
  body = json::parse(tool->body);
  const json& message = body["choices"][0]["message"];
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_TRUE(message["content"].is_null());
  EXPECT_EQ(message["reasoning_content"].get<std::string>().rfind(" The user is asking for the current temperature in London.", 0), 0u);
  ASSERT_EQ(message["tool_calls"].size(), 1u);
  EXPECT_EQ(message["tool_calls"][0]["id"], "functions.get_temperature:0");
  EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "get_temperature");
  EXPECT_EQ(json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()), json::parse(R"({"city":"London"})"));
  EXPECT_EQ(tool->usage.prompt_tokens, 92);
}

TEST(BedrockAnswer, CacheTokensFailuresAndFilters) {
  auto cached = bedrock::parse_answer(R"({"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn",
    "usage":{"inputTokens":3,"outputTokens":2,"totalTokens":1533,"cacheReadInputTokens":1111,"cacheWriteInputTokens":418}})", {});
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->usage.prompt_tokens, 3 + 1111 + 418);
  EXPECT_EQ(cached->usage.cached_prompt_tokens, 1111);
  EXPECT_EQ(cached->usage.cache_write_prompt_tokens, 418);
  EXPECT_EQ(json::parse(cached->body)["usage"]["prompt_tokens_details"]["cache_write_tokens"], 418);

  auto filtered = bedrock::parse_answer(R"({"output":{"message":{"role":"assistant","content":[]}},"stopReason":"guardrail_intervened"})", {});
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(json::parse(filtered->body)["choices"][0]["finish_reason"], "content_filter");
  EXPECT_FALSE(filtered->has_usage);

  auto malformed = bedrock::parse_answer(R"({"output":{"message":{"role":"assistant","content":[]}},"stopReason":"malformed_tool_use"})", {});
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, "answer_failed");
  EXPECT_EQ(bedrock::parse_answer(R"({"output":{}})", {}).error().code, "malformed_answer");
  EXPECT_EQ(bedrock::parse_answer("not json", {}).error().code, "malformed_answer");
  EXPECT_EQ(bedrock::ending("model_context_window_exceeded").finish_reason, "length");
}

TEST(BedrockError, RecordedAndStatusCarriedErrors) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  // Recorded with x-amzn-errortype: ValidationException; here as a gateway that drops the header gives it.
  const auto invalid = bedrock::parse_error(400, read_file(kFixtures / "error-400-validation-exception.json"));
  EXPECT_EQ(invalid.message, "The provided model identifier is invalid.");
  EXPECT_EQ(invalid.type, "invalid_request_error");
  EXPECT_FALSE(invalid.context_length_exceeded);
  EXPECT_TRUE(invalid.target_fault);  // a model id this account cannot use: the next target, not the client
  EXPECT_TRUE(bedrock::parse_error(424, R"({"message":"The model returned an error."})").target_fault);
  EXPECT_FALSE(bedrock::parse_error(400, R"({"message":"messages: field required"})").target_fault);

  EXPECT_EQ(bedrock::parse_error(429, R"({"message":"Too many requests, please wait before trying again."})").type, "rate_limit_error");
  EXPECT_EQ(bedrock::parse_error(403, R"({"message":"The security token included in the request is invalid."})").type, "permission_error");
  EXPECT_EQ(bedrock::parse_error(404, R"({"Message":"Model not found"})").message, "Model not found");
  EXPECT_EQ(bedrock::parse_error(408, R"({"message":"Model has timed out in processing the request."})").code, "model_timeout");
  EXPECT_EQ(bedrock::parse_error(503, "").type, "server_error");
  const auto too_long = bedrock::parse_error(400, R"({"message":"Input is too long for requested model."})");
  EXPECT_TRUE(too_long.context_length_exceeded);
  EXPECT_EQ(too_long.code, "context_length_exceeded");
  EXPECT_TRUE(bedrock::parse_error(400, R"({"message":"prompt is too long: 200001 tokens > 200000 maximum"})").context_length_exceeded);
}

TEST(BedrockStream, RecordedEventStreamWholeAndByteByByte) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  const json recorded = json::parse(read_file(kFixtures / "converse-stream-text.stream.json"));
  const std::string upstream = base64_decode(recorded["raw_base64"].get<std::string>());
  const Streamed whole = stream(upstream, upstream.size());
  EXPECT_EQ(whole.out, stream(upstream, 1).out);
  EXPECT_EQ(whole.out, stream(upstream, 17).out);
  EXPECT_TRUE(whole.complete);
  EXPECT_FALSE(whole.error);
  std::string expected;
  for (const json& m : recorded["messages"]) {
    if (m["headers"][":event-type"] == "contentBlockDelta") expected += m["payload"]["delta"]["text"].get<std::string>();
  }
  const Reassembled r = reassemble(whole.out);
  EXPECT_EQ(r.content, expected);
  EXPECT_EQ(r.content.rfind("The capital of France is Paris.", 0), 0u);
  EXPECT_EQ(r.model, kModel);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage["prompt_tokens"], 13);  // from metadata, after messageStop
  EXPECT_EQ(r.usage["completion_tokens"], 82);

  const Streamed quiet = stream(upstream, 64, false);
  EXPECT_TRUE(reassemble(quiet.out).usage.is_null());
  EXPECT_TRUE(quiet.has_usage);
}

TEST(BedrockStream, RecordedToolUseEventsFramedAsBedrockSendsThem) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  // vercel/ai kept the decoded payloads, keyed by event type: frame each one again.
  std::string upstream = kStart;
  std::istringstream lines(read_file(kFixtures / "converse-stream-tool-use.chunks.txt"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const json chunk = json::parse(line);
    upstream += event_frame(chunk.begin().key(), chunk.begin().value().dump());
  }
  const Streamed whole = stream(upstream, upstream.size());
  EXPECT_EQ(whole.out, stream(upstream, 1).out);
  EXPECT_TRUE(whole.complete);
  const Reassembled r = reassemble(whole.out);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].id, "tool-use-id");
  EXPECT_EQ(r.tool_calls[0].name, "test-tool");
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"value":"Sparkle Day"})");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  // This recording has metadata before messageStop: the usage still comes last.
  EXPECT_EQ(r.usage["prompt_tokens"], 125);
  EXPECT_EQ(r.usage["completion_tokens"], 45);
  EXPECT_TRUE(json::parse(whole.out.substr(whole.out.rfind("data: ") + 6))["choices"].empty());
}

TEST(BedrockStream, ReasoningExceptionsCorruptionAndCuts) {
  const std::string reasoning = event_frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Hmm."}}})") +
                                event_frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"c2ln"}}})");
  Streamed s = stream(kStart + reasoning + text_delta("Hi") + kStop + kMetadata, 3);
  EXPECT_TRUE(s.complete);
  Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.reasoning, "Hmm.");
  EXPECT_EQ(r.content, "Hi");
  EXPECT_EQ(r.usage["prompt_tokens"], 10);

  // An exception frame mid-stream: the error, named by its class.
  s = stream(kStart + text_delta("Hi") + exception_frame("throttlingException", R"({"message":"Too many tokens, please wait."})"), 5);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->code, "throttlingException");
  EXPECT_EQ(s.error->message, "Too many tokens, please wait.");
  EXPECT_FALSE(s.complete);

  // Corrupt bytes: an error, not a silent stop.
  std::string corrupt = text_delta("Hi");
  corrupt[corrupt.size() - 2] = static_cast<char>(corrupt[corrupt.size() - 2] ^ 1);
  s = stream(kStart + corrupt, 1);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->code, "malformed_stream");
  EXPECT_NE(s.error->message.find("CRC"), std::string::npos);

  // Cut before messageStop: not complete (the caller ends the client's stream with an error).
  s = stream(kStart + text_delta("Hi") + kMetadata.substr(0, 20), 4);
  EXPECT_FALSE(s.error);
  EXPECT_FALSE(s.complete);
  // Whole but without metadata: complete, with no usage to report.
  s = stream(kStart + text_delta("Hi") + kStop, 4);
  EXPECT_TRUE(s.complete);
  EXPECT_FALSE(s.has_usage);
  EXPECT_TRUE(reassemble(s.out).usage.is_null());
  // A malformed stop ends as a failure.
  s = stream(kStart + event_frame("messageStop", R"({"stopReason":"malformed_model_output"})"), 64);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->code, "answer_failed");
}

TEST(BedrockError, TheErrorTypeHeaderNamesTheClassAndAQuotaIsTheTargetsNotATransientThrottle) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  // As recorded (manifest: x-amzn-errortype of error-400-validation-exception.json).
  const auto invalid = bedrock::parse_error(400, read_file(kFixtures / "error-400-validation-exception.json"),
                                            "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/");
  EXPECT_EQ(invalid.code, "ValidationException");
  EXPECT_EQ(invalid.type, "invalid_request_error");
  const auto bad_field = bedrock::parse_error(400, R"({"message":"messages: field required"})", "ValidationException");
  EXPECT_EQ(bad_field.code, "ValidationException");
  EXPECT_FALSE(bad_field.target_fault);  // the client's request: answered, not moved on
  // Context length keeps OpenAI's code, which clients match.
  EXPECT_EQ(bedrock::parse_error(400, R"({"message":"Input is too long for requested model."})", "ValidationException").code,
            "context_length_exceeded");

  const auto throttled = bedrock::parse_error(429, R"({"message":"Too many requests, please wait before trying again."})", "ThrottlingException");
  EXPECT_EQ(throttled.code, "ThrottlingException");
  EXPECT_EQ(throttled.type, "rate_limit_error");
  EXPECT_FALSE(throttled.target_fault);  // transient: retried after a backoff (by its status)
  for (const int status : {400, 429}) {  // 400 in AWS's guide; a 429 means the same
    const auto quota = bedrock::parse_error(status, R"({"message":"Your request exceeds the service quota for your account."})",
                                            "ServiceQuotaExceededException");
    EXPECT_EQ(quota.code, "ServiceQuotaExceededException") << status;
    EXPECT_EQ(quota.type, "insufficient_quota") << status;
    EXPECT_TRUE(quota.target_fault) << status;  // not lifted by a backoff, nor the client's fault: the next target
  }
  const auto not_ready = bedrock::parse_error(429, R"({"message":"Model is not ready."})", "ModelNotReadyException");
  EXPECT_EQ(not_ready.type, "server_error");
  EXPECT_FALSE(not_ready.target_fault);
  EXPECT_EQ(bedrock::parse_error(403, "{}", "AccessDeniedException").code, "AccessDeniedException");
  EXPECT_EQ(bedrock::parse_error(503, "", "ServiceUnavailableException").type, "server_error");
  // An unknown class changes nothing: the status speaks.
  EXPECT_EQ(bedrock::parse_error(429, "{}", "SomethingNewException").code, "rate_limit_exceeded");
}

TEST(BedrockAnswer, ConverseGivesNoIdSoTheCallsOwnIsUsed) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  auto text = bedrock::parse_answer(read_file(kFixtures / "converse-text.response.json"), {1'700'000'000'000, kModel, kFallbackId});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(json::parse(text->body)["id"], kFallbackId);
  const json recorded = json::parse(read_file(kFixtures / "converse-stream-text.stream.json"));
  const Reassembled r = reassemble(stream(base64_decode(recorded["raw_base64"].get<std::string>()), 64).out);
  EXPECT_EQ(r.id, kFallbackId);  // reassemble() checks that every chunk carries it
  EXPECT_EQ(reassemble(stream(text_delta("Hi") + kStop, 3).out).id, kFallbackId);  // no messageStart either
}
