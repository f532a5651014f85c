#include "model/openai_format.hpp"
#include "providers/bedrock/bedrock.hpp"

namespace llmroute::providers::bedrock {

namespace {

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

bool read_usage(const json& usage, Usage& out) {
  if (!usage.is_object()) return false;
  const auto input = find_token_count(usage, "inputTokens");
  const auto output = find_token_count(usage, "outputTokens");
  if (!input || !output) return false;
  out.cached_prompt_tokens = token_count(usage, "cacheReadInputTokens");
  out.cache_write_prompt_tokens = token_count(usage, "cacheWriteInputTokens");
  // As on Anthropic, inputTokens is only the uncached part: reads and writes are added back in.
  out.prompt_tokens = *input + out.cached_prompt_tokens + out.cache_write_prompt_tokens;
  out.completion_tokens = *output;  // reasoning is inside outputTokens and not counted apart
  out.reasoning_tokens = 0;
  return true;
}

Ending ending(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") return {"length", false};
  if (stop_reason == "tool_use") return {"tool_calls", false};
  if (stop_reason == "guardrail_intervened" || stop_reason == "content_filtered") return {"content_filter", false};
  if (stop_reason == "malformed_model_output" || stop_reason == "malformed_tool_use") return {"", true};
  return {"stop", false};  // end_turn, stop_sequence
}

Result<Answer> parse_answer(std::string_view body, const AnswerContext& context) {
  json doc;
  if (parse_json(body, doc) != JsonParseStatus::Ok || !doc.is_object()) return malformed_answer("the provider's answer is not valid JSON");
  const json* output = find_object(doc, "output");
  const json* message = output ? find_object(*output, "message") : nullptr;
  const json* content = message ? find_array(*message, "content") : nullptr;
  if (content == nullptr) return malformed_answer("the provider's answer has no output.message.content");
  const std::string* stop = find_string(doc, "stopReason");
  const Ending end = ending(stop ? *stop : "end_turn");
  if (end.failed) return Error{ErrorKind::Upstream, 502, "upstream_error", "answer_failed", "bedrock ended the answer with stopReason " + *stop, {}};

  openai_format::Completion completion;
  completion.id = context.fallback_id;  // Converse names neither the answer nor its model
  completion.model = context.model;
  completion.created_s = context.now_ms / 1000;
  completion.finish_reason = std::string(end.finish_reason);
  for (const json& block : *content) {
    if (const std::string* text = find_string(block, "text")) {
      completion.content += *text;
      completion.has_content = true;
    } else if (const json* reasoning = find_object(block, "reasoningContent")) {
      const json* reasoning_text = find_object(*reasoning, "reasoningText");
      if (const std::string* thought = reasoning_text ? find_string(*reasoning_text, "text") : nullptr) completion.reasoning += *thought;
    } else if (const json* tool_use = find_object(block, "toolUse")) {
      const std::string* id = find_string(*tool_use, "toolUseId");
      const std::string* name = find_string(*tool_use, "name");
      const json* input = find(*tool_use, "input");
      if (id == nullptr || name == nullptr) return malformed_answer("a toolUse block has no toolUseId or name");
      completion.tool_calls.push_back({*id, *name, input ? to_json_text(*input) : "{}"});
    }
    // Redacted reasoning carries nothing a client can read.
  }
  if (const json* usage = find(doc, "usage")) completion.has_usage = read_usage(*usage, completion.usage);

  return translated_answer(completion);
}

namespace {

// x-amzn-errortype is the exception class, sometimes followed by ':' and a namespace URL
// ("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", as recorded).
std::string_view exception_class(std::string_view error_type) { return error_type.substr(0, error_type.find(':')); }

// What Bedrock's exception classes mean (Converse's documented errors, with their statuses: AWS's
// Bedrock API reference and troubleshooting guide). The class becomes the code, as on a stream's
// exception event, and sets the type where the status alone could not tell.
struct ExceptionMeaning {
  std::string_view name;
  std::string_view type;
};
constexpr ExceptionMeaning kExceptions[] = {
    {"ValidationException", "invalid_request_error"},          // 400
    {"AccessDeniedException", "permission_error"},             // 403
    {"ResourceNotFoundException", "invalid_request_error"},    // 404
    {"ModelTimeoutException", "server_error"},                 // 408
    {"ModelErrorException", "server_error"},                   // 424
    {"ThrottlingException", "rate_limit_error"},               // 429: a rate, lifted in seconds
    {"ModelNotReadyException", "server_error"},                // 429: AWS's SDKs retry it up to 5 times
    {"ServiceQuotaExceededException", "insufficient_quota"},   // 400 (see below)
    {"InternalServerException", "server_error"},               // 500
    {"ServiceUnavailableException", "server_error"},           // 503
};

void name_exception(std::string_view name, UpstreamError& out) {
  for (const ExceptionMeaning& e : kExceptions) {
    if (e.name != name) continue;
    out.type = std::string(e.type);
    if (!out.context_length_exceeded) out.code = std::string(e.name);  // clients match context_length_exceeded
    // A service quota of the account is not a transient throttle: it does not lift within any
    // backoff we would wait, and it is not the client's fault either (whatever status it comes
    // with). Another target, in another region or at another provider, may well serve the request.
    if (name == "ServiceQuotaExceededException") out.target_fault = true;
    return;
  }
}

}  // namespace

// Error path: size over speed.
LLMROUTE_SIZE_OVER_SPEED UpstreamError parse_error(int status, std::string_view body, std::string_view error_type) {
  UpstreamError out;
  json doc;
  if (parse_json(body, doc) == JsonParseStatus::Ok) {
    const std::string* message = find_string(doc, "message");
    if (message == nullptr) message = find_string(doc, "Message");  // some AWS front ends capitalise it
    if (message != nullptr) out.message = *message;
  }
  if (out.message.empty()) out.message = "the provider answered HTTP " + std::to_string(status);
  // By status, as x-amzn-errortype would say: 400 ValidationException, 403 AccessDeniedException (or
  // a signature or token problem), 404 ResourceNotFoundException, 408 ModelTimeoutException, 424
  // ModelErrorException, 429 ThrottlingException or ServiceQuotaExceededException, 500
  // InternalServerException, 503 ServiceUnavailableException or ModelNotReadyException.
  if (status == 401 || status == 403) out.type = status == 401 ? "authentication_error" : "permission_error";
  else if (status == 429) out.type = "rate_limit_error";
  else if (status == 408 || status == 424 || status >= 500) out.type = "server_error";
  else out.type = "invalid_request_error";
  if (status == 404) out.code = "model_not_found";
  if (status == 408) out.code = "model_timeout";
  if (status == 429) out.code = "rate_limit_exceeded";
  // "Input is too long for requested model.", "prompt is too long: ... tokens > ... maximum" (Claude),
  // "too many input tokens", "... exceeds the context window ...".
  const std::string& m = out.message;
  out.context_length_exceeded = contains(m, "too long") || contains(m, "too many input tokens") || contains(m, "context window");
  if (out.context_length_exceeded) out.code = "context_length_exceeded";
  // Not the client's doing: a model id this account cannot use ("The provided model identifier is
  // invalid.", HTTP 400), or the model failing on Bedrock's side (424 ModelErrorException). Another
  // target may serve the same request.
  out.target_fault = status == 424 || contains(m, "model identifier is invalid");
  if (!error_type.empty()) name_exception(exception_class(error_type), out);
  return out;
}

}  // namespace llmroute::providers::bedrock
