// UTF-8 validity. Upstream bytes (stream events, event-stream headers, error bodies) are not
// trusted to be UTF-8, but everything the core writes for the Worker is: its results are JSON
// (RFC 8259 requires UTF-8) and the Worker decodes them into JS strings. Invalid input is repaired
// the way a browser's TextDecoder repairs it, so native tests see what a client would.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace llmroute {

// The bytes of U+FFFD REPLACEMENT CHARACTER.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// The length of the well-formed UTF-8 sequence starting at text[i] (1 to 4), or 0 when none starts
// there; then *invalid_length (if given) is the length of the maximal ill-formed subpart to replace
// with one U+FFFD (Unicode 15, 3.9 "U+FFFD Substitution of Maximal Subparts", as WHATWG decodes).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i, std::size_t* invalid_length = nullptr);

bool is_valid_utf8(std::string_view text);

// Appends `text` with every ill-formed subpart replaced by U+FFFD.
void append_valid_utf8(std::string& out, std::string_view text);

}  // namespace llmroute
