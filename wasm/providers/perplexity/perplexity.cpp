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
// JSON mode: Perplexity's structured-outputs guide says "We currently support JSON Schema
// structured outputs" (https://docs.perplexity.ai/docs/grounded-llm/output-control/structured-outputs;
// its older version also named regex); json_object is not among them and no recording shows it
// accepted. It is refused, not rewritten as a {type: object} schema: that would be a guess at an
// unrecorded behaviour, and a new schema costs 10 to 30 s on first use by the same guide.
constexpr openai::Dialect kDialect{
    .provider = "perplexity-ai",
    .path = "/chat/completions",
    .usage_unasked = true,
    .json_object = false,
    .renamed = kRenamed,
    .refused = kRefused,
    .dropped = kDropped,
};

}  // namespace llmroute::providers::perplexity
