// Helpers that keep the priority strategies (PCT, POS) and the weighted ones (URW, SURW)
// from paying for every goroutine alive at each decision.
//
// TopByKey watches the run queue and finds the queued goroutine with the highest key (the
// lowest id among equal keys, as a scan in id order finds it). With few goroutines queued
// (at most kScanMax, the common case) it keeps them in a short list and scans it: setting a
// key, queueing and taking cost O(1), finding the top O(queued), a handful of loads. Once
// more than kScanMax are queued it keeps, over goroutine ids, a tournament tree of the
// queued goroutines by key (the best at the root), until fewer than kScanMin are left:
// setting a key, queueing and taking then cost O(log ids), finding the top O(1), so a
// strategy that runs "the runnable goroutine of highest priority" decides in O(log n) with
// 1,000,000 goroutines alive. Both modes answer the same top, so the mode never changes a
// schedule; the gap between the thresholds keeps a queue whose size hovers around one of
// them from building and dropping the tree at every step.
// Invariants: key_[id] is goroutine id's key (0 before it is set); queued_[id] is the
// goroutine while it is queued, else nullptr; list_ holds the queued ids in no order, with
// slot_[id] the position of id in it. With tree_on_, tree_[cap_ + id] is id when
// queued_[id], else 0, and each inner node holds the better of its two children (0: none);
// without it, every node of tree_ is 0 (the tree of the empty set, so the tree can be
// turned on by inserting the few queued ids, and off by removing them, without a pass over
// every id).
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
  // The most goroutines queued for which top() scans them, and the fewest for which the
  // tree, once built, is kept.
  static constexpr std::size_t kScanMax = 32;
  static constexpr std::size_t kScanMin = 8;

  // Forgets every goroutine (a new iteration).
  void reset() {
    key_.clear();
    queued_.clear();
    slot_.clear();
    list_.clear();
    tree_.clear();
    cap_ = 0;
    tree_on_ = false;
  }
  std::uint64_t key(GoId id) const noexcept { return id < key_.size() ? key_[id] : 0; }
  void set_key(GoId id, std::uint64_t key) {
    grow(id);
    key_[id] = key;
    if (tree_on_ && queued_[id]) update(id);
  }
  // The queued goroutine with the highest key, nullptr when none is queued.
  const G* top() const noexcept {
    if (tree_on_) return tree_[1] ? queued_[tree_[1]] : nullptr;
    GoId best = 0;
    for (GoId id : list_) best = better(best, id);
    return best ? queued_[best] : nullptr;
  }

  void queued(const G& g) override {
    grow(g.id);
    queued_[g.id] = &g;
    slot_[g.id] = static_cast<std::uint32_t>(list_.size());
    list_.push_back(g.id);
    if (tree_on_) {
      update(g.id);
    } else if (list_.size() > kScanMax) {
      tree_on_ = true;
      for (GoId id : list_) update(id);
    }
  }
  // A goroutine's key is set by set_key only: running changes nothing here.
  void requeued(const G&) override {}
  void dequeued(const G& g) noexcept override {
    if (g.id >= cap_ || !queued_[g.id]) return;
    queued_[g.id] = nullptr;
    const std::uint32_t at = slot_[g.id];
    list_[at] = list_.back();
    slot_[list_[at]] = at;
    list_.pop_back();
    if (!tree_on_) return;
    update(g.id);
    if (list_.size() < kScanMin) {
      for (GoId id : list_) clear_path(id);
      tree_on_ = false;
    }
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
  // Zeroes id's leaf and its ancestors (turning the tree off: every queued id's path is
  // cleared, which leaves every node 0).
  void clear_path(GoId id) noexcept {
    for (std::size_t pos = cap_ + id; pos >= 1 && tree_[pos] != 0; pos >>= 1) tree_[pos] = 0;
  }
  void grow(GoId id) {
    if (id >= cap_) [[unlikely]]
      regrow(id);
  }
  void regrow(GoId id) {
    std::size_t cap = cap_ ? cap_ : 64;
    while (cap <= id) cap *= 2;
    key_.resize(cap, 0);
    queued_.resize(cap, nullptr);
    slot_.resize(cap, 0);
    tree_.assign(2 * cap, 0);
    cap_ = cap;
    if (!tree_on_) return;
    for (std::size_t i = 0; i < cap; ++i) tree_[cap + i] = queued_[i] ? i : 0;
    for (std::size_t pos = cap; pos-- > 1;)
      tree_[pos] = better(tree_[2 * pos], tree_[2 * pos + 1]);
  }

  std::vector<std::uint64_t> key_;  // by id
  std::vector<const G*> queued_;    // by id
  std::vector<std::uint32_t> slot_; // by id: position in list_ while queued
  std::vector<GoId> list_;          // the queued ids, in no order
  std::vector<GoId> tree_;          // 1-based; leaves at [cap_, 2 cap_)
  std::size_t cap_ = 0;             // a power of two > every id seen, or 0
  bool tree_on_ = false;            // more than kScanMax were queued, and kScanMin still are
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
