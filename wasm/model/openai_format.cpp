#include "model/openai_format.hpp"

#include "util/json_access.hpp"
#include "util/json_text.hpp"

namespace llmroute::openai_format {

namespace {

void append_int(std::string& out, std::int64_t value) { out += std::to_string(value); }

}  // namespace

std::string usage_json(const Usage& u) {
  std::string out = "{\"prompt_tokens\":";
  append_int(out, u.prompt_tokens);
  out += ",\"completion_tokens\":";
  append_int(out, u.completion_tokens);
  out += ",\"total_tokens\":";
  append_int(out, u.prompt_tokens + u.completion_tokens);
  out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
  append_int(out, u.cached_prompt_tokens);
  out += ",\"cache_write_tokens\":";
  append_int(out, u.cache_write_prompt_tokens);
  out += "},\"completion_tokens_details\":{\"reasoning_tokens\":";
  append_int(out, u.reasoning_tokens);
  out += "}}";
  return out;
}

std::string completion_json(const Completion& c) {
  std::string out = "{\"id\":";
  append_json_string(out, c.id);
  out += ",\"object\":\"chat.completion\",\"created\":";
  append_int(out, c.created_s);
  out += ",\"model\":";
  append_json_string(out, c.model);
  out += ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
  if (c.has_content) append_json_string(out, c.content);
  else out += "null";
  if (!c.reasoning.empty()) {
    out += ",\"reasoning_content\":";
    append_json_string(out, c.reasoning);
  }
  if (!c.tool_calls.empty()) {
    out += ",\"tool_calls\":[";
    for (std::size_t i = 0; i < c.tool_calls.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"id\":";
      append_json_string(out, c.tool_calls[i].id);
      out += ",\"type\":\"function\",\"function\":{\"name\":";
      append_json_string(out, c.tool_calls[i].name);
      out += ",\"arguments\":";
      append_json_string(out, c.tool_calls[i].arguments);
      out += "}}";
    }
    out += ']';
  }
  out += "},\"logprobs\":null,\"finish_reason\":";
  append_json_string(out, c.finish_reason);
  out += "}]";
  if (c.has_usage) out += ",\"usage\":" + usage_json(c.usage);
  out += '}';
  return out;
}

std::string_view clip_id(std::string_view text) {
  if (text.size() <= kMaxIdBytes) return text;
  std::size_t end = kMaxIdBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0u) == 0x80u) --end;  // not inside a character
  return text.substr(0, end);
}

void ChunkWriter::start(std::string id, std::string model, std::int64_t created_s) {
  prefix_ = "data: {\"id\":";
  append_json_string(prefix_, clip_id(id));
  prefix_ += ",\"object\":\"chat.completion.chunk\",\"created\":";
  append_int(prefix_, created_s);
  prefix_ += ",\"model\":";
  append_json_string(prefix_, clip_id(model));
  prefix_ += ",\"choices\":[";
  started_ = true;
}

void ChunkWriter::open(std::string& out) { out += prefix_; }

void ChunkWriter::delta(std::string& out, std::string_view delta_json) {
  open(out);
  out += "{\"index\":0,\"delta\":";
  out += delta_json;
  out += ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
}

void ChunkWriter::finish(std::string& out, std::string_view finish_reason) {
  open(out);
  out += "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":";
  append_json_string(out, finish_reason);
  out += "}]}\n\n";
}

void ChunkWriter::usage(std::string& out, const Usage& u, std::string_view extra_members) {
  usage(out, usage_json(u), extra_members);
}

void ChunkWriter::usage(std::string& out, std::string_view usage_object, std::string_view extra_members) {
  open(out);
  out += "],\"usage\":";
  std::string object(usage_object);
  append_members(object, extra_members);
  out += object;
  out += "}\n\n";
}

std::string role_delta() { return "{\"role\":\"assistant\",\"content\":\"\"}"; }

std::string content_delta(std::string_view text) {
  std::string out = "{\"content\":";
  append_json_string(out, text);
  out += '}';
  return out;
}

std::string reasoning_delta(std::string_view text) {
  std::string out = "{\"reasoning_content\":";
  append_json_string(out, text);
  out += '}';
  return out;
}

std::string tool_call_start_delta(int index, std::string_view id, std::string_view name) {
  std::string out = "{\"tool_calls\":[{\"index\":" + std::to_string(index) + ",\"id\":";
  append_json_string(out, id);
  out += ",\"type\":\"function\",\"function\":{\"name\":";
  append_json_string(out, name);
  out += ",\"arguments\":\"\"}}]}";
  return out;
}

std::string tool_call_arguments_delta(int index, std::string_view arguments) {
  std::string out = "{\"tool_calls\":[{\"index\":" + std::to_string(index) + ",\"function\":{\"arguments\":";
  append_json_string(out, arguments);
  out += "}}]}";
  return out;
}

}  // namespace llmroute::openai_format
