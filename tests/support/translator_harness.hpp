// Test support for provider translators: reading recorded traffic, running a stream translator over
// bytes cut into pieces of any size, and reassembling what an OpenAI client would see of the result.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "providers/provider.hpp"
#include "util/sse.hpp"

namespace llmroute::test_support {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Skips the test when the recorded traffic of ../shared is not beside this clone.
#define REQUIRE_FIXTURES(dir)                                                                     \
  if (!std::filesystem::exists(dir)) {                                                            \
    GTEST_SKIP() << "../shared/fixtures is not beside this clone: recorded-traffic tests skipped"; \
  }

struct Streamed {
  std::string out;
  bool complete = false;
  std::optional<providers::UpstreamError> error;
  bool has_usage = false;
  Usage usage;
};

// Feeds `upstream` to a fresh translator in pieces of `piece` bytes, then finishes it.
inline Streamed run_stream(std::unique_ptr<providers::StreamTranslator> (*new_stream)(const providers::StreamOptions&),
                           const std::string& upstream, std::size_t piece, bool include_usage = true,
                           std::string model = "the-model") {
  auto translator = new_stream({include_usage, 1'700'000'000'000, std::move(model)});
  Streamed s;
  for (std::size_t i = 0; i < upstream.size(); i += piece) translator->feed(std::string_view(upstream).substr(i, piece), s.out);
  translator->finish(s.out);
  s.complete = translator->complete();
  s.error = translator->error();
  s.has_usage = translator->has_usage();
  s.usage = translator->usage();
  return s;
}

// The client's view of a translated stream: text, reasoning, tool calls, finish, usage.
struct Reassembled {
  std::string id, model, content, reasoning, finish_reason;
  struct Call {
    std::string id, name, arguments;
  };
  std::vector<Call> tool_calls;
  json usage;
  std::size_t chunks = 0;
};

inline Reassembled reassemble(const std::string& sse) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.feed(sse, events);
  Reassembled r;
  for (const SseEvent& e : events) {
    const json chunk = json::parse(e.data);
    ++r.chunks;
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    r.id = chunk["id"];
    r.model = chunk["model"];
    if (chunk.contains("usage")) r.usage = chunk["usage"];
    for (const json& choice : chunk["choices"]) {
      const json& d = choice["delta"];
      if (d.contains("content") && d["content"].is_string()) r.content += d["content"].get<std::string>();
      if (d.contains("reasoning_content")) r.reasoning += d["reasoning_content"].get<std::string>();
      if (d.contains("tool_calls")) {
        for (const json& call : d["tool_calls"]) {
          const std::size_t index = call["index"];
          if (index >= r.tool_calls.size()) r.tool_calls.resize(index + 1);
          if (call.contains("id")) r.tool_calls[index].id = call["id"];
          if (call["function"].contains("name")) r.tool_calls[index].name = call["function"]["name"];
          r.tool_calls[index].arguments += call["function"]["arguments"].get<std::string>();
        }
      }
      if (choice["finish_reason"].is_string()) r.finish_reason = choice["finish_reason"];
    }
  }
  return r;
}

}  // namespace llmroute::test_support
