// Cloudflare Workers AI through AI Gateway: its OpenAI-compatible endpoint
// {gateway}/workers-ai/v1/chat/completions, model (e.g. @cf/meta/llama-3.1-8b-instruct) in the body.
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::workers_ai {

extern const openai::Dialect kDialect;

}  // namespace llmroute::providers::workers_ai
