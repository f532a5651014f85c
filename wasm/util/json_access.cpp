#include "util/json_access.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "util/json_scan.hpp"
#include "util/utf8.hpp"

namespace llmroute {

const json* find(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

bool nests_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') --depth;
  }
  return false;
}

JsonParseStatus parse_json(std::string_view text, json& out, int max_depth) {
  // Every request, answer and error body comes through here. The strict scan reads what it is sure
  // of (the depth limit included) about twice as fast as nlohmann's lexer, which keeps every byte
  // for its error messages, and builds the tree with nlohmann's own builder, the one json::parse
  // uses, so the tree is the same. What the scan gives up on, valid or not, takes the full path.
  {
    json scanned;
    nlohmann::detail::json_sax_dom_parser<json> builder(scanned, /*allow_exceptions_=*/false);
    if (scan_json(text, builder, max_depth)) {
      out = std::move(scanned);
      return JsonParseStatus::Ok;
    }
  }
  if (nests_deeper_than(text, max_depth)) return JsonParseStatus::TooDeep;
  if (text.find('\0') != std::string_view::npos) return JsonParseStatus::Malformed;
  out = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  return out.is_discarded() ? JsonParseStatus::Malformed : JsonParseStatus::Ok;
}

namespace {

// A scan_json handler that keeps nothing: is_json_text needs only the verdict.
struct AcceptEverything {
  bool number_float(double /*value*/, std::string& /*token*/) { return true; }
  bool start_object(std::size_t /*size*/) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t /*size*/) { return true; }
  bool end_array() { return true; }
  bool key(std::string& /*name*/) { return true; }
  bool string(std::string& /*value*/) { return true; }
  bool boolean(bool /*value*/) { return true; }
  bool null() { return true; }
  bool number_integer(std::int64_t /*value*/) { return true; }
  bool number_unsigned(std::uint64_t /*value*/) { return true; }
};

}  // namespace

bool is_json_text(std::string_view text, int max_depth) {
  // Every relayed OpenAI stream chunk is checked here: the strict scan reads what parse_json
  // accepts several times faster than nlohmann's lexer, and leaves the rest (anything it is unsure
  // of) to the full check below.
  AcceptEverything accept_everything;
  if (scan_json(text, accept_everything, max_depth)) return true;
  if (nests_deeper_than(text, max_depth) || text.find('\0') != std::string_view::npos) return false;
  return json::accept(text.begin(), text.end());  // its lexer refuses ill-formed UTF-8 too
}

// Ill-formed UTF-8 becomes one U+FFFD per maximal ill-formed subpart (utf8_sequence_length), which is
// what nlohmann's dump writes with error_handler_t::replace; the escapes are dump's too.
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  // Copy runs of characters that need no escape in one go: this is on the hot path of every
  // request and answer body that crosses the ABI.
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Upstream bytes need not be UTF-8; a JSON text must be (and the Worker decodes it).
      std::size_t invalid = 0;
      if (const std::size_t length = utf8_sequence_length(text, i, &invalid)) {
        i += length - 1;
        continue;
      }
      out.append(text.data() + run_start, i - run_start).append(kReplacementCharacter);
      i += invalid - 1;
      run_start = i + 1;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    // Appended with their lengths: literals picked by a switch become a table of pointers, each
    // then measured with strlen (two per SSE event, whose "\n\n" this escapes).
    char letter = 0;
    switch (c) {
      case '"': letter = '"'; break;
      case '\\': letter = '\\'; break;
      case '\b': letter = 'b'; break;
      case '\f': letter = 'f'; break;
      case '\n': letter = 'n'; break;
      case '\r': letter = 'r'; break;
      case '\t': letter = 't'; break;
      default: break;
    }
    if (letter != 0) {
      const char escape[2] = {'\\', letter};
      out.append(escape, sizeof escape);
    } else {
      const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4u], kHex[c & 0xFu]};
      out.append(escape, sizeof escape);
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out.push_back('"');
}

namespace {

template <typename Integer>
void write_integer(std::string& out, Integer value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// What json::dump(-1, ' ', false, replace) writes, byte for byte, without its serializer, which
// checks every byte of every string through a UTF-8 state machine: request bodies are serialised
// on every call, answers of the translated providers too. Nothing in the core calls dump, so the
// serializer is not in the module at all.
void write_json(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, key);
        out.push_back(':');
        write_json(out, member);
      }
      out.push_back('}');
      return;
    }
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const json& element : value) {
        if (!first) out.push_back(',');
        first = false;
        write_json(out, element);
      }
      out.push_back(']');
      return;
    }
    case json::value_t::string: append_json_string(out, value.get_ref<const std::string&>()); return;
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case json::value_t::number_integer: write_integer(out, value.get<std::int64_t>()); return;
    case json::value_t::number_unsigned: write_integer(out, value.get<std::uint64_t>()); return;
    case json::value_t::null: out += "null"; return;
    case json::value_t::number_float: {
      // dump's own formatting (shortest round trip, ".0" on whole numbers), and null for what JSON
      // cannot hold.
      const double number = value.get<double>();
      if (!std::isfinite(number)) {
        out += "null";
        return;
      }
      char digits[64];
      out.append(digits, nlohmann::detail::to_chars(digits, digits + sizeof digits, number));
      return;
    }
    case json::value_t::binary: {  // never built here; written as dump writes it all the same
      const json::binary_t& bytes = value.get_binary();
      out += "{\"bytes\":[";
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i > 0) out.push_back(',');
        write_integer(out, bytes[i]);
      }
      out += "],\"subtype\":";
      if (bytes.has_subtype()) write_integer(out, bytes.subtype());
      else out += "null";
      out.push_back('}');
      return;
    }
    case json::value_t::discarded: out += "<discarded>"; return;
  }
}

}  // namespace

std::string to_json_text(const json& value) {
  std::string out;
  write_json(out, value);
  return out;
}

std::optional<std::int64_t> as_int64(const json& v) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
      return static_cast<std::int64_t>(u);
    }
    return v.get<std::int64_t>();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (!std::isfinite(d) || d != std::floor(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace llmroute
