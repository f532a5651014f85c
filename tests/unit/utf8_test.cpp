#include "util/utf8.hpp"

#include <gtest/gtest.h>

using namespace llmroute;

namespace {

std::string repaired(std::string_view text) {
  std::string out;
  append_valid_utf8(out, text);
  return out;
}

}  // namespace

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));                            // U+10FFFF, the last code point
  EXPECT_EQ(repaired("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(Utf8, RefusesWhatUnicodeForbids) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong, three bytes
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate, U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));  // cut short at the end
}

// Each maximal ill-formed subpart becomes one U+FFFD, as TextDecoder in the Worker (and any
// browser) decodes it: native tests then see the bytes a client would.
TEST(Utf8, ReplacesEachMaximalSubpartWithOneReplacementCharacter) {
  const std::string r(kReplacementCharacter);
  EXPECT_EQ(repaired("a\xFF" "b"), "a" + r + "b");
  EXPECT_EQ(repaired("\xE2\x82" "A"), r + "A");                    // a truncated euro sign: one U+FFFD
  EXPECT_EQ(repaired("\xE2\x82"), r);                              // ... also at the very end
  EXPECT_EQ(repaired("\xC0\xAF"), r + r);                          // C0 never starts a sequence
  EXPECT_EQ(repaired("\xED\xA0\x80"), r + r + r);                  // surrogates: each byte apart
  EXPECT_EQ(repaired("\xF0\x9F\x98" "\xF0\x9F\x98\x80"), r + "\xF0\x9F\x98\x80");
  EXPECT_TRUE(is_valid_utf8(repaired("\x80\xBF\xC2\xE0\xA0\xF4\x90\xFE")));
}
