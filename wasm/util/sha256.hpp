// SHA-256 (FIPS 180-4), for client keys: the config stores only their hashes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmroute {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
std::string to_hex(const Sha256Digest& digest);
// Lower- or upper-case hex of exactly 64 digits; false otherwise.
bool parse_sha256_hex(std::string_view hex, Sha256Digest& out);
// Compares without an early exit, so the time taken says nothing about where they differ.
bool constant_time_equal(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace llmroute
