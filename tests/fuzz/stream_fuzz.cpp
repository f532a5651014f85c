// Fuzz target: every provider's StreamTranslator (the SSE decoder under the SSE providers, the AWS
// event-stream decoder under Bedrock) and the AWS event-stream decoder on its own.
//
// Input: the upstream body, then a 4-byte little-endian control word (inputs shorter than 4 bytes
// are all body, control 0). Control bits 0-3 pick the provider, by registry order modulo their
// number (15: every provider in turn, so one input in 16 and not three costs 13 translations);
// bit 4 asks for the usage chunk; bits 5-6 scale the chunk sizes the body
// is split into; bits 8-31 seed the split points. So the fuzzer chooses the boundaries, and the
// committed seeds (tests/fuzz/corpus/stream/) end in a control word too.
//
// For each translator the body goes in whole and then split; both must give the same bytes and the
// same end state (h11's rule for incremental parsers). What a translator writes must be valid UTF-8
// SSE whose every event is an OpenAI chat.completion.chunk (or, for OpenAI's own verbatim relay, a
// JSON object), never "[DONE]" (the Call writes that), and at most kMaxGrowth times the input plus
// a constant: a stream cannot be made to amplify without bound.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "providers/anthropic/anthropic.hpp"
#include "providers/gemini/gemini.hpp"
#include "providers/registry.hpp"
#include "util/aws_eventstream.hpp"
#include "util/json_access.hpp"
#include "util/rng.hpp"
#include "util/sse.hpp"
#include "util/utf8.hpp"

namespace {

using namespace llmroute;

// A chunk event of OpenAI's costs under 100 bytes of overhead; a translator may write a few per
// input event (role, delta, finish, usage) with an id and model of at most kMaxIdBytes each.
constexpr std::size_t kMaxGrowth = 64;
constexpr std::size_t kOutputSlack = 16 << 10;
constexpr std::int64_t kNowMs = 1'700'000'000'123;

struct Run {
  std::string out;
  bool complete = false;
  bool has_error = false;
  std::string error_message;
  bool has_usage = false;
  Usage usage;
};

// The body cut into pieces: sizes drawn from [1, max_piece], or every byte alone (max_piece 1).
std::vector<std::string_view> pieces(std::string_view body, std::uint32_t control) {
  static constexpr std::uint32_t kMaxPiece[] = {1, 7, 64, 1024};
  const std::uint32_t max_piece = kMaxPiece[(control >> 5) & 3u];
  Pcg32 rng(control >> 8);
  std::vector<std::string_view> out;
  while (!body.empty()) {
    const std::size_t n = std::min<std::size_t>(body.size(), 1 + rng.below(max_piece));
    out.push_back(body.substr(0, n));
    body.remove_prefix(n);
  }
  return out;
}

using NewStream = std::unique_ptr<providers::StreamTranslator> (*)(const providers::StreamOptions&);

// The translators with a SAX fast path: the same translator reading every event by a full parse.
NewStream full_parse_stream(const providers::Provider& provider) {
  if (provider.new_stream == providers::gemini::new_stream) return providers::gemini::new_full_parse_stream;
  if (provider.new_stream == providers::anthropic::new_stream) return providers::anthropic::new_full_parse_stream;
  return nullptr;
}

Run translate(NewStream new_stream, const std::vector<std::string_view>& parts, bool include_usage) {
  const providers::StreamOptions options{include_usage, kNowMs, "fuzz-model"};
  auto stream = new_stream(options);
  FUZZ_CHECK(stream != nullptr, "no translator");
  Run run;
  for (std::string_view part : parts) {
    const std::size_t before = run.out.size();
    stream->feed(part, run.out);
    // Once failed, a translator writes nothing more (the Call ends the stream with the error).
    if (run.has_error) FUZZ_CHECK(run.out.size() == before, "bytes written after a stream error");
    run.has_error = stream->error().has_value();
  }
  stream->finish(run.out);
  run.complete = stream->complete();
  run.has_error = stream->error().has_value();
  if (run.has_error) run.error_message = stream->error()->message;
  run.has_usage = stream->has_usage();
  run.usage = stream->usage();
  return run;
}

bool same_usage(const Usage& a, const Usage& b) {
  return a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
         a.cached_prompt_tokens == b.cached_prompt_tokens && a.cache_write_prompt_tokens == b.cache_write_prompt_tokens &&
         a.reasoning_tokens == b.reasoning_tokens && a.cache_write_1h_prompt_tokens == b.cache_write_1h_prompt_tokens;
}

bool is_token_count(std::int64_t n) { return n >= 0 && n <= 3 * kMaxTokenCount; }  // a sum of at most three counts

// What a client reads: SSE events, each one chat.completion.chunk.
void check_output(const providers::Provider& provider, const Run& run, std::size_t input_size) {
  const char* name = provider.name.data();
  FUZZ_CHECK(run.out.size() <= kMaxGrowth * input_size + kOutputSlack, name);
  FUZZ_CHECK(is_valid_utf8(run.out), name);
  SseDecoder decoder(run.out.size() + 1);
  std::vector<SseEvent> events;
  FUZZ_CHECK(decoder.feed(run.out, events), name);
  FUZZ_CHECK(!decoder.has_partial_event(), name);  // every event is whole
  const bool verbatim = provider.name == "openai";
  for (const SseEvent& event : events) {
    FUZZ_CHECK(event.event.empty(), name);  // OpenAI streams name no events
    FUZZ_CHECK(event.data != "[DONE]", name);
    const json chunk = fuzz::parse_or_discarded(event.data);
    FUZZ_CHECK(chunk.is_object(), event.data.c_str());
    if (verbatim) continue;  // relayed as OpenAI sent it, checked to be a JSON object only
    const std::string* object = find_string(chunk, "object");
    FUZZ_CHECK(object != nullptr && *object == "chat.completion.chunk", event.data.c_str());
    FUZZ_CHECK(find_array(chunk, "choices") != nullptr, event.data.c_str());
    if (const json* usage = find_object(chunk, "usage")) {
      for (const char* key : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
        const auto n = find_int64(*usage, key);
        FUZZ_CHECK(n && *n >= 0 && *n <= 6 * kMaxTokenCount, event.data.c_str());
      }
    }
  }
  if (run.has_usage) {
    const Usage& u = run.usage;
    for (std::int64_t n : {u.prompt_tokens, u.completion_tokens, u.cached_prompt_tokens, u.cache_write_prompt_tokens,
                           u.reasoning_tokens, u.cache_write_1h_prompt_tokens}) {
      FUZZ_CHECK(is_token_count(n), name);
    }
  }
  if (run.has_error) FUZZ_CHECK(!run.error_message.empty(), name);
}

// The event-stream decoder by itself: the same messages whole and split, or the same failure.
void check_event_stream(std::string_view body, const std::vector<std::string_view>& parts) {
  EventStreamDecoder whole(64 << 10);
  std::vector<EventStreamMessage> whole_messages;
  const bool whole_ok = whole.feed(body, whole_messages);
  EventStreamDecoder split(64 << 10);
  std::vector<EventStreamMessage> split_messages;
  bool split_ok = true;
  for (std::string_view part : parts) {
    if (!split.feed(part, split_messages)) {
      split_ok = false;
      break;
    }
  }
  FUZZ_CHECK(whole_ok == split_ok, "the event-stream decoder depends on how the bytes were split");
  FUZZ_CHECK(whole.problem() == split.problem(), "the event-stream decoder depends on how the bytes were split");
  FUZZ_CHECK(whole_ok == whole.problem().empty(), "a failure without a problem, or a problem without a failure");
  FUZZ_CHECK(whole_messages.size() == split_messages.size(), "the event-stream decoder depends on how the bytes were split");
  std::size_t total = 0;
  for (std::size_t i = 0; i < whole_messages.size(); ++i) {
    FUZZ_CHECK(whole_messages[i].payload == split_messages[i].payload, "payloads differ");
    FUZZ_CHECK(whole_messages[i].headers == split_messages[i].headers, "headers differ");
    total += whole_messages[i].payload.size() + 16;  // a message is at least 16 bytes of framing
  }
  FUZZ_CHECK(total <= body.size(), "messages hold more bytes than came in");
  if (whole_ok) FUZZ_CHECK(whole.has_partial_message() == split.has_partial_message(), "partial message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<const providers::Provider*>& providers = fuzz::every_provider();
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::uint32_t control = 0;
  if (body.size() >= 4) {
    for (int i = 3; i >= 0; --i) control = (control << 8) | static_cast<unsigned char>(body[body.size() - 4 + i]);
    body.remove_suffix(4);
  }
  // Byte by byte is the sharpest split but costs a call per byte and translator (13 of them, under
  // ASan): keep it to small bodies, where boundary bugs show just as well.
  if (((control >> 5) & 3u) == 0 && body.size() > 512) control |= 1u << 5;
  const std::vector<std::string_view> parts = pieces(body, control);
  const bool include_usage = (control >> 4) & 1u;

  const std::size_t choice = control & 0xFu;
  const bool every = choice == 0xFu;
  for (std::size_t i = 0; i < providers.size(); ++i) {
    if (!every && i != choice % providers.size()) continue;
    const providers::Provider& provider = *providers[i];
    const Run whole = translate(provider.new_stream, {body}, include_usage);
    const Run split = translate(provider.new_stream, parts, include_usage);
    FUZZ_CHECK(whole.out == split.out, provider.name.data());
    FUZZ_CHECK(whole.complete == split.complete && whole.has_error == split.has_error, provider.name.data());
    FUZZ_CHECK(whole.error_message == split.error_message, provider.name.data());
    FUZZ_CHECK(whole.has_usage == split.has_usage && same_usage(whole.usage, split.usage), provider.name.data());
    check_output(provider, whole, body.size());
    if (const NewStream new_full_parse_stream = full_parse_stream(provider)) {
      // A fast path (a SAX pass over the events it can read) must write what a full parse writes.
      const Run full = translate(new_full_parse_stream, {body}, include_usage);
      FUZZ_CHECK(whole.out == full.out, "the fast path wrote other bytes than the full parse");
      FUZZ_CHECK(whole.complete == full.complete && whole.has_error == full.has_error, "fast path end state");
      FUZZ_CHECK(whole.error_message == full.error_message, "fast path error");
      FUZZ_CHECK(whole.has_usage == full.has_usage && same_usage(whole.usage, full.usage), "fast path usage");
    }
  }
  check_event_stream(body, parts);
  return 0;
}
