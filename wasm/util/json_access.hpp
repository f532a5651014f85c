// The one way the core reads JSON. Built with JSON_NOEXCEPTION, a nlohmann throw is abort(), which
// kills the whole Wasm instance: so no at(), value() or unchecked get<T>() anywhere in wasm/.
// Every accessor here returns null/nullopt on a missing key or a wrong type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

// Size over speed for the functions of a region (not for the nlohmann templates they call, which
// stay out of line at full speed): where nlohmann's object building, inlined at -O3 call after call,
// made a function tens of KB of Wasm. For request builders and other code that runs once per call
// or less. Clang only (the Wasm build); a no-op elsewhere.
#if defined(__clang__)
#define LLMROUTE_SIZE_OVER_SPEED_BEGIN _Pragma("clang attribute push(__attribute__((minsize)), apply_to = function)")
#define LLMROUTE_SIZE_OVER_SPEED_END _Pragma("clang attribute pop")
#define LLMROUTE_SIZE_OVER_SPEED __attribute__((minsize))
#else
#define LLMROUTE_SIZE_OVER_SPEED_BEGIN
#define LLMROUTE_SIZE_OVER_SPEED_END
#define LLMROUTE_SIZE_OVER_SPEED
#endif

namespace llmroute {

using json = nlohmann::json;

// Nesting deeper than this is refused before nlohmann (which recurses) ever sees the text.
inline constexpr int kDefaultMaxJsonDepth = 64;

enum class JsonParseStatus { Ok, Malformed, TooDeep };

// Parses `text` into `out` without throwing. Nesting past `max_depth` is TooDeep, whether or not the
// text is well-formed otherwise (nests_deeper_than decides it). A NUL byte anywhere is Malformed
// (JSON has none, and nlohmann would stop reading at it, silently ignoring whatever follows).
JsonParseStatus parse_json(std::string_view text, json& out, int max_depth = kDefaultMaxJsonDepth);

// Whether [ and { outside string literals nest deeper than `limit` anywhere in `text`: a flat scan
// that reads malformed text too, and stops at the first level past the limit.
bool nests_deeper_than(std::string_view text, int limit);

// Whether `text` is one JSON document in UTF-8, under the same rules, without building it: for
// text relayed as it came.
bool is_json_text(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

// Serialises without ever throwing: invalid UTF-8 (say, from a truncated string) is replaced.
std::string to_json_text(const json& value);

// Appends `text` as a JSON string literal (quotes included) to `out`. Ill-formed UTF-8 becomes
// U+FFFD, so what is written is always a valid JSON text, whatever bytes came in.
void append_json_string(std::string& out, std::string_view text);

// Out of line on purpose: the map lookup inlined at every call site cost tens of KB of Wasm.
const json* find(const json& obj, std::string_view key);

inline const std::string* find_string(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  return v == nullptr ? nullptr : v->get_ptr<const json::string_t*>();  // null on wrong type
}

inline const json* find_object(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  return v != nullptr && v->is_object() ? v : nullptr;
}

inline const json* find_array(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  return v != nullptr && v->is_array() ? v : nullptr;
}

// An integer value, also accepting a float with no fractional part (JSON has one number type and
// some providers write 12.0). Values outside int64 are refused.
std::optional<std::int64_t> as_int64(const json& v);

inline std::optional<std::int64_t> find_int64(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  return v == nullptr ? std::nullopt : as_int64(*v);
}

inline std::optional<bool> find_bool(const json& obj, std::string_view key) {
  const json* v = find(obj, key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();  // checked above: cannot throw
}

// Case-insensitive ASCII comparison for HTTP header names.
bool iequals(std::string_view a, std::string_view b);

}  // namespace llmroute
