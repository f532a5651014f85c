#include "providers/openrouter/openrouter.hpp"

namespace llmroute::providers::openrouter {

namespace {

constexpr openai::Rename kRenamed[] = {{"max_completion_tokens", "max_tokens"}};

}  // namespace

// Streams may open with SSE comments (": OPENROUTER PROCESSING"), repeat a tool call's id and name
// in every fragment, end without a finish_reason, and report an upstream failure as a chunk with a
// top-level error (beside usage) under HTTP 200, then [DONE]. Usage adds cost, cost_details and
// prompt_tokens_details.cache_write_tokens (kept). Errors carry the upstream's words in
// error.metadata.raw and an integer code.
constexpr openai::Dialect kDialect{
    .provider = "openrouter",
    .path = "/v1/chat/completions",
    .renamed = kRenamed,
};

}  // namespace llmroute::providers::openrouter
