// The Gemini translator: requests field by field against recorded ones, answers, errors and streams
// (whole and byte by byte) from recorded traffic in ../shared/fixtures/gemini (see its
// manifest.json), plus cases written here for what the recordings do not cover.
#include "providers/gemini/gemini.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/provider_fixtures.hpp"
#include "util/sse.hpp"

using namespace llmroute;
using namespace llmroute::providers;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = LLMROUTE_SHARED_FIXTURES_DIR;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

#define REQUIRE_FIXTURES()                                                                          \
  if (!fs::exists(kFixtures / "gemini")) {                                                         \
    GTEST_SKIP() << "../shared/fixtures is not beside this clone: recorded-traffic tests skipped"; \
  }

// The manifest entry of a fixture file ("gemini/<name>").
json manifest_entry(const std::string& file) {
  const json manifest = json::parse(read(kFixtures / "manifest.json"));
  for (const json& entry : manifest["files"]) {
    if (entry["file"] == file) return entry;
  }
  ADD_FAILURE() << file << " is not in the manifest";
  return json::object();
}

ProviderRequest build(const std::string& openai_body, std::string_view model = "gemini-2.5-flash") {
  auto request = parse_chat_request(openai_body, RequestLimits{});
  EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error().message);
  if (!request.ok()) return {};
  auto built = gemini::build_request(*request, model);
  EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
  return built.ok() ? *built : ProviderRequest{};
}

Error build_error(const std::string& openai_body, std::string_view model = "gemini-2.5-flash") {
  auto request = parse_chat_request(openai_body, RequestLimits{});
  EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error().message);
  if (!request.ok()) return {};
  auto built = gemini::build_request(*request, model);
  EXPECT_FALSE(built.ok()) << openai_body;
  return built.ok() ? Error{} : built.error();
}

// Gemini's OpenAPI schema subset (types in capitals) as the JSON Schema a client would have written.
json json_schema_of(const json& schema) {
  if (schema.is_array()) {
    json out = json::array();
    for (const json& item : schema) out.push_back(json_schema_of(item));
    return out;
  }
  if (!schema.is_object()) return schema;
  json out = json::object();
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (it.key() == "type" && it->is_string()) {
      std::string type = *it;
      for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out["type"] = type;
    } else {
      out[it.key()] = json_schema_of(*it);
    }
  }
  return out;
}

// What an OpenAI client would have sent to get the recorded Gemini request.
json as_openai(const json& recorded, bool stream) {
  json out = {{"model", "route"}, {"messages", json::array()}};
  if (recorded.contains("systemInstruction")) {
    for (const json& part : recorded["systemInstruction"]["parts"]) out["messages"].push_back({{"role", "system"}, {"content", part["text"]}});
  }
  for (const json& turn : recorded["contents"]) {
    json parts = json::array();
    for (const json& part : turn["parts"]) parts.push_back({{"type", "text"}, {"text", part["text"]}});
    out["messages"].push_back({{"role", turn["role"] == "model" ? "assistant" : "user"}, {"content", parts}});
  }
  const json config = recorded.value("generationConfig", json::object());
  if (config.contains("maxOutputTokens")) out["max_completion_tokens"] = config["maxOutputTokens"];
  if (config.contains("temperature")) out["temperature"] = config["temperature"];
  if (config.contains("responseModalities")) out["modalities"] = json::array({"text"});
  if (config.contains("thinkingConfig") && config["thinkingConfig"]["thinking_budget"] == 0) out["reasoning_effort"] = "none";
  if (recorded.contains("tools")) {
    for (const json& declaration : recorded["tools"][0]["functionDeclarations"]) {
      const json parameters = declaration.contains("parameters") ? json_schema_of(declaration["parameters"])
                                                                 : declaration["parameters_json_schema"];
      out["tools"].push_back({{"type", "function"},
                              {"function", {{"name", declaration["name"]}, {"description", declaration["description"]}, {"parameters", parameters}}}});
    }
  }
  if (recorded.contains("toolConfig")) {
    const json& calling = recorded["toolConfig"]["functionCallingConfig"];
    EXPECT_EQ(calling["mode"], "ANY");
    json allowed = json::array();
    for (const json& name : calling["allowedFunctionNames"]) allowed.push_back({{"type", "function"}, {"function", {{"name", name}}}});
    out["tool_choice"] = {{"type", "allowed_tools"}, {"allowed_tools", {{"mode", "required"}, {"tools", allowed}}}};
  }
  if (stream) out["stream"] = true;
  return out;
}

// The recorded request as we send it: the same fields in the same meaning, with the spelling
// differences (and the one field no OpenAI request can ask for) normalised.
json as_sent(json recorded) {
  // pydantic-ai gives its system instruction a role, which Gemini ignores.
  if (recorded.contains("systemInstruction")) recorded["systemInstruction"].erase("role");
  // Safety thresholds have no OpenAI parameter.
  recorded.erase("safetySettings");
  if (recorded.contains("generationConfig")) {
    json& config = recorded["generationConfig"];
    if (config.contains("thinkingConfig")) {
      // The same proto field, in snake case: Gemini accepts both spellings.
      config["thinkingConfig"] = {{"thinkingBudget", config["thinkingConfig"]["thinking_budget"]}};
    }
    if (config.empty()) recorded.erase("generationConfig");  // we leave out an empty one
  }
  if (recorded.contains("tools")) {
    for (json& declaration : recorded["tools"][0]["functionDeclarations"]) {
      // We always send the client's JSON Schema as parametersJsonSchema (parameters would take only
      // Gemini's OpenAPI subset); the recordings used either that subset or the snake-case name.
      const json schema = declaration.contains("parameters") ? json_schema_of(declaration["parameters"])
                                                             : declaration["parameters_json_schema"];
      declaration.erase("parameters");
      declaration.erase("parameters_json_schema");
      declaration["parametersJsonSchema"] = schema;
    }
  }
  return recorded;
}

struct Streamed {
  std::string out;
  bool complete = false;
  std::optional<UpstreamError> error;
  Usage usage;
};

Streamed stream(const std::string& upstream, std::size_t piece, bool include_usage = true) {
  const StreamOptions options{include_usage, 1'700'000'000'000};
  auto translator = gemini::new_stream(options);
  Streamed s;
  for (std::size_t i = 0; i < upstream.size(); i += piece) translator->feed(std::string_view(upstream).substr(i, piece), s.out);
  translator->finish(s.out);
  s.complete = translator->complete();
  s.error = translator->error();
  s.usage = translator->usage();
  return s;
}

// The client's view of a translated stream: text, reasoning, tool calls, finish, usage.
struct ToolCallSeen {
  std::string id, name, arguments;
};
struct Reassembled {
  std::string content, reasoning, finish_reason, id, model;
  std::vector<ToolCallSeen> tool_calls;
  json usage;
  int finish_chunks = 0;
};

Reassembled reassemble(const std::string& sse) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.feed(sse, events);
  Reassembled r;
  for (const SseEvent& e : events) {
    const json chunk = json::parse(e.data);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    r.id = chunk["id"];
    r.model = chunk["model"];
    if (chunk.contains("usage")) r.usage = chunk["usage"];
    for (const json& choice : chunk["choices"]) {
      const json& d = choice["delta"];
      if (d.contains("content") && d["content"].is_string()) r.content += d["content"].get<std::string>();
      if (d.contains("reasoning_content")) r.reasoning += d["reasoning_content"].get<std::string>();
      if (d.contains("tool_calls")) {
        for (const json& call : d["tool_calls"]) {
          const std::size_t index = call["index"];
          if (index >= r.tool_calls.size()) r.tool_calls.resize(index + 1);
          if (call.contains("id")) r.tool_calls[index].id = call["id"];
          if (call["function"].contains("name")) r.tool_calls[index].name = call["function"]["name"];
          r.tool_calls[index].arguments += call["function"]["arguments"].get<std::string>();
        }
      }
      if (choice["finish_reason"].is_string()) {
        r.finish_reason = choice["finish_reason"];
        ++r.finish_chunks;
      }
    }
  }
  return r;
}

json answer_json(std::string_view gemini_body) {
  auto answer = gemini::parse_answer(gemini_body, {1'700'000'000'000});
  EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
  return answer.ok() ? json::parse(answer->body) : json();
}

}  // namespace

// ---- requests ----------------------------------------------------------------------------------

TEST(GeminiRequest, RecordedRequestsFieldByField) {
  REQUIRE_FIXTURES();
  for (const char* name : {"generate-content-text", "generate-content-function-call", "generate-content-max-tokens",
                           "generate-content-safety-blocked", "stream-generate-content-sse",
                           "stream-function-call-thought-signature", "error-404-model-not-found"}) {
    const std::string file = std::string("gemini/") + name + ".request.json";
    const json entry = manifest_entry(file);
    const std::string api = entry["api"];
    const bool streamed = api.find(":streamGenerateContent") != std::string::npos;
    const json recorded = json::parse(read(kFixtures / file));
    const ProviderRequest built = build(as_openai(recorded, streamed).dump(), entry["model"].get<std::string>());
    json sent = json::parse(built.body);
    const json expected = as_sent(recorded);
    for (auto it = expected.begin(); it != expected.end(); ++it) EXPECT_EQ(sent[it.key()], it.value()) << name << ": " << it.key();
    for (auto it = sent.begin(); it != sent.end(); ++it) EXPECT_TRUE(expected.contains(it.key())) << name << ": extra " << it.key();
    std::string path = api;
    path.replace(path.find("{model}"), 7, entry["model"].get<std::string>());
    EXPECT_EQ(built.path, path) << name;
    EXPECT_TRUE(built.dropped.empty()) << name;
  }
}

TEST(GeminiRequest, HistoryToolCallsImagesAndSettings) {
  const std::string signature = "EpwICpkIAXLI2nx+/=";
  const ProviderRequest built = build(R"({"model":"r","max_completion_tokens":300,"temperature":0.5,"top_p":0.9,"stop":"END",
    "seed":7,"presence_penalty":0.25,"frequency_penalty":-0.5,"user":"u-42","logit_bias":{},"parallel_tool_calls":true,
    "response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,
      "schema":{"type":"object","properties":{"a":{"type":["string","null"]}},"required":["a"],"additionalProperties":false}}},
    "tool_choice":{"type":"function","function":{"name":"lookup"}},
    "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up","strict":true,
      "parameters":{"type":"object","properties":{"q":{"type":"string"}},"additionalProperties":false}}},
      {"type":"function","function":{"name":"now"}}],
    "messages":[
      {"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Use tools."}]},
      {"role":"user","content":[{"type":"text","text":"What is in this?"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
        {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}},
        {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
        {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]},
      {"role":"assistant","content":"Let me look.","tool_calls":[
        {"id":"call_0_ts_)" + signature + R"(","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
        {"id":"call_1","type":"function","function":{"name":"now","arguments":""}}]},
      {"role":"tool","tool_call_id":"call_1","content":"{\"time\":\"noon\"}"},
      {"role":"tool","tool_call_id":"call_0_ts_)" + signature + R"(","content":[{"type":"text","text":"a cat"}]},
      {"role":"user","content":"Thanks"}]})");
  json sent = json::parse(built.body);
  EXPECT_EQ(built.path, "/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(sent["systemInstruction"], json::parse(R"({"parts":[{"text":"Be brief."},{"text":"Use tools."}]})"));

  const json& contents = sent["contents"];
  ASSERT_EQ(contents.size(), 3u);  // user, model, user (tool results merged with the next user turn)
  EXPECT_EQ(contents[0]["role"], "user");
  EXPECT_EQ(contents[0]["parts"], json::parse(R"([{"text":"What is in this?"},
    {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
    {"fileData":{"fileUri":"https://example.com/cat.jpg"}},
    {"inlineData":{"mimeType":"audio/wav","data":"UklGRg=="}},
    {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}}])"));
  EXPECT_EQ(contents[1]["role"], "model");
  ASSERT_EQ(contents[1]["parts"].size(), 3u);
  EXPECT_EQ(contents[1]["parts"][0], json::parse(R"({"text":"Let me look."})"));
  // The signature Gemini gave with the call goes back with it, decoded from the id.
  EXPECT_EQ(contents[1]["parts"][1], (json{{"functionCall", {{"name", "lookup"}, {"args", {{"q", "cat"}}}}}, {"thoughtSignature", signature}}));
  EXPECT_EQ(contents[1]["parts"][2], json::parse(R"({"functionCall":{"name":"now","args":{}}})"));
  EXPECT_EQ(contents[2]["role"], "user");
  // Results are paired by name, found through the tool_call_id; JSON object output goes as is.
  EXPECT_EQ(contents[2]["parts"][0], json::parse(R"({"functionResponse":{"name":"now","response":{"time":"noon"}}})"));
  EXPECT_EQ(contents[2]["parts"][1], json::parse(R"({"functionResponse":{"name":"lookup","response":{"output":"a cat"}}})"));
  EXPECT_EQ(contents[2]["parts"][2], json::parse(R"({"text":"Thanks"})"));

  EXPECT_EQ(sent["tools"], json::parse(R"([{"functionDeclarations":[
    {"name":"lookup","description":"Looks up","parametersJsonSchema":{"type":"object","properties":{"q":{"type":"string"}},"additionalProperties":false}},
    {"name":"now"}]}])"));
  EXPECT_EQ(sent["toolConfig"], json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["lookup"]}})"));
  EXPECT_EQ(sent["generationConfig"], json::parse(R"({"maxOutputTokens":300,"temperature":0.5,"topP":0.9,"stopSequences":["END"],
    "seed":7,"presencePenalty":0.25,"frequencyPenalty":-0.5,"responseMimeType":"application/json",
    "responseJsonSchema":{"type":"object","properties":{"a":{"type":["string","null"]}},"required":["a"],"additionalProperties":false}})"));
  EXPECT_EQ(built.dropped, (std::vector<std::string>{"logit_bias", "user", "tools.function.strict"}));
  EXPECT_EQ(built.headers, (std::vector<Header>{{"content-type", "application/json"}}));
}

TEST(GeminiRequest, ToolChoicesFormatsAndThinking) {
  const std::string head = R"({"model":"r","messages":[{"role":"user","content":"hi"}],)";
  auto config_of = [&](const std::string& rest) { return json::parse(build(head + rest).body); };
  EXPECT_EQ(config_of(R"("tool_choice":"auto"})")["toolConfig"]["functionCallingConfig"]["mode"], "AUTO");
  EXPECT_EQ(config_of(R"("tool_choice":"none"})")["toolConfig"]["functionCallingConfig"]["mode"], "NONE");
  EXPECT_EQ(config_of(R"("tool_choice":"required"})")["toolConfig"]["functionCallingConfig"]["mode"], "ANY");
  EXPECT_EQ(config_of(R"("response_format":{"type":"json_object"}})")["generationConfig"],
            json::parse(R"({"responseMimeType":"application/json"})"));
  EXPECT_FALSE(config_of(R"("response_format":{"type":"text"}})").contains("generationConfig"));
  EXPECT_EQ(config_of(R"("stop":["a","b"],"max_tokens":9})")["generationConfig"], json::parse(R"({"maxOutputTokens":9,"stopSequences":["a","b"]})"));
  EXPECT_EQ(config_of(R"("reasoning_effort":"high"})")["generationConfig"]["thinkingConfig"]["thinkingBudget"], 24576);
  EXPECT_EQ(config_of(R"("reasoning_effort":"low"})")["generationConfig"]["thinkingConfig"]["thinkingBudget"], 1024);

  const ProviderRequest streamed = build(head + R"("stream":true,"stream_options":{"include_usage":true}})", "gemini-3-pro-preview");
  EXPECT_EQ(streamed.path, "/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse");
  EXPECT_FALSE(json::parse(streamed.body).contains("stream"));
  EXPECT_TRUE(streamed.dropped.empty());
}

TEST(GeminiRequest, RefusesWhatItCannotSayFaithfully) {
  const std::string hi = R"("messages":[{"role":"user","content":"hi"}])";
  EXPECT_EQ(build_error(R"({"model":"r","n":2,)" + hi + "}").param, "n");
  EXPECT_EQ(build_error(R"({"model":"r","response_format":{"type":"grammar"},)" + hi + "}").code, "unsupported_parameter");
  EXPECT_EQ(build_error(R"({"model":"r","reasoning_effort":"minimal",)" + hi + "}").param, "reasoning_effort");
  EXPECT_EQ(build_error(R"({"model":"r","modalities":["text","audio"],)" + hi + "}").param, "modalities");
  EXPECT_EQ(build_error(R"({"model":"r","tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"auto","tools":[]}},)" + hi + "}").code,
            "unsupported_parameter");
  EXPECT_EQ(build_error(R"({"model":"r","tools":[{"type":"custom","custom":{"name":"x"}}],)" + hi + "}").param, "tools[0]");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]})").code,
            "unsupported_parameter");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":[{"type":"video","video":{}}]}]})").param,
            "messages[0].content[0]");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"function","name":"f","content":"x"}]})").param, "messages[0].role");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"system","content":"only a system prompt"}]})").param, "messages");
  // A tool result must answer a call the history shows: its name comes from there.
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"call_9","content":"y"}]})").param,
            "messages[1].tool_call_id");
  EXPECT_EQ(build_error(R"({"model":"r","messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,
    "tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"[1,2]"}}]}]})").code, "invalid_value");
  // The model id is part of the URL path: nothing that could reach another path gets through.
  for (const char* model : {"../../openai/chat/completions", "gemini?x=1", "gemini/x", "", "gemini%2F"}) {
    EXPECT_EQ(build_error(R"({"model":"r",)" + hi + "}", model).param, "model") << model;
  }
}

TEST(GeminiRequest, ToolCallIdsCarryThoughtSignatures) {
  EXPECT_EQ(gemini::thought_signature_of("call_0_ts_EpwI+/="), "EpwI+/=");
  EXPECT_EQ(gemini::thought_signature_of("call_12_ts_a_ts_b"), "a_ts_b");
  for (const char* id : {"call_0", "call_x_ts_a", "call__ts_a", "toolu_01_ts_a", "call_0_t", ""}) {
    EXPECT_EQ(gemini::thought_signature_of(id), "") << id;
  }
  const auto call = gemini::tool_call(json::parse(R"({"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"c2ln"})"), 3);
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->id, "call_3_ts_c2ln");
  EXPECT_EQ(gemini::thought_signature_of(call->id), "c2ln");
  EXPECT_EQ(call->arguments, R"({"a":1})");
  EXPECT_FALSE(gemini::tool_call(json::parse(R"({"text":"x"})"), 0).has_value());
}

// ---- answers -----------------------------------------------------------------------------------

TEST(GeminiAnswer, RecordedAnswersBecomeChatCompletions) {
  REQUIRE_FIXTURES();
  auto text = gemini::parse_answer(read(kFixtures / "gemini/generate-content-text.response.json"), {1'700'000'000'000});
  ASSERT_TRUE(text.ok());
  json body = json::parse(text->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["id"], "bzlXaa_EE_aHqtsPi_zw8Ao");
  EXPECT_EQ(body["model"], "gemini-2.5-flash");
  EXPECT_EQ(text->model, "gemini-2.5-flash");
  EXPECT_EQ(body["created"], 1'700'000'000);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello! How can I help you today?");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  // 9 prompt, 9 candidates and 34 thoughts: the thoughts count as completion (and reasoning) tokens.
  EXPECT_EQ(text->usage.prompt_tokens, 9);
  EXPECT_EQ(text->usage.completion_tokens, 43);
  EXPECT_EQ(text->usage.reasoning_tokens, 34);
  EXPECT_EQ(body["usage"]["total_tokens"], 52);  // Gemini's totalTokenCount
  EXPECT_EQ(body["usage"]["completion_tokens_details"]["reasoning_tokens"], 34);

  body = answer_json(read(kFixtures / "gemini/generate-content-function-call.response.json"));
  const json& message = body["choices"][0]["message"];
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");  // Gemini said STOP
  EXPECT_TRUE(message["content"].is_null());
  ASSERT_EQ(message["tool_calls"].size(), 1u);
  EXPECT_EQ(message["tool_calls"][0], json::parse(R"({"id":"call_0","type":"function","function":{"name":"get_user_country","arguments":"{}"}})"));
  EXPECT_EQ(body["usage"]["prompt_tokens"], 33);
  EXPECT_EQ(body["usage"]["completion_tokens"], 5);

  body = answer_json(read(kFixtures / "gemini/generate-content-max-tokens.response.json"));
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "The capital of France is");
  EXPECT_EQ(body["usage"]["total_tokens"], 20);

  auto blocked = gemini::parse_answer(read(kFixtures / "gemini/generate-content-safety-blocked.response.json"), {});
  ASSERT_TRUE(blocked.ok());
  body = json::parse(blocked->body);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "content_filter");
  EXPECT_TRUE(body["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(blocked->usage.prompt_tokens, 14);
  EXPECT_EQ(blocked->usage.completion_tokens, 0);
}

TEST(GeminiAnswer, ThoughtsCachesSignaturesAndBlockedPrompts) {
  json body = answer_json(R"({"candidates":[{"content":{"role":"model","parts":[
      {"text":"Weighing it up.","thought":true},{"text":"Calling both."},
      {"functionCall":{"name":"a","args":{"x":[1,2]}},"thoughtSignature":"c2lnLWE="},
      {"functionCall":{"name":"b","args":{}}}]},"finishReason":"STOP","index":0}],
    "usageMetadata":{"promptTokenCount":1200,"cachedContentTokenCount":1000,"candidatesTokenCount":20,"thoughtsTokenCount":50,
      "toolUsePromptTokenCount":7,"totalTokenCount":1277},"modelVersion":"gemini-3-pro-preview","responseId":"r1"})");
  const json& message = body["choices"][0]["message"];
  EXPECT_EQ(message["content"], "Calling both.");
  EXPECT_EQ(message["reasoning_content"], "Weighing it up.");
  EXPECT_EQ(message["tool_calls"][0]["id"], "call_0_ts_c2lnLWE=");
  EXPECT_EQ(message["tool_calls"][0]["function"]["arguments"], R"({"x":[1,2]})");
  EXPECT_EQ(message["tool_calls"][1]["id"], "call_1");  // parallel calls: only the first has a signature
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");
  // Cached tokens are inside promptTokenCount already; tool-use prompts are input beside it.
  EXPECT_EQ(body["usage"], json::parse(R"({"prompt_tokens":1207,"completion_tokens":70,"total_tokens":1277,
    "prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":0},"completion_tokens_details":{"reasoning_tokens":50}})"));

  body = answer_json(R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},
    "modelVersion":"gemini-2.5-flash","responseId":"r2"})");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "content_filter");
  EXPECT_TRUE(body["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(body["usage"]["prompt_tokens"], 8);

  for (const char* reason : {"RECITATION", "BLOCKLIST", "SPII", "IMAGE_SAFETY"}) {
    body = answer_json(std::string(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":")") + reason + R"("}]})");
    EXPECT_EQ(body["choices"][0]["finish_reason"], "content_filter") << reason;
  }
  body = answer_json(R"({"candidates":[{"content":{"parts":[{"text":"Hola"}]},"finishReason":"LANGUAGE"}]})");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_FALSE(body.contains("usage"));
}

TEST(GeminiAnswer, FailedToolCallsAndMalformedAnswersAreUpstreamErrors) {
  auto failed = gemini::parse_answer(R"({"candidates":[{"content":{},"finishReason":"MALFORMED_FUNCTION_CALL"}]})", {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::Upstream);
  EXPECT_EQ(failed.error().code, "failed_tool_call");
  EXPECT_NE(failed.error().message.find("MALFORMED_FUNCTION_CALL"), std::string::npos);
  for (const char* body : {"", "[]", "{\"candidates\":", R"({"candidates":[]})", R"({"usageMetadata":{}})"}) {
    auto answer = gemini::parse_answer(body, {});
    ASSERT_FALSE(answer.ok()) << body;
    EXPECT_EQ(answer.error().code, "malformed_answer") << body;
  }
}

// ---- errors ------------------------------------------------------------------------------------

TEST(GeminiError, RecordedErrors) {
  REQUIRE_FIXTURES();
  const auto missing = gemini::parse_error(404, read(kFixtures / "gemini/error-404-model-not-found.json"));
  EXPECT_EQ(missing.type, "invalid_request_error");
  EXPECT_EQ(missing.code, "not_found");
  EXPECT_NE(missing.message.find("gemini-3.6-flahs"), std::string::npos);
  EXPECT_FALSE(missing.retry_after_ms.has_value());
  EXPECT_FALSE(missing.target_fault);  // 404 is a target fault by its status already

  const auto unavailable = gemini::parse_error(503, read(kFixtures / "gemini/error-503-unavailable.json"));
  EXPECT_EQ(unavailable.type, "server_error");
  EXPECT_EQ(unavailable.code, "unavailable");
  EXPECT_EQ(unavailable.message, "The service is currently unavailable.");
}

TEST(GeminiError, RetryDelaysKeysRegionsAndContextLength) {
  // The shape of Gemini's quota errors: QuotaFailure, Help and RetryInfo details.
  const auto quota = gemini::parse_error(429, R"({"error":{"code":429,"message":"You exceeded your current quota. Please retry in 34.4s.",
    "status":"RESOURCE_EXHAUSTED","details":[
      {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaValue":"10"}]},
      {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},
      {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}})");
  EXPECT_EQ(quota.type, "rate_limit_error");
  EXPECT_EQ(quota.code, "resource_exhausted");
  EXPECT_EQ(quota.retry_after_ms, 34'400);

  auto delay = [](const std::string& text) {
    return gemini::parse_error(429, R"({"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":")" +
                                        text + R"("}]}})").retry_after_ms;
  };
  EXPECT_EQ(delay("34s"), 34'000);
  EXPECT_EQ(delay("0.5s"), 500);
  EXPECT_EQ(delay("1.000340s"), 1'001);  // rounded up to a whole millisecond
  EXPECT_EQ(delay("2.000000000s"), 2'000);
  for (const char* bad : {"", "s", "34", "-1s", "1.5.5s", "1.1234567890s", "x1s", "9999999999999s", ".5s"}) {
    EXPECT_FALSE(delay(bad).has_value()) << bad;
  }

  // A wrong key is a 400 on Gemini: the target's fault, not the request's.
  const auto key = gemini::parse_error(400, R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
    "status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}})");
  EXPECT_EQ(key.type, "authentication_error");
  EXPECT_TRUE(key.target_fault);
  const auto region = gemini::parse_error(400, R"({"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}})");
  EXPECT_TRUE(region.target_fault);
  const auto denied = gemini::parse_error(403, R"({"error":{"code":403,"message":"Method doesn't allow unregistered callers.","status":"PERMISSION_DENIED"}})");
  EXPECT_EQ(denied.type, "permission_error");

  const auto too_long = gemini::parse_error(400, R"({"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}})");
  EXPECT_TRUE(too_long.context_length_exceeded);
  EXPECT_EQ(too_long.code, "context_length_exceeded");
  EXPECT_EQ(too_long.type, "invalid_request_error");
  EXPECT_FALSE(too_long.target_fault);

  const auto html = gemini::parse_error(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(html.type, "server_error");
  EXPECT_EQ(html.message, "the provider answered HTTP 502");
}

// ---- streams -----------------------------------------------------------------------------------

TEST(GeminiStream, RecordedTextStreamWholeAndByteByByte) {
  REQUIRE_FIXTURES();
  const std::string upstream = read(kFixtures / "gemini/stream-generate-content-sse.sse");
  ASSERT_NE(upstream.find("\r\n\r\n"), std::string::npos);  // Gemini separates events with CRLF
  const Streamed whole = stream(upstream, upstream.size());
  EXPECT_EQ(whole.out, stream(upstream, 1).out);
  EXPECT_EQ(whole.out, stream(upstream, 7).out);
  EXPECT_TRUE(whole.complete);
  EXPECT_FALSE(whole.error.has_value());
  Reassembled r = reassemble(whole.out);
  EXPECT_EQ(r.content, "The capital of France is Paris.\n");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.finish_chunks, 1);
  EXPECT_EQ(r.id, "w1peaMz6INOvnvgPgYfPiQY");
  EXPECT_EQ(r.model, "gemini-2.0-flash-exp");
  // The running usage is replaced by the last event's final counts.
  EXPECT_EQ(r.usage["prompt_tokens"], 13);
  EXPECT_EQ(r.usage["completion_tokens"], 8);
  EXPECT_EQ(whole.usage.prompt_tokens, 13);

  const Streamed quiet = stream(upstream, 5, false);
  EXPECT_TRUE(reassemble(quiet.out).usage.is_null());  // not asked for: not sent
  EXPECT_EQ(quiet.usage.completion_tokens, 8);          // but still known, for pricing
}

TEST(GeminiStream, RecordedToolCallSignatureSurvivesTheRoundTrip) {
  REQUIRE_FIXTURES();
  const std::string upstream = read(kFixtures / "gemini/stream-function-call-thought-signature.sse");
  const Streamed whole = stream(upstream, upstream.size());
  EXPECT_EQ(whole.out, stream(upstream, 1).out);
  EXPECT_TRUE(whole.complete);
  Reassembled r = reassemble(whole.out);
  EXPECT_EQ(r.finish_reason, "tool_calls");  // the call came in one event, STOP in the next
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "get_country");
  EXPECT_EQ(r.tool_calls[0].arguments, "{}");
  EXPECT_EQ(r.usage["prompt_tokens"], 29);
  EXPECT_EQ(r.usage["completion_tokens"], 212);  // 10 candidates + 202 thoughts
  EXPECT_EQ(r.usage["completion_tokens_details"]["reasoning_tokens"], 202);
  EXPECT_EQ(r.usage["total_tokens"], 241);

  // The client sends the call back as it got it; Gemini gets its signature back on the call.
  const std::string recorded_signature = json::parse(upstream.substr(6, upstream.find("\r\n") - 6))["candidates"][0]["content"]["parts"][0]["thoughtSignature"];
  const json follow_up = {{"model", "r"},
                          {"messages", {{{"role", "user"}, {"content", "What is the capital of the user country? Call the tool"}},
                                        {{"role", "assistant"}, {"content", nullptr},
                                         {"tool_calls", {{{"id", r.tool_calls[0].id}, {"type", "function"},
                                                          {"function", {{"name", r.tool_calls[0].name}, {"arguments", r.tool_calls[0].arguments}}}}}}},
                                        {{"role", "tool"}, {"tool_call_id", r.tool_calls[0].id}, {"content", "Mexico"}}}}};
  json sent = json::parse(build(follow_up.dump(), "gemini-3-pro-preview").body);
  EXPECT_EQ(sent["contents"][1], (json{{"role", "model"},
                                       {"parts", {{{"functionCall", {{"name", "get_country"}, {"args", json::object()}}}, {"thoughtSignature", recorded_signature}}}}}));
  EXPECT_EQ(sent["contents"][2]["parts"][0], json::parse(R"({"functionResponse":{"name":"get_country","response":{"output":"Mexico"}}})"));
}

TEST(GeminiStream, ThoughtsBlocksErrorsAndCuts) {
  const std::string first = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Thinking\",\"thought\":true},{\"text\":\"Hi\"}]}}],"
                            "\"usageMetadata\":{\"promptTokenCount\":5,\"totalTokenCount\":5},\"responseId\":\"r\",\"modelVersion\":\"gemini-2.5-pro\"}\r\n\r\n";
  // No finishReason and the body ends: cut off, the caller ends the client's stream with an error.
  Streamed s = stream(first, 3);
  EXPECT_FALSE(s.complete);
  EXPECT_FALSE(s.error.has_value());
  Reassembled r = reassemble(s.out);
  EXPECT_EQ(r.content, "Hi");
  EXPECT_EQ(r.reasoning, "Thinking");
  EXPECT_EQ(r.finish_chunks, 0);

  // An error event in the stream.
  s = stream(first + "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n", 11);
  ASSERT_TRUE(s.error.has_value());
  EXPECT_EQ(s.error->message, "The model is overloaded.");
  EXPECT_EQ(s.error->type, "server_error");
  EXPECT_FALSE(s.complete);

  s = stream(first + "data: {not json}\r\n\r\n", 100);
  EXPECT_TRUE(s.error.has_value());

  s = stream(first + "data: {\"candidates\":[{\"content\":{},\"finishReason\":\"MALFORMED_FUNCTION_CALL\"}]}\r\n\r\n", 100);
  ASSERT_TRUE(s.error.has_value());
  EXPECT_EQ(s.error->code, "failed_tool_call");
  EXPECT_FALSE(s.complete);

  // A refused prompt: one event, no candidates.
  s = stream("data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":4,\"totalTokenCount\":4},\"responseId\":\"b\"}\r\n\r\n", 9);
  EXPECT_TRUE(s.complete);
  r = reassemble(s.out);
  EXPECT_EQ(r.finish_reason, "content_filter");
  EXPECT_EQ(r.usage["prompt_tokens"], 4);

  // Plain LF framing decodes the same.
  s = stream("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\n\n", 2);
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(reassemble(s.out).finish_reason, "length");
}

// The fast path (a SAX pass over the events it can read) against the full parse of every event,
// over events written to trip it: each one alone after a first event, then all in one stream. A
// divergence in bytes, end state, error or usage fails here.
TEST(GeminiStream, FastPathWritesWhatTheFullParseWrites) {
  const std::string first = R"({"candidates":[{"content":{"parts":[{"text":"Hello"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":5},"modelVersion":"m","responseId":"r"})";
  const std::string last = R"({"candidates":[{"content":{"parts":[{"text":"."}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":3}})";
  const std::vector<std::string> events = {
      // Escapes, unicode escapes (a surrogate pair, an escaped NUL) and raw UTF-8.
      R"({"candidates":[{"content":{"parts":[{"text":"a \"q\" \\ \/ \b\f\n\r\t \u0001 \u00e9\u4e2d\ud83d\ude00 é中😀 \u0000"}]}}]})",
      // Escaped member names, which the parse unescapes.
      R"({"c\u0061ndidates":[{"content":{"p\u0061rts":[{"t\u0065xt":"esc","th\u006fught":true}]}}]})",
      // Members in unusual order, whitespace, thoughts, an empty text, usage first.
      "{ \"usageMetadata\" : { \"thoughtsTokenCount\" : 4 , \"promptTokenCount\" : 6 } ,\r\n \"candidates\" : [ { \"finishReason\" : \"STOP\" , "
      "\"index\" : 0 , \"content\" : { \"role\" : \"model\" , \"parts\" : [ { \"thought\" : true , \"text\" : \"hm\" } , { \"text\" : \"\" } , "
      "{ \"thought\" : false , \"text\" : \"ok\" } , { \"thought\" : true } ] } } ] }",
      // Nested members with the names it reads, a second candidate, unknown part kinds.
      R"({"candidates":[{"content":{"parts":[{"text":"x","meta":{"text":"no","parts":[{"text":"no"}]}},{"inlineData":{"mimeType":"a","data":"b"}},{"executableCode":{"code":"1"}}]},"safetyRatings":[{"category":"c","probability":"NEGLIGIBLE"}],"citationMetadata":{"citations":[{"text":"no","finishReason":"no"}]}},{"content":{"parts":[{"text":"second"}]},"finishReason":"SAFETY"}],"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":8,"promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]}})",
      // A function call with nested arguments, then text.
      R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"z":1,"a":{"b":[1,2.50,{"c":null}],"s":"\u00e9"}}},"thoughtSignature":"c2ln"},{"text":"after"}]}}]})",
      R"({"candidates":[{"content":{"parts":[{"text":"t","functionCall":{"name":"g"}}]}}]})",
      R"({"candidates":[{"content":{"parts":[{"functionCall":{"args":{}}},{"functionCall":"f"}]}}]})",
      // Errors, and an "error" that is none.
      R"({"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.5s"}]}})",
      R"({"error":null,"candidates":[{"content":{"parts":[{"text":"not an error"}]}}]})",
      R"({"error":"x"})",
      // Missing, empty or odd candidates.
      R"({"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":1}})",
      R"({"candidates":[],"promptFeedback":{"blockReason":"OTHER"}})",
      R"({"candidates":[1,{"content":{"parts":[{"text":"second"}]}}]})",
      R"({"candidates":{"content":{"parts":[{"text":"object"}]}}})",
      R"({"candidates":[{"content":[{"parts":[{"text":"array"}]}]}]})",
      R"({"candidates":[{"content":{"parts":{"text":"object"}}}]})",
      R"({"candidates":[{"content":{"parts":["s",1,null,[],{"text":"after odd parts"}]}}]})",
      R"({"candidates":[{}]})",
      // Members given twice: the parse keeps the last.
      R"({"candidates":[{"content":{"parts":[{"text":"first"}]}}],"candidates":[{"content":{"parts":[{"text":"second"}]}}]})",
      R"({"candidates":[{"content":{"parts":[{"text":"a","text":"b","thought":true,"thought":false}]}}]})",
      R"({"candidates":[{"content":{"parts":[{"text":"a"}],"parts":[{"text":"b"}]},"finishReason":"STOP","finishReason":"MAX_TOKENS"}]})",
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"promptTokenCount":1},"usageMetadata":{"promptTokenCount":2,"promptTokenCount":3}})",
      // Types it does not read.
      R"({"candidates":[{"content":{"parts":[{"text":5},{"text":"y","thought":"yes"},{"text":null},{"text":"z","thought":1}]},"finishReason":null}]})",
      R"({"candidates":[{"content":{"parts":[{"text":"n"}]},"finishReason":7}]})",
      // Usage counts: floats, negatives, huge, strings, no promptTokenCount (the last usage stands).
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"promptTokenCount":12.0,"candidatesTokenCount":2.5}})",
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"promptTokenCount":-4,"candidatesTokenCount":18446744073709551615}})",
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"promptTokenCount":9223372036854775807,"toolUsePromptTokenCount":9223372036854775807,"cachedContentTokenCount":3}})",
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"promptTokenCount":"5"}})",
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"candidatesTokenCount":5}})",
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":null})",
      R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"promptTokenCount":3,"promptTokenCount":null}})",
      // Finish reasons, one failing the answer.
      R"({"candidates":[{"content":{"parts":[{"text":"cut"}]},"finishReason":"MAX_TOKENS"}]})",
      R"({"candidates":[{"content":{"parts":[{"text":"bad"}]},"finishReason":"MALFORMED_FUNCTION_CALL"}]})",
      R"({"candidates":[{"finishReason":"RECITATION"}]})",
      // Not a JSON object, or too deep for the parse.
      R"({"candidates":[{"content":{"parts":[{"text":"hi"}]}}])",
      R"({"candidates":[{"content":{"parts":[{"text":"hi"}]}}]} x)",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"bad \xff utf-8\"}]}}]}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"raw \x01 control\"}]}}]}",
      R"([{"candidates":[]}])",
      R"("text")",
      R"({"candidates":[{"content":{"parts":[{"text":"deep"}]}}],"x":)" + std::string(70, '[') + std::string(70, ']') + "}",
      R"({"candidates":[{"content":{"parts":[{"text":"deep enough"}]}}],"x":)" + std::string(60, '[') + std::string(60, ']') + "}",
  };
  auto frame = [](const std::string& data) { return "data: " + data + "\r\n\r\n"; };
  auto expect_same = [](const std::string& upstream, const std::string& what) {
    test_support::expect_fast_path_matches_full_parse(gemini::new_stream, gemini::new_full_parse_stream, upstream, what);
  };
  std::string all = frame(first);
  for (const std::string& event : events) {
    expect_same(frame(first) + frame(event) + frame(last), event);
    all += frame(event);
  }
  expect_same(all + frame(last), "all events in one stream");

  // Events it reads itself give what they say.
  const Streamed plain = stream(frame(first) + frame(events[0]) + frame(events[1]) + frame(last), 1);
  const Reassembled r = reassemble(plain.out);
  EXPECT_EQ(r.content, "Hello" + json::parse(events[0])["candidates"][0]["content"]["parts"][0]["text"].get<std::string>() + ".");
  EXPECT_EQ(r.reasoning, "esc");
  EXPECT_EQ(r.usage["prompt_tokens"], 7);

  REQUIRE_FIXTURES();
  for (const char* name : {"stream-generate-content-sse.sse", "stream-function-call-thought-signature.sse"}) {
    expect_same(read(kFixtures / "gemini" / name), name);
  }
}
