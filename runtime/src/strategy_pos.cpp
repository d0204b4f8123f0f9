// POS, partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling",
// CAV 2018).
//
// Every goroutine's next operation carries a random priority; the runnable goroutine with
// the highest one runs. After it ran, its own next operation and every runnable
// goroutine's pending operation that conflicts with the one just executed (conflicts() in
// strategy.hpp: the same channel, mutex or address with a write) draw fresh priorities.
// Operations that commute keep their order of priority, so the many interleavings that
// only reorder independent operations are not sampled again and again: schedules are
// spread far more evenly over the partial orders than a random walk spreads them.
// Invariant: prio_[id] is the priority of goroutine id's pending operation.
#include <vector>

#include "rng.hpp"
#include "strategy.hpp"

namespace weft::detail {

namespace {

class PosStrategy final : public Strategy {
 public:
  explicit PosStrategy(std::uint64_t seed) : seed_(seed) {}

  bool begin_iteration(std::uint64_t i) override {
    rng_.reseed(seed_ ^ mix64(i ^ 0x9051));
    prio_.assign(1, 0);
    return true;
  }

  void on_spawn(const G& g) override {
    if (prio_.size() <= g.id) prio_.resize(g.id + 1, 0);
    prio_[g.id] = rng_.next();
  }

  std::size_t pick_goroutine(const RunQueue& runnable, const G*) override {
    std::size_t best = 0, j = 0;
    const G* run = nullptr;
    runnable.for_each([&](const G* g) {
      if (!run || priority(g) > priority(run)) {
        best = j;
        run = g;
      }
      ++j;
    });
    runnable.for_each([&](const G* other) {
      if (other != run &&
          conflicts(other->pending, other->pending_obj, run->pending, run->pending_obj))
        refresh(other);
    });
    refresh(run);
    return best;
  }

  std::size_t pick_value(std::size_t n) override { return rng_.below(n); }

 private:
  std::uint64_t priority(const G* g) const { return g->id < prio_.size() ? prio_[g->id] : 0; }
  void refresh(const G* g) {
    if (prio_.size() <= g->id) prio_.resize(g->id + 1, 0);
    prio_[g->id] = rng_.next();
  }

  std::uint64_t seed_;
  Rng rng_;
  std::vector<std::uint64_t> prio_;  // by goroutine id
};

}  // namespace

std::unique_ptr<Strategy> make_pos_strategy(std::uint64_t seed) {
  return std::make_unique<PosStrategy>(seed);
}

}  // namespace weft::detail
