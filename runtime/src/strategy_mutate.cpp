// Choice-stream mutation: a grey-box fuzzer over schedules.
//
// A schedule is a stream of choices. This strategy keeps a corpus of the streams whose
// iterations reached new coverage, and most iterations replay a mutated corpus entry:
//  - flip: follow the entry up to a random position, take a different choice there, and
//    go on at random (a new branch off a schedule that was interesting);
//  - havoc: follow the whole entry but draw a few random positions afresh.
// The other iterations (and all of them while the corpus is empty) are random walks.
//
// Coverage, gathered at every decision from what the strategy is shown:
//  - switch pairs: goroutine B runs right after a different goroutine A and B's operation
//    conflicts with the one A ran (conflicts()): the pair of their source locations, in
//    that order (an order of racing locations);
//  - blocking states: the location where the goroutine that ran last blocked or ended,
//    with how many goroutines were runnable then (capped);
//  - select outcomes: the location of the select (or other value choice) with the case taken.
// A feature is a hash of these, kept as one bit of a 2^20-bit map (as AFL keeps edges): a
// collision may hide a feature, never invent one, and the cost is one bit test a decision.
//
// Adaptive, like SURW: iteration i depends on (seed, i) and on the iterations this
// exploration ran before it. Locations are compared by the address of their file name, so
// coverage is meaningful within one process only (it never leaves it). Replay tokens are
// exact: they record the choices made.
//
// Invariants: choices_ holds this iteration's choices in order; corpus_ entries are whole
// choice streams of earlier iterations; follow_ <= plan_.size(); a bit of covered_ is set
// once a feature that hashes to it was reached.
#include <algorithm>
#include <vector>

#include "rng.hpp"
#include "scheduler.hpp"
#include "strategy.hpp"

namespace weft::detail {

namespace {

constexpr std::size_t kCorpusMax = 512;
constexpr unsigned kMapBits = 20;  // the coverage map has 2^kMapBits bits
constexpr std::uint64_t kNone = ~std::uint64_t{0};

std::uint64_t location_key(const Location& l) noexcept {
  return mix64(reinterpret_cast<std::uintptr_t>(l.file) ^ (std::uint64_t{l.line} << 40) ^
               (std::uint64_t{l.column} << 20));
}

class MutateStrategy final : public Strategy {
 public:
  explicit MutateStrategy(std::uint64_t seed) : seed_(seed) {}

  bool begin_iteration(std::uint64_t i) override {
    rng_.reseed(seed_ ^ mix64(i ^ 0x3a7a7e));
    choices_.clear();
    fresh_ = false;
    plan_.clear();
    havoc_.clear();
    follow_ = 0;
    flip_at_ = kNone;
    prev_id_ = 0;
    prev_loc_ = 0;
    prev_kind_ = OpKind::none;
    prev_obj_ = nullptr;
    if (corpus_.empty() || rng_.below(4) == 0) return true;  // a random walk
    const std::vector<std::uint32_t>& entry = corpus_[rng_.below(corpus_.size())];
    if (entry.empty()) return true;
    plan_ = entry;
    if (rng_.below(2) == 0) {  // flip
      flip_at_ = rng_.below(plan_.size());
      follow_ = flip_at_ + 1;
    } else {  // havoc
      follow_ = plan_.size();
      const std::size_t k = 1 + rng_.below(4);
      for (std::size_t j = 0; j < k; ++j) havoc_.push_back(rng_.below(plan_.size()));
    }
    return true;
  }

  std::size_t pick_goroutine(const RunQueue& runnable, const G* current) override {
    const std::size_t c = choose(runnable.size());
    const G* g = runnable.at(c);
    const std::uint64_t loc = location_key(g->last_op);
    if (!current && prev_id_ != 0)  // the goroutine that ran last blocked or ended
      add(prev_loc_ ^ mix64(0xb10c + std::min<std::size_t>(runnable.size(), 8)));
    if (g->id != prev_id_ && prev_id_ != 0 &&
        conflicts(prev_kind_, prev_obj_, g->pending, g->pending_obj))
      add(mix64(prev_loc_) ^ loc);
    prev_id_ = g->id;
    prev_loc_ = loc;
    prev_kind_ = g->pending;
    prev_obj_ = g->pending_obj;
    return c;
  }

  std::size_t pick_value(std::size_t n) override {
    const std::size_t c = choose(n);
    std::uint64_t at = 0;
    if (Scheduler* s = current_scheduler())
      if (G* g = s->current()) at = location_key(g->last_op);
    add(mix64(at ^ 0x5e1ec7) + c);
    return c;
  }

  void end_iteration(std::uint64_t) override {
    if (!fresh_) return;
    if (corpus_.size() < kCorpusMax)
      corpus_.push_back(choices_);
    else
      corpus_[rng_.below(corpus_.size())] = choices_;
  }

 private:
  std::size_t choose(std::size_t n) {
    const std::size_t k = choices_.size();
    std::size_t c;
    if (k >= follow_) {
      c = rng_.below(n);
    } else if (k == flip_at_) {  // any choice but the entry's
      c = plan_[k] < n ? (plan_[k] + 1 + rng_.below(n - 1)) % n : rng_.below(n);
    } else if (std::find(havoc_.begin(), havoc_.end(), k) != havoc_.end()) {
      c = rng_.below(n);
    } else {
      c = plan_[k] % n;  // the program may have gone elsewhere after a change: stay in range
    }
    choices_.push_back(static_cast<std::uint32_t>(c));
    return c;
  }
  void add(std::uint64_t feature) {
    const std::uint64_t bit = mix64(feature) >> (64 - kMapBits);
    std::uint64_t& word = covered_[bit >> 6];
    const std::uint64_t mask = std::uint64_t{1} << (bit & 63);
    if (word & mask) return;
    word |= mask;
    fresh_ = true;
  }

  std::uint64_t seed_;
  Rng rng_;
  std::vector<std::uint32_t> choices_;
  bool fresh_ = false;  // this iteration reached a feature not seen before
  std::vector<std::uint32_t> plan_;      // the corpus entry being mutated
  std::vector<std::size_t> havoc_;       // positions drawn afresh
  std::size_t follow_ = 0;               // choices taken from plan_ (then random)
  std::size_t flip_at_ = kNone;
  GoId prev_id_ = 0;  // the goroutine chosen last, and its operation
  std::uint64_t prev_loc_ = 0;
  OpKind prev_kind_ = OpKind::none;
  const void* prev_obj_ = nullptr;
  std::vector<std::vector<std::uint32_t>> corpus_;
  std::vector<std::uint64_t> covered_ = std::vector<std::uint64_t>(std::size_t{1} << (kMapBits - 6));
};

}  // namespace

std::unique_ptr<Strategy> make_mutate_strategy(std::uint64_t seed) {
  return std::make_unique<MutateStrategy>(seed);
}

}  // namespace weft::detail
