// HMAC-SHA256 (RFC 2104 over FIPS 180-4), for AWS SigV4 signing.
#pragma once

#include <string_view>

#include "util/sha256.hpp"

namespace llmroute {

Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

// The digest's bytes as a string, to key the next HMAC with (SigV4 chains them).
inline std::string_view digest_bytes(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace llmroute
