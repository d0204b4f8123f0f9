// clock_test.cpp — VectorClock: shared bases, deltas and joins against a plain map model.
#include "vector_clock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
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

// Clocks beside a plain model of them (every entry of every clock), for the random tests:
// each operation is applied to both, and matches() compares every entry.
struct ClockModel {
  ClockModel(int n, Slot slots) : clocks(n), model(n, std::vector<Clock>(slots, 0)) {}
  void set(int i, Slot s, Clock v) {
    clocks[i].set(s, v);
    model[i][s] = std::max(model[i][s], v);
  }
  void join(int i, int j) {
    clocks[i].join(clocks[j]);
    for (Slot s = 0; s < model[i].size(); ++s) model[i][s] = std::max(model[i][s], model[j][s]);
  }
  void copy(int i, int j) {
    clocks[i].copy_from(clocks[j]);
    model[i] = model[j];
  }
  ::testing::AssertionResult matches(int step) const {
    for (std::size_t k = 0; k < clocks.size(); ++k)
      for (Slot s = 0; s < model[k].size(); ++s)
        if (clocks[k].get(s) != model[k][s])
          return ::testing::AssertionFailure() << "step " << step << ", clock " << k << ", slot "
                                               << s << ": " << clocks[k].get(s) << " != "
                                               << model[k][s];
    return ::testing::AssertionSuccess();
  }
  std::vector<VectorClock> clocks;
  std::vector<std::vector<Clock>> model;
};

// Random sequences of set / join / copy over a handful of clocks, checked against the model.
TEST(DetectorClock, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(42);
  constexpr int kClocks = 6;
  constexpr Slot kSlots = 300;
  ClockModel m(kClocks, kSlots);
  for (int step = 0; step < 20000; ++step) {
    int i = static_cast<int>(rng() % kClocks), j = static_cast<int>(rng() % kClocks);
    switch (rng() % 4) {
      case 0:
      case 1: {
        Slot s = static_cast<Slot>(rng() % kSlots);
        Clock v = rng() % 1000;
        m.set(i, s, v);
        break;
      }
      case 2:
        m.join(i, j);
        break;
      case 3:
        m.copy(i, j);
        break;
    }
    if (step % 97 == 0) {
      ASSERT_TRUE(m.matches(step));
    }
  }
}

// Many clocks each ticking their own slot and joining and copying each other's: bases are
// shared by several clocks, built from each other's and raised in place, so chains fork
// (ClockBase::chain: the first build from a chain's last base continues it, the others start
// new ones). A join that took a base for dominated when it is not loses entries here.
TEST(DetectorClock, RandomOperationsOverManyClocksMatchAModel) {
  std::mt19937_64 rng(1234);
  constexpr int kClocks = 40;
  constexpr Slot kSlots = 400;
  ClockModel m(kClocks, kSlots);
  std::vector<Clock> ticks(kClocks, 0);
  for (int step = 0; step < 40000; ++step) {
    const int i = static_cast<int>(rng() % kClocks), j = static_cast<int>(rng() % kClocks);
    switch (rng() % 8) {
      case 0:
      case 1:
      case 2:  // a tick of its own slot, or of any slot (reused slots)
        m.set(i, rng() % 4 != 0 ? static_cast<Slot>(i) : static_cast<Slot>(rng() % kSlots),
              ++ticks[i]);
        break;
      case 3:
      case 4:
      case 5:
        m.join(i, j);
        break;
      case 6:
        m.copy(i, j);
        break;
      case 7:  // a burst of fresh slots: deltas outgrow their bases
        for (int k = 0; k < 40; ++k) m.set(i, static_cast<Slot>(rng() % kSlots), rng() % 500);
        break;
    }
    if (step % 199 == 0) {
      ASSERT_TRUE(m.matches(step));
    }
  }
  ASSERT_TRUE(m.matches(40000));
}

// Dense bases (clocks over many reused slots, as weft::run's with thousands of goroutines):
// a join of two that do not cover each other builds no base when they differ in a few slots.
namespace dense {
constexpr Slot kSlots = 400;
// A clock whose every slot s holds base + s, plus `extra` in the slots listed, folded into a
// dense base of its own (more entries than a delta holds).
VectorClock dense_clock(Clock base, std::initializer_list<Slot> raised = {}, Clock extra = 0) {
  VectorClock c;
  for (Slot s = 0; s < kSlots; ++s) {
    const bool up = std::find(raised.begin(), raised.end(), s) != raised.end();
    c.set(s, base + s + (up ? extra : 0));
  }
  return c;
}
void expect_values(const VectorClock& c, Clock base, std::initializer_list<Slot> raised,
                   Clock extra) {
  for (Slot s = 0; s < kSlots; ++s) {
    const bool up = std::find(raised.begin(), raised.end(), s) != raised.end();
    ASSERT_EQ(c.get(s), base + s + (up ? extra : 0)) << "slot " << s;
  }
}
}  // namespace dense

TEST(DetectorClock, DenseJoinOfAFewHigherSlotsKeepsOurBase) {
  using namespace dense;
  VectorClock a = dense_clock(10);
  VectorClock b = dense_clock(10, {3, 150, 399}, 1000);
  ASSERT_NE(a.base(), nullptr);
  ASSERT_NE(a.base(), b.base());
  const ClockBase* before = a.base();
  a.join(b);
  EXPECT_EQ(a.base(), before);  // b's three higher slots went into a's delta
  expect_values(a, 10, {3, 150, 399}, 1000);
  expect_values(b, 10, {3, 150, 399}, 1000);
  // b moves on in its delta only: joining it again costs its delta, not the slots.
  b.set(7, 5000);
  const std::size_t work = a.join(b);
  EXPECT_LT(work, kSlots / 8);
  EXPECT_EQ(a.get(7), 5000u);
  EXPECT_EQ(a.get(150), 10u + 150 + 1000);
}

TEST(DetectorClock, DenseJoinAdoptsABaseThatKnowsMore) {
  using namespace dense;
  // b's base is above a's in every slot: a takes it, and a's delta (one slot) still counts.
  VectorClock a = dense_clock(10);
  a.set(5, 100000);
  VectorClock b = dense_clock(20);
  a.join(b);
  EXPECT_EQ(a.base(), b.base());
  for (Slot s = 0; s < kSlots; ++s) ASSERT_EQ(a.get(s), s == 5 ? 100000 : 20 + s) << "slot " << s;
  expect_values(b, 20, {}, 0);
  // Above b in one slot of its base, a keeps a base of its own (built or raised).
  VectorClock c = dense_clock(10, {7}, 10000);
  c.join(b);
  EXPECT_NE(c.base(), b.base());
  for (Slot s = 0; s < kSlots; ++s) ASSERT_EQ(c.get(s), s == 7 ? 10017 : 20 + s) << "slot " << s;
}

TEST(DetectorClock, DenseJoinInPlaceLeavesSharersAlone) {
  using namespace dense;
  // a and b each higher in half the slots: no delta holds the difference either way.
  VectorClock a, b;
  for (Slot s = 0; s < kSlots; ++s) {
    a.set(s, s % 2 == 0 ? 100 : 1);
    b.set(s, s % 2 == 0 ? 1 : 100);
  }
  VectorClock shared;
  shared.copy_from(a);  // shares a's base: a's join must not write it
  a.join(b);
  VectorClock alone = a;  // a copy, then a's base is shared again
  for (Slot s = 0; s < kSlots; ++s) {
    ASSERT_EQ(a.get(s), 100u) << "slot " << s;
    ASSERT_EQ(shared.get(s), s % 2 == 0 ? 100u : 1u) << "slot " << s;
    ASSERT_EQ(b.get(s), s % 2 == 0 ? 1u : 100u) << "slot " << s;
  }
  // c's base is its own (no copy shares it): raised in place, and a, b and their copies
  // keep their values.
  VectorClock c;
  for (Slot s = 0; s < kSlots; ++s) c.set(s, s % 3 == 0 ? 500 : 2);
  const ClockBase* before = c.base();
  c.join(a);
  EXPECT_EQ(c.base(), before);
  for (Slot s = 0; s < kSlots; ++s) {
    ASSERT_EQ(c.get(s), s % 3 == 0 ? 500u : 100u) << "slot " << s;
    ASSERT_EQ(a.get(s), 100u) << "slot " << s;
    ASSERT_EQ(alone.get(s), 100u) << "slot " << s;
  }
  // Raised in place, the base is another: a clock that joined the old one is not taken to
  // cover the new values.
  VectorClock e, f;
  for (Slot s = 0; s < kSlots; ++s) {
    e.set(s, s % 5 == 0 ? 10000 : 1);  // above c in 80 slots, below in the rest
    f.set(s, s % 2 == 1 ? 700 : 1);     // above c in every odd slot
  }
  const ClockBase* e_before = e.base();
  e.join(c);
  ASSERT_EQ(e.base(), e_before);  // in place: e's base now lists c's as covered
  c.join(f);
  ASSERT_EQ(c.base(), before);  // in place again
  c.set(0, 20000);
  e.join(c);
  EXPECT_EQ(e.get(0), 20000u);
  for (Slot s = 1; s < kSlots; ++s) {
    const Clock want = s % 5 == 0 ? 10000 : s % 2 == 1 ? 700 : s % 3 == 0 ? 500 : 100;
    ASSERT_EQ(e.get(s), want) << "slot " << s;
  }
}

// Random operations over clocks that span every slot (dense bases), with joins between
// clocks that differ in a few slots and in many: every path of the dense join (delta, adopt,
// in place, built) against the model.
TEST(DetectorClock, RandomDenseOperationsMatchAModel) {
  std::mt19937_64 rng(7);
  constexpr int kClocks = 8;
  constexpr Slot kSlots = 320;
  ClockModel m(kClocks, kSlots);
  for (int i = 0; i < kClocks; ++i)
    for (Slot s = 0; s < kSlots; ++s) m.set(i, s, 1 + rng() % 50);
  Clock next = 100;
  for (int step = 0; step < 6000; ++step) {
    const int i = static_cast<int>(rng() % kClocks), j = static_cast<int>(rng() % kClocks);
    switch (rng() % 6) {
      case 0:
      case 1:  // a goroutine's tick
        m.set(i, static_cast<Slot>(rng() % kSlots), ++next);
        break;
      case 2:  // a burst: many slots move (a compaction, a join that differs everywhere)
        for (int k = 0; k < 90; ++k) m.set(i, static_cast<Slot>(rng() % kSlots), ++next);
        break;
      case 3:
      case 4:
        m.join(i, j);
        break;
      case 5:
        m.copy(i, j);
        break;
    }
    if (step % 61 == 0) {
      ASSERT_TRUE(m.matches(step));
    }
  }
  ASSERT_TRUE(m.matches(6000));
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

// Goroutines spawned one after another hold successive snapshots of their parent's clock
// (bases of the parent's, which grows); released by a gate (a copy of the parent's clock,
// like a channel's close), they pass a mutex along in some order (join, then copy: a
// release_store) and a WaitGroup joins each of them in another order (the engine folds
// pending releases in batches). Every base met is built from an earlier one of the same
// clock or of the mutex's line of holders, so each join finds ours dominates theirs (or the
// reverse) and merges deltas only. Known only by the few ids a base lists (`covers`), most
// of them look unrelated, and those joins build bases of up to n entries: 1.1 * 10^8 entries
// in all here, against 3.8 * 10^6 with chains (December 2026).
TEST(DetectorClock, SnapshotsOfAGrowingClockJoinWithoutRebuilding) {
  constexpr Slot kN = 10000;
  std::vector<VectorClock> gs(kN);
  VectorClock parent, gate, mutex, wg;
  std::size_t work = 0;
  work += parent.set(0, 1);
  for (Slot i = 0; i < kN; ++i) {  // spawn: copy, the child's own slot, the parent's tick
    work += gs[i].copy_from(parent);
    work += gs[i].set(i + 1, 1);
    work += parent.set(0, i + 2);
  }
  work += gate.copy_from(parent);
  std::vector<Slot> order(kN);
  for (Slot i = 0; i < kN; ++i) order[i] = i;
  std::mt19937_64 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  for (Slot i : order) {
    work += gs[i].join(gate);
    work += gs[i].join(mutex);
    work += mutex.copy_from(gs[i]);
    work += gs[i].set(i + 1, 2);  // the unlock's tick
  }
  std::shuffle(order.begin(), order.end(), rng);
  for (Slot i : order) work += wg.join(gs[i]);
  EXPECT_EQ(wg.get(0), Clock{kN} + 1);
  for (Slot i = 0; i < kN; ++i) {
    ASSERT_EQ(wg.get(i + 1), 2u) << "slot " << i + 1;
    ASSERT_EQ(mutex.get(i + 1), 1u) << "slot " << i + 1;
  }
  const double n = kN;
  EXPECT_LE(static_cast<double>(work), 8 * n * std::sqrt(n));
}

}  // namespace
}  // namespace weft::det
