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
  std::int64_t estimated_prompt_tokens = 0;  // a cheap upper-bound-ish estimate, for budgets and checks
};

// Parses and checks the client's body. Errors are OpenAI-shaped 400s naming the field at fault.
Result<ChatRequest> parse_chat_request(std::string_view body, const RequestLimits& limits);

}  // namespace llmroute
