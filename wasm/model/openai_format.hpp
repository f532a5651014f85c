// Writes OpenAI Chat Completions answers (chat.completion and chat.completion.chunk SSE events)
// for providers that speak another API. One writer, so every translated answer has the same shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/usage.hpp"

namespace llmroute::openai_format {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // a JSON text, as OpenAI sends it
};

struct Completion {
  std::string id;
  std::string model;
  std::int64_t created_s = 0;
  std::string content;
  bool has_content = false;  // false: "content": null (e.g. only tool calls)
  std::string reasoning;     // reasoning_content, when the provider shows its thinking
  std::vector<ToolCall> tool_calls;
  std::string finish_reason = "stop";
  Usage usage;
  bool has_usage = false;
};

std::string completion_json(const Completion& completion);

// {"prompt_tokens":..,"completion_tokens":..,"total_tokens":..,"prompt_tokens_details":{..},"completion_tokens_details":{..}}
std::string usage_json(const Usage& usage);

// The longest id or model name repeated in every chunk of a stream (real ones are under 100 bytes).
// A stream names them once and every chunk repeats them: uncapped, a provider's megabyte id times
// ten thousand tiny deltas would make gigabytes for the client.
inline constexpr std::size_t kMaxIdBytes = 256;

// `text` cut to at most kMaxIdBytes, at a UTF-8 character boundary.
std::string_view clip_id(std::string_view text);

// Writes the chunk events of one streamed answer; the id and model are clipped with clip_id.
class ChunkWriter {
 public:
  void start(std::string id, std::string model, std::int64_t created_s);
  bool started() const { return started_; }

  // "data: {...chunk with this delta...}\n\n"; delta_json is a JSON object text.
  void delta(std::string& out, std::string_view delta_json);
  void finish(std::string& out, std::string_view finish_reason);
  // The usage chunk; `extra_members` (e.g. llmroute's cost) are added to the usage object.
  void usage(std::string& out, const Usage& usage, std::string_view extra_members = {});
  // ... with a usage object already written (say, a provider's own, extra fields kept).
  void usage(std::string& out, std::string_view usage_object, std::string_view extra_members = {});

 private:
  void open(std::string& out);

  std::string prefix_;  // the chunk's fixed fields, up to "choices"
  bool started_ = false;
};

// Delta objects, as JSON text.
std::string role_delta();
std::string content_delta(std::string_view text);
std::string reasoning_delta(std::string_view text);
std::string tool_call_start_delta(int index, std::string_view id, std::string_view name);
std::string tool_call_arguments_delta(int index, std::string_view arguments);

}  // namespace llmroute::openai_format
