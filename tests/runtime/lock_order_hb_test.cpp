// lock_order_hb_test.cpp — lock-order inversions refined by happens-before, under explore:
// a "cycle" whose two acquisitions are separated by a channel handoff or a join can never
// close, so no schedule reports it; the same locks without the handoff are a real deadlock
// and are reported.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>

#include "weft/gtest.hpp"
#include "weft/weft.hpp"

namespace lock_order_hb_test {  // this file's names, apart from the other tests' in a unity build

namespace {

// "ab" takes A then B; "ba" takes B then A. With `handoff`, "ab" sends on a channel after it
// has released both and "ba" receives before it takes B: the two holding periods are ordered
// in every schedule. Without it the two can interleave into a deadlock.
void two_orders(bool handoff) {
  auto a = std::make_shared<weft::Mutex>();
  auto b = std::make_shared<weft::Mutex>();
  auto done = weft::make_chan<int>();
  weft::WaitGroup wg;
  wg.add(2);
  weft::go([&] {
    {
      std::lock_guard la(*a);
      std::lock_guard lb(*b);
    }
    if (handoff) done.send(1);
    wg.done();
  });
  weft::go([&] {
    if (handoff) done.recv();
    {
      std::lock_guard lb(*b);
      std::lock_guard la(*a);
    }
    wg.done();
  });
  wg.wait();
}

// The same with a join: "ab" runs as a goroutine main waits for, then main takes B then A.
void join_then_other_order() {
  weft::Mutex a, b;
  weft::WaitGroup wg;
  wg.add(1);
  weft::go([&] {
    std::lock_guard la(a);
    std::lock_guard lb(b);
    wg.done();
  });
  wg.wait();
  std::lock_guard lb(b);
  std::lock_guard la(a);
}

TEST(LockOrderHb, ACycleOrderedByAChannelHandoffIsNeverReported) {
  weft::gtest::expect_every_schedule_passes([] { two_orders(true); },
                                            weft::gtest::isolated(300));
}

TEST(LockOrderHb, ACycleOrderedByAJoinIsNeverReported) {
  weft::gtest::expect_every_schedule_passes(join_then_other_order, weft::gtest::isolated(300));
}

TEST(LockOrderHb, TheSameLocksWithoutTheHandoffAreReported) {
  auto r = weft::explore([] { two_orders(false); }, weft::gtest::isolated(300));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.failure->kind == weft::FailureKind::lock_order ||
              r.failure->kind == weft::FailureKind::deadlock)
      << r;
  if (r.failure->kind == weft::FailureKind::lock_order) {
    EXPECT_EQ(r.failure->cycle.size(), 2u) << r;
  }
}

}  // namespace

}  // namespace lock_order_hb_test
