#include "providers/mistral/mistral.hpp"

namespace llmroute::providers::mistral {

namespace {

constexpr openai::Rename kRenamed[] = {{"seed", "random_seed"}, {"max_completion_tokens", "max_tokens"}};
constexpr std::string_view kRefused[] = {"logprobs", "top_logprobs", "logit_bias"};
// Mistral answers 422 "Extra inputs are not permitted" to any other field, in the body as in a
// message (user, metadata, store, a message's name or an echoed-back refusal).
constexpr std::string_view kAccepted[] = {
    "model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "response_format", "tools",
    "tool_choice", "presence_penalty", "frequency_penalty", "n", "parallel_tool_calls", "prediction", "safe_prompt", "prompt_mode"};
constexpr std::string_view kMessageFields[] = {"role", "content", "tool_calls", "tool_call_id", "prefix"};

}  // namespace

// Answers leave type "function" out of tool calls and may end with finish_reason model_length
// (the context window ran out) or error; streams carry a random "p" padding field and put usage
// on the finish chunk, unasked. Errors are {"object": "error", "message", "type", "param", "code"}.
constexpr openai::Dialect kDialect{
    .provider = "mistral",
    .path = "/v1/chat/completions",
    .usage_unasked = true,
    .renamed = kRenamed,
    .refused = kRefused,
    .accepted = kAccepted,
    .message_fields = kMessageFields,
};

}  // namespace llmroute::providers::mistral
