#include "util/hmac_sha256.hpp"

#include <string>

namespace llmroute {

namespace {

constexpr std::size_t kBlockBytes = 64;
constexpr unsigned char kInnerPad = 0x36;
constexpr unsigned char kOuterPad = 0x5c;

}  // namespace

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
  // Keys longer than a block are hashed first; shorter ones are padded with zeros.
  std::string block(kBlockBytes, '\0');
  if (key.size() > kBlockBytes) {
    const Sha256Digest hashed = sha256(key);
    block.replace(0, hashed.size(), digest_bytes(hashed));
  } else {
    block.replace(0, key.size(), key);
  }
  std::string inner(kBlockBytes, '\0');
  std::string outer(kBlockBytes, '\0');
  for (std::size_t i = 0; i < kBlockBytes; ++i) {
    inner[i] = static_cast<char>(static_cast<unsigned char>(block[i]) ^ kInnerPad);
    outer[i] = static_cast<char>(static_cast<unsigned char>(block[i]) ^ kOuterPad);
  }
  inner.append(message);
  outer.append(digest_bytes(sha256(inner)));
  return sha256(outer);
}

}  // namespace llmroute
