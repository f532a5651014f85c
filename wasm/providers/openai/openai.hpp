// OpenAI Chat Completions through AI Gateway ({gateway}/openai/chat/completions), and the providers
// that speak its dialect with quirks of their own (Groq, Mistral, DeepSeek, xAI, OpenRouter,
// Perplexity, Azure OpenAI, Workers AI). One translator serves them all; a Dialect says how each
// provider differs, and the registry names one instantiation of the entry points per dialect.
#pragma once

#include <span>

#include "providers/provider.hpp"

namespace llmroute::providers::openai {

struct Rename {
  std::string_view from;
  std::string_view to;
};

struct Dialect {
  std::string_view provider = {};  // the gateway slug, for messages
  std::string_view path = {};      // after {gateway}/{provider}
  // OpenAI itself: answers and chunks reach the client byte for byte as they came. Every other
  // dialect's answers are read and rewritten into OpenAI's exact shape.
  bool verbatim = false;
  // Streams carry usage without being asked (Groq's x_groq.usage, Mistral, Perplexity): the
  // client's stream_options is honoured by us rather than sent (some reject it).
  bool usage_unasked = false;
  bool developer_role = false;                // else developer turns are sent as system turns (same meaning)
  bool reasoning_outside_completion = false;  // xAI: completion_tokens leaves reasoning out; ours counts it in
  bool images = true;                         // image parts in messages
  bool json_schema = true;                    // response_format {type: json_schema}
  bool json_object = true;                    // response_format {type: json_object}
  bool workers_ai_native = false;             // also read Workers AI's own /ai/run shapes and v4 envelope
  std::span<const Rename> renamed = {};            // fields the provider names otherwise
  std::span<const std::string_view> refused = {};  // fields it cannot honour: the target is skipped (unless they ask nothing)
  std::span<const std::string_view> dropped = {};  // fields it has no use for: left out, noted in the trace
  std::span<const std::string_view> accepted = {};        // non-empty: the only fields it takes (it rejects others)
  std::span<const std::string_view> message_fields = {};  // non-empty: the only message fields it takes
};

// OpenAI's own.
inline constexpr Dialect kDialect{.provider = "openai", .path = "/chat/completions", .verbatim = true, .developer_role = true};

Result<ProviderRequest> build_request(const ChatRequest& request, std::string_view model, const RequestContext& context = {},
                                      const Dialect& dialect = kDialect);
Result<Answer> parse_answer(std::string_view body, const AnswerContext& context = {}, const Dialect& dialect = kDialect);
// Every dialect's error bodies: OpenAI's envelope and the shapes its imitators use instead.
UpstreamError parse_error(int status, std::string_view body);
std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options, const Dialect& dialect = kDialect);

// Reads an OpenAI usage object into our convention; false if absent or malformed.
bool read_usage(const json& usage, Usage& out, const Dialect& dialect = kDialect);

// The Provider entry points of one dialect, for registry.cpp.
template <const Dialect& kOf>
Result<ProviderRequest> build_request_for(const ChatRequest& request, std::string_view model, const RequestContext& context) {
  return build_request(request, model, context, kOf);
}
template <const Dialect& kOf>
Result<Answer> parse_answer_for(std::string_view body, const AnswerContext& context) {
  return parse_answer(body, context, kOf);
}
template <const Dialect& kOf>
std::unique_ptr<StreamTranslator> new_stream_for(const StreamOptions& options) {
  return new_stream(options, kOf);
}

// ---- shared by the answer and stream translators ----

// A provider's finish_reason in OpenAI's words; nullopt when it says the answer failed
// (Mistral's "error", DeepSeek's "insufficient_system_resource").
std::optional<std::string_view> finish_reason(std::string_view provider_reason);
// Rewrites a usage object the provider sent into our convention, its other fields kept.
void write_usage(json& usage, const Usage& normalized);
// A tool call as OpenAI writes it: type "function" (Mistral leaves it out), arguments as a JSON text.
void normalize_tool_call(json& call);

}  // namespace llmroute::providers::openai
