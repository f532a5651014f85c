// Test support for AWS event streams: base64 (the fixtures keep the recorded bytes as raw_base64)
// and a frame writer, for streams the recordings do not have (tool use, exceptions, corruption).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/aws_eventstream.hpp"

namespace llmroute::test_support {

inline std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const int v = value(c);
    if (v < 0) continue;  // padding and line breaks
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFFu));
    }
  }
  return out;
}

inline void append_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFFu));
}

// One event-stream message with string headers, both CRCs right.
inline std::string frame(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload) {
  std::string encoded_headers;
  for (const auto& [name, value] : headers) {
    encoded_headers.push_back(static_cast<char>(name.size()));
    encoded_headers += name;
    encoded_headers.push_back(7);  // string
    encoded_headers.push_back(static_cast<char>(value.size() >> 8));
    encoded_headers.push_back(static_cast<char>(value.size() & 0xFF));
    encoded_headers += value;
  }
  std::string out;
  append_u32(out, static_cast<std::uint32_t>(12 + encoded_headers.size() + payload.size() + 4));
  append_u32(out, static_cast<std::uint32_t>(encoded_headers.size()));
  append_u32(out, crc32(out));
  out += encoded_headers;
  out += payload;
  append_u32(out, crc32(out));
  return out;
}

// A Bedrock event, as converse-stream sends it.
inline std::string event_frame(const std::string& event_type, std::string_view payload) {
  return frame({{":event-type", event_type}, {":content-type", "application/json"}, {":message-type", "event"}}, payload);
}

inline std::string exception_frame(const std::string& exception_type, std::string_view payload) {
  return frame({{":exception-type", exception_type}, {":content-type", "application/json"}, {":message-type", "exception"}}, payload);
}

}  // namespace llmroute::test_support
