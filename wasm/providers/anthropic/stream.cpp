#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "model/openai_format.hpp"
#include "providers/anthropic/anthropic.hpp"
#include "util/json_scan.hpp"
#include "util/sse.hpp"

namespace llmroute::providers::anthropic {

namespace {

// Anthropic's named events -> OpenAI chunks. Content blocks are numbered by Anthropic; tool calls
// are numbered by us, in the order they start, as OpenAI clients expect.
class AnthropicStream final : public SseStreamTranslator {
 public:
  AnthropicStream(const StreamOptions& options, bool fast_path) : options_(options), fast_path_(fast_path) {}

 private:
  class BlockDeltaReader;

  void take(const SseEvent& event, std::string& out) override {
    if (event.event == "ping") return;
    if (!(fast_path_ && take_block_delta_event(event, out))) take_event(event, out);
  }

  // The fast path, below; false, with nothing written, for an event it leaves to take_event.
  bool take_block_delta_event(const SseEvent& event, std::string& out);

  void take_event(const SseEvent& event, std::string& out) {
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
      if (delta == nullptr) return;
      take_block_delta(find_string(*delta, "type"), find_string(*delta, "text"), find_string(*delta, "thinking"),
                       find_string(*delta, "partial_json"), find_int64(data, "index").value_or(-1), out);
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

  // A content_block_delta's delta, read by either path (the members absent or of another type null).
  void take_block_delta(const std::string* delta_type, const std::string* text, const std::string* thinking,
                        const std::string* partial_json, std::int64_t index, std::string& out) {
    if (delta_type == nullptr) return;
    ensure_started(out);
    if (*delta_type == "text_delta") {
      if (text != nullptr) writer_.delta(out, openai_format::content_delta(*text));
    } else if (*delta_type == "thinking_delta") {
      if (thinking != nullptr) writer_.delta(out, openai_format::reasoning_delta(*thinking));
    } else if (*delta_type == "input_json_delta") {
      auto it = tool_indexes_.find(index);
      if (it != tool_indexes_.end() && partial_json != nullptr && !partial_json->empty()) {
        writer_.delta(out, openai_format::tool_call_arguments_delta(it->second, *partial_json));
      }
    }
    // signature_delta: nothing for an OpenAI client.
  }

  // A stream must open with message_start; tolerate one that does not (with the role OpenAI
  // clients insist on in the first delta, as message_start would have given it).
  void ensure_started(std::string& out) {
    if (writer_.started()) return;
    writer_.start(options_.fallback_id, "", options_.now_ms / 1000);
    writer_.delta(out, openai_format::role_delta());
  }

  StreamOptions options_;
  bool fast_path_;
  openai_format::ChunkWriter writer_;
  std::map<std::int64_t, int> tool_indexes_;  // Anthropic block index -> OpenAI tool call index
  std::string stop_reason_ = "end_turn";
  bool started_with_usage_ = false;  // message_start gave the input counts
};

// Nearly every event of a stream is a content_block_delta: {"type","index","delta":{"type","text"
// (or "thinking", "partial_json")}}. This SAX handler, driven by scan_json, reads just those
// members, building no document (a full parse per event was most of the cost of an Anthropic
// stream). It stops at whatever it cannot read exactly as take_event does: another kind of event,
// a member it reads given twice (a parse keeps the last) or of an unexpected type. The event then
// goes through take_event (as it does when scan_json gives up), so the output never depends on
// what this reader covers.
class AnthropicStream::BlockDeltaReader {
 public:
  // Whether the whole event was read, as an object.
  bool read(std::string_view data) { return scan_json(data, *this) && read_root_; }

  std::optional<std::string> type;  // of the event
  std::optional<std::int64_t> index;
  bool has_delta = false;  // an object
  std::optional<std::string> delta_type, text, thinking, partial_json;

  // The SAX interface scan_json drives. Only the root and its delta are read; deeper values and
  // other members are skipped whole.
  bool start_object(std::size_t /*size*/) {
    if (skipping()) return skip();
    if (depth_ == 0) return enter();
    if (depth_ == 1 && slot_ == Slot::Delta) {
      has_delta = true;
      return enter();
    }
    return slot_ == Slot::Ignored ? skip() : false;
  }
  bool start_array(std::size_t /*size*/) {
    if (skipping()) return skip();
    return depth_ > 0 && slot_ == Slot::Ignored && skip();  // not as the root nor a member it reads
  }
  bool end_object() { return leave(); }
  bool end_array() { return leave(); }
  bool key(std::string& name) {
    if (skipping()) return true;
    slot_ = member_slot(name);
    if (slot_ == Slot::Ignored) return true;
    const auto bit = 1u << static_cast<unsigned>(slot_);
    if ((seen_ & bit) != 0) return false;  // given twice
    seen_ |= bit;
    return true;
  }
  bool string(std::string& value) {
    if (skipping()) return true;
    std::optional<std::string>* into = nullptr;
    switch (std::exchange(slot_, Slot::Ignored)) {
      case Slot::Type: into = &type; break;
      case Slot::DeltaType: into = &delta_type; break;
      case Slot::Text: into = &text; break;
      case Slot::Thinking: into = &thinking; break;
      case Slot::PartialJson: into = &partial_json; break;
      case Slot::Ignored: return depth_ > 0;
      default: return false;  // a string where the translator reads something else
    }
    into->emplace().swap(value);  // the scanner clears its buffer before reusing it
    // Another kind of event: the full parse reads it, so stop here rather than scan the rest.
    return into != &type || *type == "content_block_delta";
  }
  bool number_integer(std::int64_t value) {
    if (skipping()) return true;
    const Slot slot = std::exchange(slot_, Slot::Ignored);
    if (slot == Slot::Index) index = value;
    return depth_ > 0 && (slot == Slot::Index || slot == Slot::Ignored);
  }
  bool number_unsigned(std::uint64_t value) {
    if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return number_integer(static_cast<std::int64_t>(value));
    return scalar();  // as_int64 refuses it: left to the full parse unless skipped
  }
  bool boolean(bool /*value*/) { return scalar(); }
  bool null() { return scalar(); }

 private:
  // A member's slot indexes the `seen_` bits; the root's and the delta's slots differ, so one word
  // holds both objects' members.
  enum class Slot : std::uint8_t { Type, Index, Delta, DeltaType, Text, Thinking, PartialJson, Ignored };

  Slot member_slot(std::string_view name) const {
    if (depth_ == 1) {
      if (name == "type") return Slot::Type;
      if (name == "index") return Slot::Index;
      return name == "delta" ? Slot::Delta : Slot::Ignored;
    }
    if (name == "type") return Slot::DeltaType;
    if (name == "text") return Slot::Text;
    if (name == "thinking") return Slot::Thinking;
    return name == "partial_json" ? Slot::PartialJson : Slot::Ignored;
  }

  bool skipping() const { return ignored_depth_ > 0; }
  bool skip() {
    ++ignored_depth_;
    return true;
  }
  // A value the reader has no use for: fine where ignored, not in a member it reads nor as the root.
  bool scalar() { return skipping() || (depth_ > 0 && std::exchange(slot_, Slot::Ignored) == Slot::Ignored); }

  bool enter() {
    ++depth_;
    slot_ = Slot::Ignored;
    return true;
  }
  bool leave() {
    if (skipping()) {
      --ignored_depth_;
      return true;
    }
    if (--depth_ == 0) read_root_ = true;
    slot_ = Slot::Ignored;
    return true;
  }

  int depth_ = 0;          // 1 in the root, 2 in its delta
  int ignored_depth_ = 0;  // inside a skipped value: how deep
  std::uint32_t seen_ = 0;
  Slot slot_ = Slot::Ignored;
  bool read_root_ = false;
};

bool AnthropicStream::take_block_delta_event(const SseEvent& event, std::string& out) {
  BlockDeltaReader reader;
  if (!reader.read(event.data)) return false;
  // The event's kind as take_event finds it: its type, else the SSE event name.
  const std::string_view kind = reader.type ? std::string_view(*reader.type) : std::string_view(event.event);
  if (kind != "content_block_delta" || !reader.has_delta) return false;
  auto ptr = [](const std::optional<std::string>& s) { return s ? &*s : nullptr; };
  take_block_delta(ptr(reader.delta_type), ptr(reader.text), ptr(reader.thinking), ptr(reader.partial_json), reader.index.value_or(-1), out);
  return true;
}

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options) { return std::make_unique<AnthropicStream>(options, true); }

std::unique_ptr<StreamTranslator> new_full_parse_stream(const StreamOptions& options) { return std::make_unique<AnthropicStream>(options, false); }

}  // namespace llmroute::providers::anthropic
