// The client's chat request: its JSON kept whole (fields we do not model pass through to providers
// that speak the same API), beside a typed view of what routing and pricing need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/json_access.hpp"
#include "util/result.hpp"

namespace llmroute {

struct RequestLimits {
  std::size_t max_messages = 2048;
  std::size_t max_tools = 256;
  int max_json_depth = kDefaultMaxJsonDepth;
};

struct ChatRequest {
  json body;                        // the client's document, as sent
  std::string model;                // route name or provider/model; empty when only `models` is given
  std::vector<std::string> models;  // OpenRouter-style ad-hoc fallback chain
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage: the client wants the usage chunk
  std::optional<std::int64_t> max_output_tokens;  // max_completion_tokens, else max_tokens
  std::size_t message_count = 0;
  bool has_tools = false;
  bool has_images = false;
  bool has_json_schema = false;  // response_format {"type": "json_schema"}: structured output
  std::int64_t estimated_prompt_tokens = 0;  // a cheap upper-bound-ish estimate, for budgets and checks
};

// Tokens in `text_bytes` bytes of text, estimated the one way llmroute estimates (rounded up).
std::int64_t estimate_tokens(std::int64_t text_bytes);

// Parses and checks the client's body. Errors are OpenAI-shaped 400s naming the field at fault.
Result<ChatRequest> parse_chat_request(std::string_view body, const RequestLimits& limits);

// The request as one target sends it: each of `overrides` (a config object) set on the client's
// fields, except max_tokens / max_completion_tokens, which cap what the client asked for.
ChatRequest with_overrides(const ChatRequest& request, const json& overrides);

// Client fields a target's overrides may not set: routing and translation depend on them.
bool is_protected_request_field(std::string_view name);

// Readers of message content, for providers that take parts of it in another form.

// Text of a message's content, whatever its form: the string, or its text parts joined by newlines
// (for turns a provider takes as plain text: system prompts, tool results).
std::string content_text(const json& content);

// A base64 data URL ("data:image/png;base64,AAAA") split into its media type and its data.
struct DataUrl {
  std::string media_type;
  std::string data;
};
// nullopt for any other URL (those are passed to providers by reference).
std::optional<DataUrl> parse_base64_data_url(std::string_view url);

}  // namespace llmroute
