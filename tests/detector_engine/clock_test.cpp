// clock_test.cpp — VectorClock: shared bases, deltas and joins against a plain map model.
#include "vector_clock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace weft::det {
namespace {

TEST(DetectorClock, EmptyIsZero) {
  VectorClock c;
  EXPECT_EQ(c.get(0), 0u);
  EXPECT_EQ(c.get(12345), 0u);
}

TEST(DetectorClock, SetKeepsTheMaximum) {
  VectorClock c;
  c.set(3, 5);
  c.set(3, 4);
  c.set(1, 2);
  EXPECT_EQ(c.get(3), 5u);
  EXPECT_EQ(c.get(1), 2u);
  EXPECT_EQ(c.get(2), 0u);
}

TEST(DetectorClock, JoinIsElementwiseMax) {
  VectorClock a, b;
  a.set(1, 5);
  a.set(2, 1);
  b.set(2, 7);
  b.set(3, 2);
  a.join(b);
  EXPECT_EQ(a.get(1), 5u);
  EXPECT_EQ(a.get(2), 7u);
  EXPECT_EQ(a.get(3), 2u);
  EXPECT_EQ(b.get(1), 0u);  // b unchanged
}

TEST(DetectorClock, CopiesShareButStayIndependent) {
  VectorClock a;
  for (Slot s = 0; s < 100; ++s) a.set(s, s + 1);  // forces a shared base
  VectorClock b;
  b.copy_from(a);
  b.set(5, 1000);
  a.set(6, 2000);
  EXPECT_EQ(a.get(5), 6u);
  EXPECT_EQ(b.get(5), 1000u);
  EXPECT_EQ(b.get(6), 7u);
  EXPECT_EQ(a.get(6), 2000u);
  EXPECT_EQ(b.get(99), 100u);
}

TEST(DetectorClock, JoinOfUnrelatedLargeClocks) {
  VectorClock a, b;
  for (Slot s = 0; s < 200; ++s) a.set(s, 2 * s);
  for (Slot s = 100; s < 300; ++s) b.set(s, 3 * s % 401);
  a.join(b);
  for (Slot s = 0; s < 300; ++s) {
    Clock want = std::max<Clock>(s < 200 ? 2 * s : 0, s >= 100 ? 3 * s % 401 : 0);
    ASSERT_EQ(a.get(s), want) << "slot " << s;
  }
}

// Random sequences of set / join / copy over a handful of clocks, checked against std::map.
TEST(DetectorClock, RandomOperationsMatchAMapModel) {
  std::mt19937_64 rng(42);
  constexpr int kClocks = 6;
  constexpr Slot kSlots = 300;
  std::vector<VectorClock> clocks(kClocks);
  std::vector<std::map<Slot, Clock>> model(kClocks);
  auto get = [&](int i, Slot s) {
    auto it = model[i].find(s);
    return it == model[i].end() ? Clock{0} : it->second;
  };
  for (int step = 0; step < 20000; ++step) {
    int i = static_cast<int>(rng() % kClocks), j = static_cast<int>(rng() % kClocks);
    switch (rng() % 4) {
      case 0:
      case 1: {
        Slot s = static_cast<Slot>(rng() % kSlots);
        Clock v = rng() % 1000;
        clocks[i].set(s, v);
        model[i][s] = std::max(get(i, s), v);
        break;
      }
      case 2:
        clocks[i].join(clocks[j]);
        for (auto [s, v] : model[j]) model[i][s] = std::max(get(i, s), v);
        break;
      case 3:
        clocks[i].copy_from(clocks[j]);
        model[i] = model[j];
        break;
    }
    if (step % 97 == 0) {
      for (int k = 0; k < kClocks; ++k) {
        for (Slot s = 0; s < kSlots; ++s) ASSERT_EQ(clocks[k].get(s), get(k, s)) << step;
      }
    }
  }
}

TEST(DetectorClock, ChainOfCopiesStaysSmall) {
  // A mutex handed along 10,000 goroutines: each acquires (join) then release_stores (copy).
  VectorClock mutex;
  std::vector<VectorClock> gs(10000);
  VectorClock parent;
  parent.set(0, 1);
  for (auto& g : gs) g.copy_from(parent);
  for (Slot i = 0; i < gs.size(); ++i) {
    gs[i].set(i + 1, 1);
    gs[i].join(mutex);
    mutex.copy_from(gs[i]);
  }
  EXPECT_EQ(mutex.get(1), 1u);
  EXPECT_EQ(mutex.get(10000), 1u);
  EXPECT_EQ(mutex.get(0), 1u);
}

}  // namespace
}  // namespace weft::det
