#include <map>

#include "model/openai_format.hpp"
#include "providers/cohere/cohere.hpp"
#include "util/sse.hpp"

namespace llmroute::providers::cohere {

namespace {

// Cohere's named events -> OpenAI chunks. Every event's data repeats its name in "type"; the
// answer is whole at message-end (a "data: [DONE]" may follow and is ignored).
class CohereStream final : public SseStreamTranslator {
 public:
  explicit CohereStream(const StreamOptions& options) : options_(options) {}

 private:
  void take(const SseEvent& event, std::string& out) override {
    if (event.data == "[DONE]") return;
    json data;
    if (parse_json(event.data, data) != JsonParseStatus::Ok || !data.is_object()) {
      error_ = malformed_stream();
      return;
    }
    const std::string* type = find_string(data, "type");
    const std::string_view kind = type ? std::string_view(*type) : std::string_view(event.event);
    const json* delta = find_object(data, "delta");
    const json* message = delta ? find_object(*delta, "message") : nullptr;
    if (kind == "message-start") {
      const std::string* id = find_string(data, "id");
      writer_.start(answer_id(id, options_.fallback_id), options_.model, options_.now_ms / 1000);
      writer_.delta(out, openai_format::role_delta());
    } else if (kind == "content-start" || kind == "content-delta") {
      const json* content = message ? find_object(*message, "content") : nullptr;
      if (content == nullptr) return;
      ensure_started(out);
      if (const std::string* text = find_string(*content, "text"); text != nullptr && !text->empty()) {
        writer_.delta(out, openai_format::content_delta(*text));
      } else if (const std::string* thinking = find_string(*content, "thinking"); thinking != nullptr && !thinking->empty()) {
        writer_.delta(out, openai_format::reasoning_delta(*thinking));
      }
    } else if (kind == "tool-plan-delta") {
      // The plan before tool calls reads as the text an OpenAI model writes before its calls.
      const std::string* plan = message ? find_string(*message, "tool_plan") : nullptr;
      if (plan == nullptr || plan->empty()) return;
      ensure_started(out);
      writer_.delta(out, openai_format::content_delta(*plan));
    } else if (kind == "tool-call-start" || kind == "tool-call-delta") {
      const json* call = message ? find_object(*message, "tool_calls") : nullptr;
      const json* function = call ? find_object(*call, "function") : nullptr;
      if (function == nullptr) return;
      ensure_started(out);
      const std::int64_t cohere_index = find_int64(data, "index").value_or(-1);
      auto it = tool_indexes_.find(cohere_index);
      if (kind == "tool-call-start") {
        it = tool_indexes_.insert_or_assign(cohere_index, static_cast<int>(tool_indexes_.size())).first;
        const std::string* id = find_string(*call, "id");
        const std::string* name = find_string(*function, "name");
        writer_.delta(out, openai_format::tool_call_start_delta(it->second, id ? *id : "", name ? *name : ""));
      }
      const std::string* arguments = find_string(*function, "arguments");
      if (it != tool_indexes_.end() && arguments != nullptr && !arguments->empty()) {
        writer_.delta(out, openai_format::tool_call_arguments_delta(it->second, *arguments));
      }
    } else if (kind == "message-end") {
      const std::string* finish = delta ? find_string(*delta, "finish_reason") : nullptr;
      if (const json* usage = delta ? find(*delta, "usage") : nullptr) has_usage_ = read_usage(*usage, usage_);
      const Ending end = ending(finish ? *finish : "COMPLETE");
      if (end.failed) {
        error_ = UpstreamError{"cohere ended the answer with finish_reason " + *finish, "upstream_error", "answer_failed", {}, false};
        return;
      }
      ensure_started(out);
      writer_.finish(out, end.finish_reason);
      if (options_.include_usage && has_usage_) writer_.usage(out, usage_, options_.usage_members_for(usage_));
      complete_ = true;
    }
    // content-end, tool-call-end, citation-start/-end and debug events: nothing for an OpenAI client.
  }

  // A stream must open with message-start; tolerate one that does not.
  void ensure_started(std::string& out) {
    if (writer_.started()) return;
    writer_.start(options_.fallback_id, options_.model, options_.now_ms / 1000);
    writer_.delta(out, openai_format::role_delta());
  }

  StreamOptions options_;
  openai_format::ChunkWriter writer_;
  std::map<std::int64_t, int> tool_indexes_;  // Cohere tool call index -> OpenAI tool call index
};

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options) { return std::make_unique<CohereStream>(options); }

}  // namespace llmroute::providers::cohere
