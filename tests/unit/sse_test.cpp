#include "util/sse.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace llmroute;

namespace {

std::vector<SseEvent> decode_in_pieces(const std::string& text, const std::vector<std::size_t>& cuts) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  std::size_t from = 0;
  for (const std::size_t cut : cuts) {
    EXPECT_TRUE(decoder.feed(std::string_view(text).substr(from, cut - from), events));
    from = cut;
  }
  EXPECT_TRUE(decoder.feed(std::string_view(text).substr(from), events));
  return events;
}

// Whole, byte by byte and at random splits: always the same events (h11's habit).
std::vector<SseEvent> decode_every_way(const std::string& text) {
  const auto whole = decode_in_pieces(text, {});
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < text.size(); ++i) every.push_back(i);
  const auto bytewise = decode_in_pieces(text, every);
  EXPECT_EQ(bytewise.size(), whole.size());
  for (std::size_t i = 0; i < whole.size() && i < bytewise.size(); ++i) {
    EXPECT_EQ(bytewise[i].event, whole[i].event);
    EXPECT_EQ(bytewise[i].data, whole[i].data);
  }
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < text.size(); ++i) if (rng() % 7 == 0) cuts.push_back(i);
    const auto random = decode_in_pieces(text, cuts);
    EXPECT_EQ(random.size(), whole.size());
    for (std::size_t i = 0; i < whole.size() && i < random.size(); ++i) EXPECT_EQ(random[i].data, whole[i].data);
  }
  return whole;
}

}  // namespace

TEST(Sse, DataEventsWithAndWithoutNames) {
  const auto events = decode_every_way("data: {\"a\":1}\n\nevent: message_start\ndata: {\"b\":2}\n\ndata: [DONE]\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].event, "message_start");
  EXPECT_EQ(events[1].data, "{\"b\":2}");
  EXPECT_EQ(events[2].data, "[DONE]");
}

TEST(Sse, CrLfAndCrLineEnds) {
  const auto crlf = decode_every_way("data: one\r\n\r\ndata: two\r\n\r\n");
  ASSERT_EQ(crlf.size(), 2u);
  EXPECT_EQ(crlf[1].data, "two");
  const auto cr = decode_every_way("data: one\r\rdata: two\r\r");
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[0].data, "one");
}

TEST(Sse, CommentsMultiLineDataAndOddFields) {
  const auto events = decode_every_way(": OPENROUTER PROCESSING\n\ndata: line1\ndata: line2\nid: 7\nretry: 10\n\ndata:no-space\n\nevent: ping\n\n");
  ASSERT_EQ(events.size(), 2u);  // a comment alone and an event without data dispatch nothing
  EXPECT_EQ(events[0].data, "line1\nline2");
  EXPECT_EQ(events[1].data, "no-space");
}

TEST(Sse, PartialEventAtTheEndIsReported) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.feed("data: {\"cut\":", events);
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(decoder.has_partial_event());
  decoder.feed("1}\n\n", events);
  EXPECT_EQ(events.size(), 1u);
  EXPECT_FALSE(decoder.has_partial_event());
}

TEST(Sse, OversizedEventStopsTheDecoder) {
  SseDecoder decoder(1024);
  std::vector<SseEvent> events;
  EXPECT_TRUE(decoder.feed("data: " + std::string(500, 'x') + "\n", events));
  EXPECT_FALSE(decoder.feed("data: " + std::string(600, 'y'), events));
  EXPECT_FALSE(decoder.feed("\n\n", events));
  EXPECT_TRUE(events.empty());
}

TEST(Sse, EventsAreWrittenBackLineByLine) {
  std::string out;
  append_sse_event(out, "{\"a\":1}");
  append_sse_event(out, "line1\nline2");
  EXPECT_EQ(out, "data: {\"a\":1}\n\ndata: line1\ndata: line2\n\n");
  // What is written decodes back to the same events.
  const auto events = decode_every_way(out);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].data, "line1\nline2");
}
