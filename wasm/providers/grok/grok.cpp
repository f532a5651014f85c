#include "providers/grok/grok.hpp"

namespace llmroute::providers::grok {

// completion_tokens leaves the reasoning tokens out while total_tokens counts them (12 + 1 + 228 =
// 241 in a recorded answer): ours counts them in. Reasoning models answer with reasoning_content;
// streamed tool calls arrive whole in one chunk.
constexpr openai::Dialect kDialect{
    .provider = "grok",
    .path = "/v1/chat/completions",
    .reasoning_outside_completion = true,
};

}  // namespace llmroute::providers::grok
