#include <map>
#include <set>

#include "model/openai_format.hpp"
#include "providers/openai/openai.hpp"
#include "util/json_text.hpp"
#include "util/sse.hpp"

namespace llmroute::providers::openai {

namespace {

// Whether a "usage" member may hold counts. llmroute always asks for usage, so OpenAI writes
// "usage":null into every chunk but the last: those need no parse (a full parse per chunk was
// most of the cost of relaying a stream). False positives only cost a parse.
bool may_carry_usage(std::string_view data) {
  constexpr std::string_view kKey = "\"usage\"";
  for (auto at = data.find(kKey); at != std::string_view::npos; at = data.find(kKey, at + kKey.size())) {
    std::size_t i = at + kKey.size();
    auto skip_space = [&] { while (i < data.size() && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) ++i; };
    skip_space();
    if (i >= data.size() || data[i] != ':') return true;
    ++i;
    skip_space();
    if (data.substr(i, 4) != "null") return true;
  }
  return false;
}

// OpenAI's own stream is already what the client wants: events are re-framed as they come, and
// only read when they may carry usage or an error. Each is still checked to be one JSON object in
// UTF-8 (a syntax check, no document is built): what the client gets must be a chunk, whatever
// broken bytes a proxy or a truncation put in the stream.
class VerbatimStream final : public SseStreamTranslator {
 public:
  explicit VerbatimStream(const StreamOptions& options) : options_(options) {}

 private:
  void take(const SseEvent& event, std::string& out) override {
    if (event.data == "[DONE]") {
      complete_ = true;
      return;
    }
    const auto first = event.data.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || event.data[first] != '{' || !is_json_text(event.data)) {
      error_ = malformed_stream();
      return;
    }
    // The "usage":null OpenAI writes on every chunk but the last is not relayed to a client that
    // did not ask for usage.
    constexpr std::string_view kNullUsage = ",\"usage\":null";
    const std::size_t null_usage = options_.include_usage ? std::string::npos : event.data.find(kNullUsage);
    const bool maybe_usage = may_carry_usage(event.data);
    const bool maybe_error = event.data.find("\"error\"") != std::string::npos;
    bool usage_only = false;
    bool usage_read = false;
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
        usage_read = read_usage(*usage, usage_);
        has_usage_ = usage_read || has_usage_;
        const json* choices = find_array(chunk, "choices");
        usage_only = choices == nullptr || choices->empty();
      }
    }
    if (usage_only && !options_.include_usage) return;  // we asked for it, the client did not
    if (usage_read && options_.usage_members) {
      // The one place the relayed stream is edited: the usage object gains llmroute's cost.
      std::string data = event.data;
      if (append_to_member_object(data, "usage", options_.usage_members_for(usage_))) return append_sse_event(out, data);
    }
    if (null_usage != std::string::npos && !options_.include_usage) {
      // The client did not ask for usage, so it gets no trace of it (a quote cannot occur unescaped
      // inside a JSON string, so this text is the member itself).
      std::string data = event.data;
      data.erase(null_usage, kNullUsage.size());
      return append_sse_event(out, data);
    }
    append_sse_event(out, event.data);  // verbatim, as many data lines as it came with
  }

  StreamOptions options_;
};

// The other dialects: every chunk is read and rewritten as OpenAI would have written it. Usage,
// wherever the provider puts it (its own chunk, the finish chunk, x_groq, every chunk), is taken
// out and written once in OpenAI's usage chunk, when the client asked for one.
class DialectStream final : public SseStreamTranslator {
 public:
  DialectStream(const StreamOptions& options, const Dialect& dialect) : options_(options), dialect_(dialect) {}

 private:
  struct SentToolCall {
    std::string id;
    std::string name;
  };

  void take(const SseEvent& event, std::string& out) override {
    if (event.data == "[DONE]") return end(out);
    json chunk;
    if (parse_json(event.data, chunk) != JsonParseStatus::Ok || !chunk.is_object()) {
      error_ = malformed_stream();
      return;
    }
    take_usage(chunk);
    if (const json* error = find(chunk, "error"); error != nullptr && !error->is_null()) {
      // OpenRouter: an upstream failure after the stream began, under HTTP 200 (usage beside it).
      UpstreamError e = parse_error(502, event.data);
      e.type = "upstream_error";
      error_ = std::move(e);
      return;
    }
    if (dialect_.workers_ai_native && !chunk.contains("choices")) return take_native(chunk, out);
    take_chunk(chunk, out);
  }

  void take_usage(json& chunk) {
    json* usage = nullptr;
    if (auto it = chunk.find("usage"); it != chunk.end() && it->is_object()) usage = &*it;
    auto groq = chunk.find("x_groq");
    if (groq != chunk.end() && groq->is_object()) {
      if (auto it = groq->find("usage"); it != groq->end() && it->is_object()) usage = &*it;
    }
    Usage read;
    if (usage != nullptr && read_usage(*usage, read, dialect_)) {
      // Perplexity repeats the running totals in every chunk: the last one counts, and it is the
      // answer's usage only once the answer is finished (a finish_reason, a chunk of usage alone,
      // or [DONE]). A stream cut before that has none, and is priced as an estimate.
      write_usage(*usage, read);
      usage_ = read;
      usage_seen_ = true;
      has_usage_ = has_usage_ || finishes(chunk);
      usage_json_ = to_json_text(*usage);
    }
    chunk.erase("usage");
    if (groq != chunk.end() && groq->is_object()) groq->erase("usage");
  }

  // Whether `chunk` ends the answer: no choices (a usage chunk, Workers AI's last) or a choice
  // with a finish_reason.
  static bool finishes(const json& chunk) {
    const json* choices = find_array(chunk, "choices");
    if (choices == nullptr || choices->empty()) return true;
    for (const json& choice : *choices) {
      if (const json* reason = find(choice, "finish_reason"); reason != nullptr && !reason->is_null()) return true;
    }
    return false;
  }

  void take_chunk(json& chunk, std::string& out) {
    auto choices = chunk.find("choices");
    // No choices: Azure's prompt-filter annotations, or a usage-only chunk (ours to write).
    if (choices == chunk.end() || !choices->is_array() || choices->empty()) return;
    if (!writer_.started()) {
      const std::string* id = find_string(chunk, "id");
      const std::string* model = find_string(chunk, "model");
      writer_.start(answer_id(id, options_.fallback_id), model ? *model : "", find_int64(chunk, "created").value_or(options_.now_ms / 1000));
      id_ = openai_format::clip_id(answer_id(id, options_.fallback_id));  // repeated in every chunk that leaves them out
      model_ = openai_format::clip_id(model ? *model : "");
    }
    const std::string* object = find_string(chunk, "object");
    const bool last = object != nullptr && *object == "chat.completion.done";  // Perplexity's final chunk
    chunk["object"] = "chat.completion.chunk";
    if (const std::string* id = find_string(chunk, "id"); id == nullptr || id->empty()) chunk["id"] = id_;
    if (!chunk.contains("created")) chunk["created"] = options_.now_ms / 1000;
    if (!chunk.contains("model")) chunk["model"] = model_;
    chunk.erase("p");  // Mistral's random padding

    std::int64_t position = 0;
    for (json& choice : *choices) {
      if (!choice.is_object()) {
        error_ = malformed_stream();
        return;
      }
      if (!choice.contains("index")) choice["index"] = position;
      ++position;
      const std::int64_t choice_index = find_int64(choice, "index").value_or(0);
      json& delta = choice["delta"];
      if (!delta.is_object()) delta = json::object();
      // OpenAI names the role in a choice's first delta, and clients insist (Workers AI leaves it out).
      if (started_choices_.insert(choice_index).second && !delta.contains("role")) delta["role"] = "assistant";
      if (auto calls = delta.find("tool_calls"); calls != delta.end() && calls->is_array()) {
        std::int64_t call_position = 0;
        for (json& call : *calls) take_tool_call(call, choice_index, call_position++);
      }
      json& reason = choice["finish_reason"];  // null until the last chunk, as OpenAI writes it
      if (const std::string* text = reason.get_ptr<const std::string*>()) {
        const auto mapped = finish_reason(*text);
        if (!mapped) {
          error_ = UpstreamError{std::string(dialect_.provider) + " ended the stream with finish_reason '" + *text + "'",
                                 "upstream_error", "provider_error", {}, false};
          return;
        }
        reason = std::string(*mapped);
        finished_ = true;
      }
    }
    out.append("data: ").append(to_json_text(chunk)).append("\n\n");
    if (last) end(out);
  }

  // Normalises one tool-call fragment. OpenRouter repeats the id and name in every fragment of a
  // call; OpenAI names them once, and clients that join fragments would double the name.
  void take_tool_call(json& call, std::int64_t choice_index, std::int64_t position) {
    if (!call.is_object()) return;
    if (!call.contains("index")) call["index"] = position;
    normalize_tool_call(call);
    tool_calls_seen_ = true;
    const std::string* id = find_string(call, "id");
    if (id == nullptr) return;
    const json* function = find_object(call, "function");
    const std::string* name = function ? find_string(*function, "name") : nullptr;
    SentToolCall& sent = sent_tool_calls_[{choice_index, find_int64(call, "index").value_or(position)}];
    if (*id != sent.id) {
      sent = {*id, name ? *name : ""};
      return;
    }
    const bool same_name = name != nullptr && *name == sent.name;
    call.erase("id");
    call.erase("type");
    if (same_name) call["function"].erase("name");
  }

  // Workers AI's own stream: {"response": "..."} tokens, {"tool_calls": [{name, arguments}]}, and
  // a last {"response": "", "usage": {...}} (already read).
  void take_native(const json& event, std::string& out) {
    if (!writer_.started()) {
      writer_.start(options_.fallback_id, "", options_.now_ms / 1000);
      writer_.delta(out, openai_format::role_delta());
    }
    if (const std::string* text = find_string(event, "response"); text != nullptr && !text->empty()) {
      writer_.delta(out, openai_format::content_delta(*text));
    }
    const json* calls = find_array(event, "tool_calls");
    for (std::size_t i = 0; calls != nullptr && i < calls->size(); ++i) {
      const json& call = (*calls)[i];
      const std::string* name = find_string(call, "name");
      if (name == nullptr) continue;
      const int index = native_tool_calls_++;
      const std::string* id = find_string(call, "id");
      writer_.delta(out, openai_format::tool_call_start_delta(index, id ? *id : "call_" + std::to_string(index), *name));
      const json* arguments = find(call, "arguments");
      const std::string text = arguments == nullptr ? "{}" : arguments->is_string() ? arguments->get<std::string>() : to_json_text(*arguments);
      if (!text.empty()) writer_.delta(out, openai_format::tool_call_arguments_delta(index, text));
      tool_calls_seen_ = true;
    }
  }

  void end(std::string& out) {
    // OpenRouter (as recorded) and Workers AI's own form can end without any finish_reason, which
    // OpenAI clients refuse: say how the answer ended.
    if (writer_.started() && !finished_) writer_.finish(out, tool_calls_seen_ ? "tool_calls" : "stop");
    has_usage_ = has_usage_ || usage_seen_;  // OpenRouter (as recorded) puts its usage on a chunk without a finish_reason
    if (options_.include_usage && has_usage_) writer_.usage(out, usage_json_, options_.usage_members_for(usage_));
    complete_ = true;
  }

  StreamOptions options_;
  const Dialect& dialect_;
  openai_format::ChunkWriter writer_;
  std::string id_, model_;  // of the first chunk, for chunks that leave them out
  std::string usage_json_;  // the provider's usage object, in our convention
  bool usage_seen_ = false;  // a usage object came, perhaps a running total of an unfinished answer
  std::map<std::pair<std::int64_t, std::int64_t>, SentToolCall> sent_tool_calls_;  // (choice, tool index) -> first fragment
  std::set<std::int64_t> started_choices_;  // choices whose first delta went out
  int native_tool_calls_ = 0;
  bool finished_ = false;
  bool tool_calls_seen_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> new_stream(const StreamOptions& options, const Dialect& dialect) {
  if (dialect.verbatim) return std::make_unique<VerbatimStream>(options);
  return std::make_unique<DialectStream>(options, dialect);
}

}  // namespace llmroute::providers::openai
