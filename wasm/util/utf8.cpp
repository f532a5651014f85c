#include "util/utf8.hpp"

namespace llmroute {

std::size_t utf8_sequence_length(std::string_view text, std::size_t i, std::size_t* invalid_length) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the first continuation byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  }
  std::size_t good = length == 0 ? 0 : 1;  // bytes of a possible sequence seen so far
  while (good > 0 && good < length && i + good < text.size()) {
    const unsigned char c = byte(i + good);
    if (c < low || c > high) break;
    low = 0x80;
    high = 0xBF;
    ++good;
  }
  if (length != 0 && good == length) return length;
  if (invalid_length != nullptr) *invalid_length = good == 0 ? 1 : good;
  return 0;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

void append_valid_utf8(std::string& out, std::string_view text) {
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t invalid = 0;
    const std::size_t length = utf8_sequence_length(text, i, &invalid);
    if (length != 0) {
      i += length;
      continue;
    }
    out.append(text.data() + run_start, i - run_start).append(kReplacementCharacter);
    i += invalid;
    run_start = i;
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

}  // namespace llmroute
