// Google Gemini (generateContent) through AI Gateway: {gateway}/google-ai-studio/v1beta/models/{model}:generateContent,
// streams at :streamGenerateContent?alt=sse. The model is named in the path, not in the body.
#pragma once

#include <optional>

#include "model/openai_format.hpp"
#include "providers/provider.hpp"

namespace llmroute::providers::gemini {

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& context = {});
Result<Answer> parse_answer(std::string_view body, const AnswerContext& context);
UpstreamError parse_error(int status, std::string_view body);
std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options);
// The same translator with every event read by a full parse, never by its SAX fast path: what the
// fast path's output is held to, by the tests and the stream fuzz target.
std::unique_ptr<StreamTranslator> new_full_parse_stream(const StreamOptions& options);

// usageMetadata -> ours. Gemini counts thoughts outside candidatesTokenCount; ours counts them in
// completion_tokens. Cached tokens are already inside promptTokenCount.
bool read_usage(const json& usage_metadata, Usage& out);

// The counts read_usage reads from a usageMetadata, each clamped as find_token_count does (0 when
// absent; promptTokenCount must be there for the usageMetadata to count at all).
struct UsageCounts {
  std::int64_t prompt = 0;           // promptTokenCount
  std::int64_t candidates = 0;       // candidatesTokenCount
  std::int64_t thoughts = 0;         // thoughtsTokenCount
  std::int64_t tool_use_prompt = 0;  // toolUsePromptTokenCount
  std::int64_t cached_content = 0;   // cachedContentTokenCount
};
// Those counts as ours: what read_usage does once it has them.
void set_usage(const UsageCounts& counts, Usage& out);

// finishReason -> finish_reason. Gemini says STOP for tool calls too: called_tools tells whether the
// candidate holds a functionCall part. nullopt for the reasons that mean the model failed to make
// the tool call it attempted (MALFORMED_FUNCTION_CALL and the like): no answer to give.
std::optional<std::string_view> finish_reason(std::string_view reason, bool called_tools);

// The {"error": {code, message, status, details}} envelope -> ours (also used inside streams).
UpstreamError read_error(const json& error, int status);

// A functionCall part as an OpenAI tool call; nullopt for any other part. Gemini's calls have no
// ids: the index-th call of the answer is "call_<index>". Its thoughtSignature, which Gemini wants
// back with the call on the next turn, rides in the id ("call_<index>_ts_<signature>"), since an
// OpenAI client keeps nothing else of a call.
std::optional<openai_format::ToolCall> tool_call(const json& part, std::size_t index);

// The thought signature carried by a tool call id made by tool_call(); empty for any other id.
std::string_view thought_signature_of(std::string_view tool_call_id);

inline constexpr std::string_view kApiVersion = "v1beta";

}  // namespace llmroute::providers::gemini
