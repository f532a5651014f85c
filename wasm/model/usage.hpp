// Token usage in one convention, OpenAI's: cached reads and cache writes are counted INSIDE
// prompt_tokens, reasoning tokens INSIDE completion_tokens. Each provider's parser converts into
// this before anything is priced (Anthropic, for one, reports cache tokens outside its input count).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace llmroute {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_prompt_tokens = 0;       // cache reads, part of prompt_tokens
  std::int64_t cache_write_prompt_tokens = 0;  // cache writes, part of prompt_tokens
  std::int64_t reasoning_tokens = 0;           // part of completion_tokens
  std::int64_t cache_write_1h_prompt_tokens = 0;  // cache writes with a 1-hour TTL, part of cache_write_prompt_tokens
};

// The largest token count believed from a provider: a billion tokens, far past any context window.
// A provider (or a proxy in between) may report anything; every count is read through
// find_token_count, so each lies in [0, kMaxTokenCount] and sums of a few stay far inside int64.
inline constexpr std::int64_t kMaxTokenCount = 1'000'000'000;

std::int64_t clamp_token_count(std::int64_t tokens);

// The token count `key` of a provider's usage object, clamped into [0, kMaxTokenCount]; nullopt
// when absent or not an integer. Every provider's usage reader reads its counts through these two.
std::optional<std::int64_t> find_token_count(const nlohmann::json& usage, std::string_view key);
// The same, 0 when absent: for counts a provider may leave out.
std::int64_t token_count(const nlohmann::json& usage, std::string_view key);

}  // namespace llmroute
