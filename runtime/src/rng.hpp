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
  // Inline: a strategy draws at almost every scheduling decision.
  std::uint64_t next() noexcept {
    auto rotl = [](std::uint64_t v, int k) { return (v << k) | (v >> (64 - k)); };
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n), n >= 1; exactly one draw.
  std::size_t below(std::size_t n) noexcept {
    // Lemire's multiply-shift; the tiny bias is irrelevant for scheduling.
    return static_cast<std::size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

 private:
  std::uint64_t s_[4];
};

}  // namespace weft::detail
