// The controlled scheduler's runnable goroutines, as the strategies see them: ordered by
// id, so option i means the same goroutine whatever order they were woken in, and every
// operation costs O(log n) however many are runnable (200,000 goroutines released at once
// must not make each step pay for moving the others).
//
// A Fenwick tree over goroutine ids counts the queued ones: insert and take update it,
// at(i) descends it to the i-th queued id, index_of(g) sums the counts below g's id.
// for_each visits the queued goroutines by at() when they are few among many ids, so a
// strategy that looks at a handful of runnable goroutines does not pay for every id ever
// used. A watcher (a strategy's own index of the runnable goroutines, RunQueueWatcher) is
// told of every goroutine queued and taken.
// Invariants: by_id_[id - 1] is the queued goroutine with that id or nullptr; tree_ holds
// the Fenwick sums of (by_id_[k] != nullptr) over k < capacity(); size_ is their total.
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

 protected:
  ~RunQueueWatcher() = default;
};

class RunQueue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  void clear() noexcept;
  // Queues g (not queued yet).
  void insert(G* g);
  // The i-th queued goroutine by id, i < size().
  G* at(std::size_t i) const noexcept;
  G* operator[](std::size_t i) const noexcept { return at(i); }
  // g's position (g queued).
  std::size_t index_of(const G* g) const noexcept;
  // Removes and returns at(i).
  G* take(std::size_t i) noexcept;
  // From now on, tells `w` (or nobody: nullptr) of each insert and take.
  void watch(RunQueueWatcher* w) noexcept { watcher_ = w; }
  // Calls f(g) for each queued goroutine in id order: O(min(ids, 32 size())).
  template <class F>
  void for_each(F&& f) const {
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

  std::vector<G*> by_id_;
  std::vector<std::uint32_t> tree_;  // 1-based; tree_[0] unused
  std::size_t size_ = 0;
  std::size_t top_bit_ = 0;  // the highest power of two <= capacity()
  RunQueueWatcher* watcher_ = nullptr;
};

}  // namespace weft::detail
