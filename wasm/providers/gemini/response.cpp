#include <array>
#include <charconv>

#include "providers/gemini/gemini.hpp"

namespace llmroute::providers::gemini {

namespace {

constexpr std::string_view kToolCallIdPrefix = "call_";
constexpr std::string_view kSignatureMarker = "_ts_";

// Reasons for stopping because of content policies (finishReason) or for refusing the prompt
// (promptFeedback.blockReason).
constexpr std::array<std::string_view, 8> kFilterReasons = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT",
                                                            "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
                                                            "IMAGE_RECITATION"};
// The model attempted a tool call and failed to make one: the answer holds nothing to act on.
constexpr std::array<std::string_view, 3> kFailedCallReasons = {"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL",
                                                                "TOO_MANY_TOOL_CALLS"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& list, std::string_view value) {
  for (const std::string_view item : list) {
    if (item == value) return true;
  }
  return false;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A google.protobuf.Duration in its JSON form ("34.4s", "1.000340s") -> milliseconds, rounded up.
std::optional<std::int64_t> duration_ms(std::string_view text) {
  if (text.empty() || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  // Durations are at most 10^4 years (about 3.2e11 s) and have at most nanoseconds.
  if (whole.empty() || whole.size() > 12 || fraction.size() > 9) return std::nullopt;
  for (const char c : fraction) {
    if (!is_digit(c)) return std::nullopt;
  }
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (ec != std::errc() || end != whole.data() + whole.size() || seconds < 0) return std::nullopt;
  std::int64_t ms = seconds * 1000;
  std::int64_t scale = 100;
  for (std::size_t i = 0; i < fraction.size(); ++i) {
    if (i < 3) {
      ms += (fraction[i] - '0') * scale;
      scale /= 10;
    } else if (fraction[i] != '0') {
      return ms + 1;  // part of a millisecond left: wait the whole one
    }
  }
  return ms;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

bool read_usage(const json& usage_metadata, Usage& out) {
  if (!usage_metadata.is_object()) return false;
  const auto prompt = find_token_count(usage_metadata, "promptTokenCount");
  if (!prompt) return false;
  set_usage({*prompt, token_count(usage_metadata, "candidatesTokenCount"), token_count(usage_metadata, "thoughtsTokenCount"),
             token_count(usage_metadata, "toolUsePromptTokenCount"), token_count(usage_metadata, "cachedContentTokenCount")},
            out);
  return true;
}

void set_usage(const UsageCounts& counts, Usage& out) {
  // Prompts of built-in tools (search, code execution) are input counted beside promptTokenCount.
  out.prompt_tokens = counts.prompt + counts.tool_use_prompt;
  out.cached_prompt_tokens = counts.cached_content;  // inside promptTokenCount
  out.cache_write_prompt_tokens = 0;  // Gemini charges no cache writes inside a request
  out.completion_tokens = counts.candidates + counts.thoughts;
  out.reasoning_tokens = counts.thoughts;
}

std::optional<std::string_view> finish_reason(std::string_view reason, bool called_tools) {
  if (reason == "MAX_TOKENS") return "length";
  if (one_of(kFilterReasons, reason)) return "content_filter";
  if (one_of(kFailedCallReasons, reason)) return std::nullopt;
  return called_tools ? "tool_calls" : "stop";  // STOP, and OTHER, LANGUAGE, ...: the answer is what came
}

// Error path: size over speed.
LLMROUTE_SIZE_OVER_SPEED UpstreamError read_error(const json& error, int status) {
  UpstreamError out;
  if (const std::string* message = find_string(error, "message")) out.message = *message;
  if (out.message.empty()) out.message = "the provider answered HTTP " + std::to_string(status);
  const std::string* google_status = find_string(error, "status");
  const std::string_view code = google_status ? std::string_view(*google_status) : std::string_view();
  out.code = lower(code);
  bool key_invalid = false;
  if (const json* details = find_array(error, "details")) {
    for (const json& detail : *details) {
      const std::string* type = find_string(detail, "@type");
      if (type == nullptr) continue;
      if (ends_with(*type, "/google.rpc.RetryInfo")) {
        if (const std::string* delay = find_string(detail, "retryDelay")) out.retry_after_ms = duration_ms(*delay);
      } else if (ends_with(*type, "/google.rpc.ErrorInfo")) {
        const std::string* reason = find_string(detail, "reason");
        key_invalid = key_invalid || (reason != nullptr && *reason == "API_KEY_INVALID");
      }
    }
  }
  if (status == 429 || code == "RESOURCE_EXHAUSTED") out.type = "rate_limit_error";
  else if (status == 401 || code == "UNAUTHENTICATED" || key_invalid) out.type = "authentication_error";
  else if (status == 403 || code == "PERMISSION_DENIED") out.type = "permission_error";
  else if (status >= 500) out.type = "server_error";
  else out.type = "invalid_request_error";
  // Gemini answers a wrong key with 400, and refuses unsupported regions and billing states with
  // 400 FAILED_PRECONDITION: faults of the target, which another target may not have.
  out.target_fault = key_invalid || code == "FAILED_PRECONDITION";
  out.context_length_exceeded = out.message.find("exceeds the maximum number of tokens") != std::string::npos;
  if (out.context_length_exceeded) out.code = "context_length_exceeded";
  return out;
}

std::optional<openai_format::ToolCall> tool_call(const json& part, std::size_t index) {
  const json* call = find_object(part, "functionCall");
  const std::string* name = call ? find_string(*call, "name") : nullptr;
  if (name == nullptr) return std::nullopt;
  std::string id = std::string(kToolCallIdPrefix) + std::to_string(index);
  if (const std::string* signature = find_string(part, "thoughtSignature"); signature != nullptr && !signature->empty()) {
    id.append(kSignatureMarker).append(*signature);
  }
  const json* args = find_object(*call, "args");
  return openai_format::ToolCall{std::move(id), *name, args ? to_json_text(*args) : "{}"};
}

std::string_view thought_signature_of(std::string_view tool_call_id) {
  if (tool_call_id.substr(0, kToolCallIdPrefix.size()) != kToolCallIdPrefix) return {};
  std::size_t i = kToolCallIdPrefix.size();
  while (i < tool_call_id.size() && is_digit(tool_call_id[i])) ++i;
  if (i == kToolCallIdPrefix.size() || tool_call_id.substr(i, kSignatureMarker.size()) != kSignatureMarker) return {};
  return tool_call_id.substr(i + kSignatureMarker.size());
}

Result<Answer> parse_answer(std::string_view body, const AnswerContext& context) {
  json doc;
  if (parse_json(body, doc) != JsonParseStatus::Ok || !doc.is_object()) return malformed_answer("the provider's answer is not valid JSON");

  openai_format::Completion completion;
  completion.id = answer_id(find_string(doc, "responseId"), context.fallback_id);
  if (const std::string* model = find_string(doc, "modelVersion")) completion.model = *model;
  completion.created_s = context.now_ms / 1000;
  if (const json* usage = find(doc, "usageMetadata")) completion.has_usage = read_usage(*usage, completion.usage);

  const json* candidates = find_array(doc, "candidates");
  const json* candidate = candidates != nullptr && !candidates->empty() ? &candidates->front() : nullptr;
  if (candidate == nullptr) {
    // A refused prompt: no candidates, only the reason.
    const json* feedback = find_object(doc, "promptFeedback");
    if (feedback == nullptr || find_string(*feedback, "blockReason") == nullptr) return malformed_answer("the provider's answer has no candidates");
    completion.finish_reason = "content_filter";
  } else {
    const json* content = find_object(*candidate, "content");
    const json* parts = content ? find_array(*content, "parts") : nullptr;
    for (std::size_t i = 0; parts != nullptr && i < parts->size(); ++i) {
      const json& part = (*parts)[i];
      if (auto call = tool_call(part, completion.tool_calls.size())) {
        completion.tool_calls.push_back(std::move(*call));
      } else if (const std::string* text = find_string(part, "text")) {
        if (find_bool(part, "thought").value_or(false)) {
          completion.reasoning += *text;
        } else {
          completion.content += *text;
          completion.has_content = true;
        }
      }
    }
    const std::string* reason = find_string(*candidate, "finishReason");
    const auto finish = finish_reason(reason ? std::string_view(*reason) : "STOP", !completion.tool_calls.empty());
    if (!finish) {
      return Error{ErrorKind::Upstream, 502, "upstream_error", "failed_tool_call",
                   "the model failed to make the tool call it attempted (" + *reason + ")", {}};
    }
    completion.finish_reason = *finish;
  }

  return translated_answer(completion);
}

// Error path: size over speed.
LLMROUTE_SIZE_OVER_SPEED UpstreamError parse_error(int status, std::string_view body) {
  json doc;
  const json* error = nullptr;
  if (parse_json(body, doc) == JsonParseStatus::Ok) error = find_object(doc, "error");
  static const json kNoError = json::object();
  return read_error(error ? *error : kNoError, status);
}

}  // namespace llmroute::providers::gemini
