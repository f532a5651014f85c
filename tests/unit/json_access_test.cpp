#include "util/json_access.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

using namespace llmroute;

TEST(JsonAccess, RefusesNestingPastTheLimitBeforeParsing) {
  json out;
  EXPECT_EQ(parse_json(std::string(64, '[') + std::string(64, ']'), out, 64), JsonParseStatus::Ok);
  EXPECT_EQ(parse_json(std::string(65, '[') + std::string(65, ']'), out, 64), JsonParseStatus::TooDeep);
  // Brackets inside strings do not count.
  EXPECT_EQ(parse_json(R"({"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[[[[["})", out, 3), JsonParseStatus::Ok);
  // A million brackets must be refused, not recursed into.
  EXPECT_EQ(parse_json(std::string(1'000'000, '['), out), JsonParseStatus::TooDeep);
}

TEST(JsonAccess, MalformedAndInvalidUtf8AreErrorsNotAborts) {
  json out;
  EXPECT_EQ(parse_json("{\"a\":", out), JsonParseStatus::Malformed);
  EXPECT_EQ(parse_json("", out), JsonParseStatus::Malformed);
  EXPECT_EQ(parse_json("\"\xff\xfe\"", out), JsonParseStatus::Malformed);
}

TEST(JsonAccess, AccessorsReturnNullOnWrongTypes) {
  const json doc = json::parse(R"({"s":"x","n":3,"f":2.0,"g":2.5,"b":true,"o":{},"a":[]})");
  EXPECT_EQ(*find_string(doc, "s"), "x");
  EXPECT_EQ(find_string(doc, "n"), nullptr);
  EXPECT_EQ(find_int64(doc, "n"), 3);
  EXPECT_EQ(find_int64(doc, "f"), 2);
  EXPECT_EQ(find_int64(doc, "g"), std::nullopt);
  EXPECT_EQ(find_int64(doc, "s"), std::nullopt);
  EXPECT_EQ(find_bool(doc, "b"), true);
  EXPECT_EQ(find_bool(doc, "n"), std::nullopt);
  EXPECT_NE(find_object(doc, "o"), nullptr);
  EXPECT_EQ(find_object(doc, "a"), nullptr);
  EXPECT_NE(find_array(doc, "a"), nullptr);
  EXPECT_EQ(find_string(json::array(), "s"), nullptr);
  EXPECT_EQ(as_int64(json::parse("18446744073709551615")), std::nullopt);
  EXPECT_EQ(as_int64(json::parse("1e300")), std::nullopt);
}

TEST(JsonAccess, SerialisingInvalidUtf8ReplacesInsteadOfAborting) {
  json value = std::string("ok\xff");
  EXPECT_EQ(to_json_text(value), "\"ok\xEF\xBF\xBD\"");
}

TEST(JsonAccess, AppendJsonStringEscapesControlCharacters) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_FALSE(json::parse(out, nullptr, false).is_discarded());
}

TEST(JsonAccess, HeaderNamesCompareWithoutCase) {
  EXPECT_TRUE(iequals("Retry-After", "retry-after"));
  EXPECT_FALSE(iequals("retry-after", "retry-afte"));
}

// Upstream bytes (an event-stream header, a stream event, an error body) are not always UTF-8, but
// what the core writes is JSON the Worker decodes: a broken byte becomes U+FFFD, never a broken
// document (issue 7, bug B).
TEST(JsonAccess, AppendJsonStringRepairsInvalidUtf8) {
  std::string out;
  append_json_string(out, std::string_view("ok \xC3\xA9 \xFF\xE2\x82 \xF0\x9F\x98\x80", 14));
  EXPECT_EQ(out, "\"ok \xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD \xF0\x9F\x98\x80\"");
  const json parsed = json::parse(out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed.get<std::string>(), "ok \xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD \xF0\x9F\x98\x80");
}

TEST(JsonAccess, AppendJsonStringKeepsValidTextAsItIs) {
  std::string out;
  append_json_string(out, "\xE2\x82\xAC 5, \"quoted\"\n");
  EXPECT_EQ(out, "\"\xE2\x82\xAC 5, \\\"quoted\\\"\\n\"");
}

// nlohmann stops reading at a NUL byte: "{}\0garbage" parsed as {} and a relayed chunk carried the
// garbage (and bytes that are not UTF-8) to the client. Found by stream_fuzz.
TEST(JsonAccess, ANulByteIsMalformedNotTheEndOfTheText) {
  json out;
  const std::string text("{\"a\":1}\0\xFE\xFE garbage", 18);
  EXPECT_EQ(parse_json(text, out), JsonParseStatus::Malformed);
  EXPECT_FALSE(is_json_text(text));
  EXPECT_TRUE(is_json_text("{\"a\":[1,\"\xC3\xA9\"]}"));
  EXPECT_FALSE(is_json_text("{\"a\":\"\xFF\"}"));
  EXPECT_FALSE(is_json_text(std::string(65, '[') + std::string(65, ']')));
}

// is_json_text takes a fast scan first and the full check for what the scan leaves: the verdict
// must be parse_json's either way.
TEST(JsonAccess, IsJsonTextAgreesWithParseJson) {
  const std::string texts[] = {
      R"({"id":"c1","choices":[{"delta":{"content":"hi"},"finish_reason":null}],"usage":null})",
      R"({"a":1.5e3,"b":-0.25})",                      // floats
      R"({"a":1e999})",                                // a float out of range: left to the full check
      R"({"a":"\ud83d\ude00","b":"\u00e9\n"})",        // escapes and a surrogate pair
      R"({"a":"\ud83d"})",                             // a lone surrogate
      R"({"a":1} x)", R"({"a":})", R"({"a":01})", R"([1,2,])", "", " ", "{", R"("text")", "true",
      R"({"a":18446744073709551615,"b":-9223372036854775808})", R"({"a":18446744073709551616})",
      "\xEF\xBB\xBF{}",                                // a byte order mark
      std::string(64, '[') + std::string(64, ']'), std::string(65, '[') + std::string(65, ']'),
      "{\"a\":\"tab\there\"}",                          // a raw control character in a string
  };
  for (const std::string& text : texts) {
    json out;
    EXPECT_EQ(is_json_text(text), parse_json(text, out) == JsonParseStatus::Ok) << text;
  }
}

// parse_json builds its tree from the fast scan when it can and with nlohmann's parser otherwise:
// either way the status and the tree must be what nlohmann's parser alone gives (the oracle below is
// parse_json as it was before the fast path: the depth check, then nlohmann).
TEST(JsonAccess, ParseJsonGivesWhatNlohmannGives) {
  const auto reference = [](const std::string& text, json& out, int max_depth) {
    if (nests_deeper_than(text, max_depth)) return JsonParseStatus::TooDeep;
    if (text.find('\0') != std::string::npos) return JsonParseStatus::Malformed;
    out = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return out.is_discarded() ? JsonParseStatus::Malformed : JsonParseStatus::Ok;
  };
  const std::string texts[] = {
      R"({"model":"chat","messages":[{"role":"user","content":"Hi \u00e9 \ud83d\ude00"}],"temperature":0.7,"top_p":1,)"
      R"("max_tokens":256,"stream":false,"stop":null,"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]})",
      R"({"a":1,"a":2,"b":{"c":[],"c":[true,false,null]}})",  // duplicate members: the last one wins, both ways
      R"({"n":[0,-0,-0.0,1e-400,1.7976931348623157e308,18446744073709551615,-9223372036854775808,18446744073709551616]})",
      R"({"x":1e999})", R"({"x":-1e400})", R"([1.])", R"([.5])", R"([01])", R"({"a":"\ud800"})", R"({"a":"\x"})",
      "\xEF\xBB\xBF{\"a\":1}", "{\"a\":\"\xC0\xAF\"}", std::string("{\"a\":\"x\0\"}", 10), std::string("[1]\0", 4),
      R"("top")", "42", "-7", "true", "null", " [ ] ", "", "  ", "{", R"({"a":1,})", R"({"a":1} {})",
      std::string(64, '[') + std::string(64, ']'), std::string(65, '[') + std::string(65, ']'),
      std::string(65, '[') + "x", R"({"s":"[[[[[[[[","t":{"u":[{"v":[1]}]}})",
  };
  for (const std::string& text : texts) {
    for (const int max_depth : {3, kDefaultMaxJsonDepth}) {
      json fast;
      json expected;
      const JsonParseStatus status = parse_json(text, fast, max_depth);
      EXPECT_EQ(status, reference(text, expected, max_depth)) << text;
      if (status == JsonParseStatus::Ok) EXPECT_EQ(fast.dump(), expected.dump()) << text;
    }
  }
}

// to_json_text writes trees itself: byte for byte what nlohmann's dump (no indent, UTF-8 kept,
// ill-formed UTF-8 replaced) writes, escapes, numbers and member order included.
TEST(JsonAccess, ToJsonTextWritesWhatDumpWrites) {
  json tree = json::parse(R"({"z":[1,-2,0,18446744073709551615,-9223372036854775808,0.7,1e-7,1.0,-0.0,1e300],
    "a":{"nested":{"deeper":[[],{},[{}]]}},"t":true,"f":false,"n":null,"s":"plain é 中 😀",
    "esc":"q\" b\\ \b \f \n \r \t \u0001 \u001f \u007f /","":"empty key"})");
  tree["bad utf-8"] = std::string("ok\xff\xc0\xaf and \xe4\xb8 cut \xe0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xf0\x9f\x98 \x80\xbf");
  tree["cut at the end"] = std::string("\xf0\x9f\x98");
  tree[std::string("bad key \xfe")] = 1;
  tree["binary"] = json::binary({1, 2, 3});
  for (const json& value : {tree, json(), json(true), json(42), json(-1.5), json(1e21), json(5e-324), json(100.0),
                            json(std::numeric_limits<double>::infinity()), json(std::nan("")), json("top"), json::array(),
                            json::object(), json(json::value_t::discarded)}) {
    EXPECT_EQ(to_json_text(value), value.dump(-1, ' ', false, json::error_handler_t::replace)) << value.dump();
  }
}
