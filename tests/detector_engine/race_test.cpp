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

// One object released by many goroutines whose clocks span many slots and share no base (a
// shared_ptr's count dropped by every holder: weft_happens_before). Such a release is kept as
// a copy of the goroutine's clock until the object is acquired, and a goroutine's later
// release replaces its earlier copy (Engine::defer_release): the acquirer must still be
// ordered after everything each releaser did before its last release, and after nothing it
// did later.
namespace many_releasers {
constexpr GoId kFirst = 2;
constexpr int kWorkers = 300;
std::uintptr_t var(GoId g) { return 0x100000 + 64 * static_cast<std::uintptr_t>(g); }
std::uintptr_t later_var(GoId g) { return 0x800000 + 64 * static_cast<std::uintptr_t>(g); }
const void* kShared = sync_obj(7);

// Workers 2..301, each after the previous of its chain (two chains, two locks handed along:
// clocks over hundreds of slots, the two chains' bases unrelated); each then writes its
// variable and releases kShared; every third releases it again at once after writing
// later_var.
void run_workers(Trace& t, GoId late_writer) {
  for (GoId g = kFirst; g < kFirst + kWorkers; ++g) t.go(g, 1);
  for (GoId g = kFirst; g < kFirst + kWorkers; ++g) {
    t.d.acquire(g, sync_obj(static_cast<int>(g % 2)));
    t.write(g, var(g), 20);
    t.d.release_store(g, sync_obj(static_cast<int>(g % 2)));
  }
  for (GoId g = kFirst; g < kFirst + kWorkers; ++g) {
    t.d.release(g, kShared);
    if ((g - kFirst) % 3 == 0) {  // again, replacing the copy its first release left
      t.write(g, later_var(g), 21);
      t.d.release(g, kShared);
    }
  }
  t.write(late_writer, kY, 22);  // after its last release: not published
}
}  // namespace many_releasers

TEST(DetectorRace, ManyReleasersAreAllJoinedByTheAcquirer) {
  using namespace many_releasers;
  Trace t;
  run_workers(t, kFirst + 1);
  t.d.acquire(1, kShared);
  for (GoId g = kFirst; g < kFirst + kWorkers; ++g) t.read(1, var(g), 30);
  for (GoId g = kFirst; g < kFirst + kWorkers; g += 3) t.read(1, later_var(g), 31);
  EXPECT_EQ(t.races(), 0u);
}

TEST(DetectorRace, ManyReleasersPublishNothingAfterTheirLastRelease) {
  using namespace many_releasers;
  Trace t;
  run_workers(t, kFirst + 1);
  t.d.acquire(1, kShared);
  t.read(1, kY, 32);
  auto reports = t.d.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].previous.goroutine.id, kFirst + 1);
  EXPECT_EQ(reports[0].previous.stack.at(0).line, 22u);
  EXPECT_EQ(reports[0].current.stack.at(0).line, 32u);
}

TEST(DetectorRace, ManyReleasersAreDroppedByAReleaseStore) {
  using namespace many_releasers;
  Trace t;
  run_workers(t, kFirst + 1);
  t.go(kFirst + kWorkers, 1);
  t.d.release_store(kFirst + kWorkers, kShared);  // replaces every release before it
  t.d.acquire(1, kShared);
  t.read(1, var(kFirst + 4), 33);
  EXPECT_EQ(t.races(), 1u);
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
