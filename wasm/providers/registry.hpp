#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.hpp"

namespace llmroute::providers {

// The Worker secret holding the AI Gateway token, sent as cf-aig-authorization.
inline constexpr std::string_view kGatewayTokenSecret = "CF_AIG_TOKEN";

// The Worker secrets holding AWS credentials. Unlike every other secret, their values reach the
// core (the environment's aws_credentials): SigV4 signs Bedrock requests with them. The access key
// id is no secret (it travels in the signature's scope) but names the credentials that are missing.
inline constexpr std::string_view kAwsAccessKeyIdSecret = "AWS_ACCESS_KEY_ID";
inline constexpr std::string_view kAwsSecretAccessKeySecret = "AWS_SECRET_ACCESS_KEY";
inline constexpr std::string_view kAwsSessionTokenSecret = "AWS_SESSION_TOKEN";

const Provider* find(std::string_view name);
std::string supported_list();  // "openai, ..." for error messages
// Every Worker secret a request may need: each provider's key, the AWS session token and the
// gateway token. The Worker scrubs their values from every answer.
std::vector<std::string_view> secret_names();

}  // namespace llmroute::providers
