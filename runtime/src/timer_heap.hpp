// The pending timers of one scheduler: a binary min-heap ordered by (when, seq), where seq is
// the order in which timers were added, so timers due at the same instant keep that order.
// Each entry records its own position (TimerEntry::heap_index), which makes removal O(log n).
// Not synchronised: the controlled scheduler owns its heap; the parallel one keeps one per
// processor, each under that processor's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "scheduler.hpp"

namespace weft::detail {

class TimerHeap {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  // The earliest timer; the heap must not be empty.
  TimerEntry* front() const noexcept { return heap_.front(); }

  // Adds t (re-adding a pending t moves it to its new `when`, after equal ones).
  void push(TimerEntry* t);
  // Removes t; false when it was not pending.
  bool remove(TimerEntry* t) noexcept;
  // Removes and returns the earliest timer; the heap must not be empty.
  TimerEntry* pop() noexcept;

 private:
  static bool before(const TimerEntry* a, const TimerEntry* b) noexcept {
    return a->when != b->when ? a->when < b->when : a->seq < b->seq;
  }
  void place(std::size_t i, TimerEntry* t) noexcept {
    heap_[i] = t;
    t->heap_index = i;
  }
  void up(std::size_t i) noexcept;
  void down(std::size_t i) noexcept;

  std::vector<TimerEntry*> heap_;
  std::uint64_t seq_ = 0;
};

}  // namespace weft::detail
