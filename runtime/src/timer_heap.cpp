#include "timer_heap.hpp"

namespace weft::detail {

void TimerHeap::up(std::size_t i) noexcept {
  TimerEntry* t = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!before(t, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, t);
}

void TimerHeap::down(std::size_t i) noexcept {
  TimerEntry* t = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], t)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, t);
}

void TimerHeap::push(TimerEntry* t) {
  remove(t);
  t->seq = seq_++;
  heap_.push_back(t);
  up(heap_.size() - 1);
}

bool TimerHeap::remove(TimerEntry* t) noexcept {
  if (!t->pending()) return false;
  const std::size_t i = t->heap_index;
  TimerEntry* last = heap_.back();
  heap_.pop_back();
  t->heap_index = static_cast<std::size_t>(-1);
  if (last != t) {
    place(i, last);
    up(i);
    down(last->heap_index);
  }
  return true;
}

TimerEntry* TimerHeap::pop() noexcept {
  TimerEntry* t = heap_.front();
  remove(t);
  return t;
}

}  // namespace weft::detail
