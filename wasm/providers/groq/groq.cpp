#include "providers/groq/groq.hpp"

namespace llmroute::providers::groq {

namespace {

// Groq answers 400 to these (its OpenAI compatibility page): n must be 1, and neither log
// probabilities nor logit biases can be given.
constexpr std::string_view kRefused[] = {"n", "logprobs", "top_logprobs", "logit_bias"};
// messages[].name is refused the same way; echoed-back fields (refusal, annotations) have no use.
constexpr std::string_view kMessageFields[] = {"role", "content", "tool_calls", "tool_call_id"};

}  // namespace

// Streams carry their usage in x_groq.usage on the finish chunk, unasked. Tool-call validation
// failures come back as 400 tool_use_failed (with the model's failed_generation).
constexpr openai::Dialect kDialect{
    .provider = "groq",
    .path = "/chat/completions",
    .usage_unasked = true,
    .refused = kRefused,
    .message_fields = kMessageFields,
};

}  // namespace llmroute::providers::groq
