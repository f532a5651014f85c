#include "model/usage.hpp"

#include <algorithm>

#include "util/json_access.hpp"

namespace llmroute {

std::int64_t clamp_token_count(std::int64_t tokens) { return std::clamp<std::int64_t>(tokens, 0, kMaxTokenCount); }

std::optional<std::int64_t> find_token_count(const json& usage, std::string_view key) {
  const auto tokens = find_int64(usage, key);
  if (!tokens) return std::nullopt;
  return clamp_token_count(*tokens);
}

std::int64_t token_count(const json& usage, std::string_view key) { return find_token_count(usage, key).value_or(0); }

}  // namespace llmroute
