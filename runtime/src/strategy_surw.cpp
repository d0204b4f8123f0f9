// URW and SURW, uniform random walks over interleavings (after Zhao, Wolff, Mathur,
// Roychoudhury: "Selectively Uniform Concurrency Testing", ASPLOS 2025).
//
// A random walk picks uniformly among the runnable goroutines at each step, so a goroutine
// with many steps left is almost surely interleaved early with the others: the schedules
// where one goroutine runs a long prefix alone (the ordering bugs random walk misses) are
// exponentially rare. If instead each goroutine is picked with probability proportional
// to the events it has left, every interleaving of the goroutines' event sequences is
// equally likely (a uniform shuffle, drawn one event at a time).
//
// The events left are not known before the iteration ends, so they are estimated from the
// earlier iterations of this exploration, by stable goroutine identity (identity.hpp): a
// goroutine's own visible operations, and its subtree's (itself and every goroutine it
// created, transitively). A goroutine's weight is
//     max(1, own estimate - operations done) + (subtree estimate - own estimate
//                                              - subtree estimates of the children created)
// so the events its future children will run count for it until they exist, and a
// goroutine never seen before weighs as the average goroutine seen so far.
//
// SURW (`surw`) applies the weighted choice only at interesting decisions: where the
// goroutine that reached the scheduling point can go on and its pending operation commutes
// with every other runnable goroutine's (conflicts() is false for each), it goes on, since
// running the others first reaches no new order of conflicting operations. A yield, a spawn,
// a sleep or an operation not described (OpKind::none) is always interesting, and so is any
// decision while another runnable goroutine's next operation is not known (one not started
// yet, or woken from a wait and not yet resumed), and the decision after a goroutine polled
// (a spin loop must let the others run).
// URW (`urw`) chooses by weight at every decision.
//
// Adaptive: iteration i depends on (seed, i) and on the iterations this exploration ran
// before it, so unlike random, PCT and POS an iteration run alone (first_iteration) is not
// the same schedule. Replay tokens are exact all the same: they record the choices.
//
// A goroutine that polls again and again (a spin loop, PollStreaks) weighs 1 while it spins:
// its estimate counts the polls of earlier iterations, and a spin that outweighs the
// goroutine it waits for would wait longer in each iteration (up to the step limit).
//
// With more than kWeighMax goroutines runnable, a decision is uniform (weighing is linear).
//
// A goroutine's weight cannot change while it waits in the run queue (only the running
// goroutine's operations, polls and spawns change what it depends on), so it is computed
// when the goroutine is queued or has run (the strategy watches the run queue) and the
// total is kept as goroutines come and go: a decision is one draw and a walk over cached
// weights.
//
// Invariants: by goroutine id, per_[id].own and .rest are the estimates of goroutine id
// (its own events, its descendants' events) and .born the subtree estimates of the
// children it has created in this iteration; estimates_ holds, by identity, the
// estimates learned from the iterations that ended; per_[id].weight is the weight of
// goroutine id as it was queued or last ran, and total_ the sum of the queued goroutines'
// weights.
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "dcheck.hpp"
#include "rng.hpp"
#include "strategy.hpp"
#include "strategy_top.hpp"

namespace weft::detail {

namespace {

constexpr std::size_t kWeighMax = 64;

class SurwStrategy final : public Strategy, public RunQueueWatcher {
 public:
  SurwStrategy(std::uint64_t seed, bool selective) : seed_(seed), selective_(selective) {}

  bool begin_iteration(std::uint64_t i) override {
    stream_ = seed_ ^ mix64(i ^ 0x5e1ec7);
    rng_.reseed(stream_);
    draws_ = 0;
    drawn_ = false;
    per_.assign(1, PerG{});
    polled_ = false;
    streaks_.reset();
    total_ = 0;
    return true;
  }

  RunQueueWatcher* watcher() override { return this; }

  // The run queue's changes: a queued goroutine's operations so far are seen, and its
  // weight is kept until it leaves the queue.
  // (Every goroutine is spawned, on_spawn, before it is queued.)
  void queued(const G& g) override {
    WEFT_DCHECK(g.id < per_.size(), "a goroutine is spawned (on_spawn) before it is queued");
    PerG& p = per_[g.id];
    seen_at(g, p);
    p.weight = weight(g, p);
    total_ += p.weight;
  }
  void dequeued(const G& g) noexcept override { total_ -= per_[g.id].weight; }
  void requeued(const G& g) override {
    dequeued(g);
    queued(g);  // (direct calls: the class is final)
  }

  void on_spawn(const G& g) override {
    if (g.id >= per_.size()) per_.resize(g.id + 1, PerG{});
    PerG& p = per_[g.id];
    p.identity = g.identity;
    p.parent = g.parent;
    Estimate e{default_own(), default_own()};
    if (auto it = estimates_.find(g.identity); it != estimates_.end()) e = it->second;
    p.own = e.own;
    p.rest = e.subtree > e.own ? e.subtree - e.own : 0;
    if (g.parent != 0 && g.parent < per_.size()) per_[g.parent].born += e.subtree;
  }

  std::size_t pick_goroutine(const RunQueue& runnable, const G* current) override {
    const bool polled = polled_;
    polled_ = false;
    // Weighing is O(runnable); past kWeighMax runnable goroutines a decision is uniform,
    // so a program that releases 200,000 goroutines at once still costs O(log n) a step.
    if (runnable.size() > kWeighMax) return uniform(runnable.size());
    if (selective_ && current && !polled && !interesting(runnable, current)) {
      drawn_ = false;
      return runnable.index_of(current);
    }
    // At most kWeighMax goroutines: a walk over their cached weights. Every weight is at
    // least 1, so a total of n means each is 1 (no estimates yet, as in a first iteration):
    // the walk would return the draw itself.
    const std::size_t n = runnable.size();
    if (total_ == n) return uniform(n);
    drawn_ = false;
    ++draws_;
    std::uint64_t r = rng_.below(total_);
    for (std::size_t j = 0; j + 1 < n; ++j) {
      const std::uint64_t w = per_[runnable[j]->id].weight;
      if (r < w) return j;
      r -= w;
    }
    return n - 1;
  }

  std::size_t pick_value(std::size_t n) override { return uniform(n); }

  // A uniform choice is one draw reduced to the options (Rng::below), which the schedule
  // records as (stream, draw number), a run of them in a few bytes; a weighted choice or
  // going on without a draw is recorded as the choice itself.
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const override {
    if (!drawn_) return false;
    seed = stream_;
    index = draws_ - 1;
    return true;
  }

  // A goroutine that polls may spin until another acts: the next decision is interesting.
  void on_poll(const G& g) override {
    polled_ = true;
    streaks_.polled(g);
  }

  std::size_t uniform(std::size_t n) {
    drawn_ = true;
    ++draws_;
    return rng_.below(n);
  }

  // The final count: a goroutine that ran alone at its end was not seen at a decision then.
  void on_exit(const G& g) override {
    if (g.id < per_.size()) seen_at(g, per_[g.id]);
  }

  // Learns each goroutine's own and subtree events (as operations seen) by identity.
  // Children have larger ids than their parents, so one pass from the highest id adds
  // each finished subtree into its parent's.
  void end_iteration(std::uint64_t) override {
    std::vector<std::uint64_t> subtree(per_.size());
    for (std::size_t id = 0; id < per_.size(); ++id) subtree[id] = per_[id].seen;
    for (std::size_t id = subtree.size(); id-- > 1;) {
      const GoId parent = per_[id].parent;
      if (parent != 0 && parent < id) subtree[parent] += subtree[id];
    }
    for (std::size_t id = 1; id < per_.size(); ++id) {
      if (per_[id].identity == 0) continue;
      Estimate fresh{std::max<std::uint64_t>(per_[id].seen, 1),
                     std::max<std::uint64_t>(subtree[id], 1)};
      auto [it, inserted] = estimates_.try_emplace(per_[id].identity, fresh);
      if (!inserted) {  // the mean of the old estimate and this iteration, rounded up
        it->second.own = (it->second.own + fresh.own + 1) / 2;
        it->second.subtree = (it->second.subtree + fresh.subtree + 1) / 2;
      }
      own_total_ += fresh.own;
      ++own_count_;
    }
  }

 private:
  struct Estimate {
    std::uint64_t own;
    std::uint64_t subtree;
  };

  std::uint64_t default_own() const {
    return own_count_ ? std::max<std::uint64_t>(own_total_ / own_count_, 1) : 1;
  }

  // What the scheduler keeps of goroutine id in this iteration (by id in per_).
  struct PerG {
    std::uint64_t own = 0, rest = 0, born = 0;  // the estimates (see the invariants)
    std::uint64_t seen = 0;                     // its operations seen so far
    std::uint64_t weight = 0;                   // as queued or last run
    std::uint64_t identity = 0;
    GoId parent = 0;
  };

  std::uint64_t weight(const G& g, const PerG& p) const {
    if (streaks_.spinning(g)) return 1;
    const std::uint64_t own = p.own > g.ops ? p.own - g.ops : 1;
    const std::uint64_t unborn = p.rest > p.born ? p.rest - p.born : 0;
    return own + unborn;
  }

  // Whether the choice at `current`'s pending operation can order conflicting operations.
  bool interesting(const RunQueue& runnable, const G* current) const {
    switch (current->pending) {
      case OpKind::none:
      case OpKind::yield:
      case OpKind::spawn:
      case OpKind::sleep: return true;
      default: break;
    }
    bool any = false;
    runnable.for_each([&](const G* g) {
      // One not started yet (none) may do anything first, and so may one woken from a wait
      // that has not resumed yet (its wait reason is still set): its pending operation is the
      // one it waited in, and what it does next is not known (a Cond's waiter re-locks its
      // mutex, whose unlock in wait was no scheduling point).
      if (!any && g != current)
        any = g->pending == OpKind::none || g->reason != WaitReason::none ||
              conflicts(g->pending, g->pending_obj, current->pending, current->pending_obj);
    });
    return any;
  }

  static void seen_at(const G& g, PerG& p) {
    if (g.ops > p.seen) p.seen = g.ops;
  }

  std::uint64_t seed_;
  bool selective_;
  bool polled_ = false;  // a goroutine polled since the last decision
  Rng rng_;
  std::uint64_t stream_ = 0;  // rng_'s seed in this iteration
  std::uint64_t draws_ = 0;   // draws from rng_ since
  bool drawn_ = false;        // the last choice was draw draws_ - 1 reduced to the options
  std::vector<PerG> per_;  // by goroutine id
  PollStreaks streaks_;
  std::uint64_t total_ = 0;  // the sum of the queued goroutines' weights
  std::unordered_map<std::uint64_t, Estimate> estimates_;  // by identity, across iterations
  std::uint64_t own_total_ = 0, own_count_ = 0;            // for goroutines not seen yet
};

}  // namespace

std::unique_ptr<Strategy> make_surw_strategy(std::uint64_t seed, bool selective) {
  return std::make_unique<SurwStrategy>(seed, selective);
}

}  // namespace weft::detail
