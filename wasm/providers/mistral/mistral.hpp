// Mistral through AI Gateway: {gateway}/mistral/v1/chat/completions, the OpenAI dialect (see
// mistral.cpp for its quirks).
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::mistral {

extern const openai::Dialect kDialect;

}  // namespace llmroute::providers::mistral
