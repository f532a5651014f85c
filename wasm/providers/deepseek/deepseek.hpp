// DeepSeek through AI Gateway: {gateway}/deepseek/chat/completions, the OpenAI dialect (see
// deepseek.cpp for its quirks).
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::deepseek {

extern const openai::Dialect kDialect;

}  // namespace llmroute::providers::deepseek
