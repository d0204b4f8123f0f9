// The timer heap both schedulers share: earliest first, ties in the order added, removal of any
// pending entry, and re-adding a pending entry moves it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <vector>

#include "timer_heap.hpp"

namespace timer_heap_test {  // this file's names, apart from the other tests' in a unity build

namespace {

using weft::detail::TimerEntry;
using weft::detail::TimerHeap;
using namespace std::chrono_literals;

std::vector<int> drain(TimerHeap& h, const TimerEntry* base) {
  std::vector<int> order;
  while (!h.empty()) order.push_back(static_cast<int>(h.pop() - base));
  return order;
}

TEST(TimerHeap, PopsEarliestFirstAndTiesInOrderAdded) {
  std::array<TimerEntry, 6> t{};
  const std::array<long, 6> when{30, 10, 20, 10, 30, 5};
  TimerHeap h;
  for (std::size_t i = 0; i < t.size(); ++i) {
    t[i].when = std::chrono::nanoseconds(when[i]);
    h.push(&t[i]);
  }
  EXPECT_EQ(h.size(), 6u);
  EXPECT_EQ(drain(h, t.data()), (std::vector<int>{5, 1, 3, 2, 0, 4}));
  for (const TimerEntry& e : t) EXPECT_FALSE(e.pending());
}

TEST(TimerHeap, RemovesAnyPendingEntryAndReportsWhetherItWasPending) {
  std::array<TimerEntry, 8> t{};
  TimerHeap h;
  for (std::size_t i = 0; i < t.size(); ++i) {
    t[i].when = std::chrono::nanoseconds(100 - static_cast<long>(i) * 10);
    h.push(&t[i]);
  }
  EXPECT_TRUE(h.remove(&t[3]));
  EXPECT_FALSE(h.remove(&t[3]));
  EXPECT_TRUE(h.remove(&t[7]));  // the front
  EXPECT_TRUE(h.remove(&t[0]));  // the last one
  EXPECT_EQ(drain(h, t.data()), (std::vector<int>{6, 5, 4, 2, 1}));
}

TEST(TimerHeap, PushingAPendingEntryAgainMovesItAfterEqualOnes) {
  std::array<TimerEntry, 3> t{};
  TimerHeap h;
  for (auto& e : t) {
    e.when = 1ms;
    h.push(&e);
  }
  h.push(&t[0]);  // same instant, re-armed: now last among equals
  EXPECT_EQ(h.size(), 3u);
  t[2].when = 2ms;
  h.push(&t[2]);
  EXPECT_EQ(drain(h, t.data()), (std::vector<int>{1, 0, 2}));
}

TEST(TimerHeap, StaysOrderedUnderManyRandomPushesAndRemovals) {
  std::vector<TimerEntry> t(500);
  TimerHeap h;
  unsigned x = 12345;
  auto next = [&] { return x = x * 1103515245u + 12345u; };
  for (auto& e : t) {
    e.when = std::chrono::nanoseconds(next() % 97);
    h.push(&e);
  }
  for (std::size_t i = 0; i < t.size(); i += 3) h.remove(&t[i]);
  std::vector<std::pair<long, std::uint64_t>> got;
  while (!h.empty()) {
    TimerEntry* e = h.pop();
    got.emplace_back(e->when.count(), e->seq);
  }
  EXPECT_EQ(got.size(), t.size() - (t.size() + 2) / 3);
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
}

}  // namespace

}  // namespace timer_heap_test
