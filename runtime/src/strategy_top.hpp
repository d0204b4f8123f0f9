// Helpers that keep the priority strategies (PCT, POS) and the weighted ones (URW, SURW)
// from paying for every goroutine alive at each decision.
//
// TopByKey watches the run queue and keeps, over goroutine ids, a tournament tree of the
// queued goroutines by key: the highest key (the lowest id among equal keys, as a scan in id
// order finds it) is at the root. Setting a key, queueing and taking a goroutine cost
// O(log ids); finding the top costs O(1). So a strategy that runs "the runnable goroutine
// of highest priority" decides in O(log n) with 1,000,000 goroutines alive.
// Invariants: key_[id] is goroutine id's key (0 before it is set); queued_[id] is the
// goroutine while it is queued, else nullptr; tree_[cap_ + id] is id when queued_[id],
// else 0, and each inner node holds the better of its two children (0: none).
//
// PollStreaks tells a goroutine that polls again and again (a spin loop: a failed
// compare-exchange, try_lock or select default, a yield) from one that polled once: a poll
// within kPollWindow of the goroutine's operations after its previous poll continues its
// streak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "goroutine.hpp"
#include "run_queue.hpp"

namespace weft::detail {

class TopByKey final : public RunQueueWatcher {
 public:
  // Forgets every goroutine (a new iteration).
  void reset() {
    key_.clear();
    queued_.clear();
    tree_.clear();
    cap_ = 0;
  }
  std::uint64_t key(GoId id) const noexcept { return id < key_.size() ? key_[id] : 0; }
  void set_key(GoId id, std::uint64_t key) {
    grow(id);
    key_[id] = key;
    if (queued_[id]) update(id);
  }
  // The queued goroutine with the highest key, nullptr when none is queued.
  const G* top() const noexcept { return cap_ && tree_[1] ? queued_[tree_[1]] : nullptr; }

  void queued(const G& g) override {
    grow(g.id);
    queued_[g.id] = &g;
    update(g.id);
  }
  void dequeued(const G& g) noexcept override {
    if (g.id >= cap_) return;
    queued_[g.id] = nullptr;
    update(g.id);
  }

 private:
  GoId better(GoId a, GoId b) const noexcept {
    if (a == 0) return b;
    if (b == 0) return a;
    if (key_[a] != key_[b]) return key_[a] > key_[b] ? a : b;
    return a < b ? a : b;
  }
  void update(GoId id) noexcept {
    std::size_t pos = cap_ + id;
    tree_[pos] = queued_[id] ? id : 0;
    for (pos >>= 1; pos >= 1; pos >>= 1) tree_[pos] = better(tree_[2 * pos], tree_[2 * pos + 1]);
  }
  void grow(GoId id) {
    if (id < cap_) return;
    std::size_t cap = cap_ ? cap_ : 64;
    while (cap <= id) cap *= 2;
    key_.resize(cap, 0);
    queued_.resize(cap, nullptr);
    tree_.assign(2 * cap, 0);
    cap_ = cap;
    for (std::size_t i = 0; i < cap; ++i) tree_[cap + i] = queued_[i] ? i : 0;
    for (std::size_t pos = cap; pos-- > 1;)
      tree_[pos] = better(tree_[2 * pos], tree_[2 * pos + 1]);
  }

  std::vector<std::uint64_t> key_;  // by id
  std::vector<const G*> queued_;    // by id
  std::vector<GoId> tree_;          // 1-based; leaves at [cap_, 2 cap_)
  std::size_t cap_ = 0;             // a power of two > every id seen, or 0
};

class PollStreaks {
 public:
  // A poll loop's body between two polls: the probe, a check or two, the probe again.
  static constexpr std::uint64_t kPollWindow = 4;

  void reset() { last_.clear(), streak_.clear(); }
  // Notes that g polled; returns how many polls in a row (1 for a first poll).
  std::uint32_t polled(const G& g) {
    if (last_.size() <= g.id) last_.resize(g.id + 1, 0), streak_.resize(g.id + 1, 0);
    const bool in_row = streak_[g.id] != 0 && g.ops - last_[g.id] <= kPollWindow;
    streak_[g.id] = in_row ? streak_[g.id] + 1 : 1;
    last_[g.id] = g.ops;
    return streak_[g.id];
  }
  // Whether g polled at least twice in a row and has not left the loop since.
  bool spinning(const G& g) const noexcept {
    return g.id < streak_.size() && streak_[g.id] >= 2 && g.ops - last_[g.id] <= kPollWindow;
  }

 private:
  std::vector<std::uint64_t> last_;    // by id: g.ops at its last poll
  std::vector<std::uint32_t> streak_;  // by id: polls in a row, 0 before the first
};

}  // namespace weft::detail
