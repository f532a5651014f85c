// pcg32 (O'Neill, PCG XSH-RR 64/32): the core's only source of randomness, seeded by the caller so
// the same seed, config and request always give the same decisions.
#pragma once

#include <cstdint>

namespace llmroute {

class Pcg32 {
 public:
  explicit Pcg32(std::uint64_t seed, std::uint64_t stream = 0x2545F4914F6CDD1DULL)
      : increment_((stream << 1u) | 1u) {
    next();
    state_ += seed;
    next();
  }

  std::uint32_t next() {
    const std::uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + increment_;
    const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    const auto rotation = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rotation) | (xorshifted << ((32u - rotation) & 31u));
  }

  // Uniform in [0, bound) without modulo bias (Lemire's rejection is overkill at our bounds; the
  // classic threshold rejection is exact and small).
  std::uint32_t below(std::uint32_t bound) {
    if (bound == 0) return 0;
    const std::uint32_t threshold = (0u - bound) % bound;
    for (;;) {
      const std::uint32_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  std::uint64_t state_ = 0;
  std::uint64_t increment_;
};

}  // namespace llmroute
