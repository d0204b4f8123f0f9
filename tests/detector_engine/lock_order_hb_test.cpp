// lock_order_hb_test.cpp — the happens-before refinement of lock-order cycles: a cycle whose
// acquisitions are ordered by a channel handoff, a join or a spawn cannot close and is not
// reported; mutexes' own edges never order a cycle.
#include "trace.hpp"

#include <gtest/gtest.h>

// Its own namespace: its A, B and nested() differ from lock_order_test.cpp's, which share a
// unity batch with it.
namespace weft::det::testing::hb {
namespace {

const void* const A = sync_obj(1);
const void* const B = sync_obj(2);
const void* const ch = sync_obj(20);  // a channel slot, a WaitGroup: any sync object

// g locks `first` then `second` and unlocks both, with the happens-before events the runtime
// sends for a Mutex (acquire before the lock is recorded, release_store before the unlock).
void nested(Detector& d, GoId g, const void* first, const void* second, std::uint32_t l) {
  d.acquire(g, first);
  d.lock_acquired(g, first, true, at(l));
  d.acquire(g, second);
  d.lock_acquired(g, second, true, at(l + 1));
  d.release_store(g, second);
  d.lock_released(g, second);
  d.release_store(g, first);
  d.lock_released(g, first);
}

TEST(DetectorLockOrderHb, MutexEdgesAloneDoNotOrderACycle) {
  // The schedule ran "ab" entirely before "ba", and B's unlock → lock is a happens-before
  // edge, but another schedule can interleave them: reported.
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  nested(t.d, 2, A, B, 10);
  nested(t.d, 3, B, A, 20);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, ReportKind::lock_order_inversion);
}

TEST(DetectorLockOrderHb, AChannelHandoffBetweenTheAcquisitionsOrdersTheCycle) {
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  nested(t.d, 2, A, B, 10);
  t.d.release(2, ch);  // send
  t.d.acquire(3, ch);  // the matching receive
  nested(t.d, 3, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 0u);
}

TEST(DetectorLockOrderHb, AJoinOrdersTheCycle) {
  // "ab" ends with WaitGroup.Done; main's Wait returns, then main takes the other order.
  Trace t;
  t.go(2, 1, "ab");
  nested(t.d, 2, A, B, 10);
  t.d.release(2, ch);
  t.d.go_end(2);
  t.d.acquire(1, ch);
  nested(t.d, 1, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 0u);
}

TEST(DetectorLockOrderHb, ASpawnAfterTheAcquisitionsOrdersTheCycle) {
  Trace t;
  t.go(2, 1, "ab");
  nested(t.d, 2, A, B, 10);
  t.go(3, 2, "ba");  // spawned by "ab" after its acquisitions
  nested(t.d, 3, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 0u);
}

TEST(DetectorLockOrderHb, AHandoffAfterTheFirstLockDoesNotOrder) {
  // "ba" already holds B when it receives: "ab" may then hold A and wait for B while "ba"
  // waits for the message — the handoff does not separate the two holding periods.
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  t.d.acquire(3, B);
  t.d.lock_acquired(3, B, true, at(20));
  nested(t.d, 2, A, B, 10);  // (in this trace B's holder is ignored: events only)
  t.d.release(2, ch);
  t.d.acquire(3, ch);
  t.d.acquire(3, A);
  t.d.lock_acquired(3, A, true, at(21));
  EXPECT_EQ(t.d.take_reports().size(), 1u);
}

TEST(DetectorLockOrderHb, AnUnorderedLaterRoundIsReported) {
  // Round 1 is ordered by a handoff; then "ab" takes its locks again, with nothing ordering
  // that round against "ba"'s round (which started after the handoff only): reported.
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  nested(t.d, 2, A, B, 10);
  t.d.release(2, ch);
  t.d.acquire(3, ch);
  nested(t.d, 3, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 0u);
  nested(t.d, 2, A, B, 10);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports[0].cycle.size(), 2u);
  EXPECT_EQ(reports[0].cycle[0].goroutine.name, "ba");
  EXPECT_EQ(reports[0].cycle[1].goroutine.name, "ab");  // the edge taken again closes it
}

TEST(DetectorLockOrderHb, OrderIsPerPairAndAThirdGoroutineCanStillClose) {
  // "ab" → handoff → "ba" is ordered, but "ab2" takes A→B concurrently with "ba".
  Trace t;
  t.go(2, 1, "ab");
  t.go(3, 1, "ba");
  t.go(4, 1, "ab2");
  nested(t.d, 2, A, B, 10);
  t.d.release(2, ch);
  t.d.acquire(3, ch);
  nested(t.d, 3, B, A, 20);
  EXPECT_EQ(t.d.take_reports().size(), 0u);
  nested(t.d, 4, A, B, 30);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports[0].cycle.size(), 2u);
  EXPECT_EQ(reports[0].cycle[0].goroutine.name, "ba");
  EXPECT_EQ(reports[0].cycle[1].goroutine.name, "ab2");
  EXPECT_EQ(reports[0].cycle[1].held_at.at(0).line, 30u);
}

TEST(DetectorLockOrderHb, AReadersUnlockDoesNotOrderTheWriter) {
  // "r" holds B and read-locks A; RUnlock releases to A's separate reader address, which the
  // writer acquires. That is a lock's edge: "w" (Lock A, then B) can still deadlock with "r".
  const void* const a_readers = sync_obj(30);
  Trace t;
  t.go(2, 1, "r");
  t.go(3, 1, "w");
  t.d.acquire(2, B);
  t.d.lock_acquired(2, B, true, at(10));
  t.d.acquire(2, A);
  t.d.lock_acquired(2, A, false, at(11));  // RLock
  t.d.release(2, a_readers);               // RUnlock
  t.d.lock_released(2, A);
  t.d.release_store(2, B);
  t.d.lock_released(2, B);
  t.d.acquire(3, A);
  t.d.acquire(3, a_readers);  // Lock waits for the readers
  t.d.lock_acquired(3, A, true, at(20));
  t.d.acquire(3, B);
  t.d.lock_acquired(3, B, true, at(21));
  EXPECT_EQ(t.d.take_reports().size(), 1u);
}

}  // namespace
}  // namespace weft::det::testing::hb
