#include <map>

#include "model/openai_format.hpp"
#include "providers/bedrock/bedrock.hpp"
#include "util/aws_eventstream.hpp"

namespace llmroute::providers::bedrock {

namespace {

// Bedrock's binary event stream -> OpenAI chunks. Events arrive as messageStart, per block
// contentBlockStart (tool use only), contentBlockDelta*, contentBlockStop, then messageStop and
// metadata (usage), the last two in either order. The answer is whole at messageStop; the usage
// chunk follows once both are in.
class BedrockStream final : public StreamTranslator {
 public:
  explicit BedrockStream(const StreamOptions& options) : options_(options) {}

  void feed(std::string_view bytes, std::string& out) override {
    messages_.clear();
    const bool intact = decoder_.feed(bytes, messages_);
    for (const EventStreamMessage& message : messages_) {
      if (error_ || (complete_ && has_usage_)) return;
      take(message, out);
    }
    if (!intact && !error_ && !complete_) {
      error_ = UpstreamError{"the provider's event stream is corrupt: " + std::string(decoder_.problem()), "upstream_error",
                             "malformed_stream", {}, false};
    }
  }

  void finish(std::string& /*out*/) override {}

 private:
  void take(const EventStreamMessage& message, std::string& out) {
    const std::string* message_type = message.header(":message-type");
    if (message_type != nullptr && *message_type == "exception") return fail_with_exception(message);
    if (message_type != nullptr && *message_type == "error") {
      // The protocol's own errors carry their code and message in headers, not in the payload.
      const std::string* code = message.header(":error-code");
      const std::string* text = message.header(":error-message");
      error_ = UpstreamError{text ? *text : "the provider reported an error in the stream", "upstream_error", code ? *code : "", {}, false};
      return;
    }
    const std::string* event_type = message.header(":event-type");
    if (event_type == nullptr) return;
    json data;
    if (parse_json(message.payload, data) != JsonParseStatus::Ok || !data.is_object()) {
      error_ = malformed_stream();
      return;
    }
    const std::string& kind = *event_type;
    if (complete_ && kind != "metadata") return;
    if (kind == "messageStart") {
      ensure_started(out);
    } else if (kind == "contentBlockStart") {
      const json* start = find_object(data, "start");
      const json* tool_use = start ? find_object(*start, "toolUse") : nullptr;
      if (tool_use == nullptr) return;
      ensure_started(out);
      const int tool_index = static_cast<int>(tool_indexes_.size());
      tool_indexes_[find_int64(data, "contentBlockIndex").value_or(-1)] = tool_index;
      const std::string* id = find_string(*tool_use, "toolUseId");
      const std::string* name = find_string(*tool_use, "name");
      writer_.delta(out, openai_format::tool_call_start_delta(tool_index, id ? *id : "", name ? *name : ""));
    } else if (kind == "contentBlockDelta") {
      const json* delta = find_object(data, "delta");
      if (delta == nullptr) return;
      ensure_started(out);
      if (const std::string* text = find_string(*delta, "text"); text != nullptr && !text->empty()) {
        writer_.delta(out, openai_format::content_delta(*text));
      } else if (const json* tool_use = find_object(*delta, "toolUse")) {
        auto it = tool_indexes_.find(find_int64(data, "contentBlockIndex").value_or(-1));
        const std::string* input = find_string(*tool_use, "input");
        if (it != tool_indexes_.end() && input != nullptr && !input->empty()) {
          writer_.delta(out, openai_format::tool_call_arguments_delta(it->second, *input));
        }
      } else if (const json* reasoning = find_object(*delta, "reasoningContent")) {
        // Its signature and redacted content mean nothing to an OpenAI client.
        if (const std::string* thinking = find_string(*reasoning, "text"); thinking != nullptr && !thinking->empty()) {
          writer_.delta(out, openai_format::reasoning_delta(*thinking));
        }
      }
    } else if (kind == "messageStop") {
      const std::string* stop = find_string(data, "stopReason");
      const Ending end = ending(stop ? *stop : "end_turn");
      if (end.failed) {
        error_ = UpstreamError{"bedrock ended the answer with stopReason " + *stop, "upstream_error", "answer_failed", {}, false};
        return;
      }
      ensure_started(out);
      writer_.finish(out, end.finish_reason);
      complete_ = true;
      if (has_usage_ && options_.include_usage) writer_.usage(out, usage_, options_.usage_members_for(usage_));
    } else if (kind == "metadata") {
      const json* usage = find(data, "usage");
      if (usage == nullptr || !read_usage(*usage, usage_)) return;
      has_usage_ = true;
      if (complete_ && options_.include_usage) writer_.usage(out, usage_, options_.usage_members_for(usage_));
    }
    // contentBlockStop: nothing for an OpenAI client.
  }

  // :exception-type names the class (ThrottlingException, ModelStreamErrorException, ...); the
  // payload holds {"message"}.
  void fail_with_exception(const EventStreamMessage& message) {
    UpstreamError e;
    json data;
    if (parse_json(message.payload, data) == JsonParseStatus::Ok) {
      if (const std::string* text = find_string(data, "message")) e.message = *text;
    }
    if (e.message.empty()) e.message = "the provider reported an error in the stream";
    if (const std::string* type = message.header(":exception-type")) e.code = *type;
    e.type = "upstream_error";
    error_ = std::move(e);
  }

  // A stream should open with messageStart; tolerate one that does not.
  void ensure_started(std::string& out) {
    if (writer_.started()) return;
    writer_.start(options_.fallback_id, options_.model, options_.now_ms / 1000);  // Bedrock gives the stream no id
    writer_.delta(out, openai_format::role_delta());
  }

  StreamOptions options_;
  EventStreamDecoder decoder_;
  std::vector<EventStreamMessage> messages_;
  openai_format::ChunkWriter writer_;
  std::map<std::int64_t, int> tool_indexes_;  // Bedrock content block index -> OpenAI tool call index
};

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options) { return std::make_unique<BedrockStream>(options); }

}  // namespace llmroute::providers::bedrock
