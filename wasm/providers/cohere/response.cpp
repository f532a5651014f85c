#include <algorithm>

#include "model/openai_format.hpp"
#include "providers/cohere/cohere.hpp"

namespace llmroute::providers::cohere {

bool read_usage(const json& usage, Usage& out) {
  if (!usage.is_object()) return false;
  const json* counts = find_object(usage, "billed_units");
  if (counts == nullptr || (!find_token_count(*counts, "input_tokens") && !find_token_count(*counts, "output_tokens"))) {
    counts = find_object(usage, "tokens");
  }
  if (counts == nullptr) return false;
  const auto input = find_token_count(*counts, "input_tokens");
  const auto output = find_token_count(*counts, "output_tokens");
  if (!input && !output) return false;
  out.prompt_tokens = input.value_or(0);
  out.completion_tokens = output.value_or(0);
  // Cache hits are counted against what the model processed, which can exceed the billed input:
  // ours must stay a part of prompt_tokens.
  out.cached_prompt_tokens = std::min(token_count(usage, "cached_tokens"), out.prompt_tokens);
  out.cache_write_prompt_tokens = 0;
  out.reasoning_tokens = 0;  // Cohere does not count thinking apart
  return true;
}

Ending ending(std::string_view cohere_finish_reason) {
  if (cohere_finish_reason == "MAX_TOKENS") return {"length", false};
  if (cohere_finish_reason == "TOOL_CALL") return {"tool_calls", false};
  if (cohere_finish_reason == "ERROR" || cohere_finish_reason == "TIMEOUT") return {"", true};
  return {"stop", false};  // COMPLETE, STOP_SEQUENCE
}

Result<Answer> parse_answer(std::string_view body, const AnswerContext& context) {
  json doc;
  if (parse_json(body, doc) != JsonParseStatus::Ok || !doc.is_object()) return malformed_answer("the provider's answer is not valid JSON");
  const json* message = find_object(doc, "message");
  if (message == nullptr) return malformed_answer("the provider's answer has no message");
  const std::string* finish = find_string(doc, "finish_reason");
  const Ending end = ending(finish ? *finish : "COMPLETE");
  if (end.failed) {
    return Error{ErrorKind::Upstream, 502, "upstream_error", "answer_failed",
                 "cohere ended the answer with finish_reason " + *finish, {}};
  }

  openai_format::Completion completion;
  completion.id = answer_id(find_string(doc, "id"), context.fallback_id);
  completion.model = context.model;
  completion.created_s = context.now_ms / 1000;
  completion.finish_reason = std::string(end.finish_reason);
  // The plan Cohere writes before calling tools is what an OpenAI model says before its calls.
  if (const std::string* plan = find_string(*message, "tool_plan"); plan != nullptr && !plan->empty()) {
    completion.content = *plan;
    completion.has_content = true;
  }
  if (const json* content = find_array(*message, "content")) {
    for (const json& item : *content) {
      const std::string* type = find_string(item, "type");
      if (type != nullptr && *type == "text") {
        if (const std::string* text = find_string(item, "text")) {
          completion.content += *text;
          completion.has_content = true;
        }
      } else if (type != nullptr && *type == "thinking") {
        if (const std::string* thinking = find_string(item, "thinking")) completion.reasoning += *thinking;
      }
    }
  }
  if (const json* calls = find_array(*message, "tool_calls")) {
    for (const json& call : *calls) {
      const json* function = find_object(call, "function");
      const std::string* id = find_string(call, "id");
      const std::string* name = function ? find_string(*function, "name") : nullptr;
      const std::string* arguments = function ? find_string(*function, "arguments") : nullptr;
      if (id == nullptr || name == nullptr) return malformed_answer("a tool call has no id or name");
      completion.tool_calls.push_back({*id, *name, arguments ? *arguments : "{}"});
    }
  }
  if (const json* usage = find(doc, "usage")) completion.has_usage = read_usage(*usage, completion.usage);

  return translated_answer(completion);
}

// Error path: size over speed.
LLMROUTE_SIZE_OVER_SPEED UpstreamError parse_error(int status, std::string_view body) {
  // {"id", "message"}: the status carries the kind of error.
  UpstreamError out;
  json doc;
  if (parse_json(body, doc) == JsonParseStatus::Ok) {
    if (const std::string* message = find_string(doc, "message")) out.message = *message;
  }
  if (out.message.empty()) out.message = "the provider answered HTTP " + std::to_string(status);
  if (status == 401) out.type = "authentication_error";
  else if (status == 403) out.type = "permission_error";
  else if (status == 429) out.type = "rate_limit_error";
  else if (status >= 500) out.type = "server_error";
  else out.type = "invalid_request_error";
  if (status == 404) out.code = "model_not_found";
  if (status == 429) out.code = "rate_limit_exceeded";
  // "too many tokens: size limit exceeded by ... tokens"
  out.context_length_exceeded = out.message.find("too many tokens") != std::string::npos;
  if (out.context_length_exceeded) out.code = "context_length_exceeded";
  return out;
}

}  // namespace llmroute::providers::cohere
