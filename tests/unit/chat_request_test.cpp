#include "model/chat_request.hpp"

#include <gtest/gtest.h>

using namespace llmroute;

namespace {

Result<ChatRequest> parse(const std::string& body) { return parse_chat_request(body, RequestLimits{}); }

void expect_error(const std::string& body, std::string_view param, std::string_view code) {
  auto r = parse(body);
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.error().http_status, 400) << body;
  EXPECT_EQ(r.error().kind, ErrorKind::Client);
  EXPECT_EQ(r.error().param, param) << body << " -> " << r.error().message;
  EXPECT_EQ(r.error().code, code) << body << " -> " << r.error().message;
}

}  // namespace

TEST(ChatRequest, ReadsTheTypedViewAndKeepsTheDocument) {
  auto r = parse(R"({"model":"chat","messages":[{"role":"system","content":"Be brief."},
    {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}],
    "max_completion_tokens":100,"max_tokens":5,"tools":[{"type":"function","function":{"name":"f"}}],"x_new":1})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->model, "chat");
  EXPECT_EQ(r->message_count, 2u);
  EXPECT_TRUE(r->has_images);
  EXPECT_TRUE(r->has_tools);
  EXPECT_FALSE(r->stream);
  EXPECT_EQ(r->max_output_tokens, 100);  // max_completion_tokens wins over the older max_tokens
  EXPECT_EQ(r->body["x_new"], 1);
  EXPECT_GT(r->estimated_prompt_tokens, 8);
}

TEST(ChatRequest, ModelsListAloneIsEnough) {
  auto r = parse(R"({"models":["openai/gpt-4o-mini","chat"],"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->model.empty());
  EXPECT_EQ(r->models, (std::vector<std::string>{"openai/gpt-4o-mini", "chat"}));
}

TEST(ChatRequest, AssistantToolCallTurnMayHaveNullContent) {
  auto r = parse(R"({"model":"m","messages":[{"role":"user","content":"x"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"42"}]})");
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(ChatRequest, BodyLevelErrorsSayWhatIsWrong) {
  expect_error("", "", "empty_body");
  expect_error("{", "", "invalid_json");
  expect_error("[]", "", "invalid_type");
  expect_error("\"text\"", "", "invalid_type");
  expect_error(std::string(100, '[') + std::string(100, ']'), "", "json_too_deep");
  expect_error("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}", "", "invalid_json");
}

TEST(ChatRequest, MissingOrEmptyFieldsNameTheField) {
  expect_error(R"({"messages":[{"role":"user","content":"x"}]})", "model", "missing_required_parameter");
  expect_error(R"({"model":"m"})", "messages", "missing_required_parameter");
  expect_error(R"({"model":"m","messages":[]})", "messages", "invalid_value");
  expect_error(R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role", "missing_required_parameter");
  expect_error(R"({"model":"m","messages":[{"role":"user"}]})", "messages[0].content", "missing_required_parameter");
  expect_error(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", "messages[0].role", "invalid_value");
  expect_error(R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens", "invalid_value");
}

TEST(ChatRequest, WrongTypesForEveryCheckedField) {
  const std::string base = R"({"model":"m","messages":[{"role":"user","content":"x"}],)";
  const std::pair<const char*, const char*> cases[] = {
      {"temperature", "\"hot\""}, {"top_p", "[]"},       {"n", "1.5"},          {"stream", "\"yes\""},
      {"max_tokens", "\"10\""},   {"max_completion_tokens", "2.5"},          {"seed", "{}"},
      {"user", "7"},              {"stop", "3"},         {"tools", "{}"},       {"response_format", "\"json\""},
      {"stream_options", "true"}, {"metadata", "[]"},
  };
  for (const auto& [field, value] : cases) {
    expect_error(base + "\"" + field + "\":" + value + "}", field, "invalid_type");
  }
  expect_error(R"({"model":5,"messages":[{"role":"user","content":"x"}]})", "model", "invalid_type");
  expect_error(R"({"models":"a","messages":[{"role":"user","content":"x"}]})", "models", "invalid_type");
  expect_error(R"({"models":[""],"messages":[{"role":"user","content":"x"}]})", "models", "invalid_type");
  expect_error(R"({"model":"m","messages":{}})", "messages", "invalid_type");
  expect_error(R"({"model":"m","messages":["hi"]})", "messages[0]", "invalid_type");
  expect_error(R"({"model":"m","messages":[{"role":1,"content":"x"}]})", "messages[0].role", "invalid_type");
  expect_error(R"({"model":"m","messages":[{"role":"user","content":7}]})", "messages[0].content", "invalid_type");
  expect_error(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})", "messages[0].content[0].text",
               "invalid_type");
}

TEST(ChatRequest, NullOptionalFieldsAreAllowed) {
  EXPECT_TRUE(parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":null,"tools":null})").ok());
}

TEST(ChatRequest, LimitsOnMessagesAndTools) {
  RequestLimits limits;
  limits.max_messages = 2;
  limits.max_tools = 1;
  auto r = parse_chat_request(R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"}]})", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_many_messages");
  EXPECT_NE(r.error().message.find("limit is 2"), std::string::npos);
  r = parse_chat_request(R"({"model":"m","messages":[{"role":"user","content":"a"}],"tools":[{},{}]})", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_many_tools");
}

TEST(ChatRequest, ContentReaders) {
  EXPECT_EQ(content_text(json("Be brief.")), "Be brief.");
  EXPECT_EQ(content_text(json::parse(R"([{"type":"text","text":"a"},{"type":"image_url","image_url":{}},{"type":"text","text":"b"}])")), "a\nb");
  EXPECT_EQ(content_text(json()), "");

  auto data = parse_base64_data_url("data:image/png;base64,iVBORw0KGgo=");
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->media_type, "image/png");
  EXPECT_EQ(data->data, "iVBORw0KGgo=");
  EXPECT_FALSE(parse_base64_data_url("https://example.com/data:x;base64,y").has_value());
  EXPECT_FALSE(parse_base64_data_url("data:text/plain,hello").has_value());
}
