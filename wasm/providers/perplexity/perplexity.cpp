#include "providers/perplexity/perplexity.hpp"

namespace llmroute::providers::perplexity {

namespace {

constexpr openai::Rename kRenamed[] = {{"max_completion_tokens", "max_tokens"}};
// The Sonar models search and answer: no tools, one choice, no log probabilities.
constexpr std::string_view kRefused[] = {"tools", "tool_choice", "n", "logprobs", "top_logprobs", "logit_bias"};
constexpr std::string_view kDropped[] = {"seed", "user", "parallel_tool_calls"};

}  // namespace

// Answers and every stream chunk carry citations (kept); stream chunks repeat the running usage
// totals, unasked, and the last one is object "chat.completion.done".
constexpr openai::Dialect kDialect{
    .provider = "perplexity-ai",
    .path = "/chat/completions",
    .usage_unasked = true,
    .renamed = kRenamed,
    .refused = kRefused,
    .dropped = kDropped,
};

}  // namespace llmroute::providers::perplexity
