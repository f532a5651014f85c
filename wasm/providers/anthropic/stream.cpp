#include <map>

#include "model/openai_format.hpp"
#include "providers/anthropic/anthropic.hpp"
#include "util/sse.hpp"

namespace llmroute::providers::anthropic {

namespace {

// Anthropic's named events -> OpenAI chunks. Content blocks are numbered by Anthropic; tool calls
// are numbered by us, in the order they start, as OpenAI clients expect.
class AnthropicStream final : public SseStreamTranslator {
 public:
  explicit AnthropicStream(const StreamOptions& options) : options_(options) {}

 private:
  void take(const SseEvent& event, std::string& out) override {
    if (event.event == "ping") return;
    json data;
    if (parse_json(event.data, data) != JsonParseStatus::Ok || !data.is_object()) {
      error_ = malformed_stream();
      return;
    }
    const std::string* type = find_string(data, "type");
    const std::string_view kind = type ? std::string_view(*type) : std::string_view(event.event);
    if (kind == "message_start") {
      const json* message = find_object(data, "message");
      const std::string* id = message ? find_string(*message, "id") : nullptr;
      const std::string* model = message ? find_string(*message, "model") : nullptr;
      writer_.start(answer_id(id, options_.fallback_id), model ? *model : "", options_.now_ms / 1000);
      // The input counts are final here, but output_tokens is provisional until message_delta: the
      // usage is not known (a stream cut before message_delta is estimated, not priced at 1 token).
      if (const json* usage = message ? find(*message, "usage") : nullptr) started_with_usage_ = read_usage(*usage, usage_);
      writer_.delta(out, openai_format::role_delta());
    } else if (kind == "content_block_start") {
      const json* block = find_object(data, "content_block");
      const std::string* block_type = block ? find_string(*block, "type") : nullptr;
      if (block_type != nullptr && *block_type == "tool_use") {
        const int tool_index = static_cast<int>(tool_indexes_.size());
        tool_indexes_[find_int64(data, "index").value_or(-1)] = tool_index;
        const std::string* id = find_string(*block, "id");
        const std::string* name = find_string(*block, "name");
        ensure_started(out);
        writer_.delta(out, openai_format::tool_call_start_delta(tool_index, id ? *id : "", name ? *name : ""));
      }
    } else if (kind == "content_block_delta") {
      const json* delta = find_object(data, "delta");
      const std::string* delta_type = delta ? find_string(*delta, "type") : nullptr;
      if (delta_type == nullptr) return;
      ensure_started(out);
      if (*delta_type == "text_delta") {
        if (const std::string* text = find_string(*delta, "text")) writer_.delta(out, openai_format::content_delta(*text));
      } else if (*delta_type == "thinking_delta") {
        if (const std::string* text = find_string(*delta, "thinking")) writer_.delta(out, openai_format::reasoning_delta(*text));
      } else if (*delta_type == "input_json_delta") {
        auto it = tool_indexes_.find(find_int64(data, "index").value_or(-1));
        const std::string* partial = find_string(*delta, "partial_json");
        if (it != tool_indexes_.end() && partial != nullptr && !partial->empty()) {
          writer_.delta(out, openai_format::tool_call_arguments_delta(it->second, *partial));
        }
      }
      // signature_delta: nothing for an OpenAI client.
    } else if (kind == "message_delta") {
      const json* delta = find_object(data, "delta");
      if (const std::string* stop = delta ? find_string(*delta, "stop_reason") : nullptr) stop_reason_ = *stop;
      if (const json* usage = find_object(data, "usage")) {
        // The final count of output tokens (newer answers repeat the input counts too).
        if (auto output = find_token_count(*usage, "output_tokens")) {
          usage_.completion_tokens = *output;
          has_usage_ = started_with_usage_ || has_usage_;
        }
        if (find_token_count(*usage, "input_tokens")) has_usage_ = read_usage(*usage, usage_) || has_usage_;
      }
    } else if (kind == "message_stop") {
      ensure_started(out);
      writer_.finish(out, finish_reason(stop_reason_));
      if (options_.include_usage && has_usage_) writer_.usage(out, usage_, options_.usage_members_for(usage_));
      complete_ = true;
    } else if (kind == "error") {
      UpstreamError e;
      if (const json* error = find_object(data, "error")) {
        if (const std::string* message = find_string(*error, "message")) e.message = *message;
        if (const std::string* code = find_string(*error, "type")) e.code = *code;
      }
      if (e.message.empty()) e.message = "the provider reported an error in the stream";
      e.type = "upstream_error";
      error_ = std::move(e);
    }
  }

  // A stream must open with message_start; tolerate one that does not (with the role OpenAI
  // clients insist on in the first delta, as message_start would have given it).
  void ensure_started(std::string& out) {
    if (writer_.started()) return;
    writer_.start(options_.fallback_id, "", options_.now_ms / 1000);
    writer_.delta(out, openai_format::role_delta());
  }

  StreamOptions options_;
  openai_format::ChunkWriter writer_;
  std::map<std::int64_t, int> tool_indexes_;  // Anthropic block index -> OpenAI tool call index
  std::string stop_reason_ = "end_turn";
  bool started_with_usage_ = false;  // message_start gave the input counts
};

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options) { return std::make_unique<AnthropicStream>(options); }

}  // namespace llmroute::providers::anthropic
