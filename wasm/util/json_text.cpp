#include "util/json_text.hpp"

#include <algorithm>

namespace llmroute {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view t, std::size_t i) {
  while (i < t.size() && is_space(t[i])) ++i;
  return i;
}

// `i` is at an opening quote: the offset just past the closing one.
std::size_t skip_string(std::string_view t, std::size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') ++i;
    else if (t[i] == '"') return i + 1;
  }
  return t.size();
}

// `i` is at the first byte of a value: the offset just past it.
std::size_t skip_value(std::string_view t, std::size_t i) {
  if (i >= t.size()) return t.size();
  if (t[i] == '"') return skip_string(t, i);
  if (t[i] == '{' || t[i] == '[') {
    int depth = 0;
    while (i < t.size()) {
      const char c = t[i];
      if (c == '"') {
        i = skip_string(t, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
      ++i;
    }
    return t.size();
  }
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !is_space(t[i])) ++i;
  return i;
}

}  // namespace

std::optional<std::size_t> member_object_end(std::string_view t, std::string_view key) {
  std::size_t i = skip_space(t, 0);
  if (i >= t.size() || t[i] != '{') return std::nullopt;
  i = skip_space(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    const std::size_t key_end = skip_string(t, i);
    const bool match = key_end - i == key.size() + 2 && t.substr(i + 1, key.size()) == key;
    i = skip_space(t, key_end);
    if (i >= t.size() || t[i] != ':') return std::nullopt;
    i = skip_space(t, i + 1);
    const std::size_t value_end = skip_value(t, i);
    if (match) {
      if (i < t.size() && t[i] == '{' && value_end <= t.size() && t[value_end - 1] == '}') return value_end - 1;
      return std::nullopt;
    }
    i = skip_space(t, value_end);
    if (i >= t.size() || t[i] != ',') return std::nullopt;
    i = skip_space(t, i + 1);
  }
  return std::nullopt;
}

namespace {

// Inserts `members` before the '}' at `close`, with a comma unless the object is empty.
void insert_before_close(std::string& text, std::size_t close, std::string_view members) {
  if (members.empty()) return;
  std::size_t before = close;
  while (before > 0 && is_space(text[before - 1])) --before;
  const bool empty = before > 0 && text[before - 1] == '{';
  text.insert(close, empty ? std::string(members) : "," + std::string(members));
}

}  // namespace

void append_members(std::string& object_text, std::string_view members) {
  const std::size_t close = object_text.rfind('}');
  if (close != std::string::npos) insert_before_close(object_text, close, members);
}

bool append_to_member_object(std::string& text, std::string_view key, std::string_view members) {
  const auto close = member_object_end(text, key);
  if (!close) return false;
  insert_before_close(text, *close, members);
  return true;
}

std::size_t string_member_bytes(std::string_view t, std::string_view key) {
  std::size_t total = 0;
  std::size_t at = 0;
  while ((at = t.find(key, at)) != std::string_view::npos) {
    // A member name: the key in quotes, then optional space and a colon, then a string value.
    const std::size_t name_end = at + key.size();
    const bool quoted = at > 0 && t[at - 1] == '"' && name_end < t.size() && t[name_end] == '"';
    at = name_end;
    if (!quoted) continue;
    std::size_t i = skip_space(t, name_end + 1);
    if (i >= t.size() || t[i] != ':') continue;
    i = skip_space(t, i + 1);
    if (i >= t.size() || t[i] != '"') continue;
    std::size_t j = i + 1;
    while (j < t.size() && t[j] != '"') j += t[j] == '\\' ? 2 : 1;
    j = std::min(j, t.size());
    total += j - (i + 1);  // an unterminated string (a cut stream) counts as far as it goes
    at = j;
  }
  return total;
}

}  // namespace llmroute
