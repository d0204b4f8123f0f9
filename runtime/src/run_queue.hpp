// The controlled scheduler's runnable goroutines, as the strategies see them: ordered by
// id, so option i means the same goroutine whatever order they were woken in, and every
// operation costs O(log n) however many are runnable (200,000 goroutines released at once
// must not make each step pay for moving the others).
//
// With few goroutines queued (at most kSmallMax, the common case: a decision among a
// handful) they are kept in a short array sorted by id: insert and take shift a few
// pointers, at(i) is an index, index_of a short scan. Once more than kSmallMax are queued,
// a Fenwick tree over goroutine ids counts them instead, until fewer than kSmallMin are
// left: insert and take update it, at(i) descends it to the i-th queued id, index_of(g)
// sums the counts below g's id. for_each visits the queued goroutines by at() when they
// are few among many ids, so a strategy that looks at a handful of runnable goroutines does
// not pay for every id ever used. A watcher (a strategy's own index of the runnable
// goroutines, RunQueueWatcher) is told of every goroutine queued and taken.
// Invariants: by_id_[id - 1] is the queued goroutine with that id or nullptr; size_ is
// how many are queued. In the small mode (!big_), small_[0, size_) are they, by id, and
// every count of tree_ is 0; in the big mode, tree_ holds the Fenwick sums of
// (by_id_[k] != nullptr) over k < capacity(). The mode changes by adding or removing the
// few queued goroutines' counts, never by a pass over every id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "goroutine.hpp"

namespace weft::detail {

// Told of each change to a RunQueue it watches (RunQueue::watch).
class RunQueueWatcher {
 public:
  virtual void queued(const G& g) = 0;
  virtual void dequeued(const G& g) noexcept = 0;
  // A queued goroutine ran (the running one stays queued) and may have changed what the
  // watcher derived from it when it was queued: as if it were taken and queued again.
  virtual void requeued(const G& g) {
    dequeued(g);
    queued(g);
  }

 protected:
  ~RunQueueWatcher() = default;
};

class RunQueue {
 public:
  // The most goroutines kept in the sorted array, and the fewest for which the Fenwick
  // tree, once used, is kept.
  static constexpr std::size_t kSmallMax = 32;
  static constexpr std::size_t kSmallMin = 8;

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  void clear() noexcept;
  // Queues g (not queued yet).
  void insert(G* g);
  // The i-th queued goroutine by id, i < size().
  G* at(std::size_t i) const noexcept { return big_ ? tree_at(i) : small_[i]; }
  G* operator[](std::size_t i) const noexcept { return at(i); }
  // g's position (g queued).
  std::size_t index_of(const G* g) const noexcept {
    if (big_) return tree_index_of(g);
    std::size_t i = 0;
    while (small_[i] != g) ++i;
    return i;
  }
  // Removes and returns at(i).
  G* take(std::size_t i) noexcept;
  // Whether g is queued.
  bool contains(const G* g) const noexcept {
    return g->id <= by_id_.size() && by_id_[g->id - 1] == g;
  }
  // Tells the watcher that queued g changed (RunQueueWatcher::requeued).
  void requeued(const G* g) {
    if (watcher_) watcher_->requeued(*g);
  }
  // From now on, tells `w` (or nobody: nullptr) of each insert and take.
  void watch(RunQueueWatcher* w) noexcept { watcher_ = w; }
  // Calls f(g) for each queued goroutine in id order: O(min(ids, 32 size())).
  template <class F>
  void for_each(F&& f) const {
    if (!big_) {
      for (std::size_t i = 0; i < size_; ++i) f(small_[i]);
      return;
    }
    if (size_ * 32 < capacity()) {  // at() costs about log2(capacity()) <= 32 steps
      for (std::size_t i = 0; i < size_; ++i) f(at(i));
      return;
    }
    std::size_t left = size_;
    for (std::size_t k = 0; left > 0; ++k)
      if (G* g = by_id_[k]) {
        f(g);
        --left;
      }
  }

 private:
  std::size_t capacity() const noexcept { return by_id_.size(); }
  void add(std::size_t pos, std::int32_t delta) noexcept;  // pos 1-based
  void grow(std::size_t at_least);
  G* tree_at(std::size_t i) const noexcept;
  std::size_t tree_index_of(const G* g) const noexcept;
  void to_big() noexcept;
  void to_small() noexcept;

  std::vector<G*> by_id_;
  std::vector<std::uint32_t> tree_;  // 1-based; tree_[0] unused
  std::size_t size_ = 0;
  std::size_t top_bit_ = 0;  // the highest power of two <= capacity()
  bool big_ = false;         // the Fenwick tree counts the queued goroutines
  G* small_[kSmallMax + 1] = {};  // !big_: the queued goroutines by id
  RunQueueWatcher* watcher_ = nullptr;
};

}  // namespace weft::detail
