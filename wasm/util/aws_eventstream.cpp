#include "util/aws_eventstream.hpp"

#include <array>

namespace llmroute {

namespace {

constexpr std::size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
constexpr std::size_t kCrcBytes = 4;
constexpr std::uint8_t kStringType = 7;

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1u) : c >> 1u;
    table[n] = c;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

std::uint8_t byte_at(std::string_view bytes, std::size_t at) { return static_cast<std::uint8_t>(bytes[at]); }

std::uint32_t read_u32(std::string_view bytes, std::size_t at) {
  return (std::uint32_t{byte_at(bytes, at)} << 24) | (std::uint32_t{byte_at(bytes, at + 1)} << 16) |
         (std::uint32_t{byte_at(bytes, at + 2)} << 8) | std::uint32_t{byte_at(bytes, at + 3)};
}

std::uint16_t read_u16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>((byte_at(bytes, at) << 8) | byte_at(bytes, at + 1));
}

// Bytes of a header value of `type` after its type byte (variable-length ones carry a 2-byte
// length first); 0 for an unknown type.
std::size_t fixed_value_bytes(std::uint8_t type) {
  switch (type) {
    case 0: case 1: return 0;  // bool true, bool false: no value bytes
    case 2: return 1;          // byte
    case 3: return 2;          // short
    case 4: return 4;          // integer
    case 5: case 8: return 8;  // long, timestamp
    case 9: return 16;         // uuid
    default: return 0;
  }
}

// Parses `headers` into `out`; false when they do not parse exactly.
bool parse_headers(std::string_view headers, std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t at = 0;
  while (at < headers.size()) {
    const std::size_t name_bytes = byte_at(headers, at++);
    if (name_bytes == 0 || at + name_bytes + 1 > headers.size()) return false;
    std::string name(headers.substr(at, name_bytes));
    at += name_bytes;
    const std::uint8_t type = byte_at(headers, at++);
    if (type == 6 || type == kStringType) {  // byte array, string: 2-byte length, then the bytes
      if (at + 2 > headers.size()) return false;
      const std::size_t value_bytes = read_u16(headers, at);
      at += 2;
      if (at + value_bytes > headers.size()) return false;
      if (type == kStringType) out.emplace_back(std::move(name), std::string(headers.substr(at, value_bytes)));
      at += value_bytes;
    } else if (type <= 9) {
      at += fixed_value_bytes(type);
      if (at > headers.size()) return false;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  crc = ~crc;
  for (const char c : bytes) crc = kCrcTable[(crc ^ static_cast<std::uint8_t>(c)) & 0xFFu] ^ (crc >> 8u);
  return ~crc;
}

const std::string* EventStreamMessage::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool EventStreamDecoder::feed(std::string_view bytes, std::vector<EventStreamMessage>& out) {
  if (!problem_.empty()) return false;
  buffer_.append(bytes);
  while (buffer_.size() >= kPreludeBytes) {
    // The prelude is checked as soon as it is whole, so garbage is never waited on.
    const std::uint32_t total = read_u32(buffer_, 0);
    const std::uint32_t headers = read_u32(buffer_, 4);
    if (crc32(std::string_view(buffer_).substr(0, 8)) != read_u32(buffer_, 8)) return fail("a message prelude fails its CRC");
    if (total < kPreludeBytes + kCrcBytes || headers > total - kPreludeBytes - kCrcBytes) {
      return fail("a message prelude gives impossible lengths");
    }
    if (total > max_message_bytes_) return fail("a message is larger than llmroute accepts");
    if (buffer_.size() < total) break;
    if (!take_message(total, out)) return false;
    buffer_.erase(0, total);
  }
  return true;
}

bool EventStreamDecoder::take_message(std::size_t total, std::vector<EventStreamMessage>& out) {
  const std::string_view message = std::string_view(buffer_).substr(0, total);
  if (crc32(message.substr(0, total - kCrcBytes)) != read_u32(message, total - kCrcBytes)) return fail("a message fails its CRC");
  const std::size_t headers_bytes = read_u32(message, 4);
  EventStreamMessage decoded;
  if (!parse_headers(message.substr(kPreludeBytes, headers_bytes), decoded.headers)) return fail("a message has malformed headers");
  decoded.payload.assign(message.substr(kPreludeBytes + headers_bytes, total - kPreludeBytes - headers_bytes - kCrcBytes));
  out.push_back(std::move(decoded));
  return true;
}

bool EventStreamDecoder::fail(std::string problem) {
  problem_ = std::move(problem);
  buffer_.clear();
  buffer_.shrink_to_fit();
  return false;
}

}  // namespace llmroute
