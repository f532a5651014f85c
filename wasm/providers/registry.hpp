#pragma once

#include <string>
#include <string_view>

#include "providers/provider.hpp"

namespace llmroute::providers {

// The Worker secret holding the AI Gateway token, sent as cf-aig-authorization.
inline constexpr std::string_view kGatewayTokenSecret = "CF_AIG_TOKEN";

const Provider* find(std::string_view name);
std::string supported_list();  // "openai, ..." for error messages

}  // namespace llmroute::providers
