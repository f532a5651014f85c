// A strict scan of one JSON text that drives a SAX handler with nlohmann's member functions
// (start_object, end_object, start_array, end_array, key, string, boolean, null, number_integer,
// number_unsigned) as json::sax_parse would, without nlohmann's lexer, which records every byte it
// reads for its error messages and cost most of a stream event's time.
//
// It is a shortcut, never a verdict: it reads the text only when parse_json would accept it and
// would read the same values, and gives up (false) on anything else, valid or not, so the caller
// then parses the text in full. It gives up on: a syntax error, nesting deeper than `max_depth`, a
// control character or ill-formed UTF-8 in a string, a bad escape or a lone surrogate, a byte order
// mark, an integer outside int64/uint64, a float out of double's range, any number with a fraction
// or exponent when the handler has no number_float (the stream handlers read none), and whenever
// the handler returns false. Floats are read as nlohmann reads them: strtod of the token.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/json_access.hpp"
#include "util/utf8.hpp"

namespace llmroute {

template <typename Handler>
bool scan_json(std::string_view text, Handler& handler, int max_depth = kDefaultMaxJsonDepth);

namespace json_scan_detail {

template <typename Handler>
class Scanner {
 public:
  Scanner(std::string_view text, Handler& handler) : t_(text), h_(handler) {}

  bool run(int max_depth) {
    skip_space();
    if (!value(max_depth)) return false;
    skip_space();
    return i_ == t_.size();
  }

 private:
  // `depth_left`: how many more levels of nesting parse_json allows here.
  bool value(int depth_left) {
    if (i_ >= t_.size()) return false;
    switch (t_[i_]) {
      case '{': return object(depth_left);
      case '[': return array(depth_left);
      case '"': return string(buffer_) && h_.string(buffer_);
      case 't': return literal("true") && h_.boolean(true);
      case 'f': return literal("false") && h_.boolean(false);
      case 'n': return literal("null") && h_.null();
      default: return number();
    }
  }

  bool object(int depth_left) {
    if (depth_left == 0 || !h_.start_object(kUnknownSize)) return false;
    ++i_;
    skip_space();
    if (take('}')) return h_.end_object();
    for (;;) {
      if (!at('"') || !string(key_) || !h_.key(key_)) return false;
      skip_space();
      if (!take(':')) return false;
      skip_space();
      if (!value(depth_left - 1)) return false;
      skip_space();
      if (take('}')) return h_.end_object();
      if (!take(',')) return false;
      skip_space();
    }
  }

  bool array(int depth_left) {
    if (depth_left == 0 || !h_.start_array(kUnknownSize)) return false;
    ++i_;
    skip_space();
    if (take(']')) return h_.end_array();
    for (;;) {
      if (!value(depth_left - 1)) return false;
      skip_space();
      if (take(']')) return h_.end_array();
      if (!take(',')) return false;
      skip_space();
    }
  }

  // At a '"': the string's value, unescaped, into `out`.
  bool string(std::string& out) {
    out.clear();
    ++i_;
    while (i_ < t_.size()) {
      const std::size_t run = i_;
      while (i_ < t_.size() && plain(t_[i_])) ++i_;
      out.append(t_.data() + run, i_ - run);
      if (i_ >= t_.size()) return false;
      const auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\') {
        if (!escape(out)) return false;
      } else {
        const std::size_t length = c < 0x20 ? 0 : utf8_sequence_length(t_, i_);  // control characters must be escaped
        if (length == 0) return false;
        out.append(t_.data() + i_, length);
        i_ += length;
      }
    }
    return false;
  }

  // At a '\\' inside a string.
  bool escape(std::string& out) {
    if (i_ + 1 >= t_.size()) return false;
    const char c = t_[i_ + 1];
    i_ += 2;
    switch (c) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return false;
    }
    std::uint32_t code = 0;
    if (!hex4(code) || (code >= 0xDC00 && code <= 0xDFFF)) return false;
    if (code >= 0xD800 && code <= 0xDBFF) {  // must be followed by the low half of the pair
      std::uint32_t low = 0;
      if (!take('\\') || !take('u') || !hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, code);
    return true;
  }

  bool hex4(std::uint32_t& code) {
    if (t_.size() - i_ < 4) return false;
    for (int k = 0; k < 4; ++k) {
      const char c = t_[i_++];
      const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (digit < 0) return false;
      code = code * 16 + static_cast<std::uint32_t>(digit);
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    auto byte = [&](std::uint32_t b) { out += static_cast<char>(b); };
    if (code < 0x80) {
      byte(code);
    } else if (code < 0x800) {
      byte(0xC0 | (code >> 6));
      byte(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      byte(0xE0 | (code >> 12));
      byte(0x80 | ((code >> 6) & 0x3F));
      byte(0x80 | (code & 0x3F));
    } else {
      byte(0xF0 | (code >> 18));
      byte(0x80 | ((code >> 12) & 0x3F));
      byte(0x80 | ((code >> 6) & 0x3F));
      byte(0x80 | (code & 0x3F));
    }
  }

  // JSON's number grammar. Integers go to the handler as nlohmann types them (negative: int64,
  // else uint64).
  bool number() {
    const std::size_t start = i_;
    take('-');
    if (!take('0') && !digits()) return false;
    if (at('.') || at('e') || at('E')) {
      if constexpr (requires(Handler& h, double value, std::string& token) { h.number_float(value, token); }) {
        return number_float(start);
      } else {
        return false;  // a handler that reads no floats: left to the full parse
      }
    }
    const char* first = t_.data() + start;
    const char* last = t_.data() + i_;
    if (*first == '-') {
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(first, last, value);
      return ec == std::errc() && end == last && h_.number_integer(value);
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(first, last, value);
    return ec == std::errc() && end == last && h_.number_unsigned(value);
  }

  // After a number's integer part, at its '.', 'e' or 'E'. nlohmann hands the token to strtod (in
  // the C locale, which nothing here changes) and refuses a result out of range: the same here.
  bool number_float(std::size_t start) {
    if (take('.') && !digits()) return false;
    if (take('e') || take('E')) {
      if (!take('+')) take('-');
      if (!digits()) return false;
    }
    buffer_.assign(t_.data() + start, i_ - start);  // strtod needs the terminating NUL
    char* end = nullptr;
    const double value = std::strtod(buffer_.c_str(), &end);
    if (end != buffer_.c_str() + buffer_.size() || !std::isfinite(value)) return false;
    return h_.number_float(value, buffer_);
  }

  bool digits() {
    const std::size_t start = i_;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
    return i_ > start;
  }

  bool literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  void skip_space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }

  bool at(char c) const { return i_ < t_.size() && t_[i_] == c; }
  bool take(char c) {
    if (!at(c)) return false;
    ++i_;
    return true;
  }

  // Copied as they are: printable ASCII but the quote and the backslash.
  static bool plain(char c) { return c >= 0x20 && c != '"' && c != '\\' && static_cast<unsigned char>(c) < 0x80; }

  static constexpr std::size_t kUnknownSize = static_cast<std::size_t>(-1);  // what nlohmann passes too
  std::string_view t_;
  Handler& h_;
  std::size_t i_ = 0;
  std::string buffer_;
  std::string key_;
};

}  // namespace json_scan_detail

template <typename Handler>
bool scan_json(std::string_view text, Handler& handler, int max_depth) {
  return json_scan_detail::Scanner<Handler>(text, handler).run(max_depth);
}

}  // namespace llmroute
