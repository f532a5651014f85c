// An incremental decoder of AWS's binary event stream (application/vnd.amazon.eventstream), the
// framing of Bedrock's converse-stream: bytes go in split anywhere, whole messages come out.
//
// A message: total length (4 bytes, big-endian), headers length (4), a CRC32 of those 8 bytes,
// the headers, the payload, and a CRC32 of everything before it. A header: name length (1), name,
// value type (1), value. Both CRCs are checked; a message that fails either ends the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmroute {

struct EventStreamMessage {
  std::vector<std::pair<std::string, std::string>> headers;  // the string-valued ones (type 7), in order
  std::string payload;

  // The value of a string header, or null.
  const std::string* header(std::string_view name) const;
};

class EventStreamDecoder {
 public:
  // AWS caps a message at 16 MiB of payload and 128 KiB of headers.
  explicit EventStreamDecoder(std::size_t max_message_bytes = (16u << 20) + (128u << 10) + 16)
      : max_message_bytes_(max_message_bytes) {}

  // Appends the messages completed by `bytes` to `out`. False once the stream is corrupt (a CRC
  // mismatch, impossible lengths, a malformed header) or a message is over the limit; problem()
  // then says which, and the stream is unusable.
  bool feed(std::string_view bytes, std::vector<EventStreamMessage>& out);

  std::string_view problem() const { return problem_; }
  // At the end of the stream: whether bytes of an unfinished message are left over.
  bool has_partial_message() const { return !buffer_.empty(); }

 private:
  bool take_message(std::size_t total, std::vector<EventStreamMessage>& out);
  bool fail(std::string problem);

  std::size_t max_message_bytes_;
  std::string buffer_;
  std::string problem_;
};

// CRC-32 (IEEE 802.3, the one zlib computes), continuing from `crc` (0 to start).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace llmroute
