#include "providers/openai/openai.hpp"

namespace llmroute::providers::openai {

namespace {

std::int64_t count(const json& obj, std::string_view key) { return find_int64(obj, key).value_or(0); }

}  // namespace

bool read_usage(const json& usage, Usage& out) {
  if (!usage.is_object()) return false;
  const auto prompt = find_int64(usage, "prompt_tokens");
  const auto completion = find_int64(usage, "completion_tokens");
  if (!prompt || !completion) return false;
  out.prompt_tokens = *prompt;
  out.completion_tokens = *completion;
  if (const json* details = find_object(usage, "prompt_tokens_details")) {
    out.cached_prompt_tokens = count(*details, "cached_tokens");
    out.cache_write_prompt_tokens = count(*details, "cache_write_tokens");
  }
  if (const json* details = find_object(usage, "completion_tokens_details")) {
    out.reasoning_tokens = count(*details, "reasoning_tokens");
  }
  return true;
}

Result<Answer> parse_answer(std::string_view body, const AnswerContext& /*context*/) {
  json doc;
  if (parse_json(body, doc) != JsonParseStatus::Ok || !doc.is_object()) {
    return malformed_answer("the provider's answer is not valid JSON");
  }
  if (find_array(doc, "choices") == nullptr) {
    return malformed_answer("the provider's answer has no choices array");
  }
  Answer out;
  if (const json* usage = find(doc, "usage")) out.has_usage = read_usage(*usage, out.usage);
  if (const std::string* model = find_string(doc, "model")) out.model = *model;
  // Same API on both sides: the bytes go to the client as they came.
  out.body.assign(body);
  return out;
}

UpstreamError parse_error(int status, std::string_view body) {
  UpstreamError out;
  json doc;
  const json* error = nullptr;
  if (parse_json(body, doc) == JsonParseStatus::Ok) error = find_object(doc, "error");
  if (error != nullptr) {
    if (const std::string* message = find_string(*error, "message")) out.message = *message;
    if (const std::string* type = find_string(*error, "type")) out.type = *type;
    if (const std::string* code = find_string(*error, "code")) out.code = *code;
  }
  if (out.message.empty()) out.message = "the provider answered HTTP " + std::to_string(status);
  if (out.type.empty()) out.type = status >= 500 ? "server_error" : "invalid_request_error";
  out.context_length_exceeded = out.code == "context_length_exceeded";
  return out;
}

}  // namespace llmroute::providers::openai
