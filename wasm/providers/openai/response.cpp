#include "model/openai_format.hpp"
#include "providers/openai/openai.hpp"

#include <algorithm>
#include <iterator>

namespace llmroute::providers::openai {

namespace {

Error failed(const Dialect& dialect, std::string_view reason) {
  return Error{ErrorKind::Upstream, 502, "upstream_error", "provider_error",
               std::string(dialect.provider) + " ended the answer with finish_reason '" + std::string(reason) + "'", {}};
}

// Workers AI's own answer {response, tool_calls: [{name, arguments}], usage}, as its /ai/run gives it.
Result<Answer> native_workers_ai_answer(const json& result, const AnswerContext& context, const Dialect& dialect) {
  openai_format::Completion completion;
  completion.id = context.fallback_id;  // Workers AI's own form names no answer
  completion.created_s = context.now_ms / 1000;
  if (const json* response = find(result, "response"); response != nullptr && !response->is_null()) {
    // JSON mode answers with the object itself.
    completion.content = response->is_string() ? response->get<std::string>() : to_json_text(*response);
    completion.has_content = true;
  }
  if (const json* calls = find_array(result, "tool_calls")) {
    for (const json& call : *calls) {
      const std::string* name = find_string(call, "name");
      if (name == nullptr) return malformed_answer("a Workers AI tool call has no name");
      const json* arguments = find(call, "arguments");
      const std::string* id = find_string(call, "id");
      completion.tool_calls.push_back(
          {id ? *id : "call_" + std::to_string(completion.tool_calls.size()), *name,
           arguments == nullptr ? "{}" : arguments->is_string() ? arguments->get<std::string>() : to_json_text(*arguments)});
    }
  }
  completion.finish_reason = completion.tool_calls.empty() ? "stop" : "tool_calls";
  if (const json* usage = find(result, "usage")) completion.has_usage = read_usage(*usage, completion.usage, dialect);
  return translated_answer(completion);
}

// The first error message of a Cloudflare v4 envelope that says success: false.
std::optional<std::string> envelope_failure(const json& doc) {
  if (find_bool(doc, "success") != false) return std::nullopt;
  const json* errors = find_array(doc, "errors");
  const std::string* message = errors != nullptr && !errors->empty() ? find_string((*errors)[0], "message") : nullptr;
  return message ? *message : std::string("the provider reported a failure");
}

}  // namespace

bool read_usage(const json& usage, Usage& out, const Dialect& dialect) {
  if (!usage.is_object()) return false;
  const auto prompt = find_token_count(usage, "prompt_tokens");
  const auto completion = find_token_count(usage, "completion_tokens");
  if (!prompt || !completion) return false;
  out = Usage{};
  out.prompt_tokens = *prompt;
  out.completion_tokens = *completion;
  // DeepSeek's own name for cache hits (newer answers repeat them in prompt_tokens_details).
  out.cached_prompt_tokens = token_count(usage, "prompt_cache_hit_tokens");
  if (const json* details = find_object(usage, "prompt_tokens_details")) {
    if (auto cached = find_token_count(*details, "cached_tokens")) out.cached_prompt_tokens = *cached;
    out.cache_write_prompt_tokens = token_count(*details, "cache_write_tokens");
  }
  if (const json* details = find_object(usage, "completion_tokens_details")) {
    out.reasoning_tokens = token_count(*details, "reasoning_tokens");
  }
  if (dialect.reasoning_outside_completion) out.completion_tokens += out.reasoning_tokens;
  return true;
}

void write_usage(json& usage, const Usage& u) {
  usage["prompt_tokens"] = u.prompt_tokens;
  usage["completion_tokens"] = u.completion_tokens;
  usage["total_tokens"] = u.prompt_tokens + u.completion_tokens;
  if (u.cached_prompt_tokens > 0 || u.cache_write_prompt_tokens > 0 || usage.contains("prompt_tokens_details")) {
    json& details = usage["prompt_tokens_details"];
    if (!details.is_object()) details = json::object();
    details["cached_tokens"] = u.cached_prompt_tokens;
    if (u.cache_write_prompt_tokens > 0) details["cache_write_tokens"] = u.cache_write_prompt_tokens;
  }
  if (u.reasoning_tokens > 0 || usage.contains("completion_tokens_details")) {
    json& details = usage["completion_tokens_details"];
    if (!details.is_object()) details = json::object();
    details["reasoning_tokens"] = u.reasoning_tokens;
  }
}

std::optional<std::string_view> finish_reason(std::string_view provider_reason) {
  if (provider_reason == "error" || provider_reason == "insufficient_system_resource") return std::nullopt;
  if (provider_reason == "model_length") return "length";  // Mistral: the context window, not max_tokens, ran out
  return provider_reason;
}

void normalize_tool_call(json& call) {
  if (!call.is_object()) return;
  if (call.contains("id") && !call.contains("type")) call["type"] = "function";
  auto function = call.find("function");
  if (function == call.end() || !function->is_object()) return;
  auto arguments = function->find("arguments");
  if (arguments != function->end() && !arguments->is_string() && !arguments->is_null()) *arguments = to_json_text(*arguments);
}

Result<Answer> parse_answer(std::string_view body, const AnswerContext& context, const Dialect& dialect) {
  json doc;
  if (parse_json(body, doc) != JsonParseStatus::Ok || !doc.is_object()) return malformed_answer("the provider's answer is not valid JSON");
  json* answer = &doc;
  if (dialect.workers_ai_native) {
    if (auto failure = envelope_failure(doc)) return malformed_answer(*failure);
    if (auto result = doc.find("result"); result != doc.end() && result->is_object()) answer = &*result;  // the REST envelope
    if (!answer->contains("choices")) return native_workers_ai_answer(*answer, context, dialect);
  }
  const json* choices = find_array(*answer, "choices");
  if (choices == nullptr) return malformed_answer("the provider's answer has no choices array");

  Answer out;
  if (const std::string* model = find_string(*answer, "model")) out.model = *model;
  if (const json* usage = find(*answer, "usage")) out.has_usage = read_usage(*usage, out.usage, dialect);
  if (dialect.verbatim) {
    // Same API on both sides: the bytes go to the client as they came.
    out.body.assign(body);
    return out;
  }

  // Everything else the provider said is kept; what OpenAI would have said differently is rewritten.
  json& completion = *answer;
  completion["object"] = "chat.completion";
  completion["id"] = answer_id(find_string(completion, "id"), context.fallback_id);
  if (!completion.contains("created")) completion["created"] = context.now_ms / 1000;
  if (!completion.contains("model")) completion["model"] = "";
  std::int64_t index = 0;
  for (json& choice : completion["choices"]) {
    if (!choice.is_object()) return malformed_answer("a choice of the provider's answer is not an object");
    if (!choice.contains("index")) choice["index"] = index;
    ++index;
    json& message = choice["message"];  // Azure leaves it out of a content-filtered choice
    if (!message.is_object()) message = json::object();
    if (!message.contains("role")) message["role"] = "assistant";
    if (!message.contains("content")) message["content"] = nullptr;  // Mistral's tool calls
    if (auto calls = message.find("tool_calls"); calls != message.end()) {
      if (calls->is_array() && !calls->empty()) {
        for (json& call : *calls) normalize_tool_call(call);
      } else {
        message.erase(calls);  // null or [] where OpenAI writes nothing
      }
    }
    if (const std::string* reason = find_string(choice, "finish_reason")) {
      const auto mapped = finish_reason(*reason);
      if (!mapped) return failed(dialect, *reason);
      choice["finish_reason"] = std::string(*mapped);
    }
  }
  if (out.has_usage) write_usage(completion["usage"], out.usage);
  out.body = to_json_text(completion);
  return out;
}

// Error path: size over speed.
LLMROUTE_SIZE_OVER_SPEED UpstreamError parse_error(int status, std::string_view body) {
  UpstreamError out;
  json doc;
  if (parse_json(body, doc) == JsonParseStatus::Ok && doc.is_object()) {
    // Where the fields are: {"error": {...}} (OpenAI and most), {"error": [{...}]} (AI Gateway),
    // {"errors": [{...}]} (Cloudflare v4), or the top level ({"object": "error", ...} from Mistral,
    // {"error": "text", "code": ...} from xAI).
    const json* source = &doc;
    const json* error = find(doc, "error");
    const json* errors = find_array(doc, "errors");
    if (error != nullptr && error->is_object()) source = error;
    else if (error != nullptr && error->is_array() && !error->empty()) source = &(*error)[0];
    else if (errors != nullptr && !errors->empty()) source = &(*errors)[0];
    else if (error != nullptr && error->is_string()) out.message = error->get<std::string>();

    if (const json* message = find(*source, "message"); message != nullptr && out.message.empty()) {
      // Mistral's validation errors put an object here.
      if (message->is_string()) out.message = message->get<std::string>();
      else if (!message->is_null()) out.message = to_json_text(*message);
    }
    if (const json* detail = find(*source, "detail"); detail != nullptr && out.message.empty()) {
      out.message = detail->is_string() ? detail->get<std::string>() : to_json_text(*detail);
    }
    // OpenRouter: "Provider returned error", and the upstream's own words beside it.
    if (const json* metadata = find_object(*source, "metadata")) {
      if (const std::string* raw = find_string(*metadata, "raw")) out.message += (out.message.empty() ? "" : ": ") + *raw;
    }
    if (const std::string* type = find_string(*source, "type")) out.type = *type;
    if (const json* code = find(*source, "code")) {
      if (code->is_string()) out.code = code->get<std::string>();
      else if (auto number = as_int64(*code)) out.code = std::to_string(*number);  // OpenRouter, Workers AI, Mistral
    }
  }
  if (out.message.empty()) out.message = "the provider answered HTTP " + std::to_string(status);
  // A dialect's own vocabulary (Perplexity's invalid_model, DeepSeek's unknown_error) means nothing
  // to an OpenAI client: only OpenAI's types pass, the rest are named from the status.
  static constexpr std::string_view kOpenAiTypes[] = {"invalid_request_error", "authentication_error", "permission_error",
                                                      "not_found_error",       "rate_limit_error",     "insufficient_quota",
                                                      "server_error",          "requests",             "tokens"};
  if (!out.type.empty() && std::find(std::begin(kOpenAiTypes), std::end(kOpenAiTypes), out.type) == std::end(kOpenAiTypes)) {
    // Kept as the code when the code says less (none, or the status again as a number).
    const bool code_is_number = !out.code.empty() && std::all_of(out.code.begin(), out.code.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (out.code.empty() || code_is_number) out.code = out.type;
    out.type.clear();
  }
  if (out.type.empty()) {
    out.type = status == 401 ? "authentication_error"
               : status == 403 ? "permission_error"
               : status == 429 ? "rate_limit_error"
               : status >= 500 ? "server_error"
                               : "invalid_request_error";
  }
  out.context_length_exceeded = out.code == "context_length_exceeded" ||
                                out.message.find("maximum context length") != std::string::npos;
  if (out.context_length_exceeded) out.code = "context_length_exceeded";
  return out;
}

}  // namespace llmroute::providers::openai
