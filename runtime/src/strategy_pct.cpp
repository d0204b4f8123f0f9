// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte:
// "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
//
// Every goroutine gets a random priority when it is created, above d; the highest-priority
// runnable goroutine always runs. d - 1 change points are drawn uniformly among the k steps
// an iteration is expected to take: at change point i the goroutine about to run drops to
// priority i (below every initial one). A bug of depth d (d ordering constraints between n
// goroutines, k steps) is then hit with probability at least 1 / (n * k^(d-1)) per
// iteration.
//
// weft's additions:
//  - k is not known before an iteration runs, and must not be learned from earlier ones
//    (iteration i's schedule depends only on the seed and i, so runs over disjoint ranges
//    of iterations split one exploration exactly: the weft CLI's --jobs and --shard). So
//    each change point is drawn log-uniformly over [1, kBudget]: step s is picked with
//    probability about 1 / (s * ln kBudget) >= 1 / (10 * k), which favours the early steps
//    where short programs' bugs are, and a bug of depth d is hit with probability at least
//    1 / (n * (10k)^(d-1));
//  - a goroutine that polls (yield, select default, failed try_lock/try_recv) drops below
//    every other with probability 1/2, and always when it polls again within a few
//    operations (a spin loop, PollStreaks): so a single yield is explored both ways, and a
//    spin waiting for a lower-priority goroutine lets it run after two polls at most;
//  - after kBudget decisions the iteration finishes with a fair random tail, so a livelock
//    or a leak check still ends, reported as such, instead of one goroutine starving.
//  - the highest-priority runnable goroutine is kept in a tree (TopByKey), so a decision
//    costs O(log n) with n goroutines alive.
// Invariant: priorities are distinct (ties are broken by id), so the highest is unique;
// top_ holds each goroutine's priority as its key (key(p), order-preserving).
#include <algorithm>
#include <cmath>
#include <vector>

#include "dcheck.hpp"
#include "rng.hpp"
#include "strategy.hpp"
#include "strategy_top.hpp"

namespace weft::detail {

namespace {

constexpr std::uint64_t kBudget = 20'000;

class PctStrategy final : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, unsigned depth) : seed_(seed), depth_(depth) {}

  bool begin_iteration(std::uint64_t i) override {
    rng_.reseed(seed_ ^ mix64(i ^ 0x5c7a11));
    top_.reset();
    streaks_.reset();
    decisions_ = 0;
    poll_floor_ = 0;
    change_.clear();
    for (unsigned j = 1; j < depth_; ++j) change_.push_back(log_uniform_step());
    return true;
  }

  void on_spawn(const G& g) override {
    // Initial priorities lie far above the change points' 1..d-1.
    set(g.id, static_cast<std::int64_t>(1 + (rng_.next() >> 2)) + 64);
  }

  // The first poll of a streak half the time: a single yield must not always let the
  // others go first (that would hide the orders where the yielding goroutine goes on); a
  // poll that continues a streak always.
  void on_poll(const G& g) override {
    if (streaks_.polled(g) >= 2 || rng_.below(2) == 0) set(g.id, --poll_floor_);
  }

  RunQueueWatcher* watcher() override { return &top_; }

  std::size_t pick_goroutine(const RunQueue& runnable, const G*) override {
    ++decisions_;
    if (decisions_ > kBudget) return rng_.below(runnable.size());  // the fair tail
    const G* best = top_.top();
    WEFT_DCHECK(best != nullptr, "PCT watches the run queue it picks from");
    for (std::size_t j = 0; j < change_.size(); ++j) {
      if (change_[j] != decisions_) continue;
      set(best->id, static_cast<std::int64_t>(j + 1));
      best = top_.top();
    }
    return runnable.index_of(best);
  }

  std::size_t pick_value(std::size_t n) override { return rng_.below(n); }

  // A step in [1, kBudget], step s with probability proportional to 1/s: a uniform
  // exponent, then a uniform step among those of that magnitude.
  std::uint64_t log_uniform_step() {
    const double u = static_cast<double>(rng_.next() >> 11) * 0x1.0p-53;  // [0, 1)
    const double hi = std::exp(u * std::log(static_cast<double>(kBudget)));
    return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(hi), 1, kBudget);
  }

 private:
  void set(GoId id, std::int64_t priority) {  // as a key ordered as the priorities are
    top_.set_key(id, static_cast<std::uint64_t>(priority) ^ (std::uint64_t{1} << 63));
  }

  std::uint64_t seed_;
  unsigned depth_;
  Rng rng_;
  TopByKey top_;                      // the priorities, by goroutine id
  PollStreaks streaks_;
  std::vector<std::uint64_t> change_;  // change point j (priority j + 1) at this decision
  std::uint64_t decisions_ = 0;
  std::int64_t poll_floor_ = 0;      // the last priority given to a polling goroutine
};

}  // namespace

std::unique_ptr<Strategy> make_pct_strategy(std::uint64_t seed, unsigned depth) {
  return std::make_unique<PctStrategy>(seed, depth);
}

}  // namespace weft::detail
