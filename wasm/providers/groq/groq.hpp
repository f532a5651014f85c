// Groq through AI Gateway: {gateway}/groq/chat/completions (api.groq.com/openai/v1), the OpenAI
// dialect (see groq.cpp for its quirks).
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::groq {

extern const openai::Dialect kDialect;

}  // namespace llmroute::providers::groq
