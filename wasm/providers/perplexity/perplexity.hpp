// Perplexity through AI Gateway: {gateway}/perplexity-ai/chat/completions, the OpenAI dialect (see
// perplexity.cpp for its quirks).
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::perplexity {

extern const openai::Dialect kDialect;

}  // namespace llmroute::providers::perplexity
