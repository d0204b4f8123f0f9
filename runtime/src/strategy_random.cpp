// The random-walk strategy: at every choice, uniform over the options, from a generator
// seeded by (seed, iteration) so any iteration can be re-run on its own.
#include "strategy.hpp"

namespace weft::detail {

std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void Rng::reseed(std::uint64_t seed) noexcept {
  std::uint64_t x = seed;
  for (auto& s : s_) {
    x = mix64(x);
    s = x;
  }
}

std::uint64_t Rng::next() noexcept {
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

std::size_t Rng::below(std::size_t n) noexcept {
  // Lemire's multiply-shift; the tiny bias is irrelevant for scheduling.
  return static_cast<std::size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
}

namespace {
class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : seed_(seed) {}
  bool begin_iteration(std::uint64_t i) override {
    stream_ = seed_ ^ mix64(i);
    rng_.reseed(stream_);
    draws_ = 0;
    return true;
  }
  std::size_t pick_goroutine(std::span<G* const> runnable, const G*) override {
    ++draws_;
    return rng_.below(runnable.size());
  }
  std::size_t pick_value(std::size_t n) override {
    ++draws_;
    return rng_.below(n);
  }
  // Every choice is one draw (Rng::below draws once), so the schedule is (stream_, count).
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const override {
    seed = stream_;
    index = draws_ - 1;
    return true;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t stream_ = 0;  // the generator's seed in this iteration
  std::uint64_t draws_ = 0;   // draws since then
  Rng rng_;
};
}  // namespace

std::unique_ptr<Strategy> make_random_strategy(std::uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed);
}

}  // namespace weft::detail
