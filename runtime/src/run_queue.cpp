// The runnable set ordered by id; see run_queue.hpp.
#include "run_queue.hpp"

#include <algorithm>

#include "dcheck.hpp"

namespace weft::detail {

void RunQueue::clear() noexcept {
  if (watcher_) for_each([&](const G* g) { watcher_->dequeued(*g); });
  std::fill(by_id_.begin(), by_id_.end(), nullptr);
  std::fill(tree_.begin(), tree_.end(), 0);
  size_ = 0;
  big_ = false;
}

void RunQueue::add(std::size_t pos, std::int32_t delta) noexcept {
  for (; pos <= capacity(); pos += pos & (~pos + 1))
    tree_[pos] = static_cast<std::uint32_t>(static_cast<std::int64_t>(tree_[pos]) + delta);
}

void RunQueue::grow(std::size_t at_least) {
  std::size_t cap = std::max<std::size_t>(2, capacity());  // small: each level costs a step
  while (cap < at_least) cap *= 2;
  by_id_.resize(cap, nullptr);
  tree_.assign(cap + 1, 0);
  for (std::size_t pos = 1; big_ && pos <= cap; ++pos) {  // rebuild in O(cap)
    tree_[pos] += by_id_[pos - 1] ? 1 : 0;
    const std::size_t parent = pos + (pos & (~pos + 1));
    if (parent <= cap) tree_[parent] += tree_[pos];
  }
  top_bit_ = 1;
  while (top_bit_ * 2 <= cap) top_bit_ *= 2;
}

void RunQueue::insert(G* g) {
  if (g->id > capacity()) grow(g->id);
  WEFT_DCHECK(by_id_[g->id - 1] == nullptr, "a goroutine is queued at most once");
  by_id_[g->id - 1] = g;
  if (big_) {
    add(g->id, 1);
    ++size_;
  } else {
    std::size_t i = size_++;
    for (; i > 0 && small_[i - 1]->id > g->id; --i) small_[i] = small_[i - 1];
    small_[i] = g;
    if (size_ > kSmallMax) to_big();
  }
  if (watcher_) watcher_->queued(*g);
}

G* RunQueue::tree_at(std::size_t i) const noexcept {
  std::size_t pos = 0;
  std::size_t rest = i;
  for (std::size_t step = top_bit_; step > 0; step >>= 1) {
    if (pos + step <= capacity() && tree_[pos + step] <= rest) {
      pos += step;
      rest -= tree_[pos];
    }
  }
  return by_id_[pos];  // the (pos + 1)-th position, 0-based pos
}

std::size_t RunQueue::tree_index_of(const G* g) const noexcept {
  std::size_t sum = 0;
  for (std::size_t pos = g->id - 1; pos > 0; pos -= pos & (~pos + 1)) sum += tree_[pos];
  return sum;
}

G* RunQueue::take(std::size_t i) noexcept {
  G* g;
  if (big_) {
    g = tree_at(i);
    add(g->id, -1);
    --size_;
    if (size_ < kSmallMin) to_small();
  } else {
    g = small_[i];
    --size_;
    for (std::size_t j = i; j < size_; ++j) small_[j] = small_[j + 1];
  }
  by_id_[g->id - 1] = nullptr;
  if (watcher_) watcher_->dequeued(*g);
  return g;
}

// The sorted array's goroutines into the (all-zero) tree.
void RunQueue::to_big() noexcept {
  for (std::size_t i = 0; i < size_; ++i) add(small_[i]->id, 1);
  big_ = true;
}

// The few goroutines left out of the tree (leaving it all zero) into the sorted array.
void RunQueue::to_small() noexcept {
  for (std::size_t i = 0; i < size_; ++i) small_[i] = tree_at(i);
  for (std::size_t i = 0; i < size_; ++i) add(small_[i]->id, -1);
  big_ = false;
}

}  // namespace weft::detail
