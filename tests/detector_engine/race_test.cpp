// race_test.cpp — happens-before and FastTrack epochs on whole-variable accesses.
#include "trace.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace weft::det::testing {
namespace {

TEST(DetectorRace, SameGoroutineNeverRaces) {
  Trace t;
  t.write(1, kX, 10);
  t.read(1, kX, 11);
  t.update(1, kX, 12);
  t.write(1, kX, 13);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, WriteWriteBetweenSiblings) {
  Trace t;
  t.go(2, 1, "a");
  t.go(3, 1, "b");
  t.write(2, kX, 10);
  t.write(3, kX, 11);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  const Report& r = reports[0];
  EXPECT_EQ(r.kind, ReportKind::data_race);
  EXPECT_EQ(r.current.kind, Access::write);
  EXPECT_EQ(r.current.goroutine.id, 3u);
  EXPECT_EQ(r.current.goroutine.name, "b");
  EXPECT_EQ(r.current.stack.at(0).line, 11u);
  EXPECT_EQ(r.previous.kind, Access::write);
  EXPECT_EQ(r.previous.goroutine.id, 2u);
  EXPECT_EQ(r.previous.stack.at(0).line, 10u);
  EXPECT_EQ(r.address, kX);
  EXPECT_EQ(r.size, 8u);
}

TEST(DetectorRace, WriteThenConcurrentRead) {
  Trace t;
  t.go(2, 1);
  t.write(2, kX, 10);
  t.read(1, kX, 11);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].current.kind, Access::read);
  EXPECT_EQ(reports[0].previous.kind, Access::write);
}

TEST(DetectorRace, ReadThenConcurrentWrite) {
  Trace t;
  t.go(2, 1);
  t.read(2, kX, 10);
  t.write(1, kX, 11);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].current.kind, Access::write);
  EXPECT_EQ(reports[0].previous.kind, Access::read);
  EXPECT_EQ(reports[0].previous.goroutine.id, 2u);
}

TEST(DetectorRace, ConcurrentReadsAreNotARace) {
  Trace t;
  t.write(1, kX, 9);
  t.go(2, 1);
  t.go(3, 1);
  t.read(2, kX, 10);
  t.read(3, kX, 11);
  t.read(1, kX, 12);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, SpawnOrdersParentBeforeChild) {
  Trace t;
  t.write(1, kX, 10);
  t.go(2, 1);
  t.write(2, kX, 11);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, ParentAfterSpawnIsConcurrentWithChild) {
  Trace t;
  t.go(2, 1);
  t.write(1, kX, 10);
  t.write(2, kX, 11);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorRace, ReleaseAcquireOrders) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.acquire(3, sync_obj(0));
  t.write(3, kX, 11);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, AcquireBeforeReleaseDoesNotOrder) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.d.acquire(3, sync_obj(0));
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.write(3, kX, 11);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorRace, AccessAfterReleaseIsNotPublished) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.d.release(2, sync_obj(0));
  t.write(2, kX, 10);  // after the release: not covered by it
  t.d.acquire(3, sync_obj(0));
  t.write(3, kX, 11);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorRace, ReleaseJoinsAllReleasers) {
  Trace t;  // a WaitGroup: two workers Done, main Waits
  t.go(2, 1);
  t.go(3, 1);
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.write(3, kY, 11);
  t.d.release(3, sync_obj(0));
  t.d.acquire(1, sync_obj(0));
  t.read(1, kX, 12);
  t.write(1, kY, 13);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, ReleaseStoreReplacesTheSyncClock) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.go(4, 1);
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.release_store(3, sync_obj(0));  // overwrites: 2's write is no longer published
  t.d.acquire(4, sync_obj(0));
  t.write(4, kX, 11);
  EXPECT_EQ(t.races(), 1u);
}

TEST(DetectorRace, ReleaseKeepsEarlierReleasers) {
  Trace t;  // same as above with release instead of release_store: no race
  t.go(2, 1);
  t.go(3, 1);
  t.go(4, 1);
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.release(3, sync_obj(0));
  t.d.acquire(4, sync_obj(0));
  t.write(4, kX, 11);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, HappensBeforeIsTransitive) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.go(4, 1);
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.acquire(3, sync_obj(0));
  t.d.release(3, sync_obj(1));
  t.d.acquire(4, sync_obj(1));
  t.write(4, kX, 11);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, SyncFreeDropsTheClock) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.write(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.sync_free(sync_obj(0));
  t.d.acquire(3, sync_obj(0));
  t.write(3, kX, 11);
  EXPECT_EQ(t.races(), 1u);
  EXPECT_EQ(t.d.stats().sync_objects, 0u);
}

TEST(DetectorRace, ReadSharedThenWriteOrderedAfterOnlyOneReader) {
  Trace t;
  t.write(1, kX, 9);
  t.go(2, 1, "r1");
  t.go(3, 1, "r2");
  t.go(4, 1, "w");
  t.read(2, kX, 10);
  t.read(3, kX, 11);  // concurrent with 2's read: read set
  t.d.release(2, sync_obj(0));
  t.d.acquire(4, sync_obj(0));
  t.write(4, kX, 12);  // ordered after r1, not after r2
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.kind, Access::read);
  EXPECT_EQ(reports[0].previous.goroutine.id, 3u);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 11u);
}

TEST(DetectorRace, ReadSharedThenWriteOrderedAfterAllReaders) {
  Trace t;
  t.go(2, 1);
  t.go(3, 1);
  t.read(2, kX, 10);
  t.read(3, kX, 11);
  t.d.release(2, sync_obj(0));
  t.d.release(3, sync_obj(0));
  t.d.acquire(1, sync_obj(0));
  t.write(1, kX, 12);
  t.read(2, kX, 13);  // after the write, unordered: races with it
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].current.stack.at(0).line, 13u);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 12u);
}

TEST(DetectorRace, OrderedReadsStayAnEpoch) {
  Trace t;  // reader 2 then reader 3 ordered after it; then a write ordered after 3 only
  t.go(2, 1);
  t.go(3, 1);
  t.read(2, kX, 10);
  t.d.release(2, sync_obj(0));
  t.d.acquire(3, sync_obj(0));
  t.read(3, kX, 11);
  t.d.release(3, sync_obj(1));
  t.d.acquire(1, sync_obj(1));
  t.write(1, kX, 12);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, UpdateConflictsLikeAWrite) {
  Trace t;
  t.go(2, 1);
  t.read(1, kX, 10);
  t.update(2, kX, 11);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].current.kind, Access::update);
  EXPECT_EQ(reports[0].previous.kind, Access::read);
}

TEST(DetectorRace, RepeatedAccessesInOneEpochAreCounted) {
  Trace t;
  for (int i = 0; i < 100; ++i) t.write(1, kX, 10);
  EXPECT_EQ(t.d.stats().accesses, 100u);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, UnknownGoroutineStartsAsRoot) {
  Trace t;
  t.write(7, kX, 10);  // no go_start: a root, concurrent with main
  t.write(1, kX, 11);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.goroutine.id, 7u);
}

TEST(DetectorRace, ZeroSizeAccessIsIgnored) {
  Trace t;
  t.go(2, 1);
  t.write(2, kX, 10, 0);
  t.write(1, kX, 11, 0);
  EXPECT_EQ(t.races(), 0u);
  EXPECT_EQ(t.d.stats().granules, 0u);
}

TEST(DetectorRace, CallsFromManyThreadsAreSerialised) {
  Detector d;
  d.go_start(1, 0, "main", at(1));
  for (GoId g = 2; g < 6; ++g) d.go_start(g, 1, "w", at(2));
  std::vector<std::thread> threads;
  for (GoId g = 2; g < 6; ++g) {
    threads.emplace_back([&d, g] {
      for (std::uintptr_t i = 0; i < 2000; ++i) {
        d.access(g, addr(g * 0x100000 + 8 * i), 8, Access::write, at(10));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(d.report_count(), 0u);
  EXPECT_EQ(d.stats().accesses, 8000u);
}

}  // namespace
}  // namespace weft::det::testing
