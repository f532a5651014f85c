// Token usage in one convention, OpenAI's: cached reads and cache writes are counted INSIDE
// prompt_tokens, reasoning tokens INSIDE completion_tokens. Each provider's parser converts into
// this before anything is priced (Anthropic, for one, reports cache tokens outside its input count).
#pragma once

#include <cstdint>

namespace llmroute {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cached_prompt_tokens = 0;       // cache reads, part of prompt_tokens
  std::int64_t cache_write_prompt_tokens = 0;  // cache writes, part of prompt_tokens
  std::int64_t reasoning_tokens = 0;           // part of completion_tokens
  std::int64_t cache_write_1h_prompt_tokens = 0;  // cache writes with a 1-hour TTL, part of cache_write_prompt_tokens
};

}  // namespace llmroute
