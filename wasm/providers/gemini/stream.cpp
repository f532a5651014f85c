#include <array>
#include <limits>
#include <utility>

#include "providers/gemini/gemini.hpp"
#include "util/json_scan.hpp"
#include "util/sse.hpp"

namespace llmroute::providers::gemini {

namespace {

// Gemini's stream (alt=sse): every event is a whole GenerateContentResponse holding only the new
// parts, with the usage so far; no [DONE]. The answer is whole when a candidate gave its
// finishReason and the body ended, so the finish chunk (and the usage chunk) are written at the
// end, when the last usage is known too.
class GeminiStream final : public SseStreamTranslator {
 public:
  GeminiStream(const StreamOptions& options, bool fast_path) : options_(options), fast_path_(fast_path) {}

  void finish(std::string& out) override {
    if (error_ || finish_reason_.empty()) return;  // cut off before the model finished
    writer_.finish(out, finish_reason_);
    if (options_.include_usage && has_usage_) writer_.usage(out, usage_, options_.usage_members_for(usage_));
    complete_ = true;
  }

 private:
  class TextEventReader;

  // Usage may follow the chunk that finished the answer: only an error ends the reading.
  bool wants_more() const override { return !error_; }

  void take(const SseEvent& event, std::string& out) override {
    // The first event starts the answer with its ids: it always gets the full parse.
    if (!(fast_path_ && writer_.started() && take_text_event(event.data, out))) take_response(event, out);
    // Every chunk carries the usage so far; it is the answer's only once a candidate finished (a
    // stream cut before that is estimated, not priced at a running total without the completion).
    has_usage_ = usage_read_ && !finish_reason_.empty();
  }

  // The fast path, below; false, with nothing written, for an event it leaves to take_response.
  bool take_text_event(std::string_view data, std::string& out);

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
    if (const std::string* reason = find_string(candidate, "finishReason")) take_finish_reason(*reason);
  }

  void take_part(const json& part, std::string& out) {
    if (auto call = tool_call(part, tool_calls_)) {
      // Gemini sends each call whole: its name and id, then all its arguments.
      const int index = static_cast<int>(tool_calls_++);
      writer_.delta(out, openai_format::tool_call_start_delta(index, call->id, call->name));
      writer_.delta(out, openai_format::tool_call_arguments_delta(index, call->arguments));
      return;
    }
    if (const std::string* text = find_string(part, "text")) take_text(*text, find_bool(part, "thought").value_or(false), out);
  }

  void take_text(std::string_view text, bool thought, std::string& out) {
    if (text.empty()) return;
    writer_.delta(out, thought ? openai_format::reasoning_delta(text) : openai_format::content_delta(text));
  }

  void take_finish_reason(const std::string& reason) {
    const auto finish = finish_reason(reason, tool_calls_ > 0);
    if (!finish) {
      error_ = UpstreamError{"the model failed to make the tool call it attempted (" + reason + ")", "upstream_error", "failed_tool_call", {}, false};
      return;
    }
    finish_reason_ = *finish;
  }

  StreamOptions options_;
  bool fast_path_;
  openai_format::ChunkWriter writer_;
  std::size_t tool_calls_ = 0;
  std::string finish_reason_;  // empty until a candidate says why it stopped
  bool usage_read_ = false;    // some chunk carried usageMetadata
};

// Nearly every event of a stream is text parts of the first candidate, perhaps its finishReason,
// and the running usageMetadata. This SAX handler, driven by scan_json, reads just those, building
// no document (a full parse per event was most of the cost of a Gemini stream), and writes the
// text deltas as take_response would. It stops at whatever it cannot read exactly as
// take_response does: an error, a functionCall, no candidates, a member it reads given twice (a
// parse keeps the last) or of an unexpected type. The event then goes through take_response (as
// it does when scan_json gives up), so the output never depends on what this reader covers.
class GeminiStream::TextEventReader {
 public:
  TextEventReader(GeminiStream& stream, std::string& out) : stream_(stream), out_(out) {}

  // Whether the whole event was read; `finish_reason` and `usage` are then what it held.
  bool read(std::string_view data) { return scan_json(data, *this) && has_candidate_; }

  std::optional<std::string> finish_reason;
  std::optional<UsageCounts> usage;

  // The SAX interface scan_json drives. A value's meaning comes from where it is: the member or
  // array element it is (its slot), inside the containers on the path.
  bool start_object(std::size_t /*size*/) {
    switch (take_slot()) {
      case Slot::Root: return enter(In::Root);
      case Slot::Candidate: return enter(In::Candidate);
      case Slot::Content: return enter(In::Content);
      case Slot::Part: part_text_.reset(); part_thought_ = false; return enter(In::Part);
      case Slot::Usage: usage.emplace(); has_prompt_ = false; return enter(In::Usage);
      case Slot::Ignored: ++ignored_depth_; return true;
      default: return false;
    }
  }
  bool start_array(std::size_t /*size*/) {
    switch (take_slot()) {
      case Slot::Candidates: return enter(In::Candidates);
      case Slot::Parts: return enter(In::Parts);
      case Slot::Ignored: ++ignored_depth_; return true;
      default: return false;
    }
  }
  bool end_object() { return leave(); }
  bool end_array() { return leave(); }
  bool key(std::string& name) {
    if (ignored_depth_ > 0) return true;
    slot_ = member_slot(path_[depth_ - 1], name);
    if (slot_ == Slot::Unreadable) return false;
    if (slot_ == Slot::Ignored) return true;
    const auto bit = 1u << static_cast<unsigned>(slot_);
    if ((seen_[depth_ - 1] & bit) != 0) return false;  // given twice
    seen_[depth_ - 1] |= bit;
    return true;
  }
  bool string(std::string& value) {
    const Slot slot = take_slot();
    if (slot == Slot::Text) part_text_ = value;
    else if (slot == Slot::FinishReason) finish_reason = value;
    else return slot == Slot::Ignored;  // a string where the translator reads something else
    return true;
  }
  bool boolean(bool value) {
    const Slot slot = take_slot();
    if (slot == Slot::Thought) part_thought_ = value;
    else return slot == Slot::Ignored;
    return true;
  }
  bool number_integer(std::int64_t value) { return count(value); }
  bool number_unsigned(std::uint64_t value) {
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return take_slot() == Slot::Ignored;
    return count(static_cast<std::int64_t>(value));
  }
  bool null() { return take_slot() == Slot::Ignored; }

 private:
  // The containers read into; everything else is skipped whole.
  enum class In : std::uint8_t { Root, Candidates, Candidate, Content, Parts, Part, Usage };
  // What the next value is to the translator. A member's slot indexes the `seen_` bits of its object.
  enum class Slot : std::uint8_t {
    Candidates, Usage,  // members of the root
    Content, FinishReason,  // of the first candidate
    Parts,  // of its content
    Text, Thought,  // of a part
    PromptTokens, CandidatesTokens, ThoughtsTokens, ToolUsePromptTokens, CachedContentTokens,  // of the usageMetadata
    Root, Candidate, Part, Ignored, Unreadable,
  };

  static Slot member_slot(In in, std::string_view name) {
    switch (in) {
      case In::Root:
        if (name == "candidates") return Slot::Candidates;
        if (name == "usageMetadata") return Slot::Usage;
        return name == "error" ? Slot::Unreadable : Slot::Ignored;  // the full parse reports errors
      case In::Candidate:
        if (name == "content") return Slot::Content;
        return name == "finishReason" ? Slot::FinishReason : Slot::Ignored;
      case In::Content: return name == "parts" ? Slot::Parts : Slot::Ignored;
      case In::Part:
        if (name == "text") return Slot::Text;
        if (name == "thought") return Slot::Thought;
        return name == "functionCall" ? Slot::Unreadable : Slot::Ignored;  // tool calls take the full parse
      case In::Usage:
        if (name == "promptTokenCount") return Slot::PromptTokens;
        if (name == "candidatesTokenCount") return Slot::CandidatesTokens;
        if (name == "thoughtsTokenCount") return Slot::ThoughtsTokens;
        if (name == "toolUsePromptTokenCount") return Slot::ToolUsePromptTokens;
        return name == "cachedContentTokenCount" ? Slot::CachedContentTokens : Slot::Ignored;
      default: return Slot::Ignored;
    }
  }

  // The slot of the value starting now, consumed: an object member's was set by key(); an array
  // element's is its position's (only the first candidate is read).
  Slot take_slot() {
    if (ignored_depth_ > 0) return Slot::Ignored;
    if (depth_ == 0) return Slot::Root;
    switch (path_[depth_ - 1]) {
      case In::Candidates: return std::exchange(has_candidate_, true) ? Slot::Ignored : Slot::Candidate;
      case In::Parts: return Slot::Part;
      default: return std::exchange(slot_, Slot::Ignored);
    }
  }

  bool count(std::int64_t value) {
    const Slot slot = take_slot();
    if (slot == Slot::Ignored) return true;
    if (slot < Slot::PromptTokens || slot > Slot::CachedContentTokens) return false;
    const std::int64_t tokens = clamp_token_count(value);
    switch (slot) {
      case Slot::PromptTokens: usage->prompt = tokens; has_prompt_ = true; break;
      case Slot::CandidatesTokens: usage->candidates = tokens; break;
      case Slot::ThoughtsTokens: usage->thoughts = tokens; break;
      case Slot::ToolUsePromptTokens: usage->tool_use_prompt = tokens; break;
      default: usage->cached_content = tokens; break;
    }
    return true;
  }

  bool enter(In in) {
    if (depth_ == kMaxDepth) return false;
    path_[depth_] = in;
    seen_[depth_] = 0;
    ++depth_;
    return true;
  }

  bool leave() {
    if (ignored_depth_ > 0) {
      --ignored_depth_;
      return true;
    }
    const In in = path_[--depth_];
    if (in == In::Part && part_text_) stream_.take_text(*part_text_, part_thought_, out_);
    if (in == In::Usage && !has_prompt_) usage.reset();  // read_usage refuses it: the last usage stands
    return true;
  }

  static constexpr int kMaxDepth = 6;  // root, candidates, candidate, content, parts, part
  GeminiStream& stream_;
  std::string& out_;
  std::array<In, kMaxDepth> path_{};
  std::array<std::uint32_t, kMaxDepth> seen_{};  // of objects: the members already read, by slot bit
  int depth_ = 0;
  int ignored_depth_ = 0;  // inside a skipped value: how deep
  Slot slot_ = Slot::Ignored;
  bool has_candidate_ = false;  // the first element of candidates came (an object, or the reading stopped)
  bool has_prompt_ = false;
  std::optional<std::string> part_text_;
  bool part_thought_ = false;
};

bool GeminiStream::take_text_event(std::string_view data, std::string& out) {
  const std::size_t written = out.size();
  TextEventReader reader(*this, out);
  if (!reader.read(data)) {
    out.resize(written);  // whatever the reader wrote goes again through take_response
    return false;
  }
  if (reader.usage) {
    set_usage(*reader.usage, usage_);
    usage_read_ = true;
  }
  if (reader.finish_reason) take_finish_reason(*reader.finish_reason);
  return true;
}

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options) { return std::make_unique<GeminiStream>(options, true); }

std::unique_ptr<StreamTranslator> new_full_parse_stream(const StreamOptions& options) { return std::make_unique<GeminiStream>(options, false); }

}  // namespace llmroute::providers::gemini
