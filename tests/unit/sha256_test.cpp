#include "util/sha256.hpp"

#include <gtest/gtest.h>

using namespace llmroute;

TEST(Sha256, KnownVectors) {
  // FIPS 180-4 examples and block-boundary lengths (55, 56 and 64 bytes pad differently).
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(to_hex(sha256(std::string(55, 'a'))), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(to_hex(sha256(std::string(56, 'a'))), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(to_hex(sha256(std::string(64, 'a'))), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  EXPECT_EQ(to_hex(sha256(std::string(1000000, 'a'))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HexRoundTripAndRejects) {
  Sha256Digest digest{};
  const std::string hex = to_hex(sha256("k"));
  ASSERT_TRUE(parse_sha256_hex(hex, digest));
  EXPECT_EQ(to_hex(digest), hex);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_TRUE(parse_sha256_hex(upper, digest));
  EXPECT_EQ(to_hex(digest), hex);
  EXPECT_FALSE(parse_sha256_hex(hex.substr(1), digest));
  EXPECT_FALSE(parse_sha256_hex(hex.substr(0, 63) + "g", digest));
}

TEST(Sha256, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal(sha256("a"), sha256("a")));
  EXPECT_FALSE(constant_time_equal(sha256("a"), sha256("b")));
}
