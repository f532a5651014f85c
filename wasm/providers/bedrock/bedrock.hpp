// Amazon Bedrock's Converse API through AI Gateway:
// {gateway}/aws-bedrock/bedrock-runtime/{region}/model/{modelId}/converse (and /converse-stream).
// A target's model is written "{region}/{modelId}", e.g.
// aws-bedrock/us-east-1/anthropic.claude-3-5-haiku-20241022-v1:0.
#pragma once

#include "providers/provider.hpp"

namespace llmroute::providers::bedrock {

// Signs with SigV4 against the original AWS URL (as AI Gateway requires) when the context holds
// credentials; without them (BYOK) the gateway signs.
Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& context);
Result<Answer> parse_answer(std::string_view body, const AnswerContext& context);
// Bedrock's error body is only {"message"}; its class (ValidationException, ThrottlingException,
// ...) travels in the x-amzn-errortype header, `error_type` here. Without it (a gateway that drops
// it), the status and the message carry the meaning.
UpstreamError parse_error(int status, std::string_view body, std::string_view error_type = {});
std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options);

// Bedrock usage -> ours. Its inputTokens leave out cache reads and writes; ours count them in.
bool read_usage(const json& usage, Usage& out);

// How Bedrock said an answer ended (stopReason).
struct Ending {
  std::string_view finish_reason;  // OpenAI's, when the answer is whole
  bool failed = false;             // the model's output was malformed: treat it as an error
};
Ending ending(std::string_view stop_reason);

inline constexpr std::string_view kSigningService = "bedrock";

}  // namespace llmroute::providers::bedrock
