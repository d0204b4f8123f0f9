// The random-walk strategy: at every choice, uniform over the options, from a generator
// seeded by (seed, iteration) so any iteration can be re-run on its own.
#include "rng.hpp"
#include "strategy.hpp"

namespace weft::detail {

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
  std::size_t pick_goroutine(const RunQueue& runnable, const G*) override {
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
