// Edits and measures of JSON *text* without parsing it into a tree: for the hot path, where an
// answer is relayed as it came and only a member or two must be added or sized.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace llmroute {

// The offset of the '}' that closes the object value of top-level member `key` of the JSON object
// `text`; nullopt when `text` is not an object, has no such member, or its value is not an object.
// `text` must be well-formed JSON (as a parser already accepted it): the scan does not validate.
std::optional<std::size_t> member_object_end(std::string_view text, std::string_view key);

// Adds `members` (e.g. "\"a\":1,\"b\":2") at the end of the object value of top-level member `key`.
// False, and `text` unchanged, when there is no such object.
bool append_to_member_object(std::string& text, std::string_view key, std::string_view members);

// Adds `members` at the end of the object whose closing '}' is the last one in `object_text`.
void append_members(std::string& object_text, std::string_view members);

// The bytes of the string values of members named `key`, at any depth, as written (escapes count
// as written). For estimates: what a stream relayed when the provider never said its usage.
std::size_t string_member_bytes(std::string_view text, std::string_view key);

}  // namespace llmroute
