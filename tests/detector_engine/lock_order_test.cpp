// lock_order_test.cpp — the lock-order graph and lock-order-inversion reports.
#include "trace.hpp"

#include <gtest/gtest.h>

namespace weft::det::testing {
namespace {

const void* const A = sync_obj(1);
const void* const B = sync_obj(2);
const void* const C = sync_obj(3);

// g locks `first` then `second` (at lines l, l+1), then unlocks both.
void nested(Detector& d, GoId g, const void* first, const void* second, std::uint32_t l,
            bool exclusive = true) {
  d.lock_acquired(g, first, exclusive, at(l));
  d.lock_acquired(g, second, exclusive, at(l + 1));
  d.lock_released(g, second);
  d.lock_released(g, first);
}

TEST(DetectorLockOrder, TwoLockCycle) {
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  nested(t.d, 2, A, B, 10);
  EXPECT_EQ(t.races(), 0u);
  nested(t.d, 3, B, A, 20);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  const Report& r = reports[0];
  EXPECT_EQ(r.kind, ReportKind::lock_order_inversion);
  ASSERT_EQ(r.cycle.size(), 2u);
  // The old edge A→B by "ab", then the new edge B→A by "ba" that closed the cycle.
  EXPECT_EQ(r.cycle[0].held, reinterpret_cast<std::uintptr_t>(A));
  EXPECT_EQ(r.cycle[0].acquired, reinterpret_cast<std::uintptr_t>(B));
  EXPECT_EQ(r.cycle[0].goroutine.name, "ab");
  EXPECT_EQ(r.cycle[0].held_at.at(0).line, 10u);
  EXPECT_EQ(r.cycle[0].acquired_at.at(0).line, 11u);
  EXPECT_EQ(r.cycle[1].goroutine.name, "ba");
  EXPECT_EQ(r.cycle[1].held_at.at(0).line, 20u);
  EXPECT_EQ(r.cycle[1].acquired_at.at(0).line, 21u);
}

TEST(DetectorLockOrder, ThreeLockCycle) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.go(4, 1);
  nested(t.d, 2, A, B, 10);
  nested(t.d, 3, B, C, 20);
  EXPECT_EQ(t.races(), 0u);
  nested(t.d, 4, C, A, 30);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports[0].cycle.size(), 3u);
  EXPECT_EQ(reports[0].cycle[0].goroutine.id, 2u);
  EXPECT_EQ(reports[0].cycle[1].goroutine.id, 3u);
  EXPECT_EQ(reports[0].cycle[2].goroutine.id, 4u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reports[0].cycle[i].acquired, reports[0].cycle[(i + 1) % 3].held);
  }
}

TEST(DetectorLockOrder, ConsistentOrderIsFine) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  for (int i = 0; i < 3; ++i) {
    nested(t.d, 2, A, B, 10);
    nested(t.d, 3, A, B, 20);
    nested(t.d, 3, B, C, 30);
    nested(t.d, 2, A, C, 40);
  }
  EXPECT_EQ(t.races(), 0u);
  EXPECT_EQ(t.d.stats().lock_edges, 3u);
}

TEST(DetectorLockOrder, InversionInOneGoroutineCounts) {
  Trace t;  // the two orders on two code paths of one goroutine: still a potential deadlock
  nested(t.d, 1, A, B, 10);
  nested(t.d, 1, B, A, 20);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorLockOrder, ReportedOncePerCycle) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  for (int i = 0; i < 5; ++i) {
    nested(t.d, 2, A, B, 10);
    nested(t.d, 3, B, A, 20);
  }
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorLockOrder, SharedAcquisitionsCount) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  nested(t.d, 2, A, B, 10, /*exclusive=*/false);
  nested(t.d, 3, B, A, 20, /*exclusive=*/true);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].cycle[0].exclusive);
  EXPECT_TRUE(reports[0].cycle[1].exclusive);
}

TEST(DetectorLockOrder, ReleasedLocksAddNoEdges) {
  Trace t;
  t.d.lock_acquired(1, A, true, at(10));
  t.d.lock_released(1, A);
  t.d.lock_acquired(1, B, true, at(11));
  t.d.lock_released(1, B);
  EXPECT_EQ(t.d.stats().lock_edges, 0u);
}

TEST(DetectorLockOrder, ReacquiringAHeldLockAddsNoSelfEdge) {
  Trace t;
  t.d.lock_acquired(1, A, false, at(10));
  t.d.lock_acquired(1, A, false, at(11));  // a second RLock
  EXPECT_EQ(t.d.stats().lock_edges, 0u);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorLockOrder, FreedMutexLeavesTheGraph) {
  Trace t;
  nested(t.d, 1, A, B, 10);
  t.d.sync_free(A);  // A's memory now holds another mutex
  EXPECT_EQ(t.d.stats().lock_edges, 0u);
  nested(t.d, 1, B, A, 20);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorLockOrder, EndedGoroutineHoldsNothing) {
  Trace t;
  t.go(2, 1);
  t.d.lock_acquired(2, A, true, at(10));
  t.d.go_end(2);  // died holding A (the runtime reports that elsewhere)
  t.go(2, 1);
  t.d.lock_acquired(2, B, true, at(11));
  EXPECT_EQ(t.d.stats().lock_edges, 0u);
}

}  // namespace
// Gate locks (GoodLock): g locks `gate`, then `first` and `second`, then unlocks all three.
void gated(Detector& d, GoId g, const void* gate, const void* first, const void* second,
           std::uint32_t l, bool gate_exclusive = true) {
  d.lock_acquired(g, gate, gate_exclusive, at(l));
  nested(d, g, first, second, l + 1);
  d.lock_released(g, gate);
}

const void* const G = sync_obj(9);
const void* const H = sync_obj(10);

TEST(DetectorLockOrderGates, ACommonGateLockMeansTheCycleCannotClose) {
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  gated(t.d, 2, G, A, B, 10);
  gated(t.d, 3, G, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 0u);
}

TEST(DetectorLockOrderGates, DiningPhilosophersUnderAWaiterAreNotReported) {
  Trace t;
  const void* forks[] = {A, B, C, H};
  for (GoId g = 2; g < 6; ++g) t.go(g, 1);
  for (std::uint32_t i = 0; i < 4; ++i) {
    gated(t.d, 2 + i, G, forks[i], forks[(i + 1) % 4], 10 * (i + 1));
  }
  EXPECT_EQ(t.d.take_reports().size(), 0u);
}

TEST(DetectorLockOrderGates, AnAcquisitionWithoutTheGateIsReported) {
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  gated(t.d, 2, G, A, B, 10);
  nested(t.d, 3, B, A, 20);  // no gate
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, ReportKind::lock_order_inversion);
}

TEST(DetectorLockOrderGates, DifferentGatesDoNotSerialise) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  gated(t.d, 2, G, A, B, 10);
  gated(t.d, 3, H, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 1u);
}

TEST(DetectorLockOrderGates, AGateHeldForReadingIsNoGate) {
  // Two readers of G run together, so G orders nothing between them.
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  gated(t.d, 2, G, A, B, 10, /*gate_exclusive=*/false);
  gated(t.d, 3, G, B, A, 20, /*gate_exclusive=*/false);
  EXPECT_EQ(t.d.take_reports().size(), 1u);
}

TEST(DetectorLockOrderGates, AnEdgeThatLosesItsGateLaterClosesTheCycle) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.go(4, 1);
  gated(t.d, 2, G, A, B, 10);
  gated(t.d, 3, G, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 0u);
  nested(t.d, 4, A, B, 30);  // the same order as before, but now without the gate
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].cycle.size(), 2u);
}

TEST(DetectorLockOrderGates, AnUngatedPathIsFoundBesideAGatedOne) {
  // B→A closes two cycles with A→B (gated by G, like B→A) and A→C→B (no gate): the second
  // is a real inversion and must be reported.
  Trace t;
  for (GoId g = 2; g < 6; ++g) t.go(g, 1);
  gated(t.d, 2, G, A, B, 10);
  nested(t.d, 3, A, C, 20);
  nested(t.d, 4, C, B, 30);
  gated(t.d, 5, G, B, A, 40);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].cycle.size(), 3u);
}

}  // namespace weft::det::testing
