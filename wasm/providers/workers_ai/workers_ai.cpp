#include "providers/workers_ai/workers_ai.hpp"

namespace llmroute::providers::workers_ai {

namespace {

constexpr openai::Rename kRenamed[] = {{"max_completion_tokens", "max_tokens"}};
constexpr std::string_view kRefused[] = {"n"};

}  // namespace

// Its own /ai/run shapes are read too: {result: {response, tool_calls, usage}} in the Cloudflare v4
// envelope, and streams of {"response": "..."} tokens. Errors come in that envelope,
// {"errors": [{"code", "message"}]}; code 3040 (out of capacity) with 429 and retry-after.
constexpr openai::Dialect kDialect{
    .provider = "workers-ai",
    .path = "/v1/chat/completions",
    .workers_ai_native = true,
    .renamed = kRenamed,
    .refused = kRefused,
};

}  // namespace llmroute::providers::workers_ai
