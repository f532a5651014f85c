// xAI (Grok) through AI Gateway: {gateway}/grok/v1/chat/completions, the OpenAI dialect (see
// grok.cpp for its quirks).
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::grok {

extern const openai::Dialect kDialect;

}  // namespace llmroute::providers::grok
