// Test support for provider translators: reading ../shared/fixtures, building requests through the
// registered provider, feeding streams whole and byte by byte (or in pieces of any size), and reassembling what an OpenAI
// client would make of the translated chunks (checking every chunk's shape on the way).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "providers/registry.hpp"
#include "util/sse.hpp"

namespace llmroute::test_support {

inline const std::filesystem::path kSharedFixtures = LLMROUTE_SHARED_FIXTURES_DIR;

// Skips the test, saying why, when ../shared is not beside this clone.
#define REQUIRE_SHARED_FIXTURES(folder)                                                                \
  if (!std::filesystem::exists(::llmroute::test_support::kSharedFixtures / (folder))) {               \
    GTEST_SKIP() << "../shared/fixtures/" << (folder) << " is not beside this clone: recorded-traffic tests skipped"; \
  }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string fixture(const std::string& relative) { return read_file(kSharedFixtures / relative); }
inline json fixture_json(const std::string& relative) { return json::parse(fixture(relative)); }

// A .chunks.txt file (one data payload per line, SSE framing removed by its source) framed again.
inline std::string sse_from_chunk_lines(const std::string& lines, bool with_done) {
  std::string out;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out += "data: " + line + "\n\n";
  }
  if (with_done) out += "data: [DONE]\n\n";
  return out;
}

inline const providers::Provider& provider(std::string_view name) {
  const providers::Provider* p = providers::find(name);
  EXPECT_NE(p, nullptr) << name;
  return *p;
}

inline Result<providers::ProviderRequest> try_build(std::string_view provider_name, const std::string& openai_body,
                                                    std::string_view model) {
  auto request = parse_chat_request(openai_body, RequestLimits{});
  EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error().message);
  if (!request.ok()) return request.take_error();
  return provider(provider_name).build_request(*request, model, {});
}

inline providers::ProviderRequest build(std::string_view provider_name, const std::string& openai_body, std::string_view model) {
  auto built = try_build(provider_name, openai_body, model);
  EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
  return built.ok() ? *built : providers::ProviderRequest{};
}

// Every field of `expected` sent as is, and nothing more.
inline void expect_same_fields(const json& sent, const json& expected, const std::string& what) {
  for (auto it = expected.begin(); it != expected.end(); ++it) EXPECT_EQ(sent[it.key()], it.value()) << what << ": " << it.key();
  for (auto it = sent.begin(); it != sent.end(); ++it) EXPECT_TRUE(expected.contains(it.key())) << what << ": extra " << it.key();
}

// The id the translators are given for answers and streams whose provider names none.
inline const std::string kFallbackId = "chatcmpl-llmroute-test-1";

inline providers::Answer answer(std::string_view provider_name, const std::string& body) {
  auto parsed = provider(provider_name).parse_answer(body, providers::AnswerContext{1'700'000'000'000, {}, kFallbackId});
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : providers::Answer{};
}

struct Streamed {
  std::string out;
  bool complete = false;
  std::optional<providers::UpstreamError> error;
  bool has_usage = false;
  Usage usage;
};

// Feeds `upstream` to a fresh translator in pieces of `piece` bytes, then finishes it. `model` is the
// model asked for, which streams that do not name theirs report.
inline Streamed run_stream(std::unique_ptr<providers::StreamTranslator> (*new_stream)(const providers::StreamOptions&),
                           const std::string& upstream, std::size_t piece, bool include_usage = true, std::string model = {}) {
  auto translator = new_stream({include_usage, 1'700'000'000'000, std::move(model), kFallbackId});
  Streamed s;
  for (std::size_t i = 0; i < upstream.size(); i += piece) translator->feed(std::string_view(upstream).substr(i, piece), s.out);
  translator->finish(s.out);
  s.complete = translator->complete();
  s.error = translator->error();
  s.has_usage = translator->has_usage();
  s.usage = translator->usage();
  return s;
}

inline Streamed stream(std::string_view provider_name, const std::string& upstream, std::size_t piece, bool include_usage) {
  return run_stream(provider(provider_name).new_stream, upstream, piece, include_usage);
}

// A translator with a SAX fast path (`new_stream`) against the same translator parsing every event
// in full (`new_full_parse_stream`): the same bytes (whole and byte by byte), end state, error and
// usage, with the usage chunk asked for and not. `what` names the case in failures.
inline void expect_fast_path_matches_full_parse(std::unique_ptr<providers::StreamTranslator> (*new_stream)(const providers::StreamOptions&),
                                                std::unique_ptr<providers::StreamTranslator> (*new_full_parse_stream)(const providers::StreamOptions&),
                                                const std::string& upstream, const std::string& what) {
  for (const bool include_usage : {true, false}) {
    const Streamed fast = run_stream(new_stream, upstream, upstream.size(), include_usage);
    const Streamed full = run_stream(new_full_parse_stream, upstream, upstream.size(), include_usage);
    EXPECT_EQ(fast.out, full.out) << what;
    EXPECT_EQ(fast.complete, full.complete) << what;
    ASSERT_EQ(fast.error.has_value(), full.error.has_value()) << what;
    if (fast.error) {
      EXPECT_EQ(fast.error->message, full.error->message) << what;
      EXPECT_EQ(fast.error->type, full.error->type) << what;
      EXPECT_EQ(fast.error->code, full.error->code) << what;
      EXPECT_EQ(fast.error->retry_after_ms, full.error->retry_after_ms) << what;
    }
    EXPECT_EQ(fast.has_usage, full.has_usage) << what;
    EXPECT_EQ(openai_format::usage_json(fast.usage), openai_format::usage_json(full.usage)) << what;
    EXPECT_EQ(fast.out, run_stream(new_stream, upstream, 1, include_usage).out) << what;  // byte by byte too
  }
}

// Fed whole and one byte at a time: the same bytes must come out.
inline Streamed stream_both_ways(std::string_view provider_name, const std::string& upstream, bool include_usage) {
  Streamed whole = stream(provider_name, upstream, upstream.size(), include_usage);
  const Streamed bytewise = stream(provider_name, upstream, 1, include_usage);
  EXPECT_EQ(whole.out, bytewise.out);
  EXPECT_EQ(whole.complete, bytewise.complete);
  EXPECT_EQ(whole.usage.completion_tokens, bytewise.usage.completion_tokens);
  return whole;
}

struct ToolCallSeen {
  std::string id, name, arguments;
};

// What an OpenAI client makes of a translated stream.
struct Reassembled {
  std::vector<json> chunks;
  std::string id, model;  // of the last chunk
  std::string content, reasoning, finish_reason;
  std::vector<ToolCallSeen> tool_calls;
  json usage;  // of the usage chunk, null when none came
  int usage_chunks = 0;
  bool role = false;  // a delta named the role
};

inline Reassembled reassemble(const std::string& sse) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.feed(sse, events);
  Reassembled r;
  for (const SseEvent& e : events) {
    const json chunk = json::parse(e.data);
    r.chunks.push_back(chunk);
    // Every chunk of one stream carries the same non-empty id (the provider's, else the call's).
    EXPECT_TRUE(chunk["id"].is_string() && !chunk["id"].get<std::string>().empty()) << e.data;
    if (!r.chunks.empty() && r.chunks.front()["id"] != chunk["id"]) ADD_FAILURE() << "the id changed mid-stream: " << e.data;
    if (chunk["id"].is_string()) r.id = chunk["id"];
    if (chunk["model"].is_string()) r.model = chunk["model"];
    // OpenAI's shape, whatever the provider wrote.
    EXPECT_EQ(chunk["object"], "chat.completion.chunk") << e.data;
    EXPECT_TRUE(chunk["id"].is_string()) << e.data;
    EXPECT_TRUE(chunk["created"].is_number_integer()) << e.data;
    EXPECT_TRUE(chunk["model"].is_string()) << e.data;
    EXPECT_TRUE(chunk["choices"].is_array()) << e.data;
    if (chunk.contains("usage") && !chunk["usage"].is_null()) {
      EXPECT_TRUE(chunk["choices"].empty()) << "usage comes in its own chunk: " << e.data;
      r.usage = chunk["usage"];
      ++r.usage_chunks;
    }
    for (const json& choice : chunk["choices"]) {
      EXPECT_TRUE(choice["index"].is_number_integer()) << e.data;
      EXPECT_TRUE(choice.contains("finish_reason")) << e.data;
      const json& d = choice["delta"];
      EXPECT_TRUE(d.is_object()) << e.data;
      if (d.contains("role")) r.role = true;
      EXPECT_TRUE(r.role) << "the first delta names no role (openai-node refuses that): " << e.data;
      if (d.contains("content") && d["content"].is_string()) r.content += d["content"].get<std::string>();
      if (d.contains("reasoning_content") && d["reasoning_content"].is_string()) r.reasoning += d["reasoning_content"].get<std::string>();
      if (d.contains("tool_calls") && d["tool_calls"].is_array()) {
        for (const json& call : d["tool_calls"]) {
          const std::size_t index = call["index"];
          if (index >= r.tool_calls.size()) r.tool_calls.resize(index + 1);
          ToolCallSeen& seen = r.tool_calls[index];
          // As openai-node joins fragments: the id once, the name and arguments appended.
          if (call.contains("id")) {
            EXPECT_TRUE(seen.id.empty()) << "a second id for tool call " << index << ": " << e.data;
            EXPECT_EQ(call["type"], "function") << e.data;
            seen.id = call["id"];
          }
          const json& function = call["function"];
          if (function.contains("name")) seen.name += function["name"].get<std::string>();
          if (function.contains("arguments")) seen.arguments += function["arguments"].get<std::string>();
        }
      }
      if (choice["finish_reason"].is_string()) {
        EXPECT_TRUE(r.finish_reason.empty()) << "a second finish_reason: " << e.data;
        r.finish_reason = choice["finish_reason"];
      }
    }
  }
  return r;
}

}  // namespace llmroute::test_support
