// Anthropic Messages through AI Gateway: {gateway}/anthropic/v1/messages.
#pragma once

#include "providers/provider.hpp"

namespace llmroute::providers::anthropic {

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& context = {});
Result<Answer> parse_answer(std::string_view body, const AnswerContext& context);
UpstreamError parse_error(int status, std::string_view body);
std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options);
// The same translator with every event read by a full parse, never by its SAX fast path: what the
// fast path's output is held to, by the tests and the stream fuzz target.
std::unique_ptr<StreamTranslator> new_full_parse_stream(const StreamOptions& options);

// Anthropic usage -> ours. Its input_tokens leave out cache reads and writes; ours count them in.
bool read_usage(const json& usage, Usage& out);
// stop_reason -> finish_reason.
std::string_view finish_reason(std::string_view stop_reason);

inline constexpr std::string_view kApiVersion = "2023-06-01";
// Anthropic requires max_tokens; this is used when the client sets none.
inline constexpr std::int64_t kDefaultMaxTokens = 4096;

}  // namespace llmroute::providers::anthropic
