#include "model/openai_format.hpp"
#include "providers/anthropic/anthropic.hpp"

namespace llmroute::providers::anthropic {

bool read_usage(const json& usage, Usage& out) {
  if (!usage.is_object()) return false;
  const auto input = find_token_count(usage, "input_tokens");
  const auto output = find_token_count(usage, "output_tokens");
  if (!input || !output) return false;
  out.cached_prompt_tokens = token_count(usage, "cache_read_input_tokens");
  out.cache_write_prompt_tokens = token_count(usage, "cache_creation_input_tokens");
  if (const json* creation = find_object(usage, "cache_creation")) {
    out.cache_write_1h_prompt_tokens = token_count(*creation, "ephemeral_1h_input_tokens");  // priced apart from 5-minute writes
  }
  // Anthropic's input_tokens is only the uncached part: reads and writes are added back in.
  out.prompt_tokens = *input + out.cached_prompt_tokens + out.cache_write_prompt_tokens;
  out.completion_tokens = *output;  // thinking is inside output_tokens and not counted apart
  out.reasoning_tokens = 0;
  return true;
}

std::string_view finish_reason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

Result<Answer> parse_answer(std::string_view body, const AnswerContext& context) {
  json doc;
  if (parse_json(body, doc) != JsonParseStatus::Ok || !doc.is_object()) return malformed_answer("the provider's answer is not valid JSON");
  const json* content = find_array(doc, "content");
  if (content == nullptr) return malformed_answer("the provider's answer has no content array");

  openai_format::Completion completion;
  completion.id = answer_id(find_string(doc, "id"), context.fallback_id);
  if (const std::string* model = find_string(doc, "model")) completion.model = *model;
  completion.created_s = context.now_ms / 1000;
  for (const json& block : *content) {
    const std::string* type = find_string(block, "type");
    if (type == nullptr) continue;
    if (*type == "text") {
      if (const std::string* text = find_string(block, "text")) {
        completion.content += *text;
        completion.has_content = true;
      }
    } else if (*type == "thinking") {
      if (const std::string* thinking = find_string(block, "thinking")) completion.reasoning += *thinking;
    } else if (*type == "tool_use") {
      const std::string* id = find_string(block, "id");
      const std::string* name = find_string(block, "name");
      const json* input = find(block, "input");
      if (id == nullptr || name == nullptr) return malformed_answer("a tool_use block has no id or name");
      completion.tool_calls.push_back({*id, *name, input ? to_json_text(*input) : "{}"});
    }
    // redacted_thinking carries nothing a client can read.
  }
  if (const std::string* stop = find_string(doc, "stop_reason")) completion.finish_reason = finish_reason(*stop);
  if (const json* usage = find(doc, "usage")) completion.has_usage = read_usage(*usage, completion.usage);

  return translated_answer(completion);
}

// Error path: size over speed.
LLMROUTE_SIZE_OVER_SPEED UpstreamError parse_error(int status, std::string_view body) {
  UpstreamError out;
  json doc;
  if (parse_json(body, doc) == JsonParseStatus::Ok) {
    if (const json* error = find_object(doc, "error")) {
      if (const std::string* message = find_string(*error, "message")) out.message = *message;
      if (const std::string* type = find_string(*error, "type")) out.code = *type;
    }
  }
  if (out.message.empty()) out.message = "the provider answered HTTP " + std::to_string(status);
  // Anthropic's error types -> OpenAI's.
  if (out.code == "rate_limit_error") out.type = "rate_limit_error";
  else if (out.code == "authentication_error") out.type = "authentication_error";
  else if (out.code == "permission_error") out.type = "permission_error";
  else if (status >= 500 || out.code == "overloaded_error" || out.code == "api_error") out.type = "server_error";
  else out.type = "invalid_request_error";
  out.context_length_exceeded = out.message.find("prompt is too long") != std::string::npos;
  if (out.context_length_exceeded) out.code = "context_length_exceeded";
  return out;
}

}  // namespace llmroute::providers::anthropic
