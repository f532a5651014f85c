#include "providers/gemini/gemini.hpp"
#include "util/sse.hpp"

namespace llmroute::providers::gemini {

namespace {

// Gemini's stream (alt=sse): every event is a whole GenerateContentResponse holding only the new
// parts, with the usage so far; no [DONE]. The answer is whole when a candidate gave its
// finishReason and the body ended, so the finish chunk (and the usage chunk) are written at the
// end, when the last usage is known too.
class GeminiStream final : public SseStreamTranslator {
 public:
  explicit GeminiStream(const StreamOptions& options) : options_(options) {}

  void finish(std::string& out) override {
    if (error_ || finish_reason_.empty()) return;  // cut off before the model finished
    writer_.finish(out, finish_reason_);
    if (options_.include_usage && has_usage_) writer_.usage(out, usage_, options_.usage_members_for(usage_));
    complete_ = true;
  }

 private:
  // Usage may follow the chunk that finished the answer: only an error ends the reading.
  bool wants_more() const override { return !error_; }

  void take(const SseEvent& event, std::string& out) override {
    take_response(event, out);
    // Every chunk carries the usage so far; it is the answer's only once a candidate finished (a
    // stream cut before that is estimated, not priced at a running total without the completion).
    has_usage_ = usage_read_ && !finish_reason_.empty();
  }

  void take_response(const SseEvent& event, std::string& out) {
    json data;
    if (parse_json(event.data, data) != JsonParseStatus::Ok || !data.is_object()) {
      error_ = malformed_stream();
      return;
    }
    if (const json* error = find_object(data, "error")) {
      error_ = read_error(*error, static_cast<int>(find_int64(*error, "code").value_or(500)));
      return;
    }
    if (!writer_.started()) {
      const std::string* id = find_string(data, "responseId");
      const std::string* model = find_string(data, "modelVersion");
      writer_.start(answer_id(id, options_.fallback_id), model ? *model : "", options_.now_ms / 1000);
      writer_.delta(out, openai_format::role_delta());
    }
    if (const json* usage = find(data, "usageMetadata")) usage_read_ = read_usage(*usage, usage_) || usage_read_;

    const json* candidates = find_array(data, "candidates");
    if (candidates == nullptr || candidates->empty()) {
      const json* feedback = find_object(data, "promptFeedback");
      if (feedback != nullptr && find_string(*feedback, "blockReason") != nullptr) finish_reason_ = "content_filter";
      return;
    }
    const json& candidate = candidates->front();
    const json* content = find_object(candidate, "content");
    const json* parts = content ? find_array(*content, "parts") : nullptr;
    for (std::size_t i = 0; parts != nullptr && i < parts->size(); ++i) take_part((*parts)[i], out);
    if (const std::string* reason = find_string(candidate, "finishReason")) {
      const auto finish = finish_reason(*reason, tool_calls_ > 0);
      if (!finish) {
        error_ = UpstreamError{"the model failed to make the tool call it attempted (" + *reason + ")", "upstream_error", "failed_tool_call", {}, false};
        return;
      }
      finish_reason_ = *finish;
    }
  }

  void take_part(const json& part, std::string& out) {
    if (auto call = tool_call(part, tool_calls_)) {
      // Gemini sends each call whole: its name and id, then all its arguments.
      const int index = static_cast<int>(tool_calls_++);
      writer_.delta(out, openai_format::tool_call_start_delta(index, call->id, call->name));
      writer_.delta(out, openai_format::tool_call_arguments_delta(index, call->arguments));
      return;
    }
    const std::string* text = find_string(part, "text");
    if (text == nullptr || text->empty()) return;
    if (find_bool(part, "thought").value_or(false)) writer_.delta(out, openai_format::reasoning_delta(*text));
    else writer_.delta(out, openai_format::content_delta(*text));
  }

  StreamOptions options_;
  openai_format::ChunkWriter writer_;
  std::size_t tool_calls_ = 0;
  std::string finish_reason_;  // empty until a candidate says why it stopped
  bool usage_read_ = false;    // some chunk carried usageMetadata
};

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options) { return std::make_unique<GeminiStream>(options); }

}  // namespace llmroute::providers::gemini
