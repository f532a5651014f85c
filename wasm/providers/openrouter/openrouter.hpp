// OpenRouter through AI Gateway: {gateway}/openrouter/v1/chat/completions, the OpenAI dialect (see
// openrouter.cpp for its quirks).
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::openrouter {

extern const openai::Dialect kDialect;

}  // namespace llmroute::providers::openrouter
