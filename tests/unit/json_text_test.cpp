// Edits of JSON text without a parse: they must land exactly where a parser would put them, and
// never be fooled by strings that look like structure.
#include "util/json_text.hpp"

#include <gtest/gtest.h>

#include "util/json_access.hpp"

using namespace llmroute;

TEST(JsonText, FindsTheTopLevelMemberObjectOnly) {
  const std::string text = R"({"choices":[{"usage":{"inner":1}}],"note":"\"usage\":{}}","usage":{"a":{"b":"}"}} })";
  const auto end = member_object_end(text, "usage");
  ASSERT_TRUE(end);
  EXPECT_EQ(text.substr(0, *end + 1), R"({"choices":[{"usage":{"inner":1}}],"note":"\"usage\":{}}","usage":{"a":{"b":"}"}})");
}

TEST(JsonText, NoMemberNoObjectNoChange) {
  std::string text = R"({"usage":null,"x":{"usage":{}}})";
  EXPECT_FALSE(member_object_end(text, "usage"));
  EXPECT_FALSE(append_to_member_object(text, "usage", R"("c":1)"));
  EXPECT_EQ(text, R"({"usage":null,"x":{"usage":{}}})");
  EXPECT_FALSE(member_object_end("[1,2]", "usage"));
  EXPECT_FALSE(member_object_end("", "usage"));
  EXPECT_FALSE(member_object_end(R"({"usage")", "usage"));  // cut short: nothing found, nothing read past the end
}

TEST(JsonText, AppendsWithACommaOnlyWhenNeeded) {
  std::string full = R"( { "usage" : { "a" : 1 } , "b" : 2 } )";
  ASSERT_TRUE(append_to_member_object(full, "usage", R"("c":3)"));
  json parsed;
  ASSERT_EQ(parse_json(full, parsed), JsonParseStatus::Ok);
  EXPECT_EQ(parsed["usage"]["a"], 1);
  EXPECT_EQ(parsed["usage"]["c"], 3);
  EXPECT_EQ(parsed["b"], 2);

  std::string empty = R"({"usage":{ }})";
  ASSERT_TRUE(append_to_member_object(empty, "usage", R"("c":3)"));
  EXPECT_EQ(empty, R"({"usage":{ "c":3}})");

  std::string object = R"({"prompt_tokens":1})";
  append_members(object, R"("cost":2)");
  EXPECT_EQ(object, R"({"prompt_tokens":1,"cost":2})");
}

TEST(JsonText, CountsStringMemberBytesAtAnyDepth) {
  const std::string chunk = R"({"choices":[{"delta":{"content":"Hello"}},{"delta":{"content": "a\"b"}}],"x":"content","content":5})";
  EXPECT_EQ(string_member_bytes(chunk, "content"), 5u + 4u);  // escapes as written; a number is not text
  EXPECT_EQ(string_member_bytes(R"({"content":"cut sho)", "content"), 7u);
  EXPECT_EQ(string_member_bytes(R"({"contents":"no"})", "content"), 0u);
}
