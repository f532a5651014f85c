// What a provider translator offers the core. Providers know wasm/model/ and wasm/util/, never the
// router: they turn our request into theirs and their answers and errors into ours.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/chat_request.hpp"
#include "model/openai_format.hpp"
#include "model/usage.hpp"
#include "util/aws_sigv4.hpp"
#include "util/result.hpp"
#include "util/sse.hpp"

namespace llmroute::providers {

using Header = std::pair<std::string, std::string>;

// A header whose value is a secret the Worker holds: the core names the secret, the Worker fills
// in its value at fetch time, so no secret ever enters Wasm memory or an action the core emits.
struct SecretHeader {
  std::string name;    // e.g. "authorization"
  std::string secret;  // e.g. "OPENAI_API_KEY"
  std::string prefix;  // e.g. "Bearer "
};

struct ProviderRequest {
  std::string path;  // after {gateway}/{provider}, starting with '/', query included
  std::vector<Header> headers;
  std::string body;
  std::vector<std::string> dropped;  // client fields this provider has no use for, left out (noted in the trace)
};

// What building a request needs to know besides the client's request and the model.
struct RequestContext {
  std::int64_t now_ms = 0;  // the time of the event that sends it: signatures are dated
  // The credentials a provider signed in the core signs with (Bedrock, SigV4); null when it is not
  // such a provider or the gateway signs (BYOK). Used to sign only: never written anywhere.
  const AwsCredentials* aws_credentials = nullptr;
};

// The client's top-level fields that are not in `handled`: what a translator leaves out.
template <std::size_t N>
std::vector<std::string> unhandled_fields(const json& body, const std::array<std::string_view, N>& handled) {
  std::vector<std::string> out;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (std::find(handled.begin(), handled.end(), it.key()) == handled.end()) out.push_back(it.key());
  }
  return out;
}

// Lists "tools.function.strict" as dropped when a tool sets it: providers without the switch hold
// calls to the declared schema as they see fit, and the client should know its flag went nowhere.
void list_dropped_tool_strict(const json& body, std::vector<std::string>& dropped);

// What a provider with one choice and no token steering cannot be asked without changing the
// answer: n other than 1, a non-empty logit_bias. Refused before any call, naming the provider;
// nullopt when the request asks for neither.
std::optional<Error> refuse_unmappable(const json& body, std::string_view provider);

// The tool_choice forms every block-API translator maps: a mode, or one named function.
struct ToolChoice {
  enum class Mode { Auto, None, Required, Function };
  Mode mode = Mode::Auto;
  std::string function_name;  // of Mode::Function
};

// Reads the client's tool_choice. A form OpenAI defines that `provider` cannot map (a mode other
// than auto, none and required; {type: allowed_tools}, {type: custom}, ...) is refused as
// unsupported_parameter, like any parameter a target cannot honour, so that the router tries
// another; what is no tool_choice at all (a number, a function without a name) is invalid_type.
Result<ToolChoice> read_tool_choice(const json& choice, std::string_view provider);

// Whether the request lets the model call tools but not several at once: parallel_tool_calls:false
// with tools offered and a tool_choice other than "none". Absent or true asks for nothing.
bool forbids_parallel_tool_calls(const json& body);

// For a provider that may call several tools at once and has no switch to stop it: a client that
// said "no parallel calls" may break on receiving two, which changes the answer's shape, so (as
// refuse_unmappable does) the request is refused before any call, naming the provider, and the
// router tries a target that can honour it. nullopt when the request does not forbid them.
std::optional<Error> refuse_parallel_tool_calls_off(const json& body, std::string_view provider);

// What a translated answer needs to know that the provider's answer does not say.
struct AnswerContext {
  std::int64_t now_ms = 0;  // for "created", when the provider gives no time
  std::string model;        // the model asked for: "model" of answers that do not name theirs
  std::string fallback_id{};  // "id" of answers that have none (OpenAI clients expect one), made by the call
};

// The id an answer or stream goes out with: the provider's own, or `fallback_id` when it gives
// none or an empty one.
inline const std::string& answer_id(const std::string* provided, const std::string& fallback_id) {
  return provided != nullptr && !provided->empty() ? *provided : fallback_id;
}

// A successful answer, already in OpenAI chat.completion form.
struct Answer {
  std::string body;  // what the client receives
  Usage usage;
  bool has_usage = false;
  std::string model;  // the model the provider says answered
};

// A translated answer: the completion written in OpenAI's form, with its usage beside it.
Answer translated_answer(const openai_format::Completion& completion);

// How an upstream error should be treated, as the provider describes it.
struct UpstreamError {
  std::string message;   // the provider's message, for the client and the trace
  std::string type;      // OpenAI error type to answer with
  std::string code;      // OpenAI-style code when the provider gives one
  std::optional<std::int64_t> retry_after_ms;
  bool context_length_exceeded = false;
  // The provider blames this target (its key, region or billing) whatever the status says: try
  // another target rather than answer the client with it.
  bool target_fault = false;
};

// The failures every translator can meet in an answer or a stream.
inline Error malformed_answer(std::string message) {
  return Error{ErrorKind::Upstream, 502, "upstream_error", "malformed_answer", std::move(message), {}};
}
inline UpstreamError malformed_stream() {
  return UpstreamError{"the provider sent a malformed stream event", "upstream_error", "malformed_stream", {}, false};
}
inline UpstreamError stream_event_too_large() {
  return UpstreamError{"the provider sent an event larger than llmroute accepts", "upstream_error", "stream_event_too_large", {}, false};
}

struct StreamOptions {
  bool include_usage = false;  // the client asked for a final usage chunk (stream_options.include_usage)
  std::int64_t now_ms = 0;     // for "created" in translated chunks
  std::string model;           // the model asked for: "model" of streams that do not name theirs
  std::string fallback_id{};   // "id" of every chunk of a stream whose provider gives none, made by the call
  // Members to add to the client's usage object, given the usage in it (llmroute's cost of it).
  std::function<std::string(const Usage&)> usage_members{};

  std::string usage_members_for(const Usage& usage) const { return usage_members ? usage_members(usage) : std::string(); }
};

// Turns a provider's stream into OpenAI chat.completion.chunk events, incrementally: bytes may
// arrive split at any boundary. The caller writes the final "data: [DONE]" and any error event;
// a translator writes only chunk events (and the usage chunk, when the client asked for it).
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;

  // Appends the client-side SSE bytes that `bytes` completes to `out`.
  virtual void feed(std::string_view bytes, std::string& out) = 0;

  // The upstream body ended: appends what is left to `out` (e.g. a usage chunk held back until the
  // end) and sets complete() when the provider's stream had really finished.
  virtual void finish(std::string& out) = 0;

  bool complete() const { return complete_; }                    // the provider said the answer is whole
  const std::optional<UpstreamError>& error() const { return error_; }  // an error the provider sent in the stream
  bool has_usage() const { return has_usage_; }
  const Usage& usage() const { return usage_; }

 protected:
  bool complete_ = false;
  std::optional<UpstreamError> error_;
  bool has_usage_ = false;
  Usage usage_;
};

// A translator of a provider that streams Server-Sent Events: decodes the bytes and hands each
// whole event to take(), until the answer is complete or failed.
class SseStreamTranslator : public StreamTranslator {
 public:
  void feed(std::string_view bytes, std::string& out) override;
  void finish(std::string& /*out*/) override {}

 protected:
  virtual void take(const SseEvent& event, std::string& out) = 0;
  // Whether events after this point still matter: by default, not once complete or failed.
  virtual bool wants_more() const { return !complete_ && !error_; }

 private:
  SseDecoder decoder_;
  std::vector<SseEvent> events_;
};

struct Provider {
  std::string_view name;        // gateway slug, e.g. "openai"
  std::string_view key_secret;  // Worker secret holding the provider key, e.g. "OPENAI_API_KEY"
  std::string_view key_header;  // header carrying the key; empty: requests are signed in the core instead
  std::string_view key_prefix;  // e.g. "Bearer "

  Result<ProviderRequest> (*build_request)(const ChatRequest& request, std::string_view model, const RequestContext& context);
  Result<Answer> (*parse_answer)(std::string_view body, const AnswerContext& context);
  // Reads an error answer: its status, its body, and the error class its head names, which only
  // Bedrock sends (x-amzn-errortype; its body holds just a message). Call through parse_error().
  UpstreamError (*read_error)(int status, std::string_view body, std::string_view error_type);
  std::unique_ptr<StreamTranslator> (*new_stream)(const StreamOptions& options);
  // Why `model` (the part after "provider/") can never be a target of this provider, or empty.
  // Checked when the config is loaded, so a bad target is a config problem, not a 500 later; null
  // when the provider takes any model name.
  std::string (*model_problem)(std::string_view model) = nullptr;

  UpstreamError parse_error(int status, std::string_view body, std::string_view error_type = {}) const {
    return read_error(status, body, error_type);
  }

  // Whether the core signs this provider's requests (with the environment's AWS credentials)
  // rather than the Worker putting a key in a header.
  bool signs_requests() const { return key_header.empty(); }
};

}  // namespace llmroute::providers
