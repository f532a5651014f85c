// scan_json against nlohmann's own SAX pass: on every text it reads, the same events with the same
// values, and never a text parse_json refuses.
#include "util/json_scan.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace llmroute;

namespace {

// Writes down every SAX event, values included.
struct Recorder {
  std::string events;
  bool start_object(std::size_t) { return add("{"); }
  bool end_object() { return add("}"); }
  bool start_array(std::size_t) { return add("["); }
  bool end_array() { return add("]"); }
  bool key(std::string& name) { return add("k:" + name); }
  bool string(std::string& value) { return add("s:" + value); }
  bool boolean(bool value) { return add(value ? "true" : "false"); }
  bool null() { return add("null"); }
  bool number_integer(std::int64_t value) { return add("i:" + std::to_string(value)); }
  bool number_unsigned(std::uint64_t value) { return add("u:" + std::to_string(value)); }
  bool number_float(double value, const std::string& text) {
    char exact[40];
    std::snprintf(exact, sizeof exact, "%.17g", value);
    return add("f:" + text + "=" + exact);
  }
  bool binary(json::binary_t&) { return false; }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }
  bool add(const std::string& event) {
    events += event + "\n";
    return true;
  }
};

}  // namespace

TEST(JsonScan, ReadsWhatNlohmannReadsAndNothingItRefuses) {
  const std::vector<std::string> read = {
      R"({})", R"([])", R"( { "a" : [ 1 , -2 , 0 , -0 , true , false , null , "" ] } )", "\t\r\n{\"a\":{}}\n",
      R"({"s":"a \"q\" \\ \/ \b\f\n\r\t \u0001 \u00e9\u4e2d\uFFFF\ud83d\ude00 é中😀 \u0000"})",
      R"({"k\u0065y":1,"key":2})", R"([18446744073709551615,-9223372036854775808,9223372036854775807])", R"("top")", R"(7)",
      "[" + std::string(63, '[') + std::string(64, ']'),
      // Floats, read as nlohmann reads them (strtod of the token), underflow to zero included.
      "1.5", "1e3", "2E-1", "-0.0", "0.1e-5", "1E+2", "[0.7,-1.25e-7,3.141592653589793,1e-400,1.7976931348623157e308]",
      R"({"temperature":0.2,"top_p":1.0,"n":1})",
  };
  for (const std::string& text : read) {
    Recorder scanned;
    Recorder parsed;
    EXPECT_TRUE(scan_json(text, scanned)) << text;
    ASSERT_TRUE(json::sax_parse(text.begin(), text.end(), &parsed)) << text;
    EXPECT_EQ(scanned.events, parsed.events) << text;
  }
  // Given up on: what parse_json refuses, and what nlohmann reads otherwise (integers past 64 bits,
  // which it reads as floats; floats past double's range, which it refuses; a byte order mark).
  // The caller then parses the text itself.
  const std::vector<std::string> left = {
      "", " ", "{", R"({"a":1,})", R"({"a" 1})", R"([1,])", R"([1 2])", R"({"a":1} x)", R"({a:1})", "'a'", "tru", "nul",
      "01", "-", "+1", ".5", "1.", "1e", "1e+", "1.e5", "-.5", "1e999", "-1e400", "18446744073709551616",
      "-9223372036854775809",
      R"("\x")", R"("\u12")", R"("\u12G4")", R"("\udc00")", R"("\ud800")", R"("\ud800\u0041")", R"("cut)",
      "\"raw \x01\"", "\"tab \t\"", "\"bad \xff\"", "\"overlong \xc0\xaf\"", "\"surrogate \xed\xa0\x80\"", "\"cut \xe4\xb8\"",
      std::string("[1,\0]", 5), "\xef\xbb\xbf{}", "[" + std::string(64, '[') + std::string(65, ']'),
  };
  for (const std::string& text : left) {
    Recorder scanned;
    EXPECT_FALSE(scan_json(text, scanned)) << text;
  }
  // A handler without number_float (the stream translators') gives floats up to the full parse.
  struct NoFloats {
    bool start_object(std::size_t) { return true; }
    bool end_object() { return true; }
    bool start_array(std::size_t) { return true; }
    bool end_array() { return true; }
    bool key(std::string&) { return true; }
    bool string(std::string&) { return true; }
    bool boolean(bool) { return true; }
    bool null() { return true; }
    bool number_integer(std::int64_t) { return true; }
    bool number_unsigned(std::uint64_t) { return true; }
  } no_floats;
  EXPECT_TRUE(scan_json(R"({"a":[1,-2]})", no_floats));
  EXPECT_FALSE(scan_json(R"({"a":[1,-2.5]})", no_floats));
  // The handler stops the scan.
  struct Stopper : Recorder {
    bool key(std::string&) { return false; }
  } stopper;
  EXPECT_FALSE(scan_json(R"({"a":1})", stopper));
}
