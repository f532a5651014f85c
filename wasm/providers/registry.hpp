#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.hpp"

namespace llmroute::providers {

// The Worker secret holding the AI Gateway token, sent as cf-aig-authorization.
inline constexpr std::string_view kGatewayTokenSecret = "CF_AIG_TOKEN";

const Provider* find(std::string_view name);
std::string supported_list();  // "openai, ..." for error messages
// Every Worker secret a request may need: each provider's key and the gateway token. The Worker
// scrubs their values from every answer.
std::vector<std::string_view> secret_names();

}  // namespace llmroute::providers
