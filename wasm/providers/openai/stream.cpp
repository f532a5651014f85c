#include "providers/openai/openai.hpp"
#include "util/sse.hpp"

namespace llmroute::providers::openai {

namespace {

// OpenAI's own stream is already what the client wants: events are re-framed as they come, and
// only read when they may carry usage or an error.
class OpenAiStream final : public StreamTranslator {
 public:
  explicit OpenAiStream(const StreamOptions& options) : include_usage_(options.include_usage) {}

  void feed(std::string_view bytes, std::string& out) override {
    events_.clear();
    if (!decoder_.feed(bytes, events_)) {
      error_ = stream_event_too_large();
    }
    for (const SseEvent& event : events_) take(event, out);
  }

  void finish(std::string& /*out*/) override {}

 private:
  void take(const SseEvent& event, std::string& out) {
    if (complete_ || error_) return;
    if (event.data == "[DONE]") {
      complete_ = true;
      return;
    }
    const bool maybe_usage = event.data.find("\"usage\"") != std::string::npos;
    const bool maybe_error = event.data.find("\"error\"") != std::string::npos;
    bool usage_only = false;
    if (maybe_usage || maybe_error) {
      json chunk;
      if (parse_json(event.data, chunk) != JsonParseStatus::Ok || !chunk.is_object()) {
        error_ = malformed_stream();
        return;
      }
      if (const json* error = find_object(chunk, "error")) {
        UpstreamError e;
        if (const std::string* message = find_string(*error, "message")) e.message = *message;
        if (e.message.empty()) e.message = "the provider reported an error in the stream";
        e.type = "upstream_error";
        if (const std::string* code = find_string(*error, "code")) e.code = *code;
        error_ = std::move(e);
        return;
      }
      if (const json* usage = find_object(chunk, "usage")) {
        has_usage_ = read_usage(*usage, usage_) || has_usage_;
        const json* choices = find_array(chunk, "choices");
        usage_only = choices == nullptr || choices->empty();
      }
    }
    if (usage_only && !include_usage_) return;  // we asked for it, the client did not
    out.append("data: ").append(event.data).append("\n\n");
  }

  bool include_usage_;
  SseDecoder decoder_;
  std::vector<SseEvent> events_;
};

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options) { return std::make_unique<OpenAiStream>(options); }

}  // namespace llmroute::providers::openai
