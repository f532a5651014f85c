// The event-stream decoder: the recorded Bedrock stream in ../shared/fixtures/bedrock (its exact
// bytes are kept as raw_base64) whole, byte by byte and at odd splits, and corrupt input.
#include "util/aws_eventstream.hpp"

#include <gtest/gtest.h>

#include "support/event_stream_frames.hpp"
#include "support/provider_fixtures.hpp"

using namespace llmroute;
using namespace llmroute::test_support;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = LLMROUTE_SHARED_FIXTURES_DIR "/bedrock";

std::vector<EventStreamMessage> decode(std::string_view bytes, std::size_t piece, bool* intact = nullptr) {
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  bool ok = true;
  for (std::size_t i = 0; i < bytes.size() && ok; i += piece) ok = decoder.feed(bytes.substr(i, piece), out);
  if (intact != nullptr) *intact = ok && !decoder.has_partial_message();
  return out;
}

}  // namespace

TEST(AwsEventStream, Crc32) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("6789", crc32("12345")), 0xCBF43926u);
}

TEST(AwsEventStream, RecordedStreamDecodesToItsListedMessages) {
  REQUIRE_SHARED_FIXTURES("bedrock");
  const json recorded = json::parse(read_file(kFixtures / "converse-stream-text.stream.json"));
  const std::string bytes = base64_decode(recorded["raw_base64"].get<std::string>());
  for (const std::size_t piece : {bytes.size(), std::size_t{1}, std::size_t{13}, std::size_t{4096}}) {
    bool intact = false;
    const auto messages = decode(bytes, piece, &intact);
    EXPECT_TRUE(intact) << piece;
    ASSERT_EQ(messages.size(), recorded["messages"].size()) << piece;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const json& expected = recorded["messages"][i];
      for (auto it = expected["headers"].begin(); it != expected["headers"].end(); ++it) {
        const std::string* value = messages[i].header(it.key());
        ASSERT_NE(value, nullptr) << i << " " << it.key();
        EXPECT_EQ(*value, it.value()) << i;
      }
      EXPECT_EQ(messages[i].headers.size(), expected["headers"].size()) << i;
      EXPECT_EQ(json::parse(messages[i].payload), expected["payload"]) << i;
    }
  }
}

TEST(AwsEventStream, EveryHeaderTypeIsReadPastAndStringsKept) {
  // Headers of types 0-9: bool true/false, byte, short, int, long, bytes, string, timestamp, uuid.
  std::string headers;
  auto name = [&](const std::string& n, char type) { headers += static_cast<char>(n.size()); headers += n; headers += type; };
  name("t", 0);
  name("f", 1);
  name("b", 2); headers += '\x01';
  name("s", 3); headers += std::string(2, '\x02');
  name("i", 4); headers += std::string(4, '\x03');
  name("l", 5); headers += std::string(8, '\x04');
  name("y", 6); headers += std::string("\x00\x02zz", 4);
  name(":event-type", 7); headers += std::string("\x00\x05hello", 7);
  name("ts", 8); headers += std::string(8, '\x05');
  name("u", 9); headers += std::string(16, '\x06');
  std::string message;
  append_u32(message, static_cast<std::uint32_t>(12 + headers.size() + 2 + 4));
  append_u32(message, static_cast<std::uint32_t>(headers.size()));
  append_u32(message, crc32(message));
  message += headers + "{}";
  append_u32(message, crc32(message));
  const auto messages = decode(message, 1);
  ASSERT_EQ(messages.size(), 1u);
  ASSERT_EQ(messages[0].headers.size(), 1u);
  EXPECT_EQ(*messages[0].header(":event-type"), "hello");
  EXPECT_EQ(messages[0].payload, "{}");
}

TEST(AwsEventStream, CorruptionEndsTheStream) {
  const std::string good = event_frame("messageStart", R"({"role":"assistant"})");
  bool intact = true;
  EXPECT_EQ(decode(good + good, 3, &intact).size(), 2u);
  EXPECT_TRUE(intact);

  for (const std::size_t at : {std::size_t{2}, std::size_t{9}, std::size_t{20}, good.size() - 1}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x40);
    EventStreamDecoder decoder;
    std::vector<EventStreamMessage> out;
    EXPECT_FALSE(decoder.feed(good + bad + good, out)) << at;
    EXPECT_EQ(out.size(), 1u) << at;  // what came before the damage is kept
    EXPECT_FALSE(decoder.problem().empty());
    EXPECT_FALSE(decoder.feed(good, out));  // and nothing after it
  }

  // Lengths that cannot be: shorter than a prelude and a CRC, or headers longer than the message.
  std::string tiny;
  append_u32(tiny, 8);
  append_u32(tiny, 0);
  append_u32(tiny, crc32(tiny));
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  EXPECT_FALSE(decoder.feed(tiny, out));
  EXPECT_EQ(decoder.problem(), "a message prelude gives impossible lengths");

  EventStreamDecoder small(64);
  EXPECT_FALSE(small.feed(event_frame("contentBlockDelta", std::string(100, ' ')), out));
  EXPECT_EQ(small.problem(), "a message is larger than llmroute accepts");

  // A cut stream is not corrupt, only unfinished.
  EXPECT_EQ(decode(good.substr(0, good.size() - 5), 1, &intact).size(), 0u);
  EXPECT_FALSE(intact);
}
