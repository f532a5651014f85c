// Azure OpenAI through AI Gateway: {gateway}/azure-openai/{resource}/{deployment}/chat/completions
// ?api-version=..., key in an api-key header. Targets name both: azure-openai/{resource}/{deployment}.
#pragma once

#include "providers/openai/openai.hpp"

namespace llmroute::providers::azure_openai {

extern const openai::Dialect kDialect;

// `target` is "{resource}/{deployment}"; the deployment, not the body's model, selects the model.
// Why `target` is not "{resource}/{deployment}", or empty (the registry's model_problem).
std::string target_problem(std::string_view target);

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view target, const RequestContext& context = {});

// The GA version with stream_options (usage in streams) and max_completion_tokens.
inline constexpr std::string_view kApiVersion = "2024-10-21";

}  // namespace llmroute::providers::azure_openai
