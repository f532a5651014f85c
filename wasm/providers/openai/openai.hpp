// OpenAI Chat Completions through AI Gateway: {gateway}/openai/chat/completions.
#pragma once

#include "providers/provider.hpp"

namespace llmroute::providers::openai {

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& context = {});
Result<Answer> parse_answer(std::string_view body, const AnswerContext& context = {});
UpstreamError parse_error(int status, std::string_view body);
std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options);

// Reads an OpenAI usage object into our convention (which is OpenAI's); false if absent or malformed.
bool read_usage(const json& usage, Usage& out);

}  // namespace llmroute::providers::openai
