// Cohere v2 chat through AI Gateway: {gateway}/cohere/v2/chat.
#pragma once

#include "providers/provider.hpp"

namespace llmroute::providers::cohere {

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& context = {});
Result<Answer> parse_answer(std::string_view body, const AnswerContext& context);
UpstreamError parse_error(int status, std::string_view body);
std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options);

// Cohere usage -> ours. Billed units are what Cohere charges for; tokens (what the model processed,
// its prompt template included) stand in when no billed units are given.
bool read_usage(const json& usage, Usage& out);

// How Cohere said an answer ended.
struct Ending {
  std::string_view finish_reason;  // OpenAI's, when the answer is whole
  bool failed = false;             // ERROR or TIMEOUT: the answer is not whole, treat it as an error
};
Ending ending(std::string_view cohere_finish_reason);

}  // namespace llmroute::providers::cohere
