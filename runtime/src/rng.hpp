// The deterministic random source of every strategy: splitmix64 seeding and a xoshiro256**
// stream. Replay depends on it bit for bit (a w2 token's `draws` operations name draws of
// Rng(seed)), so its output must never change.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::detail {

// splitmix64's finaliser: a bijective mix of 64 bits (seeds per iteration, hashes).
std::uint64_t mix64(std::uint64_t x) noexcept;

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }
  void reseed(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept;
  // Uniform in [0, n), n >= 1; exactly one draw.
  std::size_t below(std::size_t n) noexcept;

 private:
  std::uint64_t s_[4];
};

}  // namespace weft::detail
