#include "providers/deepseek/deepseek.hpp"

namespace llmroute::providers::deepseek {

namespace {

constexpr openai::Rename kRenamed[] = {{"max_completion_tokens", "max_tokens"}};
// One choice per answer.
constexpr std::string_view kRefused[] = {"n"};
// No such parameters: determinism and end-user ids are not offered.
constexpr std::string_view kDropped[] = {"seed", "user"};

}  // namespace

// Text only, and JSON mode only as json_object. deepseek-reasoner answers with reasoning_content
// (kept for the client). Usage also names cache hits prompt_cache_hit_tokens; in streams it rides
// on the finish chunk. finish_reason insufficient_system_resource means the answer broke off.
constexpr openai::Dialect kDialect{
    .provider = "deepseek",
    .path = "/chat/completions",
    .images = false,
    .json_schema = false,
    .renamed = kRenamed,
    .refused = kRefused,
    .dropped = kDropped,
};

}  // namespace llmroute::providers::deepseek
